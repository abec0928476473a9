"""Live market data managers: multi-timeframe bars over the native engine, history from REST,
and bounded tick windows (:class:`SlidingWindowManager`)."""

from projectx.data.manager import RealtimeDataManager
from projectx.data.windows import SlidingWindowManager

__all__ = ["RealtimeDataManager", "SlidingWindowManager"]
