"""project-x-py's base type aliases and constants (``project_x_py.types.base``).

The ids are plain ``str`` aliases and the callbacks take one ``dict`` payload, as in
project-x-py. ``HubConnection`` stands for whatever hub connection object is in use.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any, TypeAlias

__all__ = [
    "DEFAULT_TIMEZONE",
    "TICK_SIZE_PRECISION",
    "AccountId",
    "AsyncCallback",
    "CallbackType",
    "ContractId",
    "HubConnection",
    "OrderId",
    "PositionId",
    "SyncCallback",
]

AsyncCallback: TypeAlias = Callable[[dict[str, Any]], Coroutine[Any, Any, None]]
"""An ``async def handler(payload)`` event callback."""
SyncCallback: TypeAlias = Callable[[dict[str, Any]], None]
"""A plain ``def handler(payload)`` event callback."""
CallbackType: TypeAlias = AsyncCallback | SyncCallback
"""Either kind of event callback."""

DEFAULT_TIMEZONE = "America/Chicago"
"""project-x-py's default time zone for returned timestamps."""
TICK_SIZE_PRECISION = 8
"""Decimal places kept when rounding to a tick."""

ContractId: TypeAlias = str
AccountId: TypeAlias = str
OrderId: TypeAlias = str
PositionId: TypeAlias = str

HubConnection: TypeAlias = Any
"""A SignalR hub connection (any implementation)."""
