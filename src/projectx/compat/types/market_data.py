"""project-x-py's order-book and market-data types (``project_x_py.types.market_data``).

``DomType`` carries project-x-py's member names (``SESSION_LOW``/``SESSION_HIGH`` where the core
says ``LOW``/``HIGH``) with the Gateway's values taken from :class:`projectx.enums.DomType`.
"""

from dataclasses import dataclass
from datetime import datetime
from enum import IntEnum
from typing import Any, TypedDict

from projectx import enums as _core

__all__ = [
    "DomType",
    "IcebergConfig",
    "MarketDataDict",
    "MemoryConfig",
    "OrderbookSide",
    "OrderbookSnapshot",
    "PriceLevelDict",
    "TradeDict",
]


class DomType(IntEnum):
    """Market-depth entry type, the Gateway's numbers."""

    UNKNOWN = _core.DomType.UNKNOWN.value
    ASK = _core.DomType.ASK.value
    BID = _core.DomType.BID.value
    BEST_ASK = _core.DomType.BEST_ASK.value
    BEST_BID = _core.DomType.BEST_BID.value
    TRADE = _core.DomType.TRADE.value
    RESET = _core.DomType.RESET.value
    SESSION_LOW = _core.DomType.LOW.value
    SESSION_HIGH = _core.DomType.HIGH.value
    NEW_BEST_BID = _core.DomType.NEW_BEST_BID.value
    NEW_BEST_ASK = _core.DomType.NEW_BEST_ASK.value
    FILL = _core.DomType.FILL.value


class OrderbookSide(IntEnum):
    """A book side: ``BID`` 0, ``ASK`` 1 (the Gateway's order-side numbers)."""

    BID = _core.OrderSide.BID.value
    ASK = _core.OrderSide.ASK.value


@dataclass
class MemoryConfig:
    """Order-book memory limits."""

    max_trades: int = 10000
    max_depth_entries: int = 1000
    cleanup_interval: int = 300
    max_history_per_level: int = 50
    price_history_window_minutes: int = 30
    max_best_price_history: int = 1000
    max_spread_history: int = 1000
    max_delta_history: int = 1000


@dataclass
class IcebergConfig:
    """Thresholds of iceberg-order detection."""

    min_refreshes: int = 5
    volume_threshold: int = 50
    time_window_minutes: int = 10
    confidence_threshold: float = 0.7


class PriceLevelDict(TypedDict):
    """One price level of the book."""

    price: float
    volume: int
    timestamp: datetime


class TradeDict(TypedDict):
    """One market trade with the book state at the time."""

    price: float
    volume: int
    timestamp: datetime
    side: str
    spread_at_trade: float | None
    mid_price_at_trade: float | None
    best_bid_at_trade: float | None
    best_ask_at_trade: float | None
    order_type: str


class OrderbookSnapshot(TypedDict):
    """A snapshot of the book."""

    instrument: str
    timestamp: datetime
    best_bid: float | None
    best_ask: float | None
    spread: float | None
    mid_price: float | None
    bids: list[PriceLevelDict]
    asks: list[PriceLevelDict]
    total_bid_volume: int
    total_ask_volume: int
    bid_count: int
    ask_count: int
    imbalance: float | None


class MarketDataDict(TypedDict):
    """A hub market-data message: the contract and its entries."""

    contractId: str
    data: list[dict[str, Any]]
