"""What every part of the compat client shares: the core client it adapts and the time zone."""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from projectx.client.rest import ProjectX as CoreClient
from projectx.compat.exceptions import ProjectXError
from projectx.exceptions import ProjectXError as CoreError

if TYPE_CHECKING:
    from projectx.compat.config import ProjectXConfig
    from projectx.compat.models import Account

__all__ = ["ClientCore", "aware"]


class ClientCore:
    """The state the client's parts (the project-x-py mixins) share."""

    _core: CoreClient | None
    config: ProjectXConfig
    account_info: Account | None

    @property
    def core(self) -> CoreClient:
        """The core :class:`projectx.ProjectX` this client adapts (built at authentication)."""
        if self._core is None:
            raise ProjectXError("the client is not authenticated yet: await authenticate()")
        return self._core

    @property
    def timezone(self) -> tzinfo:
        """The time zone of returned timestamps (``config.timezone``, project-x-py's default
        America/Chicago)."""
        return ZoneInfo(self.config.timezone)


def aware(value: datetime, zone: tzinfo) -> datetime:
    """``value`` with a time zone (a naive datetime is read in ``zone``, as project-x-py
    does)."""
    if not isinstance(value, datetime):
        raise CoreError(f"expected a datetime, got {type(value).__name__}")
    return value if value.tzinfo is not None else value.replace(tzinfo=zone)
