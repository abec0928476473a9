"""``OrderManager``: places, tracks, modifies and cancels the orders of one account.

* Every order gets a unique client tag (``<prefix>-<session>-<seq>``) registered *before* it is
  sent, so hub events that arrive ahead of the REST answer are matched by tag, and an uncertain
  submission is reconciled by tag (found -> tracked; not found after ``uncertain_checks`` looks
  -> the :class:`~projectx.exceptions.OrderSubmissionUncertainError` is re-raised). Nothing is
  ever re-sent automatically.
* Bad input raises before anything is sent: size <= 0, unknown contract, price off the tick grid
  (``snap=True`` rounds instead), a stop on the wrong side of the market (needs
  ``price_source``), and whatever the ``risk_gate`` refuses.
* State follows :mod:`projectx.orders.state`, driven by user-hub events (:meth:`on_user_event`)
  with REST (:meth:`refresh`, :meth:`reconcile`) as the fallback; illegal transitions are
  refused, logged and counted.
* Brackets are native (Auto-OCO accounts; detected from the Gateway's answer and remembered) or
  client-side (:mod:`projectx.orders.brackets`).

Events (instrument = contract id): ``ORDER_PLACED`` once per order, before any other event of
it (on the REST success or the first hub event showing it accepted, whichever comes first);
``ORDER_PARTIAL_FILL`` / ``ORDER_FILLED`` (``fill_size`` = the new contracts);
``ORDER_MODIFIED``, ``ORDER_CANCELLED``, ``ORDER_REJECTED``, ``ORDER_EXPIRED``. Their data is
:meth:`TrackedOrder.snapshot` plus ``"order"`` (the live record). ``TRADE_EXECUTED`` carries
``{"trade": Trade, "order_id", "custom_tag", "order"}``. ``ERROR`` (``source: "orders"``) when
bracket protection or an OCO action failed. ``ANOMALY`` (``boundary: "orders"``, reason
``order_lost``) when an uncertain submission was not found by its tag: the record ends in
:attr:`OrderState.LOST` (never "cancelled"; ``cancel_all_orders`` skips it) and is revived if the
order turns up later (``found_after_lost`` in :meth:`OrderManager.stats`).
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import itertools
import logging
import secrets
import time
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine
from datetime import UTC, datetime, timedelta
from typing import Any

from projectx.client import ProjectX
from projectx.client.contracts import is_contract_id
from projectx.enums import OrderSide, OrderType
from projectx.events import Event, EventBus, EventType
from projectx.exceptions import (
    OrderRejectedError,
    OrderSubmissionUncertainError,
    ProjectXError,
    ValidationError,
)
from projectx.models import Contract, Order, Position, Trade
from projectx.orders.brackets import BracketOrder, OcoPair
from projectx.orders.chain import OrderChainBuilder
from projectx.orders.errors import OrderRefusedError, UnsupportedOrderTypeError
from projectx.orders.prices import Prices, PriceSource, check_stop_side, on_grid, read_prices
from projectx.orders.reconcile import Reconciler, ReconcileReport, find_by_tag_with_retries
from projectx.orders.records import OrderRequest, OrderRole, OrderSpec, TrackedOrder
from projectx.orders.state import OrderState, is_legal, state_from_gateway
from projectx.orders.stats import OrderStats
from projectx.orders.tracker import OrderTracker
from projectx.plausibility import AnomalyError, AnomalyLog, decode_user_entity, emit_on
from projectx.realtime.client import UserEvent
from projectx.validation import Bracket, check_custom_tag, check_side, check_type

__all__ = ["InstrumentResolver", "OrderManager", "RiskGate"]

log = logging.getLogger(__name__)

InstrumentResolver = Callable[[str], "Contract | Awaitable[Contract | None] | None"]
RiskGate = Callable[[OrderRequest], "Awaitable[None] | None"]

_STATE_EVENTS = {
    OrderState.CANCELLED: EventType.ORDER_CANCELLED,
    OrderState.REJECTED: EventType.ORDER_REJECTED,
    OrderState.EXPIRED: EventType.ORDER_EXPIRED,
}
_LIMIT_TYPES = (OrderType.LIMIT, OrderType.STOP_LIMIT)
_PLACE_NOT_WORKING = 3  # Cancel/ModifyOrderErrorCode "Rejected" (e.g. "Order is not working")


def _now_ns() -> int:
    return time.time_ns()


def _bracket_mode_refusal(exc: OrderRejectedError) -> bool:
    text = str(exc).lower()
    return exc.error_code == 2 and ("position brackets" in text or "auto oco" in text)


def _check_size(size: Any) -> int:
    if isinstance(size, bool) or not isinstance(size, int):
        raise ValidationError(f"size must be an int, got {type(size).__name__}")
    if size <= 0:
        raise ValidationError(f"size must be > 0, got {size}")
    return size


def _check_ticks(ticks: Any, name: str) -> int:
    if isinstance(ticks, bool) or not isinstance(ticks, int) or ticks <= 0:
        raise ValidationError(f"{name} must be a positive int (a distance in ticks), got {ticks!r}")
    return ticks


class OrderManager:
    """Orders of one account (see the module docstring).

    ``price_source(contract_id) -> (bid, ask, last) | None`` gives current prices (stop-side
    checks, ``trail_ticks``, market-order slippage); ``risk_gate(request)`` (sync or async)
    raises to refuse an order before it is sent; ``instrument_resolver(symbol)`` (sync or async)
    maps a symbol to a :class:`Contract` (default: the client's ``resolve_contract``).

    ``tag_prefix``/``session_id`` form the client tags; ``uncertain_checks`` look-ups
    ``uncertain_interval_s`` apart settle an uncertain submission; ``lookback`` is the window of
    ``Order/search``/``Trade/search`` in reconciliation; ``poll_s`` is how long trackers and
    bracket protection wait for an event before asking REST; at most ``max_finished`` finished
    orders are kept (older ones are forgotten). With ``watch_trade_ticks`` the manager listens
    to ``TRADE_TICK`` on the bus while an emulated stop-limit is armed; pass False when trade
    prices are fed to :meth:`on_trade_price` directly.

    Protective legs of a client-side bracket whose entry is done are cancelled when the
    position goes flat (``GatewayUserPosition`` size 0), so a manual flatten leaves no orphans.
    """

    def __init__(
        self,
        client: ProjectX,
        bus: EventBus,
        *,
        account_id: int,
        instrument_resolver: InstrumentResolver | None = None,
        price_source: PriceSource | None = None,
        risk_gate: RiskGate | None = None,
        tag_prefix: str = "pxn",
        session_id: str | None = None,
        uncertain_checks: int = 3,
        uncertain_interval_s: float = 0.5,
        lookback: timedelta = timedelta(days=1),
        poll_s: float = 5.0,
        max_finished: int = 10_000,
        watch_trade_ticks: bool = True,
    ) -> None:
        if isinstance(account_id, bool) or not isinstance(account_id, int) or account_id <= 0:
            raise ValidationError(f"account_id must be a positive int, got {account_id!r}")
        if not tag_prefix or not tag_prefix.replace("_", "").isalnum():
            raise ValidationError("tag_prefix must be a non-empty alphanumeric string")
        if max_finished < 1:
            raise ValidationError("max_finished must be >= 1")
        if uncertain_checks < 1 or uncertain_interval_s < 0 or poll_s <= 0:
            raise ValidationError("uncertain_checks >= 1, uncertain_interval_s >= 0, poll_s > 0")
        self.client = client
        self.bus = bus
        self.account_id = account_id
        self.price_source = price_source
        self.risk_gate = risk_gate
        self.tag_prefix = tag_prefix
        self.session_id = session_id or secrets.token_hex(3)
        self.uncertain_checks = uncertain_checks
        self.uncertain_interval_s = uncertain_interval_s
        self.idle_poll_s = poll_s
        self._resolver = instrument_resolver
        self._seq = itertools.count(1)
        self._by_tag: dict[str, TrackedOrder] = {}
        self._by_id: dict[int, TrackedOrder] = {}
        self._orphan_trades: dict[int, list[Trade]] = {}
        self._contracts: dict[str, Contract] = {}
        self._native_pending: dict[int, BracketOrder] = {}
        self._armed: dict[str, list[TrackedOrder]] = {}
        self._tick_handler_on = False
        self._native_brackets: bool | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._reconciler = Reconciler(client, account_id, lookback)
        self._started = False
        self._closed = False
        self._stats = OrderStats()
        #: anomalies this manager found (lost orders, refused hand-fed events); ANOMALY events
        self.anomalies = AnomalyLog("orders")
        self.anomalies.subscribe(emit_on(bus))
        self._finished: deque[TrackedOrder] = deque()
        self.max_finished = max_finished
        self.watch_trade_ticks = watch_trade_ticks

    def __repr__(self) -> str:
        working = sum(1 for r in self._by_tag.values() if r.is_working)
        tracked = len(self.tracked())
        return f"OrderManager(account={self.account_id}, tracked={tracked}, working={working})"

    # ================================================================ lifecycle
    async def start(self) -> ReconcileReport:
        """Adopt the account's working orders and today's orders carrying our tag prefix."""
        report = await self._reconciler.run(self, initial=True)
        self._started = True
        return report

    async def reconcile(self) -> ReconcileReport:
        """Re-read open orders, settle orders whose events were missed, apply missed fills."""
        return await self._reconciler.run(self, initial=not self._started)

    async def close(self) -> None:
        """Stop background tasks (protection, group cancels) and the price watch."""
        self._closed = True
        if self._tick_handler_on:
            self.bus.off(EventType.TRADE_TICK, self._on_tick_event)
            self._tick_handler_on = False
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    async def __aenter__(self) -> OrderManager:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def spawn(self, coro: Coroutine[Any, Any, Any], name: str) -> asyncio.Task[Any]:
        """Run ``coro`` as a task this manager owns (cancelled by :meth:`close`)."""
        task = asyncio.get_running_loop().create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            exc = task.exception()
            log.error("order task %s failed: %s", task.get_name(), exc)
            self.report_error("order task failed", {"task": task.get_name(), "error": exc})

    def report_error(self, message: str, data: dict[str, Any]) -> None:
        """Emit an ``ERROR`` event from the order layer."""
        if self.bus.wants(EventType.ERROR):
            self.bus.emit(EventType.ERROR, {"source": "orders", "message": message, **data})

    # ================================================================ queries
    def tracked(self) -> list[TrackedOrder]:
        """Every order this manager knows (placed, adopted or seen on the hub)."""
        seen: dict[int, TrackedOrder] = {id(r): r for r in self._by_tag.values()}
        for r in self._by_id.values():
            seen.setdefault(id(r), r)
        return list(seen.values())

    def get_order(self, order_id: int) -> TrackedOrder | None:
        """The tracked order with this Gateway id."""
        return self._by_id.get(order_id)

    def find_by_tag(self, tag: str) -> TrackedOrder | None:
        """The tracked order sent (or adopted) with this client tag."""
        return self._by_tag.get(tag)

    def open_orders(self, contract: Contract | str | None = None) -> list[TrackedOrder]:
        """Tracked orders not in a terminal state (optionally of one contract id)."""
        cid = contract.id if isinstance(contract, Contract) else contract
        return [r for r in self.tracked() if r.is_working and (cid is None or r.contract_id == cid)]

    def owns_tag(self, tag: str | None) -> bool:
        """Whether ``tag`` was made by an OrderManager with this prefix (any session)."""
        return tag is not None and tag.startswith(self.tag_prefix + "-")

    def track(
        self,
        order: TrackedOrder | int,
        *,
        poll_s: float | None = None,
        cancel_on_exit: bool = False,
    ) -> OrderTracker:
        """An :class:`OrderTracker` for ``order`` (a record or a tracked order id)."""
        rec = self._rec(order)
        return OrderTracker(
            self, rec, poll_s=poll_s or self.idle_poll_s, cancel_on_exit=cancel_on_exit
        )

    def chain(self, contract: Contract | str) -> OrderChainBuilder:
        """An :class:`OrderChainBuilder` (entry + stop + target or trail) for ``contract``."""
        return OrderChainBuilder(self, contract)

    def stats(self) -> dict[str, Any]:
        """Counters: placed, filled, cancelled, rejected, avg fill time, slippage (ticks),
        illegal transitions, uncertain submissions and how many were recovered by tag."""
        out = self._stats.as_dict()
        out["tracked"] = len(self.tracked())
        out["working"] = len(self.open_orders())
        out["lost_now"] = len(self.lost_orders())
        out["anomalies"] = self.anomalies.snapshot()
        out["native_brackets"] = self._native_brackets
        return out

    @property
    def native_brackets(self) -> bool | None:
        """Whether the account takes native brackets (None until the Gateway told us)."""
        return self._native_brackets

    def new_tag(self) -> str:
        """A fresh client tag: ``<prefix>-<session>-<seq>``."""
        return f"{self.tag_prefix}-{self.session_id}-{next(self._seq)}"

    def _rec(self, order: TrackedOrder | int) -> TrackedOrder:
        if isinstance(order, TrackedOrder):
            return order
        rec = self._by_id.get(order) if isinstance(order, int) else None
        if rec is None:
            raise ValidationError(f"order {order!r} is not tracked by this manager")
        return rec

    # ================================================================ hub events
    def on_user_event(self, ev: UserEvent) -> None:
        """Apply one user-hub event (register with ``RealtimeClient.on_user_event``).

        Events the client refused at its boundary (``ev.refused``) are skipped: they were
        reported there. An event built by hand (no ``entity``) goes through the same decode
        and plausibility check (:func:`~projectx.plausibility.decode_user_entity`); one that
        fails it is counted in ``malformed_events`` and reported to :attr:`anomalies`.
        """
        if ev.refused is not None or ev.target == "GatewayUserAccount":
            return
        entity = ev.entity
        if entity is None:
            try:
                entity = decode_user_entity(ev.target, ev.data)
            except AnomalyError as exc:
                self._stats.malformed_events += 1
                self.anomalies.refuse(ev.target, exc)
                return
        if isinstance(entity, Order):
            if entity.account_id == self.account_id:
                self.ingest_order(entity, source="hub", adopt=True)
        elif isinstance(entity, Trade):
            if entity.account_id == self.account_id:
                self.ingest_trade(entity)
        elif (
            isinstance(entity, Position)
            and entity.size == 0
            and entity.account_id == self.account_id
        ):
            assert entity.contract_id is not None
            self._on_flat(entity.contract_id)

    def _on_flat(self, contract_id: str) -> None:
        """The position went flat: protective legs of finished client-side entries are orphans."""
        for rec in self.open_orders(contract_id):
            group = rec.group
            if (
                isinstance(group, BracketOrder)
                and not group.native
                and rec is not group.entry
                and group.entry.is_terminal
                and not rec.group_cancel
            ):
                log.info(
                    "position %s flat: cancelling protective order %s", contract_id, rec.order_id
                )
                self.cancel_soon(rec)

    def ingest_order(self, order: Order, *, source: str, adopt: bool) -> TrackedOrder | None:
        """Apply an order snapshot (hub or REST); unknown orders are adopted when ``adopt``."""
        rec = self._by_id.get(order.id)
        if rec is None and order.custom_tag is not None:
            by_tag = self._by_tag.get(order.custom_tag)
            if by_tag is not None and by_tag.order_id is None:
                rec = by_tag
                if rec.state is OrderState.LOST:
                    self._revive(rec)
                self._bind(rec, order.id)
        if rec is None:
            if not adopt:
                return None
            rec = self._adopt(order)
            return rec
        self._apply_snapshot(rec, order, source)
        return rec

    def _revive(self, rec: TrackedOrder) -> None:
        """A lost order turned up after all: back to SUBMITTED, so what was seen applies."""
        rec.state = OrderState.SUBMITTED
        rec.history.append(OrderState.SUBMITTED)
        rec.settled_by = None
        rec.uncertain = False
        rec.done_ns = None
        self._stats.found_after_lost += 1
        with contextlib.suppress(ValueError):
            self._finished.remove(rec)
        log.warning("lost order with tag %s found after all", rec.custom_tag)

    def _lose(self, rec: TrackedOrder, why: str) -> None:
        """An uncertain submission not found by its tag: end it as LOST, report it."""
        if rec.is_terminal:
            return
        self._advance(rec, OrderState.LOST, rec.fill_volume, "local")
        self._stats.lost += 1
        rec.error = why
        self.anomalies.report(
            "Order/place",
            "order_lost",
            f"order with tag {rec.custom_tag} not found after {self.uncertain_checks} checks "
            f"({why})",
            order=rec,
            custom_tag=rec.custom_tag,
            contract_id=rec.contract_id,
        )

    def lost_orders(self) -> list[TrackedOrder]:
        """Orders whose submission is uncertain and that reconciliation could not find."""
        return [r for r in self.tracked() if r.state is OrderState.LOST]

    def ingest_trade(self, trade: Trade) -> None:
        """Apply one fill (duplicates, voided fills and re-emissions are ignored)."""
        if trade.order_id is None:
            return
        rec = self._by_id.get(trade.order_id)
        if rec is None:
            pending = self._orphan_trades.setdefault(trade.order_id, [])
            if len(self._orphan_trades) > 10_000:
                self._orphan_trades.pop(next(iter(self._orphan_trades)))
            pending.append(trade)
            return
        self._apply_trade(rec, trade)

    def _bind(self, rec: TrackedOrder, order_id: int) -> None:
        if rec.order_id == order_id:
            return
        rec.order_id = order_id
        self._by_id[order_id] = rec
        group = rec.group
        if isinstance(group, BracketOrder) and group.native and rec is group.entry:
            self._native_pending[order_id] = group
            self._claim_children(group)
        for trade in self._orphan_trades.pop(order_id, ()):
            self._apply_trade(rec, trade)
        if rec.cancel_requested and not rec.is_terminal:
            # cancelled while its placement was in flight (e.g. the other OCO leg filled)
            log.info("order %s: sending the cancel requested while it was placed", order_id)
            self.spawn(self._quiet_cancel(rec), "projectx-deferred-cancel")

    def _adopt(self, order: Order) -> TrackedOrder:
        ours = self.owns_tag(order.custom_tag)
        side = order.side if isinstance(order.side, OrderSide) else OrderSide.BUY
        otype = order.type if isinstance(order.type, OrderType) else OrderType.UNKNOWN
        rec = TrackedOrder(
            contract_id=order.contract_id or "",
            side=side,
            size=order.size or 0,
            order_type=otype,
            custom_tag=order.custom_tag,
            limit_price=order.limit_price,
            stop_price=order.stop_price,
            role=OrderRole.ORDER if ours else OrderRole.EXTERNAL,
            created_ns=order.created_ns or _now_ns(),
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
        self._by_id[order.id] = rec
        if order.custom_tag is not None:
            self._by_tag.setdefault(order.custom_tag, rec)
        if rec.is_terminal:
            self._finished.append(rec)
        claimed = self._claim_as_child(rec, order)
        if not claimed:
            self._stats.adopted += 1
        for trade in self._orphan_trades.pop(order.id, ()):
            self._apply_trade(rec, trade)
        return rec

    # -- native bracket children -------------------------------------------------------------
    def _is_child_of(self, rec: TrackedOrder, order: Order | None, entry: TrackedOrder) -> bool:
        parent = entry.order_id
        if parent is None or rec.order_id is None:
            return False
        if order is not None and order.parent_order_id is not None:
            return order.parent_order_id == parent
        # legacy profile: no link fields; children take the next ids after their parent
        # (spec §9.2 [OBSERVED]: parent+2 / parent+3), carry no tag and sit on the other side
        return (
            parent < rec.order_id <= parent + 3
            and rec.custom_tag is None
            and rec.contract_id == entry.contract_id
            and rec.side != entry.side
        )

    def _claim_as_child(self, rec: TrackedOrder, order: Order) -> bool:
        for bracket in list(self._native_pending.values()):
            if self._is_child_of(rec, order, bracket.entry):
                bracket.attach(rec)
                rec.placed_emitted = False  # the Gateway placed it for our bracket
                self._ensure_placed(rec)
                if (bracket.stop is not None or not bracket.wants_stop) and (
                    bracket.target is not None or not bracket.wants_target
                ):
                    self._native_pending.pop(bracket.entry.order_id or 0, None)
                return True
        return False

    def _claim_children(self, bracket: BracketOrder) -> None:
        for rec in list(self._by_id.values()):
            free = rec.role is OrderRole.EXTERNAL and rec.group is None
            if free and self._is_child_of(rec, rec.last, bracket.entry):
                bracket.attach(rec)
                rec.placed_emitted = False
                self._ensure_placed(rec)
                self._stats.adopted -= 1

    # -- applying snapshots and fills --------------------------------------------------------
    def _apply_snapshot(self, rec: TrackedOrder, order: Order, source: str) -> None:
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
            self._stats.late_events += 1  # REST told the outcome before the hub caught up
            return
        if new in (OrderState.CANCELLED, OrderState.EXPIRED, OrderState.REJECTED):
            fill = max(fill, rec.fill_volume)  # the outcome matters; fills never go down
        elif server_fill < rec.server_fill:
            # older than a snapshot already applied (fills reported by trades first are fine)
            self._illegal(rec, rec.state, new, source, why="stale snapshot, fill volume went down")
            return
        if fill < rec.fill_volume:
            self._illegal(rec, rec.state, new, source, why="fill volume went down")
            return
        if new is not None and new is not rec.state and not is_legal(rec.state, new):
            self._illegal(rec, rec.state, new, source)
            return
        was = rec.state
        modified = (
            was in (OrderState.WORKING, OrderState.PARTIALLY_FILLED) and new in (None, was)
        ) and (
            size != rec.size
            or (order.limit_price is not None and order.limit_price != rec.limit_price)
            or (
                order.stop_price is not None
                and order.stop_price != rec.stop_price
                and rec.order_type is not OrderType.TRAILING_STOP
            )
        )
        rec.last = order
        rec.gateway_status = order.status
        rec.server_fill = max(rec.server_fill, server_fill)
        rec.size = size
        if order.limit_price is not None:
            rec.limit_price = order.limit_price
        if order.stop_price is not None:
            rec.stop_price = order.stop_price
        if order.filled_price is not None:
            rec.filled_price = order.filled_price
        if new is not None:
            self._advance(rec, new, fill, source)
        if (
            modified
            and source == "hub"
            and rec.modify_pending == 0
            and rec.placed_emitted
            and not rec.is_terminal
        ):
            self._stats.modified += 1
            self._emit(EventType.ORDER_MODIFIED, rec)

    def _apply_trade(self, rec: TrackedOrder, trade: Trade) -> None:
        if trade.id in rec.trade_ids or trade.voided:
            return
        rec.trade_ids.add(trade.id)
        rec.trades.append(trade)
        rec.trade_fill += trade.size or 0
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
            self._advance(rec, rec.state, fill, "trade")
        elif new is rec.state or is_legal(rec.state, new):
            self._advance(rec, new, fill, "trade")

    def _illegal(
        self,
        rec: TrackedOrder,
        old: OrderState,
        new: OrderState | None,
        source: str,
        why: str = "illegal transition",
    ) -> None:
        self._stats.illegal_transitions += 1
        log.warning(
            "order %s (tag %s): %s %s -> %s from %s refused",
            rec.order_id,
            rec.custom_tag,
            why,
            old.value,
            new.value if new is not None else None,
            source,
        )

    def _advance(self, rec: TrackedOrder, new: OrderState, fill: int, source: str) -> bool:
        """Move ``rec`` to ``new`` with ``fill`` contracts filled; emit what changed."""
        old = rec.state
        delta = fill - rec.fill_volume
        if delta < 0:
            self._illegal(rec, old, new, source, why="fill volume went down")
            return False
        if new is old and delta == 0:
            return True
        if new is not old and not is_legal(old, new):
            self._illegal(rec, old, new, source)
            return False
        now = _now_ns()
        rec.state = new
        if new is not old:
            rec.history.append(new)
            if new.is_terminal:
                rec.settled_by = source
                self._finished.append(rec)
                if len(self._finished) > self.max_finished:
                    self._forget(self._finished.popleft())
        rec.fill_volume = fill
        if new is not OrderState.REJECTED and new is not OrderState.PENDING:
            self._ensure_placed(rec)
        if delta > 0:
            if rec.first_fill_ns is None:
                rec.first_fill_ns = now
            if new is OrderState.FILLED:
                rec.done_ns = now
                self._stats.record_fill(self._fill_time(rec), self._slippage(rec))
                self._emit(EventType.ORDER_FILLED, rec, fill_size=delta)
            else:
                self._stats.partial_fills += 1
                self._emit(EventType.ORDER_PARTIAL_FILL, rec, fill_size=delta)
        if new is not old and new in _STATE_EVENTS:
            rec.done_ns = now
            if new is OrderState.CANCELLED:
                self._stats.cancelled += 1
            elif new is OrderState.EXPIRED:
                self._stats.expired += 1
            if new is OrderState.REJECTED and rec.suppress_reject:
                pass  # a native-bracket probe: decided once the REST answer is in
            else:
                if new is OrderState.REJECTED:
                    self._stats.rejected += 1
                self._emit(_STATE_EVENTS[new], rec)
        group = rec.group
        if group is not None:
            if delta > 0:
                group.on_fill(rec, delta)
            if new is not old:
                group.on_state(rec)
        if new.is_terminal and rec.emulated:
            self._disarm(rec)
        changed = rec.changed
        if changed is not None:
            rec.changed = None
            changed.set()
        return True

    def _forget(self, rec: TrackedOrder) -> None:
        """Drop an old finished order (bounded memory); orders of live groups are kept."""
        group = rec.group
        if isinstance(group, BracketOrder):
            members = [group.entry, *group.legs]
        elif isinstance(group, OcoPair):
            members = [group.first, group.second]
        else:
            members = [rec]
        if any(m.is_working for m in members):
            self._finished.append(rec)
            return
        if rec.order_id is not None and self._by_id.get(rec.order_id) is rec:
            del self._by_id[rec.order_id]
        if rec.custom_tag is not None and self._by_tag.get(rec.custom_tag) is rec:
            del self._by_tag[rec.custom_tag]

    def _ensure_placed(self, rec: TrackedOrder) -> None:
        if not rec.placed_emitted and rec.order_id is not None:
            rec.placed_emitted = True
            self._emit(EventType.ORDER_PLACED, rec)

    def _emit(self, etype: EventType, rec: TrackedOrder, **extra: Any) -> None:
        if self.bus.wants(etype):
            data = rec.snapshot()
            data["order"] = rec
            data.update(extra)
            self.bus.emit(etype, data, rec.contract_id)

    def _fill_time(self, rec: TrackedOrder) -> float | None:
        if rec.submitted_ns is None or rec.done_ns is None:
            return None
        return max(0.0, (rec.done_ns - rec.submitted_ns) / 1e9)

    def _slippage(self, rec: TrackedOrder) -> float | None:
        avg = rec.average_fill_price
        ref = rec.reference_price
        tick = rec.tick_size
        if avg is None or ref is None or not tick:
            return None
        signed = (avg - ref) if rec.side == OrderSide.BUY else (ref - avg)
        return signed / tick

    # ================================================================ REST fallback
    async def refresh(self, rec: TrackedOrder) -> None:
        """Re-read one order through REST (when its events seem lost) and apply it."""
        self._stats.rest_refreshes += 1
        try:
            if rec.order_id is not None:
                order = await self.client.get_order(rec.order_id, account_id=self.account_id)
            elif rec.custom_tag is not None and rec.submitted_ns is not None:
                found = await self.client.find_orders_by_tag(
                    rec.custom_tag, since=self._since(rec), account_id=self.account_id
                )
                order = found[0] if found else None
            else:
                return
        except ProjectXError as exc:
            log.warning("refreshing order %s failed: %s", rec.order_id, exc)
            return
        if order is not None:
            self.ingest_order(order, source="rest", adopt=False)

    def _since(self, rec: TrackedOrder) -> datetime:
        return datetime.fromtimestamp(rec.created_ns / 1e9, UTC) - timedelta(minutes=5)

    # ================================================================ validation
    async def _contract(self, contract: Contract | str) -> Contract:
        if isinstance(contract, Contract):
            self._contracts.setdefault(contract.id, contract)
            return contract
        if not isinstance(contract, str) or not contract.strip():
            raise ValidationError(f"contract must be a Contract or a symbol, got {contract!r}")
        key = contract.strip()
        cached = self._contracts.get(key)
        if cached is not None:
            return cached
        found: Contract | None
        if self._resolver is not None:
            got = self._resolver(key)
            found = await got if inspect.isawaitable(got) else got
            if found is None and is_contract_id(key):
                # an adopted order's contract id the suite does not hold: ask the Gateway
                found = await self.client.resolve_contract(key)
        else:
            found = await self.client.resolve_contract(key)
        if found is None:
            raise ValidationError(f"unknown contract {key!r}")
        self._contracts[key] = found
        self._contracts[found.id] = found
        return found

    def _prices(self, contract: Contract) -> Prices:
        return read_prices(self.price_source, contract.id)

    async def _gate(self, request: OrderRequest) -> None:
        gate = self.risk_gate
        if gate is None:
            return
        try:
            result = gate(request)
            if inspect.isawaitable(result):
                await result
        except ProjectXError:
            self._stats.refused += 1
            raise
        except Exception as exc:
            self._stats.refused += 1
            raise OrderRefusedError(f"order refused by the risk gate: {exc}") from exc

    def _tag(self, custom_tag: str | None) -> str:
        if custom_tag is None:
            return self.new_tag()
        tag = check_custom_tag(custom_tag)
        if tag in self._by_tag:
            raise ValidationError(f"custom_tag {tag!r} was already used by a tracked order")
        return tag

    async def _build(
        self,
        contract: Contract | str,
        side: OrderSide | int | str,
        size: int,
        order_type: OrderType,
        *,
        limit_price: float | None = None,
        stop_price: float | None = None,
        trail_price: float | None = None,
        custom_tag: str | None = None,
        snap: bool = False,
        role: OrderRole = OrderRole.ORDER,
    ) -> OrderRequest:
        """Validate everything that can be checked before sending; build the request."""
        try:
            size_ = _check_size(size)
            side_ = check_side(side)
            c = await self._contract(contract)
            lp = (
                on_grid(c, limit_price, "limit_price", snap=snap)
                if limit_price is not None
                else None
            )
            sp = on_grid(c, stop_price, "stop_price", snap=snap) if stop_price is not None else None
            tp = (
                on_grid(c, trail_price, "trail_price", snap=snap)
                if trail_price is not None
                else None
            )
            needs = {
                OrderType.LIMIT: ("limit_price", lp),
                OrderType.STOP: ("stop_price", sp),
                OrderType.TRAILING_STOP: ("trail_price", tp),
            }
            if order_type in needs and needs[order_type][1] is None:
                raise ValidationError(f"{order_type.name} order needs {needs[order_type][0]}")
            if order_type is OrderType.STOP_LIMIT and (lp is None or sp is None):
                raise ValidationError("STOP_LIMIT order needs limit_price and stop_price")
            prices = self._prices(c)
            if sp is not None:
                check_stop_side(c, side_, sp, prices, "stop_price")
            if tp is not None and prices.last is not None:
                wrong = tp <= prices.last if side_ == OrderSide.BUY else tp >= prices.last
                if wrong:
                    raise ValidationError(
                        f"trail_price {tp!r} of a {side_.name.lower()} trailing stop on {c.id} is "
                        f"on the wrong side of the last price {prices.last!r}"
                    )
            reference = {
                OrderType.MARKET: prices.reference(side_),
                OrderType.LIMIT: lp,
                OrderType.STOP: sp,
                OrderType.STOP_LIMIT: lp,
                OrderType.JOIN_BID: prices.bid,
                OrderType.JOIN_ASK: prices.ask,
            }.get(order_type)
            tag = self._tag(custom_tag)
        except ValidationError:
            self._stats.refused += 1
            raise
        return OrderRequest(
            contract=c,
            side=side_,
            size=size_,
            order_type=order_type,
            limit_price=lp,
            stop_price=sp,
            trail_price=tp,
            custom_tag=tag,
            role=role,
            reference_price=reference,
        )

    # ================================================================ sending
    def _record(self, req: OrderRequest, *, emulated: bool = False) -> TrackedOrder:
        rec = TrackedOrder(
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
            created_ns=_now_ns(),
            tick_size=req.contract.tick_size,
        )
        rec.history.append(OrderState.PENDING)
        assert req.custom_tag is not None
        self._by_tag[req.custom_tag] = rec
        return rec

    async def _submit(
        self,
        rec: TrackedOrder,
        contract: Contract,
        *,
        order_type: OrderType | None = None,
        stop_loss: Bracket | None = None,
        take_profit: Bracket | None = None,
    ) -> TrackedOrder:
        """Send ``rec`` once; on an uncertain outcome reconcile it by tag (never re-send)."""
        otype = order_type or rec.order_type
        assert rec.custom_tag is not None
        rec.submitted_ns = _now_ns()
        self._advance(rec, OrderState.SUBMITTED, rec.fill_volume, "local")
        try:
            order_id = await self.client.place_order(
                contract,
                rec.side,
                rec.size,
                otype,
                limit_price=rec.limit_price if otype in _LIMIT_TYPES else None,
                stop_price=rec.stop_price
                if otype in (OrderType.STOP, OrderType.STOP_LIMIT)
                else None,
                trail_price=rec.trail_price if otype is OrderType.TRAILING_STOP else None,
                custom_tag=rec.custom_tag,
                stop_loss=stop_loss,
                take_profit=take_profit,
                account_id=self.account_id,
            )
        except OrderRejectedError as exc:
            rec.error = str(exc)
            if exc.order_id is not None:
                self._bind(rec, exc.order_id)
            self._advance(rec, OrderState.REJECTED, rec.fill_volume, "rest")
            raise
        except OrderSubmissionUncertainError as exc:
            self._stats.uncertain += 1
            rec.uncertain = True
            found = await find_by_tag_with_retries(
                self.client,
                self.account_id,
                exc.custom_tag or rec.custom_tag,
                since=self._since(rec),
                checks=self.uncertain_checks,
                interval_s=self.uncertain_interval_s,
                found_elsewhere=rec,
            )
            if found is not None:
                self.ingest_order(found, source="rest", adopt=False)
            if rec.order_id is None:
                log.error(
                    "order with tag %s not found after %d checks",
                    rec.custom_tag,
                    self.uncertain_checks,
                )
                self._lose(rec, str(exc))
                raise
            rec.uncertain = False
            self._stats.recovered_by_tag += 1
            log.warning(
                "uncertain order %s found by tag %s; not re-sent", rec.order_id, rec.custom_tag
            )
            order_id = rec.order_id
        except asyncio.CancelledError:
            if rec.order_id is None:
                rec.uncertain = True  # it may have reached the Gateway: reconcile finds it by tag
            raise
        except BaseException:
            if rec.order_id is None and rec.state is OrderState.SUBMITTED:
                # nothing reached the Gateway (connection refused, bad input): forget it
                self._by_tag.pop(rec.custom_tag, None)
                rec.state = OrderState.REJECTED
                rec.history.append(OrderState.REJECTED)
            raise
        self._bind(rec, order_id)
        self._stats.placed += 1
        self._ensure_placed(rec)
        return rec

    async def _send(self, req: OrderRequest, *, gate: bool = True) -> TrackedOrder:
        if gate:
            await self._gate(req)
        rec = self._record(req)
        return await self._submit(rec, req.contract)

    # ================================================================ place_*
    async def place_order(
        self,
        contract: Contract | str,
        side: OrderSide | int | str,
        size: int,
        order_type: OrderType | int | str = OrderType.MARKET,
        *,
        limit_price: float | None = None,
        stop_price: float | None = None,
        trail_price: float | None = None,
        custom_tag: str | None = None,
        snap: bool = False,
    ) -> TrackedOrder:
        """Validate, gate and send one order; return its tracked record (id + tag).

        Rejection -> :class:`OrderRejectedError`; unknown outcome not resolved by tag ->
        :class:`OrderSubmissionUncertainError` (carrying the tag).
        """
        otype = check_type(order_type)
        if otype is OrderType.STOP_LIMIT:
            if stop_price is None or limit_price is None:
                self._stats.refused += 1
                raise ValidationError("STOP_LIMIT order needs limit_price and stop_price")
            return await self.place_stop_limit_order(
                contract, side, size, stop_price, limit_price, custom_tag=custom_tag, snap=snap
            )
        if otype is not OrderType.LIMIT and limit_price is not None:
            raise ValidationError(f"{otype.name} order does not take limit_price")
        if otype is not OrderType.STOP and stop_price is not None:
            raise ValidationError(f"{otype.name} order does not take stop_price")
        if otype is not OrderType.TRAILING_STOP and trail_price is not None:
            raise ValidationError(f"{otype.name} order does not take trail_price")
        req = await self._build(
            contract,
            side,
            size,
            otype,
            limit_price=limit_price,
            stop_price=stop_price,
            trail_price=trail_price,
            custom_tag=custom_tag,
            snap=snap,
        )
        return await self._send(req)

    async def place_market_order(
        self,
        contract: Contract | str,
        side: OrderSide | int | str,
        size: int,
        *,
        custom_tag: str | None = None,
    ) -> TrackedOrder:
        """A market order."""
        return await self.place_order(contract, side, size, OrderType.MARKET, custom_tag=custom_tag)

    async def place_limit_order(
        self,
        contract: Contract | str,
        side: OrderSide | int | str,
        size: int,
        limit_price: float,
        *,
        custom_tag: str | None = None,
        snap: bool = False,
    ) -> TrackedOrder:
        """A limit order at ``limit_price``."""
        return await self.place_order(
            contract,
            side,
            size,
            OrderType.LIMIT,
            limit_price=limit_price,
            custom_tag=custom_tag,
            snap=snap,
        )

    async def place_stop_order(
        self,
        contract: Contract | str,
        side: OrderSide | int | str,
        size: int,
        stop_price: float,
        *,
        custom_tag: str | None = None,
        snap: bool = False,
    ) -> TrackedOrder:
        """A stop (market) order; a buy stop must be above the market, a sell stop below."""
        return await self.place_order(
            contract,
            side,
            size,
            OrderType.STOP,
            stop_price=stop_price,
            custom_tag=custom_tag,
            snap=snap,
        )

    async def place_trailing_stop_order(
        self,
        contract: Contract | str,
        side: OrderSide | int | str,
        size: int,
        trail_price: float | None = None,
        *,
        trail_ticks: int | None = None,
        custom_tag: str | None = None,
        snap: bool = False,
    ) -> TrackedOrder:
        """A Gateway (server-side) trailing stop.

        ``trail_price`` is the absolute level of spec §4.5.3 (the distance to the last trade
        becomes the trail); or give ``trail_ticks`` and the level is computed from the last
        price of ``price_source``.
        """
        if (trail_price is None) == (trail_ticks is None):
            raise ValidationError("give exactly one of trail_price or trail_ticks")
        if trail_ticks is not None:
            ticks = _check_ticks(trail_ticks, "trail_ticks")
            c = await self._contract(contract)
            last = self._prices(c).last
            if last is None:
                self._stats.refused += 1
                raise ValidationError(
                    f"trail_ticks needs a last price for {c.id} (no price_source value); "
                    "pass trail_price instead"
                )
            side_ = check_side(side)
            step = ticks * (c.tick_size or 0.0)
            last = c.round_to_tick(last)
            trail_price = c.round_to_tick(last + step if side_ == OrderSide.BUY else last - step)
            contract = c
        return await self.place_order(
            contract,
            side,
            size,
            OrderType.TRAILING_STOP,
            trail_price=trail_price,
            custom_tag=custom_tag,
            snap=snap,
        )

    async def place_join_bid_order(
        self,
        contract: Contract | str,
        side: OrderSide | int | str,
        size: int,
        *,
        custom_tag: str | None = None,
    ) -> TrackedOrder:
        """A limit order joining the current best bid (priced by the Gateway)."""
        return await self.place_order(
            contract, side, size, OrderType.JOIN_BID, custom_tag=custom_tag
        )

    async def place_join_ask_order(
        self,
        contract: Contract | str,
        side: OrderSide | int | str,
        size: int,
        *,
        custom_tag: str | None = None,
    ) -> TrackedOrder:
        """A limit order joining the current best ask (priced by the Gateway)."""
        return await self.place_order(
            contract, side, size, OrderType.JOIN_ASK, custom_tag=custom_tag
        )

    async def place_stop_limit_order(
        self,
        contract: Contract | str,
        side: OrderSide | int | str,
        size: int,
        stop_price: float,
        limit_price: float,
        *,
        emulate: bool = False,
        custom_tag: str | None = None,
        snap: bool = False,
    ) -> TrackedOrder:
        """A stop-limit: Gateway type 3, or with ``emulate`` a client-side trigger.

        Type 3 is not documented as placeable (spec §4.5.3): an account without the capability
        rejects it, which raises :class:`UnsupportedOrderTypeError`. Emulated, the record
        (``emulated=True``) stays ``pending`` until a trade prints at/through ``stop_price``,
        then a limit order at ``limit_price`` is sent with the record's tag.
        """
        req = await self._build(
            contract,
            side,
            size,
            OrderType.STOP_LIMIT,
            limit_price=limit_price,
            stop_price=stop_price,
            custom_tag=custom_tag,
            snap=snap,
        )
        await self._gate(req)
        if emulate:
            rec = self._record(req, emulated=True)
            self._arm(rec)
            return rec
        rec = self._record(req)
        try:
            return await self._submit(rec, req.contract)
        except OrderRejectedError as exc:
            if exc.error_code == 2 and "unsupported" in str(exc).lower():
                raise UnsupportedOrderTypeError(
                    f"the Gateway refused a stop-limit order on account {self.account_id} "
                    f"({exc}); use emulate=True for a client-side trigger",
                    order_id=exc.order_id,
                    endpoint=exc.endpoint,
                    status=exc.status,
                    error_code=exc.error_code,
                ) from exc
            raise

    # -- emulated stop-limit --------------------------------------------------------------------
    def _arm(self, rec: TrackedOrder) -> None:
        self._armed.setdefault(rec.contract_id, []).append(rec)
        if self.watch_trade_ticks and not self._tick_handler_on:
            self.bus.on(EventType.TRADE_TICK, self._on_tick_event)
            self._tick_handler_on = True
        last = read_prices(self.price_source, rec.contract_id).last
        if last is not None:
            self.on_trade_price(rec.contract_id, last)

    def _disarm(self, rec: TrackedOrder) -> None:
        armed = self._armed.get(rec.contract_id)
        if armed and rec in armed:
            armed.remove(rec)
            if not armed:
                del self._armed[rec.contract_id]
        if not self._armed and self._tick_handler_on:
            self.bus.off(EventType.TRADE_TICK, self._on_tick_event)
            self._tick_handler_on = False

    def _on_tick_event(self, ev: Event) -> None:
        data = ev.data
        if isinstance(data, dict):
            cid, price = data.get("contract_id"), data.get("price")
            if isinstance(cid, str) and isinstance(price, int | float):
                self.on_trade_price(cid, float(price))

    def on_trade_price(self, contract_id: str, price: float) -> None:
        """A market trade printed at ``price``: trigger emulated stop-limits through it.

        Called from the bus's ``TRADE_TICK`` while something is armed; the suite may also call
        it directly from its price listener.
        """
        armed = self._armed.get(contract_id)
        if not armed:
            return
        for rec in list(armed):
            stop = rec.stop_price
            assert stop is not None
            hit = price >= stop if rec.side == OrderSide.BUY else price <= stop
            if hit and not rec.triggered:
                rec.triggered = True
                self._disarm(rec)
                self.spawn(self._send_triggered(rec), "projectx-stop-limit-trigger")

    async def _send_triggered(self, rec: TrackedOrder) -> None:
        contract = await self._contract(rec.contract_id)
        try:
            await self._submit(rec, contract, order_type=OrderType.LIMIT)
        except ProjectXError as exc:
            self.report_error(
                "emulated stop-limit: sending the limit failed", {"order": rec, "error": exc}
            )

    # -- brackets and OCO ---------------------------------------------------------------------
    async def place_bracket_order(
        self,
        contract: Contract | str,
        side: OrderSide | int | str,
        size: int,
        entry_price: float | None = None,
        *,
        stop_loss_price: float | None = None,
        stop_loss_ticks: int | None = None,
        take_profit_price: float | None = None,
        take_profit_ticks: int | None = None,
        trail_ticks: int | None = None,
        native: bool | None = None,
        custom_tag: str | None = None,
        snap: bool = False,
    ) -> BracketOrder:
        """An entry (market when ``entry_price`` is None, else limit) with a protective stop
        (``stop_loss_price`` or ``stop_loss_ticks`` from the fill; or a trailing stop of
        ``trail_ticks``) and/or a target (``take_profit_price`` or ``take_profit_ticks``).

        ``native=None`` uses Gateway brackets when the account allows them (learnt from the
        first answer and remembered), else the client-side OCO; ``True``/``False`` force one.
        Native brackets are placed in ticks from the entry fill: absolute prices are converted
        from the limit price (or the current market for a market entry).
        """
        given_stop = [v is not None for v in (stop_loss_price, stop_loss_ticks, trail_ticks)]
        if sum(given_stop) > 1:
            raise ValidationError("give one of stop_loss_price, stop_loss_ticks or trail_ticks")
        if take_profit_price is not None and take_profit_ticks is not None:
            raise ValidationError("give take_profit_price or take_profit_ticks, not both")
        if not any(given_stop) and take_profit_price is None and take_profit_ticks is None:
            raise ValidationError("a bracket needs a stop loss and/or a take profit")
        otype = OrderType.MARKET if entry_price is None else OrderType.LIMIT
        req = await self._build(
            contract,
            side,
            size,
            otype,
            limit_price=entry_price,
            custom_tag=custom_tag,
            snap=snap,
            role=OrderRole.ENTRY,
        )
        c = req.contract
        tick = c.tick_size or 0.0
        long = req.side == OrderSide.BUY
        sign = 1 if long else -1
        try:
            sl_ticks = (
                _check_ticks(stop_loss_ticks, "stop_loss_ticks")
                if stop_loss_ticks is not None
                else None
            )
            tp_ticks = (
                _check_ticks(take_profit_ticks, "take_profit_ticks")
                if take_profit_ticks is not None
                else None
            )
            tr_ticks = _check_ticks(trail_ticks, "trail_ticks") if trail_ticks is not None else None
            sl_price = (
                on_grid(c, stop_loss_price, "stop_loss_price", snap=snap)
                if stop_loss_price is not None
                else None
            )
            tp_price = (
                on_grid(c, take_profit_price, "take_profit_price", snap=snap)
                if take_profit_price is not None
                else None
            )
            ref = req.reference_price
            if ref is not None:
                if sl_price is not None and (sl_price >= ref if long else sl_price <= ref):
                    raise ValidationError(
                        f"stop_loss_price {sl_price!r} is not {'below' if long else 'above'} "
                        f"the entry ({ref!r})"
                    )
                if tp_price is not None and (tp_price <= ref if long else tp_price >= ref):
                    raise ValidationError(
                        f"take_profit_price {tp_price!r} is not {'above' if long else 'below'} "
                        f"the entry ({ref!r})"
                    )
        except ValidationError:
            self._stats.refused += 1
            raise
        est_sl = sl_price
        if est_sl is None and ref is not None:
            dist = sl_ticks or tr_ticks
            est_sl = c.round_to_tick(ref - sign * dist * tick) if dist else None
        est_tp = tp_price
        if est_tp is None and ref is not None and tp_ticks:
            est_tp = c.round_to_tick(ref + sign * tp_ticks * tick)
        gated = OrderRequest(
            contract=c,
            side=req.side,
            size=req.size,
            order_type=otype,
            limit_price=req.limit_price,
            custom_tag=req.custom_tag,
            role=OrderRole.ENTRY,
            stop_loss_price=est_sl,
            take_profit_price=est_tp,
            reference_price=ref,
        )
        await self._gate(gated)
        stop_type = OrderType.TRAILING_STOP if tr_ticks else OrderType.STOP
        use_native = self._native_brackets if native is None else native
        if use_native is not False:
            native_sl = sl_ticks or tr_ticks
            native_tp = tp_ticks
            if ref is not None and sl_price is not None:
                native_sl = round(abs(ref - sl_price) / tick)
            if ref is not None and tp_price is not None:
                native_tp = round(abs(tp_price - ref) / tick)
            convertible = (sl_price is None or native_sl) and (tp_price is None or native_tp)
            if convertible:
                bracket = await self._place_native(
                    req,
                    native_sl,
                    native_tp,
                    stop_type,
                    probe=native is None,
                    prices=(sl_price, sl_ticks, tp_price, tp_ticks),
                )
                if bracket is not None:
                    return bracket
            elif native is True:
                raise ValidationError(
                    "native brackets need tick distances: give *_ticks, or a price_source for "
                    "a market entry with absolute prices"
                )
        if req.custom_tag in self._by_tag:  # the refused native probe keeps its tag
            tag = self.new_tag() if custom_tag is None else f"{custom_tag}-c"
            req = OrderRequest(
                contract=c,
                side=req.side,
                size=req.size,
                order_type=otype,
                limit_price=req.limit_price,
                custom_tag=self._tag(tag),
                role=OrderRole.ENTRY,
                reference_price=ref,
            )
        rec = self._record(req)
        bracket = BracketOrder(
            self,
            rec,
            native=False,
            stop_loss_price=sl_price,
            stop_loss_ticks=sl_ticks or tr_ticks,
            take_profit_price=tp_price,
            take_profit_ticks=tp_ticks,
            stop_type=stop_type,
        )
        await self._submit(rec, c)
        return bracket

    async def _place_native(
        self,
        req: OrderRequest,
        sl_ticks: int | None,
        tp_ticks: int | None,
        stop_type: OrderType,
        *,
        probe: bool,
        prices: tuple[float | None, int | None, float | None, int | None],
    ) -> BracketOrder | None:
        sign = 1 if req.side == OrderSide.BUY else -1
        sl = Bracket(-sign * sl_ticks, stop_type) if sl_ticks else None
        tp = Bracket(sign * tp_ticks, OrderType.LIMIT) if tp_ticks else None
        rec = self._record(req)
        rec.suppress_reject = probe and self._native_brackets is None
        sl_price, sl_t, tp_price, tp_t = prices
        bracket = BracketOrder(
            self,
            rec,
            native=True,
            stop_loss_price=sl_price,
            stop_loss_ticks=sl_t or sl_ticks,
            take_profit_price=tp_price,
            take_profit_ticks=tp_t or tp_ticks,
            stop_type=stop_type,
        )
        try:
            await self._submit(rec, req.contract, stop_loss=sl, take_profit=tp)
        except OrderRejectedError as exc:
            self._native_pending.pop(rec.order_id or 0, None)
            if _bracket_mode_refusal(exc):
                self._native_brackets = False
                if probe:
                    log.info(
                        "account %d takes no native brackets; using client-side OCO",
                        self.account_id,
                    )
                    return None
            if rec.suppress_reject:
                rec.suppress_reject = False
                self._stats.rejected += 1
                self._emit(EventType.ORDER_REJECTED, rec)
            raise
        self._native_brackets = True
        rec.suppress_reject = False
        return bracket

    async def place_oco_order(
        self,
        contract: Contract | str,
        first: OrderSpec,
        second: OrderSpec,
        *,
        snap: bool = False,
    ) -> OcoPair:
        """Two orders where a fill of one (even partial) or a cancel of one cancels the other.

        Both are validated (and gated) before either is sent.
        """
        reqs = []
        for leg in (first, second):
            otype = check_type(leg.order_type)
            if otype not in (OrderType.LIMIT, OrderType.STOP, OrderType.MARKET):
                raise ValidationError("OCO legs must be limit, stop or market orders")
            reqs.append(
                await self._build(
                    contract,
                    leg.side,
                    leg.size,
                    otype,
                    limit_price=leg.limit_price,
                    stop_price=leg.stop_price,
                    snap=snap,
                    role=OrderRole.OCO,
                )
            )
        for req in reqs:
            await self._gate(req)
        a = self._record(reqs[0])
        b = self._record(reqs[1])
        pair = OcoPair(self, a, b)
        await self._submit(a, reqs[0].contract)
        try:
            await self._submit(b, reqs[1].contract)
        except ProjectXError:
            if a.is_working:
                self.cancel_soon(a)
            raise
        return pair

    # -- GroupOps ---------------------------------------------------------------------------------
    async def place_leg(self, bracket: BracketOrder, role: OrderRole, size: int) -> TrackedOrder:
        """Send a protective leg of a client-side bracket (no risk gate, no side check)."""
        entry = bracket.entry
        contract = await self._contract(entry.contract_id)
        tick = contract.tick_size or 0.0
        exit_side = OrderSide.SELL if entry.side == OrderSide.BUY else OrderSide.BUY
        sign = 1 if entry.side == OrderSide.BUY else -1
        fill = entry.average_fill_price or entry.limit_price or entry.reference_price
        limit_price = stop_price = trail_price = None
        if role is OrderRole.STOP_LOSS:
            if bracket.stop_loss_price is not None:
                level = bracket.stop_loss_price
            else:
                assert fill is not None and bracket.stop_loss_ticks is not None
                level = contract.round_to_tick(fill - sign * bracket.stop_loss_ticks * tick)
            otype = bracket.stop_type
            if otype is OrderType.TRAILING_STOP:
                trail_price = level
            else:
                stop_price = level
        else:
            if bracket.take_profit_price is not None:
                level = bracket.take_profit_price
            else:
                assert fill is not None and bracket.take_profit_ticks is not None
                level = contract.round_to_tick(fill + sign * bracket.take_profit_ticks * tick)
            otype = OrderType.LIMIT
            limit_price = level
        req = OrderRequest(
            contract=contract,
            side=exit_side,
            size=size,
            order_type=otype,
            limit_price=limit_price,
            stop_price=stop_price,
            trail_price=trail_price,
            custom_tag=self.new_tag(),
            role=role,
            reference_price=level,
        )
        rec = self._record(req)
        rec.group = bracket
        if role is OrderRole.STOP_LOSS:
            bracket.stop = rec
        else:
            bracket.target = rec
        return await self._submit(rec, contract)

    async def resize(self, rec: TrackedOrder, size: int) -> None:
        """Change a working order's size (bracket legs follow the entry's fills)."""
        await self.modify_order(rec, size=size)

    def cancel_soon(self, rec: TrackedOrder) -> None:
        """Cancel ``rec`` in a task (from an event handler: OCO)."""
        rec.group_cancel = True
        self.spawn(self._quiet_cancel(rec), "projectx-oco-cancel")

    def resize_soon(self, rec: TrackedOrder, size: int) -> None:
        """Resize ``rec`` in a task (from an event handler: OCO partial fill)."""
        self.spawn(self._quiet(self.resize(rec, size), rec), "projectx-oco-resize")

    async def _quiet_cancel(self, rec: TrackedOrder) -> None:
        await self._quiet(self.cancel_order(rec), rec)

    async def _quiet(self, coro: Coroutine[Any, Any, Any], rec: TrackedOrder) -> None:
        try:
            await coro
        except ProjectXError as exc:
            log.warning("OCO action on order %s failed: %s", rec.order_id, exc)
            self.report_error("OCO action failed", {"order": rec, "error": exc})

    # ================================================================ modify / cancel
    async def modify_order(
        self,
        order: TrackedOrder | int,
        *,
        size: int | None = None,
        limit_price: float | None = None,
        stop_price: float | None = None,
        trail_price: float | None = None,
        snap: bool = False,
    ) -> TrackedOrder:
        """Change a working order (only the given fields). Prices are checked like on place."""
        rec = self._rec(order)
        if rec.is_terminal:
            raise ValidationError(f"order {rec.order_id} is {rec.state.value}; cannot modify it")
        if size is None and limit_price is None and stop_price is None and trail_price is None:
            raise ValidationError("modify_order needs size, limit_price, stop_price or trail_price")
        c = await self._contract(rec.contract_id)
        size_ = _check_size(size) if size is not None else None
        lp = on_grid(c, limit_price, "limit_price", snap=snap) if limit_price is not None else None
        sp = on_grid(c, stop_price, "stop_price", snap=snap) if stop_price is not None else None
        tp = on_grid(c, trail_price, "trail_price", snap=snap) if trail_price is not None else None
        if sp is not None and rec.role not in (OrderRole.STOP_LOSS,):
            check_stop_side(c, rec.side, sp, self._prices(c), "stop_price")
        if rec.emulated and not rec.triggered:
            rec.size = size_ or rec.size
            rec.limit_price = lp if lp is not None else rec.limit_price
            rec.stop_price = sp if sp is not None else rec.stop_price
        else:
            if rec.order_id is None:
                raise ValidationError("the order has no Gateway id yet")
            rec.modify_pending += 1
            try:
                await self.client.modify_order(
                    rec.order_id,
                    size=size_,
                    limit_price=lp,
                    stop_price=sp,
                    trail_price=tp,
                    account_id=self.account_id,
                )
            finally:
                rec.modify_pending -= 1
            if size_ is not None:
                rec.size = size_
            if lp is not None:
                rec.limit_price = lp
            if sp is not None:
                rec.stop_price = sp
            if tp is not None:
                rec.trail_price = tp
        self._stats.modified += 1
        self._emit(EventType.ORDER_MODIFIED, rec)
        return rec

    async def cancel_order(self, order: TrackedOrder | int) -> bool:
        """Cancel a working order; False when it was no longer working (already filled...).

        An order still being placed (no Gateway id yet) is cancelled as soon as its id is
        known (True now; ORDER_CANCELLED follows the Gateway's answer)."""
        rec = self._rec(order)
        if rec.is_terminal:
            return False
        rec.cancel_requested = True
        if rec.emulated and not rec.triggered:
            self._advance(rec, OrderState.CANCELLED, rec.fill_volume, "local")
            return True
        if rec.order_id is None:
            # still being placed: the cancel is sent as soon as the Gateway id is known
            return True
        try:
            await self.client.cancel_order(rec.order_id, account_id=self.account_id)
        except OrderRejectedError as exc:
            if exc.error_code == _PLACE_NOT_WORKING:
                await self.refresh(rec)
                return False
            raise
        return True

    async def cancel_all_orders(self, contract: Contract | str | None = None) -> int:
        """Cancel every open order (of ``contract``), those still being placed too (their
        cancel goes out once the Gateway id is known); return how many cancels were accepted."""
        cid: str | None = None
        if contract is not None:
            cid = (await self._contract(contract)).id
        targets = self.open_orders(cid)
        results = await asyncio.gather(
            *(self.cancel_order(r) for r in targets), return_exceptions=True
        )
        for rec, res in zip(targets, results, strict=True):
            if isinstance(res, BaseException):
                log.warning("cancelling order %s failed: %s", rec.order_id, res)
        return sum(1 for res in results if res is True)
