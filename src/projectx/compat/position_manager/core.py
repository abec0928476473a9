"""project-x-py's ``PositionManager`` over the core :class:`projectx.positions.PositionManager`.

Positions are read from the Gateway (``Position/searchOpen``, project-x-py's source) as
camelCase :class:`~projectx.compat.models.Position`; P&L, statistics and risk figures come from
the core manager (fills counted once, average-cost ledger, marks at the last trade) in
project-x-py's dict keys; closes go through the core manager.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Self

from projectx.compat.exceptions import ProjectXError, ProjectXPositionError
from projectx.compat.models import Position
from projectx.compat.position_manager.analytics import PositionAnalyticsMixin
from projectx.compat.position_manager.monitoring import PositionMonitoringMixin
from projectx.compat.position_manager.operations import PositionOperationsMixin
from projectx.compat.position_manager.reporting import PositionReportingMixin
from projectx.compat.position_manager.risk import RiskManagementMixin
from projectx.compat.position_manager.tracking import PositionTrackingMixin
from projectx.events import EventBus as CoreBus
from projectx.positions import PositionManager as CorePositionManager

if TYPE_CHECKING:
    from projectx.compat.client import ProjectX
    from projectx.compat.event_bus import EventBus

__all__ = ["PositionManager"]


class PositionManager(
    PositionTrackingMixin,
    PositionAnalyticsMixin,
    RiskManagementMixin,
    PositionMonitoringMixin,
    PositionReportingMixin,
    PositionOperationsMixin,
):
    """project-x-py's position manager (``suite.positions``).

    Built by a compat ``TradingSuite`` over its core suite's manager (:meth:`_adopt`), or as
    in project-x-py: ``PositionManager(client, event_bus)`` then ``await initialize()``.
    """

    def __init__(
        self,
        project_x_client: ProjectX,
        event_bus: EventBus,
        risk_manager: Any = None,
        data_manager: Any = None,
        config: dict[str, Any] | None = None,
    ) -> None:
        self.project_x = project_x_client
        self.event_bus = event_bus
        self.risk_manager = risk_manager
        self.data_manager = data_manager
        self.config: dict[str, Any] = dict(config or {})
        self._setup()

    def _setup(self) -> None:
        self._init_tracker("position_manager")
        self.order_manager = None
        self._alert_ids = {}
        self._alert_state = {}
        self._callbacks = {}
        self._handlers = {}
        self._counts = {
            "closed_positions": 0,
            "positions_partially_closed": 0,
            "position_updates": 0,
            "risk_calculations": 0,
            "positions_opened": 0,
            "positions_closed": 0,
        }
        self._monitoring = False
        self._owns_core = False
        self._started = False

    @classmethod
    def _adopt(cls, core: CorePositionManager, *, client: ProjectX, events: EventBus) -> Self:
        """A compat manager over an existing core manager (its owner keeps its lifecycle)."""
        if not isinstance(core, CorePositionManager):
            raise ProjectXError("_adopt needs a projectx.positions.PositionManager")
        self = cls.__new__(cls)
        self.project_x = client
        self.event_bus = events
        self.risk_manager = None
        self.data_manager = None
        self.config = {}
        self._setup()
        self._core = core
        self._started = True
        return self

    @property
    def core(self) -> CorePositionManager:
        """The core :class:`projectx.positions.PositionManager` this one adapts."""
        core: CorePositionManager | None = getattr(self, "_core", None)
        if core is None:
            raise ProjectXPositionError(
                "the position manager is not initialized: await initialize()"
            )
        return core

    async def initialize(self, realtime_client: Any = None, order_manager: Any = None) -> bool:
        """Build (when not adopted) and start the core manager: read open positions and
        today's fills. ``realtime_client`` is accepted for project-x-py's signature."""
        self.order_manager = order_manager
        if getattr(self, "_core", None) is None:
            client = self.project_x.core
            account = client.account
            if account is None:
                raise ProjectXPositionError("no account selected: authenticate the client first")
            bus = self.event_bus.core
            self._core = CorePositionManager(
                client, bus if bus is not None else CoreBus(), account_id=account.id
            )
            self._owns_core = True
        if not self._started:
            with self._guard("initialize", ProjectXPositionError):
                await self._core.start()
            self._started = True
        return True

    async def cleanup(self) -> None:
        """Close the core manager when this one built it; drop callbacks."""
        await self.cleanup_tracking()
        if self._owns_core:
            await self._core.close()

    async def get_position(
        self, contract_id: str, account_id: int | None = None
    ) -> Position | None:
        """The open position of ``contract_id`` (id or symbol), None when flat."""
        cid = await self._cid(contract_id)
        for pos in await self.get_all_positions(account_id=account_id):
            if pos.contractId == cid:
                return pos
        return None

    async def is_position_open(self, contract_id: str, account_id: int | None = None) -> bool:
        """Whether ``contract_id`` has an open position."""
        return await self.get_position(contract_id, account_id) is not None

    async def refresh_positions(self, account_id: int | None = None) -> bool:
        """Re-read positions and fills into the core (a reconciliation); False on failure."""
        try:
            self._check_account(account_id)
            with self._guard("refresh_positions", ProjectXPositionError):
                await self._core.reconcile()
        except ProjectXError:
            return False
        return True

    async def get_risk_metrics(self) -> dict[str, Any]:  # type: ignore[override]
        """Risk figures of the open positions (see ``RiskManagementMixin``); the attached
        risk manager's when one was given."""
        if self.risk_manager is not None and hasattr(self.risk_manager, "get_risk_metrics"):
            out: dict[str, Any] = await self.risk_manager.get_risk_metrics()
            return out
        self._counts["risk_calculations"] += 1
        return await RiskManagementMixin.get_risk_metrics(self)

    async def calculate_position_size(  # type: ignore[override]
        self,
        risk_amount: float,
        entry_price: float,
        stop_price: float,
        contract_id: str | None = None,
    ) -> float:
        """Contracts for a fixed dollar risk: with ``contract_id``, whole contracts whose loss
        at ``stop_price`` stays within ``risk_amount`` (its tick value); without one,
        project-x-py's ``risk_amount / |entry - stop|``."""
        distance = abs(entry_price - stop_price)
        if distance == 0:
            return 0.0
        self._counts["risk_calculations"] += 1
        if contract_id is None:
            return risk_amount / distance
        sizing = await self._sizing(contract_id, risk_amount, entry_price, stop_price, None)
        return float(sizing["position_size"])

    async def get_position_stats(self) -> dict[str, Any]:
        """Position statistics plus health, uptime, memory and errors."""
        stats = await self.get_position_statistics()
        own = self._own_stats()
        full = await self.get_stats()
        analytics = self._core.get_analytics()
        return {
            **stats,
            "component_stats": {k: v for k, v in full.items() if k not in own},
            "health_score": await self.get_health_score(),
            "uptime_seconds": await self.get_uptime(),
            "memory_usage_mb": await self.get_memory_usage(),
            "error_count": await self.get_error_count(),
            "total_opened": stats["total_positions"],
            "total_closed": stats["closed_positions"],
            "net_pnl": stats["total_pnl"],
            "win_count": analytics["winning_trades"],
            "loss_count": analytics["losing_trades"],
            "active_positions": stats["open_positions"],
        }

    def _own_stats(self) -> dict[str, Any]:
        core = self._core
        analytics = core.get_analytics()
        pnl = core.get_portfolio_pnl()
        return {
            "open_positions": core.open_position_count(),
            "closed_positions": analytics["trades"],
            "total_pnl": pnl["total_pnl"],
            "realized_pnl": pnl["net_realized_pnl"],
            "unrealized_pnl": pnl["unrealized_pnl"],
            "win_rate": analytics["win_rate"] or 0.0,
            "winning_trades": analytics["winning_trades"],
            "losing_trades": analytics["losing_trades"],
        }

    def get_memory_stats(self) -> dict[str, Any]:
        """What the core holds: open positions, fills and round trips kept, alerts."""
        s = self._core.stats()
        return {
            "tracked_positions": s["open_positions"],
            "position_history_entries": s["trades_kept"],
            "round_trips": s["round_trips"],
            "position_alerts": s["alerts"],
            "memory_usage_mb": 0.1 + s["trades_kept"] * 0.001,
        }

    # -- project-x-py's tracking hooks (the core tracks positions itself) ---------------------
    async def track_position_opened(self, position: Position) -> None:
        """Count an opened position."""
        self._counts["positions_opened"] += 1

    async def track_position_closed(self, position: Position, pnl: float) -> None:
        """Count a closed position."""
        self._counts["positions_closed"] += 1

    async def track_position_update(self, position: Position) -> None:
        """Count a position update."""
        self._counts["position_updates"] += 1

    async def track_risk_calculation(self, risk_amount: float) -> None:
        """Count a risk calculation."""
        self._counts["risk_calculations"] += 1
