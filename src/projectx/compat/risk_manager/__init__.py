"""project-x-py's ``risk_manager`` package: :class:`RiskManager`, :class:`RiskConfig` and
:class:`ManagedTrade` over the core's risk manager and managed trade."""

from __future__ import annotations

from projectx.compat.risk_manager.config import RiskConfig
from projectx.compat.risk_manager.core import RiskManager
from projectx.compat.risk_manager.managed_trade import ManagedTrade

__all__ = ["ManagedTrade", "RiskConfig", "RiskManager"]
