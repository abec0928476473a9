"""project-x-py's camelCase models, built from the Gateway's JSON or from our core's models.

Field names and types are project-x-py 4.4.1's (they are the Gateway's own names). The
``from_core`` constructors convert the core's snake_case models (:mod:`projectx.models`), whose
timestamps are integer nanoseconds, into these (ISO-8601 strings, as the Gateway sends them).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any, TypeVar

from projectx import models as core
from projectx._native.isotime import format_iso
from projectx.compat.config import ProjectXConfig
from projectx.enums import OrderStatus
from projectx.orders.records import TrackedOrder
from projectx.orders.state import OrderState
from projectx.positions.records import PositionInfo

__all__ = [
    "Account",
    "BracketOrderResponse",
    "Instrument",
    "MarketDataEvent",
    "Order",
    "OrderPlaceResponse",
    "OrderUpdateEvent",
    "Position",
    "PositionUpdateEvent",
    "ProjectXConfig",
    "Trade",
    "symbol_of",
]

_T = TypeVar("_T")

#: the Gateway status a tracked order's client-side state stands for (when no status was seen)
STATUS_OF_STATE = {
    OrderState.PENDING: OrderStatus.PENDING,
    OrderState.SUBMITTED: OrderStatus.PENDING,
    OrderState.WORKING: OrderStatus.OPEN,
    OrderState.PARTIALLY_FILLED: OrderStatus.OPEN,
    OrderState.FILLED: OrderStatus.FILLED,
    OrderState.CANCELLED: OrderStatus.CANCELLED,
    OrderState.REJECTED: OrderStatus.REJECTED,
    OrderState.EXPIRED: OrderStatus.EXPIRED,
    OrderState.LOST: OrderStatus.NONE,
}

_ORDER_TYPES = {
    1: "LIMIT",
    2: "MARKET",
    3: "STOP_LIMIT",
    4: "STOP",
    5: "TRAILING_STOP",
    6: "JOIN_BID",
    7: "JOIN_ASK",
}
_ORDER_STATUSES = {
    0: "NONE",
    1: "OPEN",
    2: "FILLED",
    3: "CANCELLED",
    4: "EXPIRED",
    5: "REJECTED",
    6: "PENDING",
    7: "PENDING_CANCELLATION",
    8: "SUSPENDED",
}


def _from_api(cls: type[_T], data: Mapping[str, Any], aliases: Mapping[str, str] = {}) -> _T:
    values = dict(data)
    for source, dest in aliases.items():
        if dest not in values and source in values:
            values[dest] = values[source]
    known = {f.name for f in fields(cls)}  # type: ignore[arg-type]
    return cls(**{k: v for k, v in values.items() if k in known})


def _iso(ns: int | None) -> str:
    return "" if ns is None else format_iso(ns, 6)


def _int(value: object, default: int = 0) -> int:
    return int(value) if isinstance(value, int) else default


def symbol_of(contract_id: str) -> str:
    """The product in a contract id (``CON.F.US.MNQ.Z26`` -> ``MNQ``), else the id itself."""
    parts = contract_id.split(".")
    return parts[3] if len(parts) >= 4 else contract_id


@dataclass
class Instrument:
    """A tradable contract (the Gateway's ``Contract``)."""

    id: str
    name: str
    description: str
    tickSize: float
    tickValue: float
    activeContract: bool
    symbolId: str | None = None

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Instrument:
        """From a Gateway ``Contract`` object (unknown fields ignored)."""
        return _from_api(cls, data)

    @classmethod
    def from_core(cls, contract: core.Contract) -> Instrument:
        """From the core's :class:`projectx.models.Contract`."""
        return cls(
            id=contract.id,
            name=contract.name or "",
            description=contract.description or "",
            tickSize=float(contract.tick_size or 0.0),
            tickValue=float(contract.tick_value or 0.0),
            activeContract=bool(contract.active_contract),
            symbolId=contract.symbol_id,
        )


@dataclass
class Account:
    """A trading account."""

    id: int
    name: str
    balance: float
    canTrade: bool
    isVisible: bool
    simulated: bool

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Account:
        """From a Gateway ``Account`` object (unknown fields ignored)."""
        return _from_api(cls, data)

    @classmethod
    def from_core(cls, account: core.Account) -> Account:
        """From the core's :class:`projectx.models.Account`."""
        return cls(
            id=account.id,
            name=account.name or "",
            balance=float(account.balance or 0.0),
            canTrade=bool(account.can_trade),
            isVisible=bool(account.is_visible),
            simulated=bool(account.simulated),
        )


@dataclass
class Order:
    """An order as the Gateway reports it (``status``/``type``/``side`` are its integers)."""

    id: int
    accountId: int
    contractId: str
    creationTimestamp: str
    updateTimestamp: str | None
    status: int
    type: int
    side: int
    size: int
    symbolId: str | None = None
    fillVolume: int | None = None
    limitPrice: float | None = None
    stopPrice: float | None = None
    filledPrice: float | None = None
    customTag: str | None = None

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Order:
        """From a Gateway ``Order`` object (``filledSize`` read as ``fillVolume``)."""
        return _from_api(cls, data, {"filledSize": "fillVolume"})

    @classmethod
    def from_core(cls, order: core.Order) -> Order:
        """From the core's :class:`projectx.models.Order`."""
        return cls(
            id=order.id,
            accountId=_int(order.account_id),
            contractId=order.contract_id or "",
            creationTimestamp=_iso(order.created_ns),
            updateTimestamp=None if order.updated_ns is None else _iso(order.updated_ns),
            status=_int(order.status),
            type=_int(order.type),
            side=_int(order.side),
            size=_int(order.size),
            symbolId=order.symbol_id,
            fillVolume=order.fill_volume,
            limitPrice=order.limit_price,
            stopPrice=order.stop_price,
            filledPrice=order.filled_price,
            customTag=order.custom_tag,
        )

    @classmethod
    def from_tracked(cls, rec: TrackedOrder, account_id: int = 0) -> Order:
        """From an order the core's OrderManager tracks (its last Gateway view, merged with the
        fills and state the manager has seen since)."""
        last = rec.last
        status = STATUS_OF_STATE[rec.state]
        if not rec.state.is_terminal and rec.gateway_status is not None:
            status = OrderStatus(int(rec.gateway_status))
        updated = rec.done_ns or (last.updated_ns if last is not None else None)
        return cls(
            id=rec.order_id if rec.order_id is not None else 0,
            accountId=_int(last.account_id if last is not None else None, account_id),
            contractId=rec.contract_id,
            creationTimestamp=_iso(last.created_ns if last is not None else rec.created_ns),
            updateTimestamp=None if updated is None else _iso(updated),
            status=int(status),
            type=int(rec.order_type),
            side=int(rec.side),
            size=rec.size,
            symbolId=last.symbol_id if last is not None else None,
            fillVolume=rec.fill_volume,
            limitPrice=rec.limit_price,
            stopPrice=rec.stop_price if rec.stop_price is not None else rec.trail_price,
            filledPrice=rec.average_fill_price,
            customTag=rec.custom_tag,
        )

    @property
    def is_open(self) -> bool:
        """Working at the Gateway (status 1)."""
        return self.status == 1

    @property
    def is_filled(self) -> bool:
        """Completely filled (status 2)."""
        return self.status == 2

    @property
    def is_cancelled(self) -> bool:
        """Cancelled (status 3)."""
        return self.status == 3

    @property
    def is_rejected(self) -> bool:
        """Rejected (status 5)."""
        return self.status == 5

    @property
    def is_working(self) -> bool:
        """Open, pending, pending cancellation or suspended."""
        return self.status in (1, 6, 7, 8)

    @property
    def is_terminal(self) -> bool:
        """Filled, cancelled, expired or rejected."""
        return self.status in (2, 3, 4, 5)

    @property
    def is_buy(self) -> bool:
        """A buy (side 0)."""
        return self.side == 0

    @property
    def is_sell(self) -> bool:
        """A sell (side 1)."""
        return self.side == 1

    @property
    def side_str(self) -> str:
        """``"BUY"`` or ``"SELL"``."""
        return "BUY" if self.is_buy else "SELL"

    @property
    def type_str(self) -> str:
        """The order type's name (``"LIMIT"``, ``"MARKET"``, ...), ``"UNKNOWN"`` otherwise."""
        return _ORDER_TYPES.get(self.type, "UNKNOWN")

    @property
    def status_str(self) -> str:
        """The status's name (``"OPEN"``, ``"FILLED"``, ...), ``"UNKNOWN"`` otherwise."""
        return _ORDER_STATUSES.get(self.status, "UNKNOWN")

    @property
    def filled_percent(self) -> float:
        """Filled share of the size, in percent."""
        if self.fillVolume is None or self.size == 0:
            return 0.0
        return self.fillVolume / self.size * 100.0

    @property
    def remaining_size(self) -> int:
        """Size not filled yet."""
        return self.size - (self.fillVolume or 0)

    @property
    def symbol(self) -> str:
        """The product in the contract id (``MNQ``)."""
        return symbol_of(self.contractId)


@dataclass
class OrderPlaceResponse:
    """The answer to ``Order/place``."""

    orderId: int
    success: bool
    errorCode: int
    errorMessage: str | None


@dataclass
class Position:
    """An open position (``type`` 1 long, 2 short; ``size`` is unsigned)."""

    id: int
    accountId: int
    contractId: str
    creationTimestamp: str
    type: int
    size: int
    averagePrice: float
    contractDisplayName: str | None = None

    @classmethod
    def from_info(cls, info: PositionInfo, account_id: int = 0) -> Position:
        """From the core PositionManager's :class:`~projectx.positions.records.PositionInfo`
        (signed size -> ``type`` and unsigned ``size``)."""
        return cls(
            id=info.position_id if info.position_id is not None else 0,
            accountId=account_id,
            contractId=info.contract_id,
            creationTimestamp=_iso(info.opened_ns),
            type=1 if info.size > 0 else 2 if info.size < 0 else 0,
            size=abs(info.size),
            averagePrice=info.average_price,
        )

    def __getitem__(self, key: str) -> int | str | float | None:
        value = getattr(self, key)
        if value is None or isinstance(value, int | str | float):
            return value
        raise TypeError(f"attribute {key} is a {type(value).__name__}, not int, str or float")

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Position:
        """From a Gateway ``Position`` object (unknown fields ignored)."""
        return _from_api(cls, data)

    @classmethod
    def from_core(cls, position: core.Position) -> Position:
        """From the core's :class:`projectx.models.Position`."""
        return cls(
            id=position.id,
            accountId=_int(position.account_id),
            contractId=position.contract_id or "",
            creationTimestamp=_iso(position.created_ns),
            type=_int(position.type),
            size=abs(_int(position.size)),
            averagePrice=float(position.average_price or 0.0),
            contractDisplayName=position.contract_display_name,
        )

    @property
    def is_long(self) -> bool:
        """A long position (type 1)."""
        return self.type == 1

    @property
    def is_short(self) -> bool:
        """A short position (type 2)."""
        return self.type == 2

    @property
    def direction(self) -> str:
        """``"LONG"``, ``"SHORT"`` or ``"UNDEFINED"``."""
        return "LONG" if self.is_long else "SHORT" if self.is_short else "UNDEFINED"

    @property
    def symbol(self) -> str:
        """The product in the contract id (``MNQ``)."""
        return symbol_of(self.contractId)

    @property
    def signed_size(self) -> int:
        """Size, negative when short."""
        return -self.size if self.is_short else self.size

    @property
    def total_cost(self) -> float:
        """``size * averagePrice`` (in price units, as project-x-py defines it)."""
        return self.size * self.averagePrice

    def unrealized_pnl(self, current_price: float, tick_value: float = 1.0) -> float:
        """P&L at ``current_price``; ``tick_value`` is the value of one *point* here, as in
        project-x-py (pass the contract's point value for dollars)."""
        if self.is_long:
            return (current_price - self.averagePrice) * self.size * tick_value
        if self.is_short:
            return (self.averagePrice - current_price) * self.size * tick_value
        return 0.0


@dataclass(slots=True)
class Trade:
    """One fill of ours (``profitAndLoss`` is None for a half-turn)."""

    id: int
    accountId: int
    contractId: str
    creationTimestamp: str
    price: float
    profitAndLoss: float | None
    fees: float
    side: int
    size: int
    voided: bool
    orderId: int
    commissions: float | None = None

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Trade:
        """From a Gateway ``Trade`` object (unknown fields ignored)."""
        return _from_api(cls, data)

    @classmethod
    def from_core(cls, trade: core.Trade) -> Trade:
        """From the core's :class:`projectx.models.Trade`."""
        return cls(
            id=trade.id,
            accountId=_int(trade.account_id),
            contractId=trade.contract_id or "",
            creationTimestamp=_iso(trade.created_ns),
            price=float(trade.price or 0.0),
            profitAndLoss=trade.profit_and_loss,
            fees=float(trade.fees or 0.0),
            side=_int(trade.side),
            size=_int(trade.size),
            voided=bool(trade.voided),
            orderId=_int(trade.order_id),
            commissions=trade.commissions,
        )


@dataclass
class BracketOrderResponse:
    """The outcome of a bracket: the three orders' ids and answers."""

    success: bool
    entry_order_id: int | None
    stop_order_id: int | None
    target_order_id: int | None
    entry_price: float
    stop_loss_price: float
    take_profit_price: float
    entry_response: OrderPlaceResponse | None
    stop_response: OrderPlaceResponse | None
    target_response: OrderPlaceResponse | None
    error_message: str | None


@dataclass
class OrderUpdateEvent:
    """An order's status change."""

    orderId: int
    status: int
    fillVolume: int | None
    updateTimestamp: str


@dataclass
class PositionUpdateEvent:
    """A position's change."""

    positionId: int
    contractId: str
    size: int
    averagePrice: float
    updateTimestamp: str


@dataclass
class MarketDataEvent:
    """A market data update."""

    contractId: str
    lastPrice: float
    bid: float | None
    ask: float | None
    volume: int | None
    timestamp: str
