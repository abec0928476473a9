"""What the order layer hands out: requests (for the risk gate) and tracked order records."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from projectx.enums import OrderSide, OrderStatus, OrderType
from projectx.models import Contract, Order, Trade
from projectx.orders.state import OrderState

if TYPE_CHECKING:
    from projectx.orders.brackets import OrderGroup

__all__ = ["OrderRequest", "OrderRole", "OrderSpec", "TrackedOrder"]


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
    group: OrderGroup | None = None
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
