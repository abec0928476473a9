"""``LiveIndicator``: a streaming indicator kept current on every closed bar of one timeframe."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from projectx._native.bars import Bar
from projectx.exceptions import ValidationError

if TYPE_CHECKING:
    from projectx.indicators._base import IndicatorSpec
    from projectx.indicators.streaming import StreamingIndicator, Value

__all__ = ["LiveIndicator"]


class LiveIndicator:
    """Created by :meth:`RealtimeDataManager.indicator`; updated before NEW_BAR handlers run,
    so a handler of the closed bar reads the value that includes it (O(1) per bar)."""

    def __init__(self, timeframe: str, spec: IndicatorSpec, stream: StreamingIndicator) -> None:
        self.timeframe = timeframe
        self.spec = spec
        self.stream = stream
        self.updates = 0

    @classmethod
    def create(cls, timeframe: str, spec: Any, history: Any) -> LiveIndicator:
        """Build from an indicator spec (``RSI(period=14)``) warmed on ``history`` bars."""
        stream_of = getattr(spec, "stream", None)
        if stream_of is None or not getattr(spec, "streaming", False):
            raise ValidationError(
                f"{spec!r} has no streaming form; use it in batch on get_data() instead"
            )
        stream = stream_of()
        stream.warm(history)
        return cls(timeframe, spec, stream)

    def on_bar(self, bar: Bar) -> None:
        """Commit one closed bar."""
        self.stream.update(bar.open, bar.high, bar.low, bar.close, bar.volume, bar.ts_ns)
        self.updates += 1

    @property
    def value(self) -> Value:
        """The value including the last closed bar (NaN during warm-up)."""
        return self.stream.value

    @property
    def values(self) -> dict[str, float]:
        """The value by output column name."""
        return self.stream.values

    def forming_value(self, bar: Bar | None) -> Value:
        """What the value would be if the forming ``bar`` closed now (state unchanged)."""
        if bar is None:
            return self.stream.value
        return self.stream.update_forming(
            bar.open, bar.high, bar.low, bar.close, bar.volume, bar.ts_ns
        )

    def __repr__(self) -> str:
        return f"LiveIndicator({self.spec!r} on {self.timeframe}, value={self.value!r})"
