"""Plausibility of the Gateway's entities at the user-hub and REST boundaries (issue #14).

The models (:mod:`projectx.models`) check the spec's *types* (an int where an int belongs, a
finite number, an ISO timestamp); this module checks what those types promise beyond that
(spec §4.5-§4.7, §0.3): ids are positive and fit their int32/int64 column, an order belongs to
an account and a contract, its enums have a value this SDK can act on, a position's size is never
negative and a non-flat position is long or short, a fill has a positive size and no negative
fees. The same functions serve a user-hub event and a REST answer, so an entity means the same
whichever way it arrived.

A refused entity raises :class:`AnomalyError` (a :class:`~projectx.exceptions.ValidationError`)
with a short ``reason`` code. Whoever refuses it reports it to an :class:`AnomalyLog`: counted
by reason, logged, remembered for the health score and handed to listeners (the suite turns
them into ``ANOMALY`` events). Refusing an item is never fatal to a connection or to the items
around it.
"""

from __future__ import annotations

import logging
import math
import time
from collections import Counter, deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from projectx.enums import OrderSide, OrderStatus, OrderType, PositionType
from projectx.events import EventBus, EventType
from projectx.exceptions import ValidationError
from projectx.models import Account, Order, Position, Trade
from projectx.redaction import scrub

__all__ = [
    "INT32_MAX",
    "INT64_MAX",
    "Anomaly",
    "AnomalyError",
    "AnomalyLog",
    "check_account",
    "check_order",
    "check_position",
    "check_trade",
    "decode_user_entity",
    "emit_on",
    "fill_fingerprint",
]

log = logging.getLogger(__name__)

INT32_MAX = 2**31 - 1
INT64_MAX = 2**63 - 1
RECENT_WINDOW_S = 300.0
"""How long an anomaly counts as recent (for the health score)."""


class AnomalyError(ValidationError):
    """A wire entity (hub event or REST item) failed a plausibility check; ``reason`` is a short
    stable code such as ``position_negative_size``."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def _id(value: int | None, what: str, maximum: int, *, required: bool = True) -> None:
    if value is None:
        if required:
            raise AnomalyError(f"missing_{_snake(what)}", f"{what} is missing")
        return
    if value <= 0:
        raise AnomalyError("id_not_positive", f"{what} must be > 0, got {value}")
    if value > maximum:
        raise AnomalyError("id_out_of_range", f"{what} {value} does not fit its column")


def _snake(what: str) -> str:
    name = what.rsplit(".", 1)[-1]
    return "".join("_" + c.lower() if c.isupper() else c for c in name).lstrip("_")


def _count(value: int | None, what: str, *, minimum: int, required: bool = True) -> None:
    if value is None:
        if required:
            raise AnomalyError(f"missing_{_snake(what)}", f"{what} is missing")
        return
    if not minimum <= value <= INT32_MAX:
        raise AnomalyError(f"{_snake(what)}_out_of_range", f"{what} out of range: {value}")


def _contract(contract_id: str | None, what: str) -> None:
    if not contract_id or not contract_id.strip():
        raise AnomalyError("missing_contract_id", f"{what}.contractId is missing")


def _known(value: Any, enum: type, what: str) -> None:
    if value is None:
        raise AnomalyError(f"missing_{_snake(what)}", f"{what} is missing")
    if not isinstance(value, enum):
        raise AnomalyError(f"unknown_{_snake(what)}", f"{what} has an unknown value {value!r}")


def check_order(order: Order) -> Order:
    """An order (hub ``GatewayUserOrder`` data or a REST item) the SDK can act on."""
    _id(order.id, "Order.id", INT64_MAX)
    _id(order.account_id, "Order.accountId", INT32_MAX)
    _contract(order.contract_id, "Order")
    _known(order.status, OrderStatus, "Order.status")
    _known(order.type, OrderType, "Order.type")
    _known(order.side, OrderSide, "Order.side")
    _count(order.size, "Order.size", minimum=1)
    _count(order.fill_volume, "Order.fillVolume", minimum=0, required=False)
    if order.fill_volume is not None and order.size is not None and order.fill_volume > order.size:
        raise AnomalyError(
            "fill_volume_above_size", f"Order.fillVolume {order.fill_volume} > size {order.size}"
        )
    _id(order.parent_order_id, "Order.parentOrderId", INT64_MAX, required=False)
    _id(order.linked_order_id, "Order.linkedOrderId", INT64_MAX, required=False)
    return order


def _price(value: float, name: str) -> None:
    """A price the market could print: finite and > 0 (a fill at 0 or below would book
    fantasy P&L and feed the risk rules)."""
    if not (math.isfinite(value) and value > 0):
        raise AnomalyError("price_not_positive", f"{name} is not a positive price: {value}")


def check_position(position: Position) -> Position:
    """A position: size never negative (the direction is in ``type``, spec §4.6); a non-flat
    position is LONG or SHORT."""
    _id(position.id, "Position.id", INT32_MAX)
    _id(position.account_id, "Position.accountId", INT32_MAX)
    _contract(position.contract_id, "Position")
    size = position.size
    if size is None:
        raise AnomalyError("missing_size", "Position.size is missing")
    if size < 0:
        raise AnomalyError(
            "position_negative_size",
            f"Position.size {size} is negative (type {position.type!r} carries the direction)",
        )
    if size > INT32_MAX:
        raise AnomalyError("size_out_of_range", f"Position.size out of range: {size}")
    if size > 0:
        if position.type not in (PositionType.LONG, PositionType.SHORT):
            raise AnomalyError("position_type_invalid", f"open position of type {position.type!r}")
        if position.average_price is None:
            raise AnomalyError("missing_average_price", "open position without averagePrice")
        _price(position.average_price, "Position.averagePrice")
    return position


def check_trade(trade: Trade) -> Trade:
    """A fill: ids positive, an order id, a side, a positive size, a price, fees not negative."""
    _id(trade.id, "Trade.id", INT64_MAX)
    _id(trade.account_id, "Trade.accountId", INT32_MAX)
    _contract(trade.contract_id, "Trade")
    _id(trade.order_id, "Trade.orderId", INT64_MAX)
    _known(trade.side, OrderSide, "Trade.side")
    _count(trade.size, "Trade.size", minimum=1)
    if trade.price is None:
        raise AnomalyError("missing_price", "Trade.price is missing")
    _price(trade.price, "Trade.price")
    for name, value in (("fees", trade.fees), ("commissions", trade.commissions)):
        if value is not None and value < 0:
            raise AnomalyError("negative_fees", f"Trade.{name} is negative: {value}")
    return trade


def check_account(account: Account) -> Account:
    """An account update: a positive int32 id."""
    _id(account.id, "Account.id", INT32_MAX)
    return account


_DECODERS: dict[str, Callable[[Mapping[str, Any]], Any]] = {
    "GatewayUserOrder": lambda d: check_order(Order.from_wire(d)),
    "GatewayUserPosition": lambda d: check_position(Position.from_wire(d)),
    "GatewayUserTrade": lambda d: check_trade(Trade.from_wire(d)),
    "GatewayUserAccount": lambda d: check_account(Account.from_wire(d)),
}


def decode_user_entity(target: str, data: Mapping[str, Any]) -> Order | Position | Trade | Account:
    """The one decode of a user-hub entity: the model of ``target`` built from ``data`` and
    checked. Raises :class:`AnomalyError` (implausible) or ``ValidationError`` (wrong types,
    reason ``malformed``)."""
    decoder = _DECODERS.get(target)
    if decoder is None:
        raise AnomalyError("unknown_target", f"unknown user event {target!r}")
    try:
        entity: Order | Position | Trade | Account = decoder(data)
    except AnomalyError:
        raise
    except ValidationError as exc:
        raise AnomalyError("malformed", str(exc)) from None
    return entity


def fill_fingerprint(trade: Trade) -> tuple[Any, ...]:
    """What must not change between two sightings of one fill id (``voided`` may)."""
    return (trade.order_id, trade.contract_id, trade.side, trade.size, trade.price)


@dataclass(frozen=True, slots=True)
class Anomaly:
    """One refused (or contradicted) item: where it came from and why."""

    boundary: str
    """``user_hub``, ``rest``, ``orders`` or ``positions``."""
    source: str
    """The hub target (``GatewayUserPosition``) or REST endpoint (``Order/place``)."""
    reason: str
    detail: str = ""
    context: Mapping[str, Any] = field(default_factory=dict)
    ts_ns: int = 0

    def as_dict(self) -> dict[str, Any]:
        """Event payload."""
        return {
            "boundary": self.boundary,
            "source": self.source,
            "reason": self.reason,
            "reasons": {self.reason: 1},  # the shape of every ANOMALY payload
            "detail": self.detail,
            **self.context,
        }


AnomalyListener = Callable[[Anomaly], None]


class AnomalyLog:
    """Counts anomalies by reason, keeps the latest ones, tells listeners.

    Listeners are called inline; one that raises is logged and kept (a report never fails the
    code that refused the item).
    """

    def __init__(
        self, boundary: str, *, keep: int = 100, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.boundary = boundary
        self.by_reason: Counter[str] = Counter()
        self._latest: deque[tuple[float, Anomaly]] = deque(maxlen=keep)
        self._listeners: list[AnomalyListener] = []
        self._clock = clock

    def __repr__(self) -> str:
        return f"AnomalyLog({self.boundary!r}, total={self.total})"

    @property
    def total(self) -> int:
        """Every anomaly reported so far."""
        return sum(self.by_reason.values())

    def subscribe(self, listener: AnomalyListener) -> None:
        """Call ``listener(anomaly)`` for every later report."""
        self._listeners.append(listener)

    def report(
        self, source: str, reason: str, detail: str = "", *, count: int = 1, **context: Any
    ) -> Anomaly:
        """Count (``count`` items, default one) and announce one anomaly."""
        detail = scrub(detail)  # server text may echo a key or token
        anomaly = Anomaly(self.boundary, source, reason, detail[:300], context, time.time_ns())
        self.by_reason[reason] += count
        self._latest.append((self._clock(), anomaly))
        log.warning("%s anomaly from %s refused: %s (%s)", self.boundary, source, reason, detail)
        for listener in list(self._listeners):
            try:
                listener(anomaly)
            except Exception:
                log.exception("anomaly listener failed")
        return anomaly

    def refuse(self, source: str, exc: AnomalyError, **context: Any) -> Anomaly:
        """Report a refused item from its :class:`AnomalyError`."""
        return self.report(source, exc.reason, str(exc), **context)

    def recent(self, window_s: float = RECENT_WINDOW_S) -> Counter[str]:
        """Reasons of the anomalies of the last ``window_s`` seconds (of those kept)."""
        cutoff = self._clock() - window_s
        return Counter(a.reason for t, a in self._latest if t >= cutoff)

    @property
    def latest(self) -> list[Anomaly]:
        """The latest anomalies, oldest first."""
        return [a for _, a in self._latest]

    def snapshot(self, window_s: float = RECENT_WINDOW_S) -> dict[str, Any]:
        """Counters for ``get_stats()``: total, by reason, and the recent ones by reason."""
        recent = self.recent(window_s)
        return {
            "total": self.total,
            "by_reason": dict(self.by_reason),
            "recent": sum(recent.values()),
            "recent_by_reason": dict(recent),
        }


def emit_on(bus: EventBus) -> AnomalyListener:
    """A listener that emits each anomaly as an ``ANOMALY`` event on ``bus``."""

    def emit(anomaly: Anomaly) -> None:
        if bus.wants(EventType.ANOMALY):
            bus.emit(EventType.ANOMALY, anomaly.as_dict())

    return emit
