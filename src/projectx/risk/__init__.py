"""The risk layer: :class:`RiskManager` (sizing, pre-trade gate, live prop-firm rules with
persisted state), :class:`RiskConfig` and :class:`ManagedTrade`."""

from projectx.risk.config import RiskConfig
from projectx.risk.errors import RiskStateError, RiskViolationError
from projectx.risk.manager import PositionView, RiskManager, TradeRequest
from projectx.risk.rules import RuleStatus
from projectx.risk.state import RiskState, RiskStateStore, default_state_path

__all__ = [
    "PositionView",
    "RiskConfig",
    "RiskManager",
    "RiskState",
    "RiskStateError",
    "RiskStateStore",
    "RiskViolationError",
    "RuleStatus",
    "TradeRequest",
    "default_state_path",
]
