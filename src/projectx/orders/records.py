"""What the order layer hands out: requests (for the risk gate) and tracked order records."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

from projectx.enums import OrderSide, OrderStatus, OrderType
from projectx.models import Contract, Order, Trade
from projectx.orders.state import OrderState, state_from_gateway

__all__ = ["GroupHooks", "OrderRequest", "OrderRole", "OrderSpec", "TrackedOrder"]


class GroupHooks(Protocol):
    """What a record's group (:class:`~projectx.orders.brackets.OrderGroup`) is told.

    Declared here so records need not import the groups (which import records).
    """

    def on_fill(self, rec: TrackedOrder, delta: int) -> None:
        """``rec`` filled ``delta`` more contracts."""
        ...

    def on_state(self, rec: TrackedOrder) -> None:
        """``rec`` changed state (after its fill hook, if any)."""
        ...


class OrderRole(StrEnum):
    """Why an order exists."""

    ORDER = "order"  #: a plain order of the user
    ENTRY = "entry"  #: the entry of a bracket
    STOP_LOSS = "stop_loss"  #: protective stop of a bracket
    TAKE_PROFIT = "take_profit"  #: target of a bracket
    OCO = "oco"  #: one leg of a one-cancels-other pair
    EXTERNAL = "external"  #: seen on the account but not placed by this manager


@dataclass(frozen=True, slots=True)
class OrderSpec:
    """One leg of :meth:`~projectx.orders.manager.OrderManager.place_oco_order`."""

    side: OrderSide | int | str
    size: int
    order_type: OrderType | int | str
    limit_price: float | None = None
    stop_price: float | None = None


@dataclass(frozen=True, slots=True)
class OrderRequest:
    """An order about to be sent, as the risk gate sees it (prices already validated)."""

    contract: Contract
    side: OrderSide
    size: int
    order_type: OrderType
    limit_price: float | None = None
    stop_price: float | None = None
    trail_price: float | None = None
    custom_tag: str | None = None
    role: OrderRole = OrderRole.ORDER
    stop_loss_price: float | None = None
    """For a bracket entry: where its protective stop will be (absolute price), if known."""
    take_profit_price: float | None = None
    reference_price: float | None = None
    """Market price the order was checked against (ask for a buy, bid for a sell), if known."""

    @property
    def contract_id(self) -> str:
        """The contract's id."""
        return self.contract.id


@dataclass(slots=True, eq=False)
class TrackedOrder:
    """One order as the manager knows it; updated in place by hub events and REST fallbacks.

    ``order_id`` is None until the Gateway assigns one (or forever for an emulated stop-limit
    that never triggered). ``custom_tag`` is the client tag it was sent with.
    """

    contract_id: str
    side: OrderSide
    size: int
    order_type: OrderType
    custom_tag: str | None = None
    limit_price: float | None = None
    stop_price: float | None = None
    trail_price: float | None = None
    order_id: int | None = None
    state: OrderState = OrderState.PENDING
    gateway_status: OrderStatus | int | None = None
    fill_volume: int = 0
    filled_price: float | None = None
    role: OrderRole = OrderRole.ORDER
    emulated: bool = False
    """True for a client-side stop-limit: the limit is sent when a trade prints through the stop."""
    triggered: bool = False
    uncertain: bool = False
    """The submission's outcome was unknown and the order was not (yet) found by its tag."""
    reference_price: float | None = None
    error: str | None = None
    created_ns: int = 0
    submitted_ns: int | None = None
    first_fill_ns: int | None = None
    done_ns: int | None = None
    last: Order | None = None
    trades: list[Trade] = field(default_factory=list)
    history: list[OrderState] = field(default_factory=list)
    group: GroupHooks | None = None
    tick_size: float | None = None
    # internal bookkeeping
    trade_ids: set[int] = field(default_factory=set, repr=False)
    trade_fill: int = field(default=0, repr=False)
    server_fill: int = field(default=0, repr=False)
    placed_emitted: bool = field(default=False, repr=False)
    cancel_requested: bool = field(default=False, repr=False)
    group_cancel: bool = field(default=False, repr=False)
    modify_pending: int = field(default=0, repr=False)
    suppress_reject: bool = field(default=False, repr=False)
    settled_by: str | None = field(default=None, repr=False)
    changed: asyncio.Event | None = field(default=None, repr=False)

    @classmethod
    def from_request(
        cls, req: OrderRequest, *, created_ns: int, emulated: bool = False
    ) -> TrackedOrder:
        """A new record (``PENDING``) for ``req``, about to be sent (or armed when ``emulated``)."""
        rec = cls(
            contract_id=req.contract.id,
            side=req.side,
            size=req.size,
            order_type=req.order_type,
            custom_tag=req.custom_tag,
            limit_price=req.limit_price,
            stop_price=req.stop_price,
            trail_price=req.trail_price,
            role=req.role,
            emulated=emulated,
            reference_price=req.reference_price,
            created_ns=created_ns,
            tick_size=req.contract.tick_size,
        )
        rec.history.append(OrderState.PENDING)
        return rec

    @classmethod
    def from_order(cls, order: Order, *, ours: bool, now_ns: int) -> TrackedOrder:
        """A record for an order seen on the account (adopted); ``ours`` = our tag prefix."""
        side = order.side if isinstance(order.side, OrderSide) else OrderSide.BUY
        otype = order.type if isinstance(order.type, OrderType) else OrderType.UNKNOWN
        rec = cls(
            contract_id=order.contract_id or "",
            side=side,
            size=order.size or 0,
            order_type=otype,
            custom_tag=order.custom_tag,
            limit_price=order.limit_price,
            stop_price=order.stop_price,
            role=OrderRole.ORDER if ours else OrderRole.EXTERNAL,
            created_ns=order.created_ns or now_ns,
            submitted_ns=order.created_ns,
        )
        rec.order_id = order.id
        rec.last = order
        rec.gateway_status = order.status
        rec.fill_volume = rec.server_fill = order.fill_volume or 0
        rec.filled_price = order.filled_price
        state = state_from_gateway(order.status, rec.fill_volume, rec.size)
        rec.state = state if state is not None else OrderState.SUBMITTED
        rec.history.append(rec.state)
        rec.placed_emitted = True  # adopted orders were placed before we saw them
        return rec

    def revive(self) -> None:
        """A lost order turned up after all: back to ``SUBMITTED``, so what was seen applies."""
        self.state = OrderState.SUBMITTED
        self.history.append(OrderState.SUBMITTED)
        self.settled_by = None
        self.uncertain = False
        self.done_ns = None

    def discard_unsent(self) -> None:
        """Nothing reached the Gateway (connection refused, bad input): end as ``REJECTED``."""
        self.state = OrderState.REJECTED
        self.history.append(OrderState.REJECTED)

    def add_trade(self, trade: Trade) -> bool:
        """Record one fill; False for a duplicate or a voided fill (nothing recorded)."""
        if trade.id in self.trade_ids or trade.voided:
            return False
        self.trade_ids.add(trade.id)
        self.trades.append(trade)
        self.trade_fill += trade.size or 0
        return True

    def modified_by(self, order: Order, size: int, new: OrderState | None) -> bool:
        """Whether snapshot ``order`` (``size``, mapped state ``new``) changes a working order."""
        was = self.state
        if not (was in (OrderState.WORKING, OrderState.PARTIALLY_FILLED) and new in (None, was)):
            return False
        return (
            size != self.size
            or (order.limit_price is not None and order.limit_price != self.limit_price)
            or (
                order.stop_price is not None
                and order.stop_price != self.stop_price
                and self.order_type is not OrderType.TRAILING_STOP
            )
        )

    def take_fields(self, order: Order, size: int, server_fill: int) -> None:
        """Copy the Gateway's view of status, size, prices and fill volume from ``order``."""
        self.last = order
        self.gateway_status = order.status
        self.server_fill = max(self.server_fill, server_fill)
        self.size = size
        if order.limit_price is not None:
            self.limit_price = order.limit_price
        if order.stop_price is not None:
            self.stop_price = order.stop_price
        if order.filled_price is not None:
            self.filled_price = order.filled_price

    def apply_modify(
        self,
        size: int | None,
        limit_price: float | None,
        stop_price: float | None,
        trail_price: float | None = None,
    ) -> None:
        """Take the fields a modify changed (None = unchanged)."""
        if size is not None:
            self.size = size
        if limit_price is not None:
            self.limit_price = limit_price
        if stop_price is not None:
            self.stop_price = stop_price
        if trail_price is not None:
            self.trail_price = trail_price

    @property
    def fill_time_s(self) -> float | None:
        """Seconds from submission to the final fill, if both are known."""
        if self.submitted_ns is None or self.done_ns is None:
            return None
        return max(0.0, (self.done_ns - self.submitted_ns) / 1e9)

    @property
    def slippage_ticks(self) -> float | None:
        """Average fill against the reference price, in ticks (positive = worse), if known."""
        avg = self.average_fill_price
        ref = self.reference_price
        tick = self.tick_size
        if avg is None or ref is None or not tick:
            return None
        signed = (avg - ref) if self.side == OrderSide.BUY else (ref - avg)
        return signed / tick

    @property
    def is_terminal(self) -> bool:
        """Filled, cancelled, rejected or expired."""
        return self.state.is_terminal

    @property
    def is_working(self) -> bool:
        """Not terminal (pending, submitted, working or partially filled)."""
        return not self.state.is_terminal

    @property
    def remaining(self) -> int:
        """Contracts not filled yet."""
        return max(0, self.size - self.fill_volume)

    @property
    def average_fill_price(self) -> float | None:
        """Average fill price: the Gateway's ``filledPrice``, else the VWAP of our fills."""
        if self.filled_price is not None:
            return self.filled_price
        qty = sum(t.size or 0 for t in self.trades if t.price is not None)
        if not qty:
            return None
        return sum((t.price or 0.0) * (t.size or 0) for t in self.trades) / qty

    def snapshot(self) -> dict[str, Any]:
        """A plain dict of the public fields (event payloads, logs)."""
        return {
            "order_id": self.order_id,
            "custom_tag": self.custom_tag,
            "contract_id": self.contract_id,
            "side": self.side,
            "type": self.order_type,
            "size": self.size,
            "limit_price": self.limit_price,
            "stop_price": self.stop_price,
            "trail_price": self.trail_price,
            "state": self.state,
            "fill_volume": self.fill_volume,
            "filled_price": self.average_fill_price,
            "role": self.role,
            "emulated": self.emulated,
        }
