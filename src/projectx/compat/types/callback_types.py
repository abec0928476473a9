"""project-x-py's event-callback payloads (``project_x_py.types.callback_types``), snake_case."""

from typing import NotRequired, TypedDict

from projectx.compat.models import Order, Position

__all__ = [
    "AccountUpdateData",
    "ConnectionStatusData",
    "ErrorData",
    "MarketDepthData",
    "MarketTradeData",
    "NewBarData",
    "OrderFilledData",
    "OrderUpdateData",
    "PositionAlertData",
    "PositionClosedData",
    "PositionUpdateData",
    "QuoteUpdateData",
    "SystemStatusData",
    "TradeExecutionData",
]


class AccountUpdateData(TypedDict):
    """An account changed."""

    account_id: int
    balance: float
    equity: NotRequired[float]
    margin: NotRequired[float]
    timestamp: str


class PositionUpdateData(TypedDict):
    """A position changed."""

    position_id: int
    position: Position
    old_position: NotRequired[Position]
    contract_id: str
    size: int
    average_price: float
    type: int
    timestamp: str


class PositionClosedData(TypedDict):
    """A position was closed."""

    contract_id: str
    position: Position
    pnl: NotRequired[float]
    timestamp: str


class PositionAlertData(TypedDict):
    """A position alert fired."""

    contract_id: str
    message: str
    position: Position
    alert: dict[str, float | bool | str]


class OrderUpdateData(TypedDict):
    """An order changed."""

    order_id: int
    order: NotRequired[Order]
    status: int
    fill_volume: NotRequired[int]
    filled_price: NotRequired[float]
    timestamp: str
    account_id: NotRequired[int]
    contract_id: NotRequired[str]


class OrderFilledData(TypedDict):
    """An order filled."""

    order_id: int
    order: Order
    filled_price: float
    filled_volume: int
    timestamp: str


class TradeExecutionData(TypedDict):
    """An account trade was executed."""

    trade_id: int
    order_id: int
    contract_id: str
    price: float
    size: int
    side: int
    pnl: NotRequired[float]
    fees: float
    timestamp: str


class QuoteUpdateData(TypedDict):
    """A quote changed."""

    contract_id: str
    bid: NotRequired[float]
    bid_size: NotRequired[int]
    ask: NotRequired[float]
    ask_size: NotRequired[int]
    last: NotRequired[float]
    last_size: NotRequired[int]
    timestamp: str


class MarketTradeData(TypedDict):
    """A market trade printed."""

    contract_id: str
    price: float
    size: int
    side: int
    timestamp: str
    trade_id: NotRequired[str]


class MarketDepthData(TypedDict):
    """The depth changed: ``(price, size)`` levels."""

    contract_id: str
    bids: list[tuple[float, int]]
    asks: list[tuple[float, int]]
    timestamp: str


class NewBarData(TypedDict):
    """A bar closed in ``timeframe``; ``data`` holds its OHLCV fields."""

    timeframe: str
    data: dict[str, float | int | str]
    timestamp: str


class ConnectionStatusData(TypedDict):
    """A hub connected or disconnected."""

    hub: str
    connected: bool
    timestamp: str
    error: NotRequired[str]


class ErrorData(TypedDict):
    """An error was reported."""

    error_type: str
    message: str
    details: NotRequired[dict[str, str]]
    timestamp: str


class SystemStatusData(TypedDict):
    """A system status message."""

    status: str
    message: NotRequired[str]
    timestamp: str
