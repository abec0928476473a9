"""project-x-py's ``RiskManagementMixin``: portfolio risk figures and fixed-risk sizing in its
dict shapes, from the core (positions marked at the last trade, closed-trade statistics,
:func:`projectx.risk.sizing.contracts_for_risk`)."""

from __future__ import annotations

from typing import Any

from projectx.compat.exceptions import ProjectXPositionError
from projectx.compat.models import symbol_of
from projectx.compat.position_manager._base import PositionManagerBase
from projectx.positions import analytics as core_analytics
from projectx.risk.sizing import contracts_for_risk, risk_per_contract

__all__ = ["RiskManagementMixin"]


def _or0(value: float | None) -> float:
    return float(value) if value is not None else 0.0


class RiskManagementMixin(PositionManagerBase):
    """Risk of the open positions and sizing of a new one."""

    async def get_risk_metrics(self, account_id: int | None = None) -> dict[str, Any]:
        """Open risk (losing positions' unrealised loss), today's loss, counts, closed-trade
        statistics and each position's P&L in dollars, in project-x-py's keys."""
        self._check_account(account_id)
        core = self._core
        infos = core.get_all_positions()
        stats = core_analytics.trade_statistics(core.fills.net_round_trip_pnls())
        pnl = core.get_portfolio_pnl()
        risks: list[dict[str, Any]] = []
        for info in infos:
            price = info.last_price if info.last_price is not None else info.average_price
            risks.append(
                {
                    "contract_id": info.contract_id,
                    "symbol": symbol_of(info.contract_id),
                    "size": abs(info.size),
                    "entry_price": info.average_price,
                    "current_price": price,
                    "pnl": _or0(info.unrealized_pnl),
                    "type": "LONG" if info.size > 0 else "SHORT",
                    "risk_amount": _or0(info.exposure),
                }
            )
        balance = _or0(core.balance)
        return {
            "current_risk": sum(-r["pnl"] for r in risks if r["pnl"] < 0),
            "max_risk": 0.0,
            "daily_loss": min(0.0, pnl["total_pnl"]),
            "daily_loss_limit": 0.0,
            "position_count": len(infos),
            "position_limit": 0,
            "daily_trades": core.stats()["trades"],
            "daily_trade_limit": 0,
            "win_rate": _or0(stats["win_rate"]),
            "profit_factor": _or0(stats["profit_factor"]),
            "sharpe_ratio": _or0(stats["sharpe"]),
            "max_drawdown": _or0(stats["max_drawdown"]),
            "position_risks": risks,
            "risk_per_trade": 0.0,
            "account_balance": balance,
            "margin_used": 0.0,
            "margin_available": balance,
        }

    async def _sizing(
        self,
        contract_id: str,
        risk_amount: float,
        entry_price: float,
        stop_price: float,
        account_balance: float | None,
    ) -> dict[str, Any]:
        if risk_amount <= 0:
            raise ValueError("risk_amount must be positive")
        with self._guard("calculate_position_size", ProjectXPositionError):
            contract = await self._core.client.resolve_contract(contract_id)
            tick = float(contract.tick_size or 0.0)
            value = float(contract.tick_value or 0.0)
            size = contracts_for_risk(
                risk_amount, entry_price, stop_price, tick_size=tick, tick_value=value
            )
            per = risk_per_contract(entry_price, stop_price, tick_size=tick, tick_value=value)
        balance = account_balance if account_balance is not None else _or0(self._core.balance)
        total = size * per
        return {
            "position_size": size,
            "risk_amount": total,
            "risk_percent": total / balance if balance > 0 else 0.0,
            "entry_price": entry_price,
            "stop_loss": stop_price,
            "tick_size": tick,
            "account_balance": balance,
            "kelly_fraction": None,
            "max_position_size": size * 2,
            "sizing_method": "fixed_risk",
        }

    async def calculate_position_size(
        self,
        contract_id: str,
        risk_amount: float,
        entry_price: float,
        stop_price: float,
        account_balance: float | None = None,
    ) -> dict[str, Any]:
        """Whole contracts of ``contract_id`` whose loss at ``stop_price`` stays within
        ``risk_amount`` dollars (the contract's tick value, not project-x-py's missing
        multiplier), as project-x-py's sizing dict."""
        return await self._sizing(
            contract_id, risk_amount, entry_price, stop_price, account_balance
        )
