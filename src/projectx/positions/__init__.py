"""The position layer: :class:`PositionManager`, P&L arithmetic, analytics and alerts."""

from projectx.positions.alerts import PositionAlert
from projectx.positions.manager import PositionInfo, PositionManager, trading_day_start
from projectx.positions.pnl import FillLedger, RoundTrip, unrealized_pnl

__all__ = [
    "FillLedger",
    "PositionAlert",
    "PositionInfo",
    "PositionManager",
    "RoundTrip",
    "trading_day_start",
    "unrealized_pnl",
]
