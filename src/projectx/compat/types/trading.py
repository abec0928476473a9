"""project-x-py's trading enums (``project_x_py.types.trading``), with the Gateway's values.

``OrderStatus``, ``PositionType`` and ``TradeLogType`` are the core's enums themselves (same
members, same values). ``OrderSide`` and ``OrderType`` are their own ``IntEnum`` classes because
project-x-py's members differ from the core's (``OrderSide`` has only ``BUY``/``SELL``, so that
``OrderSide.BUY.name == "BUY"``; ``OrderType`` has no ``UNKNOWN``); every value is taken from the
core enum, so ``OrderSide.BUY == projectx.enums.OrderSide.BID``.
"""

from __future__ import annotations

from enum import IntEnum

from projectx import enums as _core
from projectx.enums import OrderStatus, PositionType, TradeLogType

__all__ = ["OrderSide", "OrderStatus", "OrderType", "PositionType", "TradeLogType"]


class OrderSide(IntEnum):
    """Order side: ``BUY`` (the Gateway's bid, 0) or ``SELL`` (ask, 1)."""

    BUY = _core.OrderSide.BUY.value
    SELL = _core.OrderSide.SELL.value


class OrderType(IntEnum):
    """Order type, the Gateway's numbers (``STOP_LIMIT`` exists but is not placeable)."""

    LIMIT = _core.OrderType.LIMIT.value
    MARKET = _core.OrderType.MARKET.value
    STOP_LIMIT = _core.OrderType.STOP_LIMIT.value
    STOP = _core.OrderType.STOP.value
    TRAILING_STOP = _core.OrderType.TRAILING_STOP.value
    JOIN_BID = _core.OrderType.JOIN_BID.value
    JOIN_ASK = _core.OrderType.JOIN_ASK.value
