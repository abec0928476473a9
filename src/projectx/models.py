"""Typed, immutable models of the Gateway's wire objects (spec §4, §7).

Every model has a ``from_wire(dict)`` constructor that accepts both field profiles of spec §0.2
(legacy and extended): unknown keys are ignored, missing keys are ``None``. Timestamps are kept
as int64 nanoseconds UTC in ``*_ns`` fields, with a tz-aware :class:`~datetime.datetime` property
beside each. Ids stay Python ints (order and trade ids exceed 2^31 live). Enum fields hold the
member from :mod:`projectx.enums`, or the raw int when the server sends a value this version
does not know (tolerant parsing, spec §10).

A wire value of the wrong type (a string where a number belongs, a timestamp that is not ISO
8601) raises :class:`~projectx.exceptions.ValidationError` naming the model and field.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import IntEnum
from typing import Any, TypeVar, cast

from projectx._native.isotime import parse_iso
from projectx.enums import OrderSide, OrderStatus, OrderType, PositionType, TradeLogType
from projectx.exceptions import ValidationError

__all__ = [
    "Account",
    "Bar",
    "Contract",
    "Instrument",
    "MarketTrade",
    "Order",
    "Position",
    "Quote",
    "Trade",
    "ns_to_datetime",
]

_E = TypeVar("_E", bound=IntEnum)
_NS = 1_000_000_000


def ns_to_datetime(ts_ns: int | None) -> datetime | None:
    """int64 ns UTC -> tz-aware UTC datetime (microsecond precision); ``None`` stays ``None``."""
    if ts_ns is None:
        return None
    seconds, ns = divmod(ts_ns, _NS)
    return datetime.fromtimestamp(seconds, UTC).replace(microsecond=ns // 1000)


def _bad(model: str, key: str, value: Any, what: str) -> ValidationError:
    text = repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return ValidationError(f"{model}.{key}: expected {what}, got {text}")


def _ts(d: Mapping[str, Any], key: str, model: str) -> int | None:
    value = d.get(key)
    if value is None:
        return None
    try:
        return parse_iso(value)
    except (ValueError, TypeError):
        raise _bad(model, key, value, "an ISO-8601 timestamp with offset") from None


def _int(d: Mapping[str, Any], key: str, model: str) -> int | None:
    value = d.get(key)
    if value is None:
        return None
    if type(value) is int:
        return value
    if isinstance(value, bool):
        raise _bad(model, key, value, "an integer")
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            pass
    raise _bad(model, key, value, "an integer")


def _float(d: Mapping[str, Any], key: str, model: str) -> float | None:
    value = d.get(key)
    if value is None:
        return None
    if type(value) is float:
        return value
    if isinstance(value, int | str) and not isinstance(value, bool):
        try:
            out = float(value)
        except (ValueError, OverflowError):  # OverflowError: an int beyond the double range
            pass
        else:
            if math.isfinite(out):
                return out
    raise _bad(model, key, value, "a finite number")


def _str(d: Mapping[str, Any], key: str, model: str) -> str | None:
    value = d.get(key)
    if value is None or type(value) is str:
        return value
    raise _bad(model, key, value, "a string")


def _bool(d: Mapping[str, Any], key: str, model: str) -> bool | None:
    value = d.get(key)
    if value is None or type(value) is bool:
        return value
    raise _bad(model, key, value, "a boolean")


_MEMBERS: dict[type[IntEnum], dict[int, IntEnum]] = {}


def _enum(d: Mapping[str, Any], key: str, model: str, enum: type[_E]) -> _E | int | None:
    value = d.get(key)
    if value is None:
        return None
    members = _MEMBERS.get(enum)
    if members is None:
        members = _MEMBERS[enum] = {int(m): m for m in enum}
    number: int = value if type(value) is int else _req_int(d, key, model)
    member = members.get(number)
    # a value newer than this SDK is kept as the raw int rather than guessed
    return number if member is None else cast(_E, member)


def _req_int(d: Mapping[str, Any], key: str, model: str) -> int:
    value = _int(d, key, model)
    if value is None:
        raise _bad(model, key, None, "an integer (required)")
    return value


def _req_str(d: Mapping[str, Any], key: str, model: str) -> str:
    value = _str(d, key, model)
    if value is None:
        raise _bad(model, key, None, "a string (required)")
    return value


def _check_mapping(data: Any, model: str) -> Mapping[str, Any]:
    if not isinstance(data, Mapping):
        raise ValidationError(f"{model}: expected a JSON object, got {type(data).__name__}")
    return data


@dataclass(frozen=True, slots=True)
class Account:
    """A trading account (``TradingAccount``, spec §4.2)."""

    id: int
    name: str | None = None
    balance: float | None = None
    can_trade: bool | None = None
    is_visible: bool | None = None
    simulated: bool | None = None

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> Account:
        """Build from a wire dict (``id`` required; everything else may be missing)."""
        d = _check_mapping(data, "Account")
        m = "Account"
        return cls(
            id=_req_int(d, "id", m),
            name=_str(d, "name", m),
            balance=_float(d, "balance", m),
            can_trade=_bool(d, "canTrade", m),
            is_visible=_bool(d, "isVisible", m),
            simulated=_bool(d, "simulated", m),
        )


@dataclass(frozen=True, slots=True)
class Contract:
    """A tradable contract (``ContractModel``, spec §4.3), with tick arithmetic (spec §6.2)."""

    id: str
    name: str | None = None
    description: str | None = None
    tick_size: float | None = None
    tick_value: float | None = None
    active_contract: bool | None = None
    symbol_id: str | None = None

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> Contract:
        """Build from a wire dict (``id`` required)."""
        d = _check_mapping(data, "Contract")
        m = "Contract"
        return cls(
            id=_req_str(d, "id", m),
            name=_str(d, "name", m),
            description=_str(d, "description", m),
            tick_size=_float(d, "tickSize", m),
            tick_value=_float(d, "tickValue", m),
            active_contract=_bool(d, "activeContract", m),
            symbol_id=_str(d, "symbolId", m),
        )

    @property
    def root(self) -> str | None:
        """Product root: ``MNQ`` from ``F.US.MNQ`` (or from the id ``CON.F.US.MNQ.Z25``)."""
        if self.symbol_id:
            return self.symbol_id.rsplit(".", 1)[-1]
        parts = self.id.split(".")
        return parts[3] if len(parts) == 5 and parts[0] == "CON" else None

    @property
    def point_value(self) -> float | None:
        """Currency per 1.0 price move per contract: ``tick_value / tick_size``."""
        if not self.tick_size or self.tick_value is None:
            return None
        return self.tick_value / self.tick_size

    def price_to_ticks(self, price: float) -> float:
        """``price / tick_size`` (not rounded)."""
        tick = self.tick_size
        if not tick or not math.isfinite(tick) or tick < 0:
            raise ValidationError(f"contract {self.id} has no usable tick size ({tick!r})")
        if not math.isfinite(price):
            raise ValidationError(f"price must be finite, got {price!r}")
        return price / tick

    def is_on_tick(self, price: float) -> bool:
        """Whether ``price`` is a multiple of the tick size (within float tolerance)."""
        ticks = self.price_to_ticks(price)
        return abs(ticks - round(ticks)) <= 1e-6

    def round_to_tick(self, price: float) -> float:
        """The nearest price on the tick grid."""
        ticks = round(self.price_to_ticks(price))
        assert self.tick_size is not None
        step = self.tick_size
        # Round through the tick's own decimal places to avoid 0.1 * 3 = 0.30000000000000004.
        decimals = max(0, min(12, -math.floor(math.log10(step)) + 6))
        return round(ticks * step, decimals)


Instrument = Contract
"""Alias of :class:`Contract` (the name used by other SDKs)."""


@dataclass(frozen=True, slots=True)
class Order:
    """An order (``OrderModel``, spec §4.5; also the ``data`` of ``GatewayUserOrder``)."""

    id: int
    account_id: int | None = None
    contract_id: str | None = None
    symbol_id: str | None = None
    created_ns: int | None = None
    updated_ns: int | None = None
    status: OrderStatus | int | None = None
    type: OrderType | int | None = None
    side: OrderSide | int | None = None
    size: int | None = None
    limit_price: float | None = None
    stop_price: float | None = None
    fill_volume: int | None = None
    filled_price: float | None = None
    custom_tag: str | None = None
    trail_distance: int | None = None
    trail_price: float | None = None
    parent_order_id: int | None = None
    linked_order_id: int | None = None

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> Order:
        """Build from a wire dict (``id`` required)."""
        d = _check_mapping(data, "Order")
        m = "Order"
        return cls(
            id=_req_int(d, "id", m),
            account_id=_int(d, "accountId", m),
            contract_id=_str(d, "contractId", m),
            symbol_id=_str(d, "symbolId", m),
            created_ns=_ts(d, "creationTimestamp", m),
            updated_ns=_ts(d, "updateTimestamp", m),
            status=_enum(d, "status", m, OrderStatus),
            type=_enum(d, "type", m, OrderType),
            side=_enum(d, "side", m, OrderSide),
            size=_int(d, "size", m),
            limit_price=_float(d, "limitPrice", m),
            stop_price=_float(d, "stopPrice", m),
            fill_volume=_int(d, "fillVolume", m),
            filled_price=_float(d, "filledPrice", m),
            custom_tag=_str(d, "customTag", m),
            trail_distance=_int(d, "trailDistance", m),
            trail_price=_float(d, "trailPrice", m),
            parent_order_id=_int(d, "parentOrderId", m),
            linked_order_id=_int(d, "linkedOrderId", m),
        )

    @property
    def created_at(self) -> datetime | None:
        """Creation time (tz-aware UTC)."""
        return ns_to_datetime(self.created_ns)

    @property
    def updated_at(self) -> datetime | None:
        """Last update time (tz-aware UTC)."""
        return ns_to_datetime(self.updated_ns)

    @property
    def is_working(self) -> bool:
        """Open, pending, pending cancellation or suspended (not terminal)."""
        return self.status in (
            OrderStatus.OPEN,
            OrderStatus.PENDING,
            OrderStatus.PENDING_CANCELLATION,
            OrderStatus.SUSPENDED,
        )

    @property
    def is_terminal(self) -> bool:
        """Filled, cancelled, expired or rejected."""
        return isinstance(self.status, OrderStatus) and self.status.is_terminal


@dataclass(frozen=True, slots=True)
class Position:
    """An open position (``PositionModel``, spec §4.6). Direction is in ``type``; ``size`` >= 0."""

    id: int
    account_id: int | None = None
    contract_id: str | None = None
    created_ns: int | None = None
    type: PositionType | int | None = None
    size: int | None = None
    average_price: float | None = None
    contract_display_name: str | None = None

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> Position:
        """Build from a wire dict (``id`` required)."""
        d = _check_mapping(data, "Position")
        m = "Position"
        return cls(
            id=_req_int(d, "id", m),
            account_id=_int(d, "accountId", m),
            contract_id=_str(d, "contractId", m),
            created_ns=_ts(d, "creationTimestamp", m),
            type=_enum(d, "type", m, PositionType),
            size=_int(d, "size", m),
            average_price=_float(d, "averagePrice", m),
            contract_display_name=_str(d, "contractDisplayName", m),
        )

    @property
    def created_at(self) -> datetime | None:
        """Opening time (tz-aware UTC)."""
        return ns_to_datetime(self.created_ns)

    @property
    def signed_size(self) -> int:
        """``+size`` when long, ``-size`` when short, 0 otherwise."""
        size = self.size or 0
        if self.type == PositionType.LONG:
            return size
        if self.type == PositionType.SHORT:
            return -size
        return 0


@dataclass(frozen=True, slots=True)
class Trade:
    """One fill of an account (``HalfTrade``, spec §4.7)."""

    id: int
    account_id: int | None = None
    contract_id: str | None = None
    created_ns: int | None = None
    price: float | None = None
    profit_and_loss: float | None = None
    fees: float | None = None
    commissions: float | None = None
    side: OrderSide | int | None = None
    size: int | None = None
    voided: bool | None = None
    order_id: int | None = None

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> Trade:
        """Build from a wire dict (``id`` required)."""
        d = _check_mapping(data, "Trade")
        m = "Trade"
        return cls(
            id=_req_int(d, "id", m),
            account_id=_int(d, "accountId", m),
            contract_id=_str(d, "contractId", m),
            created_ns=_ts(d, "creationTimestamp", m),
            price=_float(d, "price", m),
            profit_and_loss=_float(d, "profitAndLoss", m),
            fees=_float(d, "fees", m),
            commissions=_float(d, "commissions", m),
            side=_enum(d, "side", m, OrderSide),
            size=_int(d, "size", m),
            voided=_bool(d, "voided", m),
            order_id=_int(d, "orderId", m),
        )

    @property
    def created_at(self) -> datetime | None:
        """Fill time (tz-aware UTC)."""
        return ns_to_datetime(self.created_ns)

    @property
    def is_half_turn(self) -> bool:
        """True when the fill opened or added to a position (``profitAndLoss`` null)."""
        return self.profit_and_loss is None


@dataclass(frozen=True, slots=True)
class Bar:
    """One OHLCV bar (``AggregateBar``, spec §4.4); ``ts_ns`` is the bar's open time."""

    ts_ns: int
    open: float
    high: float
    low: float
    close: float
    volume: int

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> Bar:
        """Build from ``{"t","o","h","l","c","v"}`` (all required; extras such as d/k ignored)."""
        d = _check_mapping(data, "Bar")
        m = "Bar"
        ts = _ts(d, "t", m)
        o, h, lo, c = (_float(d, k, m) for k in ("o", "h", "l", "c"))
        v = _int(d, "v", m)
        if ts is None or o is None or h is None or lo is None or c is None or v is None:
            missing = [k for k in "tohlcv" if d.get(k) is None]
            raise ValidationError(f"Bar: missing field(s) {', '.join(missing)}")
        return cls(ts, o, h, lo, c, v)

    @property
    def time(self) -> datetime:
        """Open time (tz-aware UTC)."""
        dt = ns_to_datetime(self.ts_ns)
        assert dt is not None
        return dt


@dataclass(frozen=True, slots=True)
class Quote:
    """A (possibly partial) ``GatewayQuote`` (spec §7.7.2); absent fields are ``None``."""

    contract_id: str | None = None
    symbol: str | None = None
    symbol_name: str | None = None
    last_price: float | None = None
    best_bid: float | None = None
    best_ask: float | None = None
    change: float | None = None
    change_percent: float | None = None
    open: float | None = None
    high: float | None = None
    low: float | None = None
    volume: int | None = None
    last_updated_ns: int | None = None
    ts_ns: int | None = None

    @classmethod
    def from_wire(cls, data: Mapping[str, Any], contract_id: str | None = None) -> Quote:
        """Build from a quote object; ``contract_id`` is the event's first argument."""
        d = _check_mapping(data, "Quote")
        m = "Quote"
        volume = _float(d, "volume", m)
        return cls(
            contract_id=contract_id,
            symbol=_str(d, "symbol", m),
            symbol_name=_str(d, "symbolName", m),
            last_price=_float(d, "lastPrice", m),
            best_bid=_float(d, "bestBid", m),
            best_ask=_float(d, "bestAsk", m),
            change=_float(d, "change", m),
            change_percent=_float(d, "changePercent", m),
            open=_float(d, "open", m),
            high=_float(d, "high", m),
            low=_float(d, "low", m),
            volume=None if volume is None else int(volume),
            last_updated_ns=_ts(d, "lastUpdated", m),
            ts_ns=_ts(d, "timestamp", m),
        )

    @property
    def time(self) -> datetime | None:
        """Quote time (tz-aware UTC)."""
        return ns_to_datetime(self.ts_ns)

    @property
    def mid(self) -> float | None:
        """``(best_bid + best_ask) / 2`` when both are known."""
        if self.best_bid is None or self.best_ask is None:
            return None
        return (self.best_bid + self.best_ask) / 2.0

    @property
    def spread(self) -> float | None:
        """``best_ask - best_bid`` when both are known."""
        if self.best_bid is None or self.best_ask is None:
            return None
        return self.best_ask - self.best_bid


@dataclass(frozen=True, slots=True)
class MarketTrade:
    """One ``GatewayTrade`` item (spec §7.7.2): a trade printed on the exchange."""

    contract_id: str | None
    symbol_id: str | None
    price: float
    volume: int
    type: TradeLogType | int | None
    ts_ns: int | None

    @classmethod
    def from_wire(cls, data: Mapping[str, Any], contract_id: str | None = None) -> MarketTrade:
        """Build from a trade item (``price`` and ``volume`` required)."""
        d = _check_mapping(data, "MarketTrade")
        m = "MarketTrade"
        price = _float(d, "price", m)
        volume = _float(d, "volume", m)
        if price is None or volume is None:
            raise ValidationError("MarketTrade: price and volume are required")
        return cls(
            contract_id=contract_id,
            symbol_id=_str(d, "symbolId", m),
            price=price,
            volume=int(volume),
            type=_enum(d, "type", m, TradeLogType),
            ts_ns=_ts(d, "timestamp", m),
        )

    @property
    def time(self) -> datetime | None:
        """Trade time (tz-aware UTC)."""
        return ns_to_datetime(self.ts_ns)
