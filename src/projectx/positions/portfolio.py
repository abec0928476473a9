"""The account's P&L in one table: realised (gross), fees, unrealised and total, per contract."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from projectx.positions.fills import FillBook
from projectx.positions.records import OpenPosition

__all__ = ["portfolio_pnl"]


def portfolio_pnl(
    fills: FillBook, positions: Mapping[str, OpenPosition], balance: float | None
) -> dict[str, Any]:
    """Realised (gross), fees, net realised, unrealised and total P&L of every contract that
    has realised P&L or an open position, and their sums (``PositionManager.get_portfolio_pnl``)."""
    by: dict[str, dict[str, Any]] = {}
    realized = fees = unrealized = 0.0
    for cid in fills.realized_by_contract.keys() | positions.keys():
        r = fills.realized(cid)
        f = fills.fees(cid)
        pos = positions.get(cid)
        u = pos.unrealized if pos is not None and pos.unrealized is not None else 0.0
        by[cid] = {
            "realized_pnl": r,
            "fees": f,
            "unrealized_pnl": u,
            "size": 0 if pos is None else pos.size,
            "total_pnl": r - f + u,
        }
        realized += r
        fees += f
        unrealized += u
    return {
        "realized_pnl": realized,
        "fees": fees,
        "net_realized_pnl": realized - fees,
        "unrealized_pnl": unrealized,
        "total_pnl": realized - fees + unrealized,
        "balance": balance,
        "positions": len(positions),
        "by_instrument": by,
    }
