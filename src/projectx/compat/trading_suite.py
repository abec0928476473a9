"""project-x-py's ``TradingSuite``, ``InstrumentContext``, ``Features`` and
``TradingSuiteConfig``, over the core :class:`projectx.suite.TradingSuite`.

``await TradingSuite.create("MNQ")`` builds and connects a core suite (credentials from
``PROJECT_X_USERNAME``/``PROJECT_X_API_KEY`` or ``username=``/``api_key=``; URLs from the
``PROJECTX_*`` variables or the config file, as in project-x-py) and wraps each instrument's
parts in project-x-py's classes. Everything a handler or a getter returns comes from the core.
"""

from __future__ import annotations

import time
import uuid
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from projectx.compat.client import ProjectX
from projectx.compat.config import ConfigManager, ProjectXConfig, core_config
from projectx.compat.event_bus import Event, EventBus, EventType
from projectx.compat.exceptions import ProjectXError, translating
from projectx.compat.models import Instrument
from projectx.compat.order_manager import OrderManager
from projectx.compat.orderbook import OrderBook
from projectx.compat.position_manager import PositionManager
from projectx.compat.realtime_data_manager import RealtimeDataManager
from projectx.compat.risk_manager import ManagedTrade, RiskConfig, RiskManager
from projectx.compat.statistics.export import StatsExporter
from projectx.suite import TradingSuite as CoreSuite
from projectx.suite.context import InstrumentContext as CoreContext
from projectx.suite.features import Features as CoreFeatures

__all__ = ["Features", "InstrumentContext", "TradingSuite", "TradingSuiteConfig"]


class Features(StrEnum):
    """project-x-py's feature flags (``ORDERBOOK`` and ``RISK_MANAGER`` do something; the
    others are accepted with a warning, as in project-x-py 4.4)."""

    ORDERBOOK = "orderbook"
    RISK_MANAGER = "risk_manager"
    TRADE_JOURNAL = "trade_journal"
    PERFORMANCE_ANALYTICS = "performance_analytics"
    AUTO_RECONNECT = "auto_reconnect"


_CORE_FEATURE = {
    Features.ORDERBOOK: CoreFeatures.ORDERBOOK,
    Features.RISK_MANAGER: CoreFeatures.RISK_MANAGER,
}


def _features(wanted: Sequence[Features | str] | None, kwargs: dict[str, Any]) -> list[Features]:
    chosen: list[Features] = []
    for raw in wanted or ():
        try:
            feature = Features(raw)
        except ValueError:
            known = ", ".join(f.value for f in Features)
            raise ProjectXError(f"unknown feature {raw!r} (known: {known})") from None
        if feature not in chosen:
            chosen.append(feature)
    if kwargs.pop("enable_orderbook", False) and Features.ORDERBOOK not in chosen:
        chosen.append(Features.ORDERBOOK)
    if kwargs.pop("enable_risk_management", False) and Features.RISK_MANAGER not in chosen:
        chosen.append(Features.RISK_MANAGER)
    for feature in chosen:
        if feature not in _CORE_FEATURE:
            warnings.warn(f"feature {feature.value!r} has no effect", UserWarning, stacklevel=3)
    return chosen


class TradingSuiteConfig:
    """What a suite was created with (project-x-py's fields)."""

    def __init__(
        self,
        instrument: str,
        timeframes: list[str] | None = None,
        features: list[Features] | None = None,
        initial_days: int = 5,
        auto_connect: bool = True,
        timezone: str = "America/Chicago",
        order_manager_config: Any = None,
        position_manager_config: Any = None,
        data_manager_config: Any = None,
        orderbook_config: Any = None,
        risk_config: Any = None,
        session_config: Any = None,
    ) -> None:
        self.instrument = instrument
        self.timeframes = list(timeframes or ["5min"])
        self.features = list(features or [])
        self.initial_days = initial_days
        self.auto_connect = auto_connect
        self.timezone = timezone
        self.order_manager_config = order_manager_config
        self.position_manager_config = position_manager_config
        self.data_manager_config = data_manager_config
        self.orderbook_config = orderbook_config
        self.risk_config = risk_config
        self.session_config = session_config


@dataclass
class InstrumentContext:
    """One instrument's parts (``suite["MNQ"]``)."""

    symbol: str
    instrument_info: Instrument
    data: RealtimeDataManager
    orders: OrderManager
    positions: PositionManager
    event_bus: EventBus
    orderbook: OrderBook | None = None
    risk_manager: RiskManager | None = None

    @property
    def instrument(self) -> Instrument:
        """``instrument_info`` (the name project-x-py's README uses)."""
        return self.instrument_info

    async def on(self, event: EventType | str, handler: Any) -> None:
        """Call ``handler`` for this instrument's ``event``."""
        await self.event_bus.on(event, handler)

    async def once(self, event: EventType | str, handler: Any) -> None:
        """Call ``handler`` for this instrument's next ``event``."""
        await self.event_bus.once(event, handler)

    async def off(self, event: EventType | str | None = None, handler: Any | None = None) -> None:
        """Remove handlers (see :meth:`EventBus.off`)."""
        await self.event_bus.off(event, handler)

    async def wait_for(self, event: EventType | str, timeout: float | None = None) -> Event:  # noqa: ASYNC109
        """This instrument's next ``event``."""
        return await self.event_bus.wait_for(event, timeout)


def _context(core: CoreContext, suite: CoreSuite, client: ProjectX) -> InstrumentContext:
    events = EventBus._adopt(suite.bus, instrument=(core.symbol, core.contract.id))
    return InstrumentContext(
        symbol=core.symbol,
        instrument_info=Instrument.from_core(core.contract),
        data=RealtimeDataManager._adopt(core.data, client=client, events=events),
        orders=OrderManager._adopt(core.orders, client=client, events=events),
        positions=PositionManager._adopt(core.positions, client=client, events=events),
        event_bus=events,
        orderbook=(
            OrderBook._adopt(core.orderbook, client=client, events=events)
            if core.orderbook is not None
            else None
        ),
        risk_manager=(
            RiskManager._adopt(
                core.risk,
                client=client,
                events=events,
                instrument=Instrument.from_core(core.contract) if len(suite) == 1 else None,
            )
            if core.risk is not None
            else None
        ),
    )


class TradingSuite:
    """project-x-py's suite: ``await TradingSuite.create("MNQ")`` or ``create(["MNQ", "ES"])``.

    Single-instrument suites expose ``data``/``orders``/``positions``/``orderbook``/
    ``risk_manager`` directly; every suite is a mapping of symbol -> :class:`InstrumentContext`.
    """

    def __init__(
        self,
        client: ProjectX,
        realtime_client: Any,
        config: TradingSuiteConfig,
        instrument_contexts: dict[str, InstrumentContext] | None = None,
    ) -> None:
        self.client = client
        self.realtime = realtime_client
        self.config = config
        self._instruments: dict[str, InstrumentContext] = dict(instrument_contexts or {})
        self._core: CoreSuite | None = None
        self.events = EventBus()
        self.suite_id = uuid.uuid4().hex
        self._created_at = datetime.now(UTC)
        self._started = time.monotonic()

    # -- construction -------------------------------------------------------------------------
    @classmethod
    async def create(
        cls,
        instruments: str | list[str] | None = None,
        instrument: str | None = None,
        timeframes: list[str] | None = None,
        features: list[str] | None = None,
        session_config: Any = None,
        **kwargs: Any,
    ) -> TradingSuite:
        """Build, connect and warm up a suite (``initial_days`` of history, default 5).

        Keyword arguments: ``username`` and ``api_key`` (together), ``account_name``,
        ``initial_days``, ``enable_orderbook``, ``enable_risk_management``, ``config`` (a
        project-x-py ``ProjectXConfig``) and ``timezone``.
        """
        chosen = instruments if instruments is not None else instrument
        if chosen is None:
            raise ProjectXError("give one or more instruments, e.g. TradingSuite.create('MNQ')")
        symbols = [chosen] if isinstance(chosen, str) else list(chosen)
        options = dict(kwargs)
        flags = _features(features, options)
        username, api_key = options.pop("username", None), options.pop("api_key", None)
        if (username is None) != (api_key is None):
            raise ProjectXError("username and api_key go together")
        account_name = options.pop("account_name", None)
        initial_days = options.pop("initial_days", 5)
        client_config: ProjectXConfig = options.pop("config", None) or ConfigManager().load_config()
        zone = options.pop("timezone", client_config.timezone)
        if options:
            raise ProjectXError(f"unknown TradingSuite.create arguments: {sorted(options)}")
        if username is None:
            auth = ConfigManager().get_auth_config()
            username, api_key = auth["username"], auth["api_key"]
        suite_config = TradingSuiteConfig(
            symbols[0],
            timeframes=timeframes,
            features=flags,
            initial_days=initial_days,
            timezone=zone,
            session_config=session_config,
        )
        with translating():
            core = CoreSuite(
                symbols,
                timeframes=suite_config.timeframes,
                features=[_CORE_FEATURE[f] for f in flags if f in _CORE_FEATURE],
                initial_days=float(initial_days),
                # project-x-py's default limits (RiskConfig()), in the core's units
                risk_config=RiskConfig().to_core() if Features.RISK_MANAGER in flags else None,
                config=core_config(
                    client_config, username=username, api_key=api_key, account_name=account_name
                ),
            )
            try:
                await core.connect()
            except BaseException:
                await core.disconnect()
                raise
        return cls._over(core, suite_config, client_config)

    @classmethod
    def _over(
        cls,
        core: CoreSuite,
        config: TradingSuiteConfig,
        client_config: ProjectXConfig | None = None,
    ) -> TradingSuite:
        """A compat suite over a connected core suite (which it then owns)."""
        client = ProjectX._adopt(core.client, client_config)
        contexts = {ctx.symbol: _context(ctx, core, client) for ctx in core}
        suite = cls(client, core.realtime, config, contexts)
        suite._core = core
        suite.events = EventBus._adopt(core.bus)
        return suite

    @classmethod
    async def from_env(cls, instrument: str, **kwargs: Any) -> TradingSuite:
        """``create`` with credentials from the environment."""
        return await cls.create(instrument, **kwargs)

    @property
    def core(self) -> CoreSuite:
        """The core suite this one adapts."""
        if self._core is None:
            raise ProjectXError("the suite is not connected")
        return self._core

    # -- lifecycle ----------------------------------------------------------------------------
    async def connect(self) -> None:
        """Connect (a suite from ``create`` is connected already)."""
        with translating():
            await self.core.connect()

    async def disconnect(self) -> None:
        """Close the hubs, the managers and the client."""
        if self._core is not None:
            await self._core.disconnect()

    async def __aenter__(self) -> TradingSuite:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.disconnect()

    def is_connected(self) -> bool:
        """Whether the suite is connected."""
        return self._core is not None and self._core.connected

    # -- instruments --------------------------------------------------------------------------
    def __getitem__(self, symbol: str) -> InstrumentContext:
        try:
            return self._instruments[symbol]
        except KeyError:
            raise KeyError(
                f"{symbol!r} is not in this suite (instruments: {list(self._instruments)})"
            ) from None

    def __len__(self) -> int:
        return len(self._instruments)

    def __iter__(self) -> Iterator[str]:
        return iter(self._instruments)

    def __contains__(self, symbol: object) -> bool:
        return symbol in self._instruments

    def keys(self) -> Iterator[str]:
        """The symbols."""
        return iter(self._instruments.keys())

    def values(self) -> Iterator[InstrumentContext]:
        """The instrument contexts."""
        return iter(self._instruments.values())

    def items(self) -> Iterator[tuple[str, InstrumentContext]]:
        """(symbol, context) pairs."""
        return iter(self._instruments.items())

    def _single(self, name: str) -> InstrumentContext:
        if len(self._instruments) != 1:
            raise AttributeError(
                f"'TradingSuite' has {len(self._instruments)} instruments: use "
                f"suite['SYMBOL'].{name} (instruments: {list(self._instruments)})"
            )
        return next(iter(self._instruments.values()))

    @property
    def data(self) -> RealtimeDataManager:
        """The single instrument's data manager."""
        return self._single("data").data

    @property
    def orders(self) -> OrderManager:
        """The single instrument's order manager."""
        return self._single("orders").orders

    @property
    def positions(self) -> PositionManager:
        """The single instrument's position manager."""
        return self._single("positions").positions

    @property
    def orderbook(self) -> OrderBook | None:
        """The single instrument's order book (None without the feature)."""
        return self._single("orderbook").orderbook

    @property
    def risk_manager(self) -> RiskManager | None:
        """The single instrument's risk manager (None without the feature)."""
        return self._single("risk_manager").risk_manager

    @property
    def instrument(self) -> Instrument | None:
        """The single instrument (None for a multi-instrument suite)."""
        return self._single("instrument").instrument_info if len(self) == 1 else None

    @property
    def symbol(self) -> str:
        """The first symbol the suite was created with."""
        return self.config.instrument

    @property
    def instrument_id(self) -> str | None:
        """The single instrument's contract id."""
        return self.instrument.id if self.instrument else None

    # -- events -------------------------------------------------------------------------------
    async def on(self, event: EventType | str, handler: Any) -> None:
        """Call ``handler`` for every ``event`` of every instrument."""
        await self.events.on(event, handler)

    async def once(self, event: EventType | str, handler: Any) -> None:
        """Call ``handler`` for the next ``event``."""
        await self.events.once(event, handler)

    async def off(self, event: EventType | str | None = None, handler: Any | None = None) -> None:
        """Remove handlers (see :meth:`EventBus.off`)."""
        await self.events.off(event, handler)

    async def wait_for(self, event: EventType | str, timeout: float | None = None) -> Event:  # noqa: ASYNC109
        """The next ``event``."""
        return await self.events.wait_for(event, timeout)

    # -- trading ------------------------------------------------------------------------------
    def managed_trade(
        self, max_risk_percent: float | None = None, max_risk_amount: float | None = None
    ) -> ManagedTrade:
        """A risk-managed trade on the single instrument; ``max_risk_percent`` is a fraction
        of the balance (0.01 = 1%), as in project-x-py."""
        percent = None if max_risk_percent is None else _percent(max_risk_percent)
        with translating():
            core = self.core.managed_trade(
                max_risk_percent=percent, max_risk_amount=max_risk_amount
            )
        ctx = self._single("managed_trade")
        return ManagedTrade._adopt(core, client=self.client, events=ctx.event_bus)

    # -- statistics ---------------------------------------------------------------------------
    async def get_stats(self) -> dict[str, Any]:
        """project-x-py's ``TradingSuiteStats`` keys, filled from the core's stats (which are
        under ``"projectx"``)."""
        return suite_stats(self)

    async def export_stats(self, export_format: str = "json", **kwargs: Any) -> Any:
        """The stats as ``"json"``, ``"prometheus"``, ``"csv"`` or ``"datadog"``."""
        return await StatsExporter().export(await self.get_stats(), export_format, **kwargs)

    def __repr__(self) -> str:
        state = "connected" if self.is_connected() else "not connected"
        return f"TradingSuite({list(self._instruments)}, {state})"


def _percent(fraction: float) -> float:
    if isinstance(fraction, bool) or not isinstance(fraction, int | float) or not 0 < fraction <= 1:
        raise ProjectXError(
            f"max_risk_percent is a fraction of the balance in (0, 1] (0.01 = 1%), got {fraction!r}"
        )
    return float(fraction) * 100.0


def suite_stats(suite: TradingSuite) -> dict[str, Any]:
    """project-x-py's suite statistics from the core's ``get_stats()``."""
    core = suite.core.get_stats()
    rest = core["rest"]
    hubs = core.get("hubs", {})
    caches = rest.get("caches", {}).values()
    hits = sum(c["hits"] for c in caches)
    looked = hits + sum(c["misses"] for c in caches)
    requests = int(rest["requests"])
    failed = int(core["components"]["rest"]["total_failures"])
    user = hubs.get("user", {})
    market = hubs.get("market", {})
    return {
        "suite_id": suite.suite_id,
        "instrument": suite.config.instrument,
        "created_at": suite._created_at.isoformat(),
        "uptime_seconds": int(time.monotonic() - suite._started),
        "status": "active" if core["connected"] else "disconnected",
        "connected": bool(core["connected"]),
        "components": core.get("components", {}),
        "realtime_connected": bool(user.get("alive")) and bool(market.get("alive")),
        "user_hub_connected": bool(user.get("alive")),
        "market_hub_connected": bool(market.get("alive")),
        "total_api_calls": requests,
        "successful_api_calls": max(requests - failed, 0),
        "failed_api_calls": failed,
        "cache_hit_rate": hits / looked if looked else 0.0,
        "memory_usage_mb": core["memory"]["rss_bytes"] / 1_048_576,
        "active_subscriptions": sum(int(h.get("subscriptions", 0)) for h in hubs.values()),
        "features_enabled": [f.value for f in suite.config.features],
        "timeframes": list(suite.config.timeframes),
        "total_errors": sum(core.get("task_failures", {}).values()),
        "health_score": float(core["health"]["score"]),
        "health_reasons": list(core["health"]["reasons"]),
        "projectx": core,
    }
