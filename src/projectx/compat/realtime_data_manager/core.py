"""project-x-py's ``RealtimeDataManager`` over the core :class:`projectx.data.RealtimeDataManager`.

The core builds every timeframe's bars natively from each trade (no 1 ms throttle, no tick
dropped), emits NEW_BAR when a bar *closes* (project-x-py fires it with the opening tick of the
next bar) and labels 4-hour and daily bars by the exchange's trading day. This class keeps
project-x-py's method names, awaited-ness and frame columns and reads everything from it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from projectx.compat.exceptions import ProjectXDataError, ProjectXError
from projectx.compat.realtime_data_manager.callbacks import EVENT_TYPES, CallbackMixin
from projectx.compat.realtime_data_manager.data_access import DataAccessMixin
from projectx.compat.realtime_data_manager.memory_management import MemoryManagementMixin
from projectx.data import RealtimeDataManager as CoreDataManager

if TYPE_CHECKING:
    from projectx.compat.client import ProjectX
    from projectx.compat.event_bus import EventBus

__all__ = ["RealtimeDataManager"]


def _zone(name: object) -> ZoneInfo:
    if isinstance(name, ZoneInfo):
        return name
    try:
        return ZoneInfo(str(name))
    except (ZoneInfoNotFoundError, ValueError):
        raise ProjectXDataError(f"unknown time zone {name!r}") from None


class RealtimeDataManager(DataAccessMixin, CallbackMixin, MemoryManagementMixin):
    """Live OHLCV bars of one instrument (``suite.data``).

    Built by a compat ``TradingSuite`` over its core suite's manager (:meth:`_adopt`). The
    project-x-py constructor is accepted; live data needs the suite (it owns the market hub
    subscription and the native feed), so :meth:`initialize` on such an instance raises.
    """

    def __init__(
        self,
        instrument: str,
        project_x: ProjectX,
        realtime_client: Any,
        event_bus: EventBus | None = None,
        timeframes: list[str] | None = None,
        timezone: str = "America/Chicago",
        config: dict[str, Any] | None = None,
        session_config: Any = None,
    ) -> None:
        self._setup(instrument, project_x, event_bus, _zone(timezone), session_config)
        self.realtime_client = realtime_client
        self.requested_timeframes = list(timeframes or ["5min"])
        self.config: dict[str, Any] = dict(config or {})

    def _setup(
        self,
        instrument: str,
        project_x: ProjectX | None,
        event_bus: EventBus | None,
        zone: ZoneInfo,
        session_config: Any,
    ) -> None:
        self._init_tracker("realtime_data_manager")
        self._core = None
        self.instrument = instrument
        self.project_x = project_x
        self.event_bus = event_bus
        self.timezone = zone
        self.session_config = session_config
        self.is_running = False
        self._callbacks = {}
        self._overflow_callbacks = []
        self._resource_callbacks: list[Callable[..., Any]] = []

    @classmethod
    def _adopt(cls, core: CoreDataManager, *, client: ProjectX, events: EventBus) -> Self:
        """A compat manager over an existing core manager (its suite keeps the lifecycle);
        timestamps are given in the client's configured time zone."""
        if not isinstance(core, CoreDataManager):
            raise ProjectXError("_adopt needs a projectx.data.RealtimeDataManager")
        self = cls.__new__(cls)
        config = getattr(client, "config", None)
        zone = _zone(getattr(config, "timezone", None) or "America/Chicago")
        self._setup(core.symbol, client, events, zone, None)
        self.realtime_client = None
        self.requested_timeframes = [tf.name for tf in core.timeframes]
        self.config = {}
        self._core = core
        self.is_running = True
        return self

    def __repr__(self) -> str:
        return f"RealtimeDataManager({self.instrument!r}, timeframes={self.requested_timeframes})"

    def _own_stats(self) -> dict[str, Any]:
        if self._core is None:
            return {}
        stats = self._core.stats()
        return {
            "bars_processed": stats["bars_emitted"],
            "ticks_processed": stats["engine"]["trades"],
            "timeframe_stats": {
                name: tf["stored"] for name, tf in stats["engine"]["timeframes"].items()
            },
        }

    # -- lifecycle ----------------------------------------------------------------------------
    async def initialize(self, initial_days: int = 1) -> bool:
        """True for a manager adopted from a suite (its history is loaded already); a
        stand-alone one raises :class:`ProjectXError` (use ``TradingSuite.create``)."""
        if self._core is None:
            raise ProjectXError(
                "a stand-alone RealtimeDataManager cannot load live bars here: "
                "use `await TradingSuite.create(instrument, timeframes=[...])` and suite.data"
            )
        return True

    async def start_realtime_feed(self) -> bool:
        """True once the suite's market subscription feeds the core manager."""
        if self._core is None:
            return False
        self.is_running = True
        return True

    async def stop_realtime_feed(self) -> None:
        """Stop reporting as running (the suite owns the subscription)."""
        self.is_running = False

    async def cleanup(self) -> None:
        """Drop this manager's callbacks (the suite closes the core manager)."""
        if self.event_bus is not None:
            for (name, _), handler in list(self._callbacks.items()):
                await self.event_bus.off(EVENT_TYPES[name], handler)
        self._callbacks.clear()
        self.is_running = False
