"""The exception hierarchy: everything the SDK raises derives from :class:`ProjectXError`.

Messages never carry credentials or tokens: every string argument of a ``ProjectXError`` goes
through :func:`redact` (the registered secret values of :mod:`projectx.redaction`, in every
spelling, plus the token/key patterns below).
"""

from __future__ import annotations

import re

from projectx.redaction import scrub

__all__ = [
    "APIError",
    "AuthenticationError",
    "CircuitOpenError",
    "ConnectionError",
    "OrderRejectedError",
    "OrderSubmissionUncertainError",
    "ProjectXError",
    "RateLimitError",
    "ValidationError",
    "redact",
]

_JWT = re.compile(r"eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
_BEARER = re.compile(
    r"(?i)(bearer\s+|access_token=|(?:api_?key|password|verify_?key)[\"']?\s*[:=]\s*[\"']?)"
    r"[^\s\"'&,}]+"
)


def redact(text: str) -> str:
    """Mask the SDK's known secrets (by value, any spelling: :func:`projectx.redaction.scrub`)
    and anything that looks like a JWT, bearer token, API key, password or verify key (JSON,
    Python-repr, query-string and ``key: value`` spellings)."""
    return _BEARER.sub(r"\1***", _JWT.sub("***", scrub(text)))


class ProjectXError(Exception):
    """Base class of every error raised by projectx (string arguments are redacted)."""

    def __init__(self, *args: object) -> None:
        super().__init__(*(redact(a) if isinstance(a, str) else a for a in args))


class ValidationError(ProjectXError, ValueError):
    """Bad input caught before anything was sent.

    For example an unknown timeframe, a size <= 0 or an off-tick price.
    """


class AuthenticationError(ProjectXError):
    """Login failed or the session could not be refreshed."""


class ConnectionError(ProjectXError):  # deliberately shadows the builtin, namespaced under projectx
    """The Gateway could not be reached, or a hub connection failed."""


class CircuitOpenError(ConnectionError):
    """Calls are refused for a while after repeated failures."""


class APIError(ProjectXError):
    """The Gateway answered with an error: an HTTP status and/or an endpoint ``errorCode``."""

    def __init__(
        self,
        message: str,
        *,
        endpoint: str | None = None,
        status: int | None = None,
        error_code: int | None = None,
    ) -> None:
        super().__init__(redact(message))
        self.endpoint = endpoint
        self.status = status
        self.error_code = error_code


class RateLimitError(APIError):
    """HTTP 429, or the client-side limiter would exceed the documented limits."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kw: object) -> None:
        super().__init__(message, **kw)  # type: ignore[arg-type]
        self.retry_after = retry_after


class OrderRejectedError(APIError):
    """``Order/place`` (or modify/cancel) answered ``success: false``."""

    def __init__(self, message: str, *, order_id: int | None = None, **kw: object) -> None:
        super().__init__(message, **kw)  # type: ignore[arg-type]
        self.order_id = order_id


class OrderSubmissionUncertainError(ProjectXError):
    """A mutating call's outcome is unknown (timeout, dropped connection after sending).

    The order is never re-sent blindly: reconcile it by ``custom_tag``.
    """

    def __init__(self, message: str, *, custom_tag: str) -> None:
        super().__init__(redact(message))
        self.custom_tag = custom_tag
