"""project-x-py's Gateway JSON shapes (``project_x_py.types.api_responses``), camelCase as sent."""

from typing import NotRequired, TypedDict

__all__ = [
    "AccountListResponse",
    "AccountResponse",
    "AccountUpdatePayload",
    "AuthLoginResponse",
    "BarData",
    "BarDataResponse",
    "ErrorResponse",
    "InstrumentResponse",
    "InstrumentSearchResponse",
    "MarketDepthLevel",
    "MarketDepthResponse",
    "MarketDepthUpdatePayload",
    "MarketTradePayload",
    "OrderPlacementResponse",
    "OrderResponse",
    "OrderSearchResponse",
    "OrderUpdatePayload",
    "PositionResponse",
    "PositionSearchResponse",
    "PositionUpdatePayload",
    "QuoteData",
    "QuoteUpdatePayload",
    "TradeExecutionPayload",
    "TradeResponse",
    "TradeSearchResponse",
]


class AuthLoginResponse(TypedDict):
    """``Auth/loginKey`` answer."""

    token: str
    expiresIn: NotRequired[int]
    accountId: NotRequired[int]
    accountName: NotRequired[str]
    canTrade: NotRequired[bool]
    simulated: NotRequired[bool]


class AccountResponse(TypedDict):
    """One account."""

    id: int
    name: str
    balance: float
    canTrade: bool
    isVisible: bool
    simulated: bool


class AccountListResponse(TypedDict):
    """``Account/search`` answer."""

    accounts: list[AccountResponse]


class InstrumentResponse(TypedDict):
    """One contract."""

    id: str
    name: str
    description: str
    tickSize: float
    tickValue: float
    activeContract: bool
    symbolId: NotRequired[str]
    contractMultiplier: NotRequired[float]
    tradingHours: NotRequired[str]
    lastTradingDay: NotRequired[str]


class InstrumentSearchResponse(TypedDict):
    """``Contract/search`` answer."""

    contracts: list[InstrumentResponse]
    success: NotRequired[bool]
    totalCount: NotRequired[int]


class BarData(TypedDict):
    """One OHLCV bar."""

    timestamp: str
    open: float
    high: float
    low: float
    close: float
    volume: int


class BarDataResponse(TypedDict):
    """``History/retrieveBars`` answer."""

    contractId: str
    bars: list[BarData]
    interval: int
    unit: int


class OrderPlacementResponse(TypedDict):
    """``Order/place`` answer."""

    orderId: int
    success: bool
    errorCode: int
    errorMessage: NotRequired[str]


class OrderResponse(TypedDict):
    """One order."""

    id: int
    accountId: int
    contractId: str
    creationTimestamp: str
    updateTimestamp: NotRequired[str]
    status: int
    type: int
    side: int
    size: int
    symbolId: NotRequired[str]
    fillVolume: NotRequired[int]
    limitPrice: NotRequired[float]
    stopPrice: NotRequired[float]
    filledPrice: NotRequired[float]
    customTag: NotRequired[str]


class OrderSearchResponse(TypedDict):
    """``Order/search`` answer."""

    orders: list[OrderResponse]
    totalCount: int


class PositionResponse(TypedDict):
    """One position."""

    id: int
    accountId: int
    contractId: str
    creationTimestamp: str
    type: int
    size: int
    averagePrice: float
    contractDisplayName: NotRequired[str]


class PositionSearchResponse(TypedDict):
    """``Position/searchOpen`` answer."""

    positions: list[PositionResponse]
    totalCount: int


class TradeResponse(TypedDict):
    """One account trade (fill)."""

    id: int
    accountId: int
    contractId: str
    creationTimestamp: str
    price: float
    profitAndLoss: NotRequired[float]
    fees: NotRequired[float]
    commissions: NotRequired[float]
    side: int
    size: int
    voided: bool
    orderId: int


class TradeSearchResponse(TypedDict):
    """``Trade/search`` answer."""

    trades: list[TradeResponse]
    totalCount: int


class QuoteData(TypedDict):
    """A full quote."""

    contractId: str
    bid: float
    bidSize: int
    ask: float
    askSize: int
    last: float
    lastSize: int
    timestamp: str


class MarketDepthLevel(TypedDict):
    """One depth level."""

    price: float
    size: int
    orders: NotRequired[int]


class MarketDepthResponse(TypedDict):
    """A depth snapshot."""

    contractId: str
    timestamp: str
    bids: list[MarketDepthLevel]
    asks: list[MarketDepthLevel]


class AccountUpdatePayload(TypedDict):
    """User-hub account update."""

    accountId: int
    balance: float
    equity: NotRequired[float]
    margin: NotRequired[float]
    timestamp: str


class PositionUpdatePayload(TypedDict):
    """User-hub position update."""

    positionId: int
    accountId: int
    contractId: str
    type: int
    size: int
    averagePrice: float
    timestamp: str


class OrderUpdatePayload(TypedDict):
    """User-hub order update."""

    orderId: int
    accountId: int
    contractId: str
    status: int
    fillVolume: NotRequired[int]
    filledPrice: NotRequired[float]
    timestamp: str


class TradeExecutionPayload(TypedDict):
    """User-hub trade execution."""

    tradeId: int
    orderId: int
    accountId: int
    contractId: str
    price: float
    size: int
    side: int
    profitAndLoss: NotRequired[float]
    fees: float
    timestamp: str


class QuoteUpdatePayload(TypedDict):
    """Market-hub quote update (any field may be absent)."""

    contractId: str
    bid: NotRequired[float]
    bidSize: NotRequired[int]
    ask: NotRequired[float]
    askSize: NotRequired[int]
    last: NotRequired[float]
    lastSize: NotRequired[int]
    timestamp: str


class MarketTradePayload(TypedDict):
    """Market-hub trade."""

    contractId: str
    price: float
    size: int
    side: int
    timestamp: str
    tradeId: NotRequired[str]


class MarketDepthUpdatePayload(TypedDict):
    """Market-hub depth update."""

    contractId: str
    side: int
    action: int
    price: float
    size: int
    timestamp: str


class ErrorResponse(TypedDict):
    """A Gateway error answer."""

    errorCode: int
    errorMessage: str
    details: NotRequired[dict[str, str]]
