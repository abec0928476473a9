"""``TradingSuite``: one object that logs in, connects both hubs and wires every manager.

    async with await TradingSuite.create("MNQ", timeframes=["1min", "5min"]) as suite:
        suite.on(EventType.NEW_BAR, print)
        bars = suite["MNQ"].data.get_data("5min", bars=100)

The suite owns the REST client, the real-time client, the event bus and one
:class:`InstrumentContext` per instrument; managers never import each other, they meet here and on
the bus. Connection events (CONNECTED, DISCONNECTED, RECONNECTING, RECONNECTED, FEED_STALE) come
from the hubs' state changes; after every market reconnect the bars of the gap are repaired from
REST and the trading managers reconcile with the Gateway.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from collections.abc import Callable, Sequence
from typing import Any

from projectx._native.feed import MarketFeed
from projectx.client import ProjectX
from projectx.clock import WALL_CLOCK, StrategyClock
from projectx.config import ProjectXConfig
from projectx.data.manager import RealtimeDataManager
from projectx.events import Event, EventBus, EventType, Handler
from projectx.exceptions import ProjectXError, ValidationError, redact
from projectx.models import Account
from projectx.realtime.client import RealtimeClient, UserEvent
from projectx.realtime.hub import HubState, ReconnectPolicy
from projectx.suite import wiring
from projectx.suite.arguments import check_suite_arguments
from projectx.suite.context import InstrumentContext
from projectx.suite.market import MarketDispatcher
from projectx.suite.stats import health_score, rss_bytes, to_json, to_prometheus

__all__ = ["FEATURES", "TradingSuite"]

log = logging.getLogger(__name__)

FEATURES = frozenset({"orderbook", "risk", "orderbook_heuristics"})
_DEFAULT_TIMEFRAMES = ("1min", "5min")


class TradingSuite:
    """Bars, book, orders, positions and risk for one or many instruments (see module doc)."""

    def __init__(
        self,
        instruments: str | Sequence[str],
        *,
        timeframes: Sequence[str] = _DEFAULT_TIMEFRAMES,
        features: Sequence[str] = ("orderbook",),
        initial_days: float = 1.0,
        config: ProjectXConfig | None = None,
        client: ProjectX | None = None,
        account_name: str | None = None,
        transport: str = "aiohttp",
        bar_capacity: int = 10_000,
        risk_config: Any = None,
        state_path: str | os.PathLike[str] | None = None,
        stale_after: float | None = 30.0,
        reconnect: ReconnectPolicy | None = None,
    ) -> None:
        args = check_suite_arguments(
            instruments,
            timeframes=timeframes,
            features=features,
            known_features=FEATURES,
            initial_days=initial_days,
            bar_capacity=bar_capacity,
            stale_after=stale_after,
            transport=transport,
            account_name=account_name,
            state_path=state_path,
        )
        if config is not None and not isinstance(config, ProjectXConfig):
            raise ValidationError("config must be a ProjectXConfig")
        self.symbols = args.symbols
        self.timeframes = args.timeframes
        self.features = args.features
        self.initial_days = args.initial_days
        self.bar_capacity = args.bar_capacity
        self.risk_config = risk_config
        self.state_path = state_path
        self._stale_after = args.stale_after
        self._reconnect = reconnect
        self._transport = transport
        self._account_name = account_name
        if client is not None:
            self.client = client
            self._own_client = False
        else:
            self.client = ProjectX(config if config is not None else ProjectXConfig.from_env())
            self._own_client = True
        self.config = self.client.config
        self.bus = EventBus()
        #: market time for strategies: the wall clock live, a replay's simulated clock in replay
        self.clock: StrategyClock = WALL_CLOCK
        self.feed = MarketFeed()
        self.dispatcher = MarketDispatcher(self.feed, self.bus)
        self.realtime: RealtimeClient | None = None
        self.account: Account | None = None
        self.contexts: dict[str, InstrumentContext] = {}
        self._started_monotonic = 0.0
        self._connected = False
        self._last_seen_ns = 0
        self._tasks: set[asyncio.Task[Any]] = set()
        #: background tasks that died of an exception, by task name (health reads it)
        self.task_failures: dict[str, int] = {}
        self.reconciliations = 0
        self._reconcile_task: asyncio.Task[Any] | None = None
        self._reconcile_again = False
        #: what failed while closing (``disconnect()`` closes every part anyway)
        self.disconnect_errors: list[str] = []
        self.order_manager: Any = None
        self.position_manager: Any = None
        self.risk_manager: Any = None

    # -- construction -------------------------------------------------------------------------
    @classmethod
    async def create(cls, instruments: str | Sequence[str], **kwargs: Any) -> TradingSuite:
        """Build and connect a suite (see the constructor for the keyword arguments)."""
        suite = cls(instruments, **kwargs)
        try:
            await suite.connect()
        except BaseException:
            await suite.disconnect()
            raise
        return suite

    @classmethod
    async def from_env(cls, instruments: str | Sequence[str], **kwargs: Any) -> TradingSuite:
        """A connected suite configured from ``PROJECT_X_*`` environment variables."""
        return await cls.create(instruments, config=ProjectXConfig.from_env(), **kwargs)

    @classmethod
    async def from_config(
        cls, path: str | os.PathLike[str], instruments: str | Sequence[str], **kwargs: Any
    ) -> TradingSuite:
        """A connected suite configured from a JSON or TOML file."""
        return await cls.create(instruments, config=ProjectXConfig.from_file(path), **kwargs)

    async def __aenter__(self) -> TradingSuite:
        if not self._connected:
            await self.connect()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.disconnect()

    # -- lifecycle ----------------------------------------------------------------------------
    async def connect(self) -> None:
        """Log in, select the account, warm up bars, connect both hubs, subscribe, reconcile."""
        if self._connected:
            return
        self._started_monotonic = time.monotonic()
        if self._own_client:
            await self.client.connect()
        self.account = await self.client.select_account(
            self._account_name or self.config.account_name
        )
        for symbol in self.symbols:
            contract = await self.client.resolve_contract(symbol)
            data = RealtimeDataManager(
                self.client,
                self.bus,
                self.feed,
                contract,
                self.timeframes,
                symbol=symbol,
                bar_capacity=self.bar_capacity,
                book=True,
            )
            await data.initialize(self.initial_days)
            self.dispatcher.add(data)
            self.contexts[symbol] = InstrumentContext(symbol, contract, data, self.bus)
        self.realtime = RealtimeClient(
            self.client.token_factory,
            self.config.user_hub_url,
            self.config.market_hub_url,
            feed=self.feed,
            session=self.client.http_session if self._transport == "aiohttp" else None,
            stale_after=self._stale_after,
            reconnect=self._reconnect,
            transport=self._transport,
            allow_insecure=self.config.allow_insecure,
            token_rejected=self.client.invalidate_token,
        )
        market = self.realtime.market
        market.on_native(self.dispatcher.on_native)
        market.on_state(lambda state: self._on_hub_state("market", state))
        self.realtime.user.on_state(lambda state: self._on_hub_state("user", state))
        wiring.build_account_managers(self)
        for ctx in self.contexts.values():
            wiring.attach_instrument(self, ctx)
        self.realtime.on_user_event(self._on_user_event)
        wiring.watch_anomalies(self)
        await self.realtime.connect()
        await self.realtime.subscribe_user(self.account.id)
        for ctx in self.contexts.values():
            await self.realtime.subscribe_market(ctx.contract_id)
            ctx.data.mark_subscribed()
        await wiring.start(self)
        self._connected = True
        self.bus.emit(EventType.CONNECTED, {"account": self.account.name, "symbols": self.symbols})

    async def disconnect(self) -> None:
        """Close the hubs, stop the managers and the bus, log out (idempotent).

        Every part is closed even when another fails: a part's failure is logged (ERROR, with
        its traceback) and kept in ``disconnect_errors``, never raised — ``disconnect()`` runs
        from ``__aexit__`` and from a failed ``create()``, where raising would mask the error
        that got there. A cancellation is re-raised once everything is closed.
        """
        was_connected, self._connected = self._connected, False
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        parts: list[tuple[str, Callable[[], Any]]] = [("managers", lambda: wiring.stop(self))]
        parts += [(f"{s} data", ctx.data.close) for s, ctx in self.contexts.items()]
        if self.realtime is not None:
            parts.append(("hubs", self.realtime.close))
        if was_connected:
            parts.append(("event", self._emit_disconnected))
        parts.append(("event bus", self.bus.aclose))
        if self._own_client:
            parts.append(("REST client", self.client.close))
        interrupted: BaseException | None = None
        for name, close in parts:
            try:
                result = close()
                if asyncio.iscoroutine(result):
                    await result
            except Exception as exc:
                self.disconnect_errors.append(f"{name}: {redact(repr(exc))}")
                log.error("disconnect: closing the %s failed", name, exc_info=exc)
            except BaseException as exc:  # a cancellation: finish closing, then re-raise
                interrupted = interrupted or exc
        if interrupted is not None:
            raise interrupted

    def _emit_disconnected(self) -> None:
        self.bus.emit(EventType.DISCONNECTED, {"reason": "disconnect() called"})

    # -- instruments ----------------------------------------------------------------------------
    def __getitem__(self, symbol: str) -> InstrumentContext:
        try:
            return self.contexts[symbol]
        except KeyError:
            raise KeyError(f"{symbol!r} is not in this suite ({self.symbols})") from None

    def __contains__(self, symbol: object) -> bool:
        return symbol in self.contexts

    def __iter__(self) -> Any:
        return iter(self.contexts.values())

    def __len__(self) -> int:
        return len(self.contexts)

    def _only(self) -> InstrumentContext:
        if len(self.contexts) != 1:
            raise ValidationError(
                f"this suite has {len(self.contexts)} instruments: use suite[symbol]"
            )
        return next(iter(self.contexts.values()))

    @property
    def data(self) -> RealtimeDataManager:
        """The data manager of a single-instrument suite."""
        return self._only().data

    @property
    def orderbook(self) -> Any:
        """The order book of a single-instrument suite (None without the feature)."""
        return self._only().orderbook

    @property
    def orders(self) -> Any:
        """The account's order manager (shared by every instrument)."""
        return self.order_manager

    @property
    def positions(self) -> Any:
        """The account's position manager (shared by every instrument)."""
        return self.position_manager

    @property
    def risk(self) -> Any:
        """The account's risk manager (None without the ``risk`` feature)."""
        return self.risk_manager

    def managed_trade(self, **kwargs: Any) -> Any:
        """``async with suite.managed_trade(max_risk_percent=...) as trade`` (single instrument)."""
        return wiring.managed_trade(self._only(), **kwargs)

    # -- events ---------------------------------------------------------------------------------
    def on(
        self, event: EventType | str, handler: Handler | None = None, *, priority: int = 0
    ) -> Handler | Callable[[Handler], Handler]:
        """Handle ``event`` of every instrument (also a decorator)."""
        if handler is None:
            return self.bus.on(event, priority=priority)
        return self.bus.on(event, handler, priority=priority)

    def once(self, event: EventType | str, handler: Handler, *, priority: int = 0) -> Handler:
        """Handle the next ``event`` only."""
        return self.bus.once(event, handler, priority=priority)

    def off(self, event: EventType | str, handler: Handler | None = None) -> int:
        """Remove a handler (or all handlers of ``event``)."""
        return self.bus.off(event, handler)

    async def wait_for(
        self,
        event: EventType | str,
        timeout: float = 30.0,  # noqa: ASYNC109 - the documented wait_for signature
        predicate: Callable[[Event], bool] | None = None,
    ) -> Event:
        """The next ``event`` (optionally matching ``predicate``); ``TimeoutError`` after
        ``timeout`` seconds."""
        return await self.bus.wait_for(event, timeout, predicate)

    # -- hub callbacks --------------------------------------------------------------------------
    def _on_user_event(self, event: UserEvent) -> None:
        if event.refused is not None:
            return  # refused at the boundary: reported there, and reconciled (watch_anomalies)
        if event.target == "GatewayUserAccount" and self.bus.wants(EventType.ACCOUNT_UPDATE):
            self.bus.emit(EventType.ACCOUNT_UPDATE, event.data)
        wiring.route_user_event(self, event)

    def _on_hub_state(self, hub: str, state: HubState) -> None:
        bus = self.bus
        if state is HubState.DISCONNECTED and self._connected:
            if hub == "market":
                self._last_seen_ns = self.feed.last_ts_ns
            payload: dict[str, Any] = {"hub": hub}
            stopped = self._hub_stopped_reason(hub)
            if stopped is not None:  # it will not reconnect: say so, loudly
                payload.update(reason=stopped, reconnecting=False)
                bus.emit(EventType.ERROR, {"source": "hub", "hub": hub, "error": stopped})
            bus.emit(EventType.DISCONNECTED, payload)
        elif state is HubState.RECONNECTING:
            bus.emit(EventType.RECONNECTING, {"hub": hub})
        elif state is HubState.STALE:
            bus.emit(EventType.FEED_STALE, {"hub": hub})
        elif state is HubState.CIRCUIT_OPEN:
            bus.emit(EventType.ERROR, {"source": "hub", "hub": hub, "error": "circuit open"})
        elif state is HubState.RESUBSCRIBED:
            if hub == "market":
                # trades flow again only now: the bars until now are part of the reconnect's gap
                for ctx in self.contexts.values():
                    ctx.data.mark_resubscribed()
            else:
                # events flow again only now: what happened since the reconciliation started at
                # RECONNECTED (a fill, a cancel) reached no subscription — reconcile once more
                self._request_reconcile()
        elif state is HubState.RECONNECTED:
            if hub == "market":
                for ctx in self.contexts.values():
                    ctx.data.mark_gap(self._last_seen_ns or self.feed.last_ts_ns)
            bus.emit(EventType.RECONNECTED, {"hub": hub})
            if hub == "user":
                self._request_reconcile()

    def _hub_stopped_reason(self, hub: str) -> str | None:
        if self.realtime is None:
            return None
        conn = self.realtime.user if hub == "user" else self.realtime.market
        reason: str | None = conn.stats.stopped_reason
        return reason

    def _request_reconcile(self) -> None:
        """Reconcile orders and positions with REST; requests during one share a single
        follow-up run (so the latest request is always covered)."""
        if self._reconcile_task is None or self._reconcile_task.done():
            self._reconcile_task = self._spawn(self._reconcile_all(), "reconcile")
        else:
            self._reconcile_again = True

    @property
    def reconciling(self) -> bool:
        """True while orders and positions are being reconciled with REST (after reconnects)."""
        return self._reconcile_task is not None and not self._reconcile_task.done()

    async def _reconcile_all(self) -> None:
        self._reconcile_again = True
        while self._reconcile_again:
            self._reconcile_again = False
            await self._reconcile_once()

    async def _reconcile_once(self) -> None:
        self.reconciliations += 1
        try:
            await wiring.reconcile(self)
        except ProjectXError as exc:
            log.warning("reconciliation after reconnect failed: %s", exc)
            self.bus.emit(EventType.ERROR, {"source": "reconcile", "error": exc})

    def _spawn(self, coro: Any, name: str) -> asyncio.Task[Any]:
        task = asyncio.get_running_loop().create_task(coro, name=f"projectx-suite-{name}")
        self._tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        """A background task ended: one that died of an exception is logged, counted (health)
        and reported as an ERROR event — never left as "exception never retrieved"."""
        self._tasks.discard(task)
        if task.cancelled() or task.exception() is None:
            return
        exc = task.exception()
        self.task_failures[task.get_name()] = self.task_failures.get(task.get_name(), 0) + 1
        log.error("suite task %s failed", task.get_name(), exc_info=exc)
        self.bus.emit(EventType.ERROR, {"source": "task", "task": task.get_name(), "error": exc})

    # -- stats ----------------------------------------------------------------------------------
    def get_stats(self) -> dict[str, Any]:
        """Uptime, hubs, messages, parse fallbacks, reconnects, latency, memory, health."""
        now = time.monotonic()
        hubs: dict[str, Any] = {}
        if self.realtime is not None:
            for name, hub in (("user", self.realtime.user), ("market", self.realtime.market)):
                s = hub.stats
                hubs[name] = {
                    "state": hub.state.value,
                    "messages": s.messages,
                    "bytes": s.bytes,
                    "records": s.records,
                    "native_records": s.native_records,
                    "fallback_records": s.fallback_records,
                    "control_records": s.control_records,
                    "malformed_records": s.malformed_records,
                    "oversized_records": s.oversized_records,
                    "protocol_errors": s.protocol_errors,
                    "connects": s.connects,
                    "reconnects": s.reconnects,
                    "connect_failures": s.connect_failures,
                    "stale_events": s.stale_events,
                    "handler_errors": s.handler_errors,
                    "parser_errors": s.parser_errors,
                    "supervisor_errors": s.supervisor_errors,
                    "oversized_messages": s.oversized_messages,
                    "unhealthy_connections": s.unhealthy_connections,
                    "circuit_opens": s.circuit_opens,
                    "alive": getattr(hub, "alive", True),
                    "stopped_reason": s.stopped_reason,
                    "recent_reconnects": getattr(hub, "recent_reconnects", lambda: 0)(),
                    "reconnect_storm": getattr(hub, "reconnect_storm", False),
                    "storm_window_s": getattr(getattr(hub, "policy", None), "storm_window", 0.0),
                    "subscriptions": len(hub.subscriptions),
                    "seconds_since_market_data": (
                        now - s.last_market_monotonic if s.last_market_monotonic else 0.0
                    ),
                    "process_latency": hub.process_latency.snapshot(),
                }
        instruments = {}
        for symbol, ctx in self.contexts.items():
            entry: dict[str, Any] = {"data": ctx.data.stats()}
            book = self.feed.book(ctx.contract_id)
            if book is not None:
                entry["book"] = book.stats
            instruments[symbol] = entry
        stats: dict[str, Any] = {
            "uptime_s": now - self._started_monotonic if self._started_monotonic else 0.0,
            "connected": self._connected,
            "account": self.account.name if self.account else None,
            "feed": {
                "messages": self.feed.messages,
                "trades": self.feed.trades,
                "quotes": self.feed.quotes,
                "depth_updates": self.feed.depth_updates,
                "parse_fallbacks": self.feed.parser.records_fallback,
                "fallback_records": self.feed.fallback_records,
                "anomalies": self.feed.anomalies(),
                "anomalies_recent": self.dispatcher.recent_anomalies(),
                "held": self.feed.held,
                "corroborated": self.feed.corroborated,
                "held_refused": self.feed.held_refused,
                "quarantined": len(self.feed.quarantined()),
            },
            "hubs": hubs,
            "events": self.bus.stats(),
            "rest": self.client.stats_snapshot(),
            "instruments": instruments,
            "memory": {"rss_bytes": rss_bytes()},
            "reconciliations": self.reconciliations,
            "task_failures": dict(self.task_failures),
            "managers": wiring.manager_stats(self),
            "anomalies": wiring.anomaly_stats(self),
        }
        score, reasons = health_score(stats)
        stats["health"] = {"score": score, "reasons": reasons}
        return stats

    def export_stats(self, format: str = "json") -> str:
        """``get_stats()`` as ``"json"`` text or ``"prometheus"`` exposition text (known secrets
        scrubbed by value, see :mod:`projectx.redaction`)."""
        if format == "json":
            return redact(to_json(self.get_stats()))
        if format == "prometheus":
            return redact(to_prometheus(self.get_stats()))
        raise ValidationError(f"format must be 'json' or 'prometheus', got {format!r}")

    def __repr__(self) -> str:
        state = "connected" if self._connected else "not connected"
        return f"TradingSuite({self.symbols}, timeframes={self.timeframes}, {state})"
