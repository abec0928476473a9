"""``TradingSuite`` and the per-instrument context."""

from projectx.suite.context import InstrumentContext
from projectx.suite.features import FEATURES, Features
from projectx.suite.suite import TradingSuite

__all__ = ["FEATURES", "Features", "InstrumentContext", "TradingSuite"]
