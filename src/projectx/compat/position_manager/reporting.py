"""project-x-py's ``PositionReportingMixin``: statistics, history and the portfolio report."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from projectx.compat.position_manager._base import PositionManagerBase
from projectx.positions import analytics as core_analytics

__all__ = ["PositionReportingMixin"]


def _or0(value: float | None) -> float:
    return float(value) if value is not None else 0.0


class PositionReportingMixin(PositionManagerBase):
    """Statistics and reports of the positions the core follows."""

    async def get_position_statistics(self) -> dict[str, Any]:
        """project-x-py's position statistics from the core's positions, fills and round
        trips (today's, since the start of accounting)."""
        core = self._core
        infos = core.get_all_positions()
        trips = core.round_trips
        nets = core.fills.net_round_trip_pnls()
        stats = core_analytics.trade_statistics(nets)
        holds = core_analytics.hold_times_s(trips)
        pnl = core.get_portfolio_pnl()
        sizes = [abs(i.size) for i in infos]
        risk = core.get_risk_metrics()
        last = self.last_activity
        self._counts["position_updates"] += 1
        return {
            "open_positions": len(infos),
            "closed_positions": len(trips),
            "total_positions": len(infos) + len(trips),
            "total_pnl": pnl["total_pnl"],
            "realized_pnl": pnl["net_realized_pnl"],
            "unrealized_pnl": pnl["unrealized_pnl"],
            "best_position_pnl": max(nets) if nets else 0.0,
            "worst_position_pnl": min(nets) if nets else 0.0,
            "avg_position_size": sum(sizes) / len(sizes) if sizes else 0.0,
            "largest_position": max(sizes) if sizes else 0,
            "avg_hold_time_minutes": sum(holds) / len(holds) / 60.0 if holds else 0.0,
            "longest_hold_time_minutes": max(holds) / 60.0 if holds else 0.0,
            "win_rate": _or0(stats["win_rate"]),
            "profit_factor": _or0(stats["profit_factor"]),
            "sharpe_ratio": _or0(stats["sharpe"]),
            "max_drawdown": _or0(stats["max_drawdown"]),
            "total_risk": float(risk["total_exposure"]),
            "max_position_risk": max((_or0(i.exposure) for i in infos), default=0.0),
            "portfolio_correlation": 0.0,
            "var_95": _or0(risk["var"]),
            "position_updates": self._counts["position_updates"],
            "risk_calculations": self._counts["risk_calculations"],
            "last_position_update": (
                datetime.fromtimestamp(last, UTC).isoformat() if last is not None else None
            ),
        }

    async def get_position_history(
        self, contract_id: str, limit: int = 100
    ) -> list[dict[str, Any]]:
        """The latest ``limit`` changes of ``contract_id``'s position (one per counted fill:
        ``timestamp``, ``size_change``, ``price``, ``net_size``, ``pnl``...)."""
        cid = await self._cid(contract_id)
        history = self._history(cid)
        return history[-limit:] if limit > 0 else []

    async def export_portfolio_report(self) -> dict[str, Any]:
        """Positions, P&L, risk, statistics and alert counts in one dict."""
        positions = await self.get_all_positions()
        pnl = await self.get_portfolio_pnl()
        risk = await self.get_risk_metrics()
        stats = await self.get_position_statistics()
        return {
            "report_timestamp": datetime.now(UTC),
            "portfolio_summary": {
                "total_positions": len(positions),
                "total_pnl": pnl["total_pnl"],
                "total_exposure": stats["total_risk"],
                "portfolio_risk": risk["current_risk"],
            },
            "positions": positions,
            "risk_analysis": risk,
            "statistics": stats,
            "alerts": self._alert_counts(),
        }

    def get_realtime_validation_status(self) -> dict[str, Any]:
        """How positions are followed: user-hub events, REST reconciliation (the core's)."""
        s = self._core.stats()
        return {
            "realtime_enabled": True,
            "tracked_positions_count": s["open_positions"],
            "payload_validation": {"enabled": True, "closure_detection": "size == 0"},
            "statistics": s,
        }
