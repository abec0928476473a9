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
from collections.abc import Callable, Coroutine, Iterator, Sequence
from typing import Any

from projectx._native.feed import MarketFeed
from projectx.client import ProjectX
from projectx.clock import WALL_CLOCK, StrategyClock
from projectx.config import ProjectXConfig
from projectx.data.manager import RealtimeDataManager
from projectx.events import Event, EventBus, EventType, Handler
from projectx.exceptions import ProjectXError, ValidationError, redact
from projectx.models import Account, Contract
from projectx.orderbook import OrderBook
from projectx.orders import OrderManager
from projectx.plausibility import Anomaly, emit_on
from projectx.positions import PositionManager
from projectx.realtime.client import RealtimeClient, UserEvent
from projectx.realtime.hub import ReconnectPolicy
from projectx.risk import RiskConfig, RiskManager
from projectx.suite.arguments import check_suite_arguments
from projectx.suite.builder import SuiteParts, build_context, build_parts
from projectx.suite.connection import ConnectionWatch
from projectx.suite.context import InstrumentContext
from projectx.suite.features import FEATURES, Features
from projectx.suite.managed_trade import ManagedTrade
from projectx.suite.market import MarketDispatcher
from projectx.suite.portfolio import PortfolioRisk, calculate_portfolio_risk
from projectx.suite.stats import health_score, rss_bytes, to_json, to_prometheus

__all__ = ["FEATURES", "TradingSuite"]

log = logging.getLogger(__name__)

_DEFAULT_TIMEFRAMES = ("1min", "5min")


def _instrument_symbol(info: object) -> str:
    """The suite's symbol for an injected instrument: a Contract's name (else its id)."""
    if isinstance(info, Contract):
        return info.name or info.id
    if isinstance(info, str) and info.strip():
        return info
    raise ValidationError("instrument_info must be a Contract or a symbol")


class TradingSuite:
    """Bars, book, orders, positions and risk for one or many instruments (see module doc).

    Two ways to build one:

    - ``TradingSuite("MNQ", timeframes=[...], features=[...], config=...)``: the suite creates
      (and owns) its REST client and its real-time client; ``connect()`` logs in;
    - dependency injection, ``TradingSuite(client, realtime_client, instrument_info,
      timeframes, features)``: a logged-in :class:`ProjectX`, a :class:`RealtimeClient` (or
      None to let the suite make one), and the instrument as a :class:`Contract` (used as
      given, not resolved again) or a symbol. The suite neither logs the client in nor out.
    """

    def __init__(
        self,
        instruments: str | Sequence[str] | ProjectX,
        realtime_client: RealtimeClient | None = None,
        instrument_info: Contract | str | None = None,
        timeframes: Sequence[str] = _DEFAULT_TIMEFRAMES,
        features: Sequence[Features | str] = (Features.ORDERBOOK,),
        *,
        initial_days: float = 1.0,
        config: ProjectXConfig | None = None,
        client: ProjectX | None = None,
        account_name: str | None = None,
        transport: str = "aiohttp",
        bar_capacity: int = 10_000,
        risk_config: RiskConfig | None = None,
        state_path: str | os.PathLike[str] | None = None,
        stale_after: float | None = 30.0,
        reconnect: ReconnectPolicy | None = None,
    ) -> None:
        given: dict[str, Contract] = {}
        if isinstance(instruments, ProjectX):  # the dependency-injection form
            if client is not None or config is not None:
                raise ValidationError("give the client positionally or as client=, not both")
            client, instruments = instruments, _instrument_symbol(instrument_info)
            if isinstance(instrument_info, Contract):
                given[instruments] = instrument_info
        elif realtime_client is not None or instrument_info is not None:
            raise ValidationError(
                "realtime_client and instrument_info go with a ProjectX client as the first "
                "argument: TradingSuite(client, realtime_client, instrument_info, ...)"
            )
        if realtime_client is not None and not isinstance(realtime_client, RealtimeClient):
            raise ValidationError("realtime_client must be a RealtimeClient or None")
        args = check_suite_arguments(
            instruments,
            timeframes=timeframes,
            features=features,
            initial_days=initial_days,
            bar_capacity=bar_capacity,
            stale_after=stale_after,
            transport=transport,
            account_name=account_name,
            state_path=state_path,
        )
        if config is not None and not isinstance(config, ProjectXConfig):
            raise ValidationError("config must be a ProjectXConfig")
        if risk_config is not None and not isinstance(risk_config, RiskConfig):
            raise ValidationError("risk_config must be a RiskConfig")
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
            if not isinstance(client, ProjectX):
                raise ValidationError("client must be a ProjectX")
            self.client = client
            self._own_client = False
        else:
            self.client = ProjectX(config if config is not None else ProjectXConfig.from_env())
            self._own_client = True
        self.config = self.client.config
        self.bus = EventBus()
        #: market time for strategies: the wall clock live, a replay's simulated clock in replay
        self.clock: StrategyClock = WALL_CLOCK
        # the market feed has one owner, the dispatcher: an injected client's feed is used
        self.feed = realtime_client.feed if realtime_client is not None else MarketFeed()
        self.dispatcher = MarketDispatcher(self.feed, self.bus)
        self.realtime: RealtimeClient | None = realtime_client
        self._given_contracts = given
        self.account: Account | None = None
        self.contexts: dict[str, InstrumentContext] = {}
        self._started_monotonic = 0.0
        self._connected = False
        self._tasks: set[asyncio.Task[None]] = set()
        #: background tasks that died of an exception, by task name (health reads it)
        self.task_failures: dict[str, int] = {}
        #: what failed while closing (``disconnect()`` closes every part anyway)
        self.disconnect_errors: list[str] = []
        #: the account's managers, built by ``connect()`` (None before)
        self.parts: SuiteParts | None = None
        self._connection = ConnectionWatch(
            self.bus,
            self.feed,
            data=lambda: [ctx.data for ctx in self.contexts.values()],
            reconcile=self._reconcile_parts,
            stopped_reason=self._hub_stopped_reason,
            spawn=self._spawn,
        )

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

    @property
    def connected(self) -> bool:
        """Whether :meth:`connect` completed and :meth:`disconnect` was not called since."""
        return self._connected

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
        data_by_symbol: dict[str, RealtimeDataManager] = {}
        for symbol in self.symbols:
            contract = self._given_contracts.get(symbol) or await self.client.resolve_contract(
                symbol
            )
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
            data_by_symbol[symbol] = data
        self.realtime = self.realtime or RealtimeClient(
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
        market.on_native(self.dispatcher.on_native, gated=True)  # it owns the feed's wake-up
        watch = self._connection
        market.on_state(lambda state: watch.on_hub_state("market", state))
        self.realtime.user.on_state(lambda state: watch.on_hub_state("user", state))
        by_contract = {data.contract.id: data for data in data_by_symbol.values()}
        parts = self.parts = build_parts(
            self.client,
            self.bus,
            self.dispatcher,
            account_id=self.account.id,
            contracts={cid: data.contract for cid, data in by_contract.items()},
            data=by_contract,
            features=self.features,
            risk_config=self.risk_config,
            state_path=self.state_path,
        )
        for symbol, data in data_by_symbol.items():
            self.contexts[symbol] = build_context(
                symbol,
                data,
                self.bus,
                parts,
                self.dispatcher,
                features=self.features,
                time_source=lambda: self.feed.last_ts_ns,
            )
        self.realtime.on_user_event(self._on_user_event)
        self._watch_anomalies(self.realtime)
        await self.realtime.connect()
        await self.realtime.subscribe_user(self.account.id)
        for ctx in self.contexts.values():
            await self.realtime.subscribe_market(ctx.contract_id)
            ctx.data.mark_subscribed()
        await parts.start()
        self._connected = watch.active = True
        self.bus.emit(EventType.CONNECTED, {"account": self.account.name, "symbols": self.symbols})

    async def disconnect(self) -> None:
        """Close the hubs, stop the managers and the bus, log out (idempotent).

        Every part is closed even when another fails: a part's failure is logged (ERROR, with
        its traceback) and kept in ``disconnect_errors``, never raised — ``disconnect()`` runs
        from ``__aexit__`` and from a failed ``create()``, where raising would mask the error
        that got there. A cancellation is re-raised once everything is closed.
        """
        was_connected, self._connected = self._connected, False
        self._connection.active = False
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        parts: list[tuple[str, Callable[[], Any]]] = []
        if self.parts is not None:
            parts.append(("managers", self.parts.stop))
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

    def __iter__(self) -> Iterator[InstrumentContext]:
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
    def orderbook(self) -> OrderBook | None:
        """The order book of a single-instrument suite (None without the feature)."""
        return self._only().orderbook

    def _parts(self) -> SuiteParts:
        if self.parts is None:
            raise ProjectXError("the suite is not connected: await suite.connect() first")
        return self.parts

    @property
    def orders(self) -> OrderManager:
        """The account's order manager (shared by every instrument; after ``connect()``)."""
        return self._parts().orders

    @property
    def positions(self) -> PositionManager:
        """The account's position manager (shared by every instrument; after ``connect()``)."""
        return self._parts().positions

    @property
    def risk(self) -> RiskManager | None:
        """The account's risk manager (None without the ``risk`` feature)."""
        return self._parts().risk

    @property
    def order_manager(self) -> OrderManager | None:
        """The order manager, or None before ``connect()``."""
        return self.parts.orders if self.parts is not None else None

    @property
    def position_manager(self) -> PositionManager | None:
        """The position manager, or None before ``connect()``."""
        return self.parts.positions if self.parts is not None else None

    @property
    def risk_manager(self) -> RiskManager | None:
        """The risk manager, or None before ``connect()`` or without the ``risk`` feature."""
        return self.parts.risk if self.parts is not None else None

    def calculate_portfolio_risk(self) -> PortfolioRisk:
        """The account's risk if every protective stop fills, and what no stop protects (see
        :mod:`projectx.suite.portfolio`)."""
        parts = self._parts()
        return calculate_portfolio_risk(parts.positions, parts.orders)

    def managed_trade(
        self,
        *,
        max_risk_percent: float | None = None,
        max_risk_amount: float | None = None,
        fill_timeout: float = 30.0,
    ) -> ManagedTrade:
        """``async with suite.managed_trade(max_risk_percent=...) as trade`` (single instrument;
        see :meth:`InstrumentContext.managed_trade`)."""
        return self._only().managed_trade(
            max_risk_percent=max_risk_percent,
            max_risk_amount=max_risk_amount,
            fill_timeout=fill_timeout,
        )

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
            return  # refused at the boundary: reported there, and reconciled (_watch_anomalies)
        if event.target == "GatewayUserAccount" and self.bus.wants(EventType.ACCOUNT_UPDATE):
            self.bus.emit(EventType.ACCOUNT_UPDATE, event.data)
        if self.parts is not None:
            self.parts.route_user_event(event)

    def _watch_anomalies(self, realtime: RealtimeClient) -> None:
        """Anomalies of the REST client and the user hub become ``ANOMALY`` events; a refused
        order, position or fill makes the suite reconcile with REST (REST decides)."""
        emit = emit_on(self.bus)
        self.client.anomalies.subscribe(emit)
        realtime.anomalies.subscribe(emit)

        def reconcile_after(anomaly: Anomaly) -> None:
            if anomaly.source != "GatewayUserAccount" and anomaly.reason != "foreign_account":
                self._connection.request_reconcile()

        realtime.anomalies.subscribe(reconcile_after)

    def _hub_stopped_reason(self, hub: str) -> str | None:
        if self.realtime is None:
            return None
        conn = self.realtime.user if hub == "user" else self.realtime.market
        reason: str | None = conn.stats.stopped_reason
        return reason

    async def _reconcile_parts(self) -> None:
        if self.parts is not None:
            await self.parts.reconcile()

    @property
    def reconciling(self) -> bool:
        """True while orders and positions are being reconciled with REST (after reconnects)."""
        return self._connection.reconciling

    @property
    def reconciliations(self) -> int:
        """Reconciliations with REST run so far (after reconnects and refused events)."""
        return self._connection.reconciliations

    def _spawn(self, coro: Coroutine[Any, Any, None], name: str) -> asyncio.Task[None]:
        task = asyncio.get_running_loop().create_task(coro, name=f"projectx-suite-{name}")
        self._tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Task[None]) -> None:
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
                    "alive": hub.alive,
                    "stopped_reason": s.stopped_reason,
                    "recent_reconnects": hub.recent_reconnects(),
                    "reconnect_storm": hub.reconnect_storm,
                    "storm_window_s": hub.storm_window,
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
            "components": {"rest": self.client.health.snapshot()},
            "instruments": instruments,
            "memory": {"rss_bytes": rss_bytes()},
            "reconciliations": self.reconciliations,
            "task_failures": dict(self.task_failures),
            "managers": self.parts.stats() if self.parts is not None else {},
            "anomalies": self._anomaly_stats(),
        }
        score, reasons = health_score(stats)
        stats["health"] = {"score": score, "reasons": reasons}
        return stats

    def _anomaly_stats(self) -> dict[str, Any]:
        """Anomaly counters per boundary (``rest``, ``user_hub``, ``orders``, ``positions``)."""
        out: dict[str, Any] = {"rest": self.client.anomalies.snapshot()}
        if self.realtime is not None:
            out["user_hub"] = self.realtime.anomalies.snapshot()
        if self.parts is not None:
            out.update(self.parts.anomaly_stats())
        return out

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
