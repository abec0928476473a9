"""Live market data managers: multi-timeframe bars over the native engine, history from REST."""

from projectx.data.manager import RealtimeDataManager

__all__ = ["RealtimeDataManager"]
