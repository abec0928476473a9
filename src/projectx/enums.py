"""Gateway enumerations (spec §5). Sent and received as integers on the wire.

Shared by the client side and the simulator: both speak the same numbers, and neither
may import the other.
"""

from __future__ import annotations

from enum import IntEnum

__all__ = [
    "BarUnit",
    "DomType",
    "OrderSide",
    "OrderStatus",
    "OrderType",
    "PositionType",
    "TradeLogType",
]


class OrderType(IntEnum):
    """Order type (spec §5.1).

    ``STOP_LIMIT`` exists in the enum but is not documented as placeable.
    """

    UNKNOWN = 0
    LIMIT = 1
    MARKET = 2
    STOP_LIMIT = 3
    STOP = 4
    TRAILING_STOP = 5
    JOIN_BID = 6
    JOIN_ASK = 7


class OrderSide(IntEnum):
    """Order side (spec §5.2): 0 bid (buy), 1 ask (sell)."""

    BID = 0
    ASK = 1

    BUY = 0
    SELL = 1


class OrderStatus(IntEnum):
    """Order status (spec §5.3). Terminal: FILLED, CANCELLED, EXPIRED, REJECTED."""

    NONE = 0
    OPEN = 1
    FILLED = 2
    CANCELLED = 3
    EXPIRED = 4
    REJECTED = 5
    PENDING = 6
    PENDING_CANCELLATION = 7
    SUSPENDED = 8

    @property
    def is_terminal(self) -> bool:
        """Whether no further transition can happen from this status."""
        return self in _TERMINAL_STATUSES


_TERMINAL_STATUSES = frozenset(
    {OrderStatus.FILLED, OrderStatus.CANCELLED, OrderStatus.EXPIRED, OrderStatus.REJECTED}
)


class PositionType(IntEnum):
    """Position direction (spec §5.4); the direction is here, never in the sign of ``size``."""

    UNDEFINED = 0
    LONG = 1
    SHORT = 2


class DomType(IntEnum):
    """Market-depth entry type (spec §5.5)."""

    UNKNOWN = 0
    ASK = 1
    BID = 2
    BEST_ASK = 3
    BEST_BID = 4
    TRADE = 5
    RESET = 6
    LOW = 7
    HIGH = 8
    NEW_BEST_BID = 9
    NEW_BEST_ASK = 10
    FILL = 11


class TradeLogType(IntEnum):
    """Aggressor of a market trade (spec §5.6)."""

    BUY = 0
    SELL = 1


class BarUnit(IntEnum):
    """``History/retrieveBars`` unit (spec §5.7)."""

    UNSPECIFIED = 0
    SECOND = 1
    MINUTE = 2
    HOUR = 3
    DAY = 4
    WEEK = 5
    MONTH = 6
    TICK = 7
