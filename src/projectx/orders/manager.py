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

Events: ``ORDER_*``, ``TRADE_EXECUTED``, ``ERROR`` and ``ANOMALY``, as described in
:mod:`projectx.orders.lifecycle`.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import secrets
from collections.abc import Coroutine
from datetime import timedelta
from typing import Any

from projectx.client import ProjectX
from projectx.enums import OrderSide, OrderType
from projectx.events import EventBus, EventType
from projectx.exceptions import ProjectXError, ValidationError
from projectx.interest import PriceInterest
from projectx.models import Contract, Order, Trade
from projectx.orders.bracket_placer import BracketPlacer, NativeChildren
from projectx.orders.brackets import BracketOrder, OcoPair
from projectx.orders.chain import OrderChainBuilder
from projectx.orders.emulator import StopLimitEmulator
from projectx.orders.intake import OrderIntake
from projectx.orders.lifecycle import OrderLifecycle
from projectx.orders.prices import PriceSource
from projectx.orders.reconcile import Reconciler, ReconcileReport
from projectx.orders.records import OrderRole, OrderSpec, TrackedOrder
from projectx.orders.registry import OrderRegistry
from projectx.orders.requests import InstrumentResolver, RequestBuilder, RiskGate
from projectx.orders.state import OrderState
from projectx.orders.stats import OrderStats
from projectx.orders.submit import Submitter
from projectx.orders.tracker import OrderTracker
from projectx.plausibility import AnomalyLog, emit_on
from projectx.realtime.client import UserEvent
from projectx.validation import check_type

__all__ = ["InstrumentResolver", "OrderManager", "RiskGate"]

log = logging.getLogger(__name__)


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

    A façade over the parts it owns: registry, lifecycle, intake, requests, submitter,
    bracket placer and stop-limit emulator (one module each in :mod:`projectx.orders`).
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
        self._seq = itertools.count(1)
        self._tasks: set[asyncio.Task[Any]] = set()
        self._reconciler = Reconciler(client, account_id, lookback)
        self._started = False
        self._closed = False
        self._stats = OrderStats()
        #: anomalies this manager found (lost orders, refused hand-fed events); ANOMALY events
        self.anomalies = AnomalyLog("orders")
        self.anomalies.subscribe(emit_on(bus))
        self._registry = OrderRegistry(max_finished)
        self._emulator = StopLimitEmulator(
            bus,
            last_price=lambda cid: self._requests.prices(cid).last,
            trigger=lambda rec: self._submitter.send_triggered(rec),
            spawn=self.spawn,
            watch_trade_ticks=watch_trade_ticks,
        )
        self._lifecycle = OrderLifecycle(bus, self._stats, self._registry, self._emulator.disarm)
        self._requests = RequestBuilder(
            client, self, self._registry, self._stats, instrument_resolver
        )
        self._children = NativeChildren(self._lifecycle)
        self._submitter = Submitter(
            client,
            account_id,
            self,
            lifecycle=self._lifecycle,
            requests=self._requests,
            anomalies=self.anomalies,
            on_bound=self._children.on_bound,
            cancel_later=self._cancel_later,
        )
        self._placer = BracketPlacer(
            self, self._submitter, children=self._children, new_tag=self.new_tag
        )
        self._intake = OrderIntake(
            self._submitter,
            children=self._children,
            owns_tag=self.owns_tag,
            cancel_soon=self.cancel_soon,
        )

    def __repr__(self) -> str:
        working = sum(1 for r in self._registry.by_tag.values() if r.is_working)
        tracked = len(self.tracked())
        return f"OrderManager(account={self.account_id}, tracked={tracked}, working={working})"

    # ================================================================ settings
    @property
    def max_finished(self) -> int:
        """At most this many finished orders are kept (older ones are forgotten)."""
        return self._registry.max_finished

    @max_finished.setter
    def max_finished(self, value: int) -> None:
        self._registry.max_finished = value

    @property
    def watch_trade_ticks(self) -> bool:
        """Listen to ``TRADE_TICK`` on the bus while an emulated stop-limit is armed."""
        return self._emulator.watch_trade_ticks

    @watch_trade_ticks.setter
    def watch_trade_ticks(self, value: bool) -> None:
        self._emulator.watch_trade_ticks = value

    @property
    def price_interest(self) -> PriceInterest:
        """Contracts that need trade prices now (an emulated stop-limit is armed): a live view
        that tells its watchers when a contract enters or leaves, so a caller may skip
        :meth:`on_trade_price` for the others. Arming takes the current price itself."""
        return self._emulator.interest

    @property
    def _orphan_trades(self) -> dict[int, list[Trade]]:
        return self._registry.orphan_trades

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
        self._emulator.stop_watching()
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
        return self._registry.tracked()

    def get_order(self, order_id: int) -> TrackedOrder | None:
        """The tracked order with this Gateway id."""
        return self._registry.get(order_id)

    def find_by_tag(self, tag: str) -> TrackedOrder | None:
        """The tracked order sent (or adopted) with this client tag."""
        return self._registry.find_by_tag(tag)

    def open_orders(self, contract: Contract | str | None = None) -> list[TrackedOrder]:
        """Tracked orders not in a terminal state (optionally of one contract id)."""
        cid = contract.id if isinstance(contract, Contract) else contract
        return [r for r in self.tracked() if r.is_working and (cid is None or r.contract_id == cid)]

    def lost_orders(self) -> list[TrackedOrder]:
        """Orders whose submission is uncertain and that reconciliation could not find."""
        return [r for r in self.tracked() if r.state is OrderState.LOST]

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
        rec = self._registry.resolve(order)
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
        out["native_brackets"] = self._placer.native
        return out

    @property
    def native_brackets(self) -> bool | None:
        """Whether the account takes native brackets (None until the Gateway told us)."""
        return self._placer.native

    def new_tag(self) -> str:
        """A fresh client tag: ``<prefix>-<session>-<seq>``."""
        return f"{self.tag_prefix}-{self.session_id}-{next(self._seq)}"

    # ================================================================ hub events
    def on_user_event(self, ev: UserEvent) -> None:
        """Apply one user-hub event (register with ``RealtimeClient.on_user_event``).

        Events the client refused at its boundary (``ev.refused``) are skipped: they were
        reported there. An event built by hand (no ``entity``) goes through the same decode
        and plausibility check (:func:`~projectx.plausibility.decode_user_entity`); one that
        fails it is counted in ``malformed_events`` and reported to :attr:`anomalies`.
        """
        self._intake.on_user_event(ev)

    def ingest_order(self, order: Order, *, source: str, adopt: bool) -> TrackedOrder | None:
        """Apply an order snapshot (hub or REST); unknown orders are adopted when ``adopt``."""
        return self._intake.ingest_order(order, source=source, adopt=adopt)

    def ingest_trade(self, trade: Trade) -> None:
        """Apply one fill (duplicates, voided fills and re-emissions are ignored)."""
        self._intake.ingest_trade(trade)

    async def refresh(self, rec: TrackedOrder) -> None:
        """Re-read one order through REST (when its events seem lost) and apply it."""
        self._stats.rest_refreshes += 1
        await self._reconciler.refresh(self, rec)

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
        self._requests.check_price_fields(otype, limit_price, stop_price, trail_price)
        req = await self._requests.build(
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
        return await self._submitter.send(req)

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
            contract, trail_price = await self._requests.trail_level(contract, side, trail_ticks)
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
        req = await self._requests.build(
            contract,
            side,
            size,
            OrderType.STOP_LIMIT,
            limit_price=limit_price,
            stop_price=stop_price,
            custom_tag=custom_tag,
            snap=snap,
        )
        await self._requests.gate(req)
        rec = self._submitter.record(req, emulated=emulate)
        if emulate:
            self._emulator.arm(rec)
            return rec
        return await self._submitter.submit_stop_limit(rec, req.contract)

    def on_trade_price(self, contract_id: str, price: float) -> None:
        """A market trade printed at ``price``: trigger emulated stop-limits through it.

        Called from the bus's ``TRADE_TICK`` while something is armed; the suite may also call
        it directly from its price listener.
        """
        self._emulator.on_trade_price(contract_id, price)

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
        bracket = await self._placer.place_bracket_order(
            contract,
            side,
            size,
            entry_price,
            stop_loss_price=stop_loss_price,
            stop_loss_ticks=stop_loss_ticks,
            take_profit_price=take_profit_price,
            take_profit_ticks=take_profit_ticks,
            trail_ticks=trail_ticks,
            native=native,
            custom_tag=custom_tag,
            snap=snap,
        )
        self._stats.brackets += 1
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
        return await self._placer.place_oco_order(contract, first, second, snap=snap)

    # -- GroupOps ---------------------------------------------------------------------------------
    async def place_leg(self, bracket: BracketOrder, role: OrderRole, size: int) -> TrackedOrder:
        """Send a protective leg of a client-side bracket (no risk gate, no side check)."""
        return await self._placer.place_leg(bracket, role, size)

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

    def _cancel_later(self, rec: TrackedOrder) -> None:
        self.spawn(self._quiet_cancel(rec), "projectx-deferred-cancel")

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
        rec = self._registry.resolve(order)
        fields = await self._requests.modify_fields(
            rec, size, limit_price, stop_price, trail_price, snap=snap
        )
        await self._submitter.modify(rec, *fields)
        self._stats.modified += 1
        self._lifecycle.emit(EventType.ORDER_MODIFIED, rec)
        return rec

    async def cancel_order(self, order: TrackedOrder | int) -> bool:
        """Cancel a working order; False when it was no longer working (already filled...).

        An order still being placed (no Gateway id yet) is cancelled as soon as its id is
        known (True now; ORDER_CANCELLED follows the Gateway's answer)."""
        return await self._submitter.cancel(self._registry.resolve(order))

    async def cancel_all_orders(self, contract: Contract | str | None = None) -> int:
        """Cancel every open order (of ``contract``), those still being placed too (their
        cancel goes out once the Gateway id is known); return how many cancels were accepted."""
        cid: str | None = None
        if contract is not None:
            cid = (await self._requests.contract(contract)).id
        targets = self.open_orders(cid)
        results = await asyncio.gather(
            *(self.cancel_order(r) for r in targets), return_exceptions=True
        )
        for rec, res in zip(targets, results, strict=True):
            if isinstance(res, BaseException):
                log.warning("cancelling order %s failed: %s", rec.order_id, res)
        return sum(1 for res in results if res is True)
