"""project-x-py's ``DataAccessMixin``: bars as polars frames in its columns, the current
price and summaries, each from the core manager's native bars.

Frames include the bar being built as their last row, as project-x-py's do; ``timestamp`` is
the bar's open time in the manager's time zone (default America/Chicago).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import polars as pl

from projectx.compat.exceptions import ProjectXDataError
from projectx.compat.realtime_data_manager._base import DataManagerBase, to_pxpy_frame
from projectx.compat.sessions import SessionConfig, SessionType

__all__ = ["DataAccessMixin"]


def _session_name(session_type: Any) -> str:
    name = session_type.value if isinstance(session_type, SessionType) else session_type
    if name not in ("RTH", "ETH"):
        raise ProjectXDataError(
            f"session_type must be SessionType.RTH or ETH, got {session_type!r}"
        )
    return str(name)


class DataAccessMixin(DataManagerBase):
    """Reads of the live bars."""

    async def get_data(
        self,
        timeframe: str = "5min",
        bars: int | None = None,
        *,
        timeout: float | None = None,  # noqa: ASYNC109
    ) -> pl.DataFrame | None:
        """The latest ``bars`` bars of ``timeframe`` (all when None), oldest first, the
        forming bar last; None when ``timeframe`` is not tracked. ``timeout`` is accepted for
        project-x-py's signature (reads never wait for a lock here)."""
        if bars is not None:
            self._count(bars, "bars")
        name = self._tracked(timeframe)
        if name is None:
            return None
        return self._frame(name, bars)

    async def get_current_price(self) -> float | None:
        """The last trade price (None before any bar)."""
        with self._guard("get_current_price", ProjectXDataError):
            return self.core.get_current_price()

    async def get_latest_price(self) -> float | None:
        """The last trade price (see :meth:`get_current_price`)."""
        return await self.get_current_price()

    async def get_mtf_data(self) -> dict[str, pl.DataFrame]:
        """Every tracked timeframe's bars (see :meth:`get_data`)."""
        return {tf.name: self._frame(tf.name) for tf in self.core.timeframes}

    async def get_latest_bars(self, count: int = 1, timeframe: str = "5min") -> pl.DataFrame | None:
        """The latest ``count`` bars (the forming one last)."""
        return await self.get_data(timeframe, self._count(count, "count"))

    async def get_ohlc(self, timeframe: str = "5min") -> dict[str, float] | None:
        """The latest bar's open, high, low, close and volume (None without bars)."""
        frame = await self.get_data(timeframe, 1)
        if frame is None or frame.height == 0:
            return None
        row = frame.row(0, named=True)
        return {k: float(row[k]) for k in ("open", "high", "low", "close", "volume")}

    async def get_price_range(
        self, bars: int = 20, timeframe: str = "5min"
    ) -> dict[str, float] | None:
        """``high``, ``low``, ``range`` and ``avg_range`` over the latest ``bars`` bars;
        None when fewer are held."""
        name = self._tracked(timeframe)
        self._count(bars, "bars")
        if name is None:
            return None
        with self._guard("get_price_range", ProjectXDataError):
            stats = self.core.get_range_stats(bars, name, include_forming=True)
        if stats is None or stats["bars"] < bars:
            return None
        return {k: stats[k] for k in ("high", "low", "range", "avg_range")}

    async def get_volume_stats(
        self, bars: int = 20, timeframe: str = "5min"
    ) -> dict[str, float] | None:
        """``total``, ``average``, ``current`` (the latest bar) and ``relative`` volume over
        the latest ``bars`` bars (None without bars)."""
        name = self._tracked(timeframe)
        self._count(bars, "bars")
        if name is None:
            return None
        with self._guard("get_volume_stats", ProjectXDataError):
            stats = self.core.get_volume_summary(bars, name, include_forming=True)
        if stats is None:
            return None
        return {k: stats[k] for k in ("total", "average", "current", "relative")}

    async def is_data_ready(self, min_bars: int = 20, timeframe: str | None = None) -> bool:
        """Whether ``timeframe`` (every tracked one when None) holds ``min_bars`` bars."""
        self._count(min_bars, "min_bars", minimum=0)
        if timeframe is not None:
            name = self._tracked(timeframe)
            if name is None:
                return False
        else:
            name = None
        if self._core is None:
            return False
        with self._guard("is_data_ready", ProjectXDataError):
            return self._core.is_data_ready(min_bars, name, include_forming=True)

    async def get_bars_since(
        self, timestamp: datetime, timeframe: str = "5min"
    ) -> pl.DataFrame | None:
        """Bars opened at or after ``timestamp`` (a naive one is read in the manager's time
        zone, as in project-x-py); None when there are no bars."""
        if not isinstance(timestamp, datetime):
            raise ProjectXDataError(f"timestamp must be a datetime, got {timestamp!r}")
        name = self._tracked(timeframe)
        if name is None:
            return None
        moment = (
            timestamp if timestamp.tzinfo is not None else timestamp.replace(tzinfo=self.timezone)
        )
        with self._guard("get_bars_since", ProjectXDataError):
            if self.core.get_bar_count(name) == 0 and self.core.get_forming_bar(name) is None:
                return None
            frame = self.core.get_bars_since(moment, name, include_forming=True)
        return to_pxpy_frame(frame, self._zone())

    async def get_data_or_none(
        self, timeframe: str = "5min", min_bars: int = 20
    ) -> pl.DataFrame | None:
        """:meth:`get_data` when it holds at least ``min_bars`` bars, else None."""
        frame = await self.get_data(timeframe)
        if frame is None or frame.height < self._count(min_bars, "min_bars", minimum=0):
            return None
        return frame

    async def get_session_data(
        self,
        timeframe: str,
        session_type: Any = None,
        *,
        timeout: float | None = None,  # noqa: ASYNC109
    ) -> pl.DataFrame | None:
        """Closed bars opened inside ``session_type`` (``SessionType.RTH`` or ``ETH``;
        default the manager's session config, else ETH) by the core's exchange calendar."""
        if session_type is None:
            config = self.session_config
            session_type = getattr(config, "session_type", None) or SessionType.ETH
        session = _session_name(session_type)
        name = self._tracked(timeframe)
        if name is None:
            return None
        with self._guard("get_session_data", ProjectXDataError):
            frame = self.core.get_session_data(name, session)  # type: ignore[arg-type]
        return to_pxpy_frame(frame, self._zone())

    async def set_session_type(self, session_type: Any) -> None:
        """The default session of :meth:`get_session_data`."""
        _session_name(session_type)
        self.session_config = SessionConfig(session_type=SessionType(str(session_type)))

    async def set_session_config(self, session_config: Any) -> None:
        """The session configuration (its ``session_type`` is the default session)."""
        self.session_config = session_config
