"""project-x-py's exception classes, raised by compat in place of the core's.

Each class keeps project-x-py's constructor (``message, error_code=None, response_data=None``)
and is also a :class:`projectx.exceptions.ProjectXError`, so ``except ProjectXOrderError`` and
``except projectx.ProjectXError`` both work. :func:`translate` maps a core error to its compat
class (the core error stays attached as ``__cause__``); :func:`translating` does it for a block.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from projectx import exceptions as core

__all__ = [
    "InvalidOrderParameters",
    "OrderSubmissionUncertainError",
    "ProjectXAuthenticationError",
    "ProjectXClientError",
    "ProjectXConnectionError",
    "ProjectXDataError",
    "ProjectXError",
    "ProjectXInstrumentError",
    "ProjectXOrderError",
    "ProjectXPositionError",
    "ProjectXRateLimitError",
    "ProjectXServerError",
    "RiskLimitExceeded",
    "translate",
    "translating",
]


class ProjectXError(core.ProjectXError):
    """project-x-py's base error: ``error_code`` and ``response_data`` beside the core's
    ``context`` and ``timestamp`` (the message is redacted like every core error)."""

    def __init__(
        self,
        message: str,
        error_code: int | None = None,
        response_data: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message, context={"error_code": error_code})
        self.error_code = error_code
        self.response_data: dict[str, Any] = dict(response_data or {})


class ProjectXAuthenticationError(ProjectXError):
    """Login failed or the session could not be refreshed."""


class ProjectXRateLimitError(ProjectXError):
    """HTTP 429, or the client-side limiter would exceed the Gateway's limits."""


class ProjectXServerError(ProjectXError):
    """The Gateway answered 5xx."""


class ProjectXClientError(ProjectXError):
    """The Gateway answered 4xx."""


class ProjectXConnectionError(ProjectXError):
    """The Gateway or a hub could not be reached (or a circuit breaker is open)."""


class ProjectXDataError(ProjectXError):
    """Bad data: an argument refused before sending, or an answer that could not be used."""


class ProjectXOrderError(ProjectXError):
    """An order was refused (by our checks before sending, or by the Gateway)."""


class OrderSubmissionUncertainError(ProjectXOrderError):
    """A mutating order call may have reached the Gateway: reconcile before assuming it failed.

    ``payload`` is the request that was sent (project-x-py's field); ``custom_tag`` the tag to
    reconcile by (the core's field).
    """

    def __init__(
        self,
        message: str,
        error_code: int | None = None,
        response_data: dict[str, Any] | None = None,
        payload: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message, error_code=error_code, response_data=response_data)
        self.payload: dict[str, Any] = dict(payload or {})
        tag = self.payload.get("customTag")
        self.custom_tag: str | None = tag if isinstance(tag, str) else None


class ProjectXPositionError(ProjectXError):
    """A position operation failed."""


class ProjectXInstrumentError(ProjectXError):
    """An instrument could not be found or resolved."""


class RiskLimitExceeded(ProjectXError):
    """A trade was refused by the risk manager."""


class InvalidOrderParameters(ProjectXError):
    """Order arguments were refused before anything was sent."""


def _class_for(exc: core.ProjectXError, invalid: type[ProjectXError]) -> type[ProjectXError]:
    if isinstance(exc, core.OrderSubmissionUncertainError):
        return OrderSubmissionUncertainError
    if isinstance(exc, core.AuthenticationError):
        return ProjectXAuthenticationError
    if isinstance(exc, core.RateLimitError):
        return ProjectXRateLimitError
    if isinstance(exc, core.OrderRejectedError):
        return ProjectXOrderError
    if isinstance(exc, core.ConnectionError):
        return ProjectXConnectionError
    if isinstance(exc, core.ValidationError):
        return invalid
    if isinstance(exc, core.APIError) and exc.status is not None:
        return ProjectXServerError if exc.status >= 500 else ProjectXClientError
    return invalid if invalid is not ProjectXDataError else ProjectXError


def translate(
    exc: core.ProjectXError, *, invalid: type[ProjectXError] = ProjectXDataError
) -> ProjectXError:
    """The compat error for a core error; ``invalid`` is the class for refused arguments (and
    for errors with no closer match), e.g. :class:`ProjectXOrderError` inside order calls."""
    if isinstance(exc, ProjectXError):
        return exc
    cls = _class_for(exc, invalid)
    code = getattr(exc, "error_code", None)
    out: ProjectXError
    if cls is OrderSubmissionUncertainError:
        tag = getattr(exc, "custom_tag", None)
        out = OrderSubmissionUncertainError(str(exc), code, payload={"customTag": tag})
    else:
        out = cls(str(exc), code if isinstance(code, int) else None)
    out.context.update(exc.context)
    out.__cause__ = exc
    return out


@contextmanager
def translating(invalid: type[ProjectXError] = ProjectXDataError) -> Iterator[None]:
    """Re-raise any core error of the block as its compat class (see :func:`translate`)."""
    try:
        yield
    except ProjectXError:
        raise
    except core.ProjectXError as exc:
        raise translate(exc, invalid=invalid) from exc
