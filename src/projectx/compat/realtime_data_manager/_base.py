"""What every part of the compat ``RealtimeDataManager`` shares: the core manager it adapts,
the time zone of returned timestamps and the conversion of core bar frames to
project-x-py's columns."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import polars as pl

from projectx.compat.exceptions import ProjectXDataError, ProjectXError
from projectx.compat.order_manager._tracker import StatisticsMixin
from projectx.data import RealtimeDataManager as CoreDataManager
from projectx.exceptions import ValidationError
from projectx.timeframes import parse_timeframe

if TYPE_CHECKING:
    from projectx.compat.client import ProjectX
    from projectx.compat.event_bus import EventBus

__all__ = ["DataManagerBase", "to_pxpy_frame"]

#: project-x-py's columns, in its order
COLUMNS = ("timestamp", "open", "high", "low", "close", "volume")


def to_pxpy_frame(frame: pl.DataFrame, zone: str) -> pl.DataFrame:
    """A core bar frame (``ts`` in UTC, ``trades``) as project-x-py's: ``timestamp`` in
    ``zone``, open, high, low, close, volume; the values are unchanged."""
    return frame.rename({"ts": "timestamp"}).select(
        pl.col("timestamp").dt.convert_time_zone(zone), *COLUMNS[1:]
    )


class DataManagerBase(StatisticsMixin):
    """The state the data manager's parts (project-x-py's mixins) share."""

    _core: CoreDataManager | None
    instrument: str
    project_x: ProjectX | None
    event_bus: EventBus | None
    timezone: ZoneInfo
    session_config: Any
    is_running: bool

    @property
    def core(self) -> CoreDataManager:
        """The core :class:`projectx.data.RealtimeDataManager` this one adapts."""
        if self._core is None:
            raise ProjectXError(
                "the data manager has no live data: use it through TradingSuite.create(...)"
            )
        return self._core

    @property
    def timeframes(self) -> dict[str, dict[str, Any]]:
        """The tracked timeframes as project-x-py lists them (name -> interval and unit)."""
        if self._core is None:
            return {}
        return {
            tf.name: {"interval": tf.length_ns, "unit": int(tf.kind), "name": tf.name}
            for tf in self._core.timeframes
        }

    @property
    def contract_id(self) -> str | None:
        """The contract whose bars these are (None before initialization)."""
        return None if self._core is None else self._core.contract_id

    def _zone(self) -> str:
        return self.timezone.key

    def _tracked(self, timeframe: object) -> str | None:
        """The core name of ``timeframe`` when it is tracked, None when it is not; a value
        that is no timeframe at all raises :class:`ProjectXDataError`."""
        if not isinstance(timeframe, str) or not timeframe:
            raise ProjectXDataError(f"timeframe must be a str such as '5min', got {timeframe!r}")
        try:
            name = parse_timeframe(timeframe).name
        except ValidationError as exc:
            raise ProjectXDataError(str(exc)) from exc
        if self._core is None or name not in {tf.name for tf in self._core.timeframes}:
            return None
        return name

    @staticmethod
    def _count(value: object, name: str, *, minimum: int = 1) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise ProjectXDataError(f"{name} must be an int >= {minimum}, got {value!r}")
        return value

    def _frame(self, timeframe: str, bars: int | None = None) -> pl.DataFrame:
        """Bars of a tracked timeframe with the forming bar last (project-x-py's frames
        include the bar being built), in project-x-py's columns."""
        with self._guard("get_data", ProjectXDataError):
            frame = self.core.get_data(timeframe, bars, include_forming=True)
        return to_pxpy_frame(frame, self._zone())
