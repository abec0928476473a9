"""projectx: async Python SDK for the ProjectX Gateway API, with a Cython hot path."""

from __future__ import annotations

from projectx.enums import (
    BarUnit,
    DomType,
    OrderSide,
    OrderStatus,
    OrderType,
    PositionType,
    TradeLogType,
)

__version__ = "0.1.0"

__all__ = [
    "BarUnit",
    "DomType",
    "OrderSide",
    "OrderStatus",
    "OrderType",
    "PositionType",
    "TradeLogType",
    "__version__",
]
