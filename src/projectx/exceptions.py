"""The exception hierarchy: everything the SDK raises derives from :class:`ProjectXError`.

Messages never carry credentials or tokens: every string argument of a ``ProjectXError`` goes
through :func:`redact` (the registered secret values of :mod:`projectx.redaction`, in every
spelling, plus the token/key patterns below).

Every error carries ``timestamp`` (when it was raised, a UTC ``datetime``) and ``context`` (a
dict of what the caller may want to log: endpoint, order id, …; string values redacted too).

The tree::

    ProjectXError
    ├── ValidationError (also ValueError)     bad input, caught before anything was sent
    ├── AuthenticationError                   login or session refresh failed
    ├── ConnectionError                       the Gateway or a hub could not be reached
    │   └── CircuitOpenError                  refused while a circuit breaker is open
    ├── APIError                              the Gateway answered with an error
    │   ├── RateLimitError                    HTTP 429, or the limiter would exceed the limits
    │   └── OrderRejectedError                Order/place, modify or cancel said no
    │       └── InsufficientMarginError       … because of insufficient funds (code 3)
    └── OrderSubmissionUncertainError         the outcome of a mutating call is unknown
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime

from projectx.redaction import scrub

__all__ = [
    "APIError",
    "AuthenticationError",
    "CircuitOpenError",
    "ConnectionError",
    "InsufficientMarginError",
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


def _redacted(value: object) -> object:
    return redact(value) if isinstance(value, str) else value


class ProjectXError(Exception):
    """Base class of every error raised by projectx (string arguments are redacted).

    ``context`` holds details for logs (string values redacted); ``timestamp`` is when the
    error was created (UTC).
    """

    def __init__(self, *args: object, context: Mapping[str, object] | None = None) -> None:
        super().__init__(*(_redacted(a) for a in args))
        self.timestamp: datetime = datetime.now(UTC)
        self.context: dict[str, object] = {str(k): _redacted(v) for k, v in (context or {}).items()}


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
        super().__init__(
            redact(message),
            context={"endpoint": endpoint, "status": status, "error_code": error_code},
        )
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
        self.context["order_id"] = order_id


class InsufficientMarginError(OrderRejectedError):
    """``Order/place`` refused for insufficient funds (``PlaceOrderErrorCode`` 3): the account
    cannot carry the order's margin."""


class OrderSubmissionUncertainError(ProjectXError):
    """A mutating call's outcome is unknown (timeout, dropped connection after sending).

    The order is never re-sent blindly: reconcile it by ``custom_tag``.
    """

    def __init__(self, message: str, *, custom_tag: str) -> None:
        super().__init__(redact(message), context={"custom_tag": custom_tag})
        self.custom_tag = custom_tag
