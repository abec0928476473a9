"""``TradingSuite`` and the per-instrument context."""

from projectx.suite.context import InstrumentContext
from projectx.suite.suite import FEATURES, TradingSuite

__all__ = ["FEATURES", "InstrumentContext", "TradingSuite"]
