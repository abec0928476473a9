"""The risk layer: :class:`RiskManager` (sizing, pre-trade gate, live prop-firm rules with
persisted state) and :class:`RiskConfig`.

``ManagedTrade`` composes three managers, so it lives above them, in
:mod:`projectx.suite.managed_trade`."""

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
