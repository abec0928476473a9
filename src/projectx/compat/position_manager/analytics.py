"""project-x-py's ``PositionAnalyticsMixin``: position and portfolio P&L in its dict shapes,
with the content from the core's P&L (average-cost ledger of our fills, marks at the last
trade) instead of project-x-py's placeholders."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from projectx.compat.models import Position
from projectx.compat.position_manager._base import PositionManagerBase
from projectx.positions import analytics as core_analytics
from projectx.positions.pnl import unrealized_pnl

__all__ = ["ROUND_HALF_UP", "PositionAnalyticsMixin"]

_CENT = Decimal("0.01")


def _cents(value: float) -> float:
    return float(Decimal(str(value)).quantize(_CENT, rounding=ROUND_HALF_UP))


def _or0(value: float | None) -> float:
    return float(value) if value is not None else 0.0


class PositionAnalyticsMixin(PositionManagerBase):
    """P&L of one position and of the portfolio."""

    async def calculate_position_pnl(
        self,
        position: Position,
        current_price: float | None = None,
        point_value: float | None = None,
    ) -> dict[str, Any]:
        """Unrealised P&L of ``position`` at ``current_price`` (default: the core's last
        trade price of the contract), in dollars with ``point_value`` and in points without
        (as project-x-py), rounded to the cent; with project-x-py's other keys."""
        if current_price is None:
            info = self._info(position.contractId)
            current_price = info.last_price if info is not None else None
        now = datetime.now(UTC).isoformat()
        if current_price is None:
            return {
                **_zero_analysis(position),
                "analysis_timestamp": now,
                "error": "No current price available",
            }
        signed = position.signed_size if position.type in (1, 2) else 0
        pnl = _cents(
            unrealized_pnl(signed, position.averagePrice, current_price, point_value or 1.0)
        )
        value = _cents(abs(current_price * position.size))
        opened = _parse(position.creationTimestamp)
        minutes = int((datetime.now(UTC) - opened).total_seconds() // 60) if opened else 0
        avg = position.averagePrice
        return {
            "position_id": position.id,
            "contract_id": position.contractId,
            "entry_price": avg,
            "current_price": current_price,
            "unrealized_pnl": pnl,
            "position_size": position.size,
            "position_value": value,
            "margin_used": 0.0,
            "duration_minutes": minutes,
            "high_water_mark": max(current_price, avg),
            "low_water_mark": min(current_price, avg),
            "max_unrealized_pnl": max(pnl, 0.0),
            "min_unrealized_pnl": min(pnl, 0.0),
            "volatility": abs(current_price - avg) / avg if avg > 0 else 0.0,
            "beta": 1.0,
            "delta_exposure": float(signed),
            "gamma_exposure": 0.0,
            "theta_decay": 0.0,
            "risk_contribution": abs(pnl) / max(value, 1.0),
            "analysis_timestamp": now,
        }

    async def calculate_portfolio_pnl(
        self, current_prices: dict[str, float], account_id: int | None = None
    ) -> dict[str, Any]:
        """Portfolio P&L with the open positions marked at ``current_prices`` (contract id
        -> price; positions without a price are left out), in dollars per contract."""
        positions = await self.get_all_positions(account_id=account_id)
        unrealized = 0.0
        value = 0.0
        for pos in positions:
            price = current_prices.get(pos.contractId)
            if price is None:
                continue
            pv = await self._point_value(pos.contractId)
            unrealized += unrealized_pnl(pos.signed_size, pos.averagePrice, price, pv or 1.0)
            value += abs(price * pos.size)
        return self._portfolio(positions, unrealized, value)

    async def get_portfolio_pnl(self, account_id: int | None = None) -> dict[str, Any]:
        """Portfolio P&L: realised (net of fees) and unrealised (marked at the last trade)
        from the core, closed-trade statistics of today's round trips; ``total_value`` is
        project-x-py's ``sum(|size * averagePrice|)``."""
        positions = await self.get_all_positions(account_id=account_id)
        value = sum(abs(p.size * p.averagePrice) for p in positions)
        return self._portfolio(positions, self._core.total_unrealized_pnl(), value)

    def _portfolio(
        self, positions: list[Position], unrealized: float, value: float
    ) -> dict[str, Any]:
        core = self._core
        pnl = core.get_portfolio_pnl()
        realized = pnl["net_realized_pnl"]
        stats = core_analytics.trade_statistics(core.fills.net_round_trip_pnls())
        holds = core_analytics.hold_times_s(core.round_trips)
        total = realized + unrealized
        return {
            "total_value": _cents(value),
            "total_pnl": _cents(total),
            "realized_pnl": _cents(realized),
            "unrealized_pnl": _cents(unrealized),
            "daily_pnl": _cents(total),
            "weekly_pnl": 0.0,
            "monthly_pnl": 0.0,
            "ytd_pnl": 0.0,
            "total_return": _cents(total / value * 100.0) if value > 0 else 0.0,
            "annualized_return": 0.0,
            "sharpe_ratio": _or0(stats["sharpe"]),
            "sortino_ratio": 0.0,
            "max_drawdown": _or0(stats["max_drawdown"]),
            "win_rate": _or0(stats["win_rate"]),
            "profit_factor": _or0(stats["profit_factor"]),
            "avg_win": _or0(stats["average_win"]),
            "avg_loss": _or0(stats["average_loss"]),
            "total_trades": stats["trades"],
            "winning_trades": stats["winning_trades"],
            "losing_trades": stats["losing_trades"],
            "largest_win": _or0(stats["largest_win"]),
            "largest_loss": _or0(stats["largest_loss"]),
            "avg_trade_duration_minutes": sum(holds) / len(holds) / 60.0 if holds else 0.0,
            "last_updated": datetime.now(UTC).isoformat(),
            "position_count": len(positions),
            "fees": pnl["fees"],
        }


def _parse(stamp: str) -> datetime | None:
    try:
        out = datetime.fromisoformat(stamp)
    except (TypeError, ValueError):
        return None
    return out if out.tzinfo is not None else out.replace(tzinfo=UTC)


def _zero_analysis(position: Position) -> dict[str, Any]:
    keys = (
        "current_price",
        "unrealized_pnl",
        "position_value",
        "margin_used",
        "high_water_mark",
        "low_water_mark",
        "max_unrealized_pnl",
        "min_unrealized_pnl",
        "volatility",
        "beta",
        "delta_exposure",
        "gamma_exposure",
        "theta_decay",
        "risk_contribution",
    )
    return {
        "position_id": position.id,
        "contract_id": position.contractId,
        "entry_price": position.averagePrice,
        "position_size": position.size,
        "duration_minutes": 0,
        **dict.fromkeys(keys, 0.0),
    }
