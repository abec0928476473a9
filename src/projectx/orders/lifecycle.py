"""``OrderLifecycle``: applies snapshots and fills to tracked orders and emits what changed.

The legal moves are those of :mod:`projectx.orders.state`; an illegal one is refused, logged
and counted. The record's own field updates are :class:`TrackedOrder` methods; this class adds
the events, the counters, the finished queue and the group hooks.

Events (instrument = contract id): ``ORDER_PLACED`` once per order, before any other event of
it (on the REST success or the first hub event showing it accepted, whichever comes first);
``ORDER_PARTIAL_FILL`` / ``ORDER_FILLED`` (``fill_size`` = the new contracts);
``ORDER_MODIFIED``, ``ORDER_CANCELLED``, ``ORDER_REJECTED``, ``ORDER_EXPIRED``. Their data is
:meth:`TrackedOrder.snapshot` plus ``"order"`` (the live record). ``TRADE_EXECUTED`` carries
``{"trade": Trade, "order_id", "custom_tag", "order"}``. ``ERROR`` (``source: "orders"``) when
bracket protection or an OCO action failed. ``ANOMALY`` (``boundary: "orders"``, reason
``order_lost``) when an uncertain submission was not found by its tag: the record ends in
:attr:`OrderState.LOST` (never "cancelled"; ``cancel_all_orders`` skips it) and is revived if the
order turns up later (``found_after_lost`` in :meth:`~projectx.orders.OrderManager.stats`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from projectx.events import EventBus, EventType
from projectx.models import Order, Trade
from projectx.orders.records import TrackedOrder
from projectx.orders.registry import OrderRegistry
from projectx.orders.state import OrderState, is_legal, state_from_gateway
from projectx.orders.stats import OrderStats

__all__ = ["OrderLifecycle", "now_ns"]

log = logging.getLogger(__name__)

_STATE_EVENTS = {
    OrderState.CANCELLED: EventType.ORDER_CANCELLED,
    OrderState.REJECTED: EventType.ORDER_REJECTED,
    OrderState.EXPIRED: EventType.ORDER_EXPIRED,
}


def now_ns() -> int:
    """Wall-clock time in nanoseconds (record timestamps)."""
    return time.time_ns()


class OrderLifecycle:
    """State transitions of the tracked orders of one manager.

    ``on_emulated_done(rec)`` is called when an emulated stop-limit reaches a terminal state
    (the emulator disarms it).
    """

    def __init__(
        self,
        bus: EventBus,
        stats: OrderStats,
        registry: OrderRegistry,
        on_emulated_done: Callable[[TrackedOrder], None],
    ) -> None:
        self.bus = bus
        self.stats = stats
        self.registry = registry
        self.on_emulated_done = on_emulated_done

    # -- events ----------------------------------------------------------------------------
    def emit(self, etype: EventType, rec: TrackedOrder, **extra: Any) -> None:
        """Emit ``etype`` with the record's snapshot (plus ``order`` and ``extra``)."""
        if self.bus.wants(etype):
            data = rec.snapshot()
            data["order"] = rec
            data.update(extra)
            self.bus.emit(etype, data, rec.contract_id)

    def ensure_placed(self, rec: TrackedOrder) -> None:
        """Emit ``ORDER_PLACED`` once, as soon as the record has a Gateway id."""
        if not rec.placed_emitted and rec.order_id is not None:
            rec.placed_emitted = True
            self.emit(EventType.ORDER_PLACED, rec)

    def illegal(
        self,
        rec: TrackedOrder,
        old: OrderState,
        new: OrderState | None,
        source: str,
        why: str = "illegal transition",
    ) -> None:
        """Count and log a refused transition."""
        self.stats.illegal_transitions += 1
        log.warning(
            "order %s (tag %s): %s %s -> %s from %s refused",
            rec.order_id,
            rec.custom_tag,
            why,
            old.value,
            new.value if new is not None else None,
            source,
        )

    # -- transitions -----------------------------------------------------------------------
    def apply_snapshot(self, rec: TrackedOrder, order: Order, source: str) -> None:
        """Apply an order snapshot (hub or REST) to ``rec``."""
        if order.contract_id and not rec.contract_id:
            rec.contract_id = order.contract_id
        size = order.size if order.size else rec.size
        server_fill = order.fill_volume or 0
        fill = max(server_fill, rec.trade_fill)
        new = state_from_gateway(order.status, fill, size)
        if (
            source == "hub"
            and rec.settled_by in ("rest", "local")
            and new is not None
            and not new.is_terminal
        ):
            self.stats.late_events += 1  # REST told the outcome before the hub caught up
            return
        if new in (OrderState.CANCELLED, OrderState.EXPIRED, OrderState.REJECTED):
            fill = max(fill, rec.fill_volume)  # the outcome matters; fills never go down
        elif server_fill < rec.server_fill:
            # older than a snapshot already applied (fills reported by trades first are fine)
            self.illegal(rec, rec.state, new, source, why="stale snapshot, fill volume went down")
            return
        if fill < rec.fill_volume:
            self.illegal(rec, rec.state, new, source, why="fill volume went down")
            return
        if new is not None and new is not rec.state and not is_legal(rec.state, new):
            self.illegal(rec, rec.state, new, source)
            return
        modified = rec.modified_by(order, size, new)
        rec.take_fields(order, size, server_fill)
        if new is not None:
            self.advance(rec, new, fill, source)
        if (
            modified
            and source == "hub"
            and rec.modify_pending == 0
            and rec.placed_emitted
            and not rec.is_terminal
        ):
            self.stats.modified += 1
            self.emit(EventType.ORDER_MODIFIED, rec)

    def apply_trade(self, rec: TrackedOrder, trade: Trade) -> None:
        """Apply one fill of ``rec`` (duplicates and voided fills are ignored)."""
        if not rec.add_trade(trade):
            return
        if self.bus.wants(EventType.TRADE_EXECUTED):
            self.bus.emit(
                EventType.TRADE_EXECUTED,
                {
                    "trade": trade,
                    "order_id": rec.order_id,
                    "custom_tag": rec.custom_tag,
                    "order": rec,
                },
                rec.contract_id,
            )
        if rec.is_terminal and rec.state is not OrderState.CANCELLED:
            return
        fill = max(rec.fill_volume, rec.trade_fill)
        if fill <= rec.fill_volume:
            return
        new = OrderState.FILLED if fill >= rec.size else OrderState.PARTIALLY_FILLED
        if rec.is_terminal:  # fills reported after a cancel: count them, keep the state
            self.advance(rec, rec.state, fill, "trade")
        elif new is rec.state or is_legal(rec.state, new):
            self.advance(rec, new, fill, "trade")

    def apply_orphans(self, rec: TrackedOrder) -> None:
        """Apply the fills that arrived before ``rec`` had its id."""
        assert rec.order_id is not None
        for trade in self.registry.take_orphans(rec.order_id):
            self.apply_trade(rec, trade)

    def advance(self, rec: TrackedOrder, new: OrderState, fill: int, source: str) -> bool:
        """Move ``rec`` to ``new`` with ``fill`` contracts filled; emit what changed."""
        old = rec.state
        delta = fill - rec.fill_volume
        if delta < 0:
            self.illegal(rec, old, new, source, why="fill volume went down")
            return False
        if new is old and delta == 0:
            return True
        if new is not old and not is_legal(old, new):
            self.illegal(rec, old, new, source)
            return False
        now = now_ns()
        rec.state = new
        if new is not old:
            rec.history.append(new)
            if new.is_terminal:
                rec.settled_by = source
                self.registry.finish(rec)
        rec.fill_volume = fill
        if new is not OrderState.REJECTED and new is not OrderState.PENDING:
            self.ensure_placed(rec)
        if delta > 0:
            if rec.first_fill_ns is None:
                rec.first_fill_ns = now
            if new is OrderState.FILLED:
                rec.done_ns = now
                self.stats.record_fill(rec.fill_time_s, rec.slippage_ticks)
                self.emit(EventType.ORDER_FILLED, rec, fill_size=delta)
            else:
                self.stats.partial_fills += 1
                self.emit(EventType.ORDER_PARTIAL_FILL, rec, fill_size=delta)
        if new is not old and new in _STATE_EVENTS:
            rec.done_ns = now
            if new is OrderState.CANCELLED:
                self.stats.cancelled += 1
            elif new is OrderState.EXPIRED:
                self.stats.expired += 1
            if new is OrderState.REJECTED and rec.suppress_reject:
                pass  # a native-bracket probe: decided once the REST answer is in
            else:
                if new is OrderState.REJECTED:
                    self.stats.rejected += 1
                self.emit(_STATE_EVENTS[new], rec)
        group = rec.group
        if group is not None:
            if delta > 0:
                group.on_fill(rec, delta)
            if new is not old:
                group.on_state(rec)
        if new.is_terminal and rec.emulated:
            self.on_emulated_done(rec)
        changed = rec.changed
        if changed is not None:
            rec.changed = None
            changed.set()
        return True

    def emit_rejected(self, rec: TrackedOrder) -> None:
        """Count and emit a rejection that was held back (a refused native-bracket probe)."""
        self.stats.rejected += 1
        self.emit(EventType.ORDER_REJECTED, rec)
