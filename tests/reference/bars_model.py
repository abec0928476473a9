"""Obviously-correct reference for the native bar engine (pure Python, zoneinfo).

Each timeframe is a dict ``{bar open time (ns): [open, high, low, close, volume, trades]}`` in
insertion order; its last entry is the forming bar. A trade goes to the bar labelled
``label_of(tf, ts)``; a label newer than the forming bar's opens a new bar (closing the forming
one), an older label is a late trade and is added to the forming bar anyway.

Calendar labels are written independently of ``projectx.timeframes``: the CME session ends at
17:00 New York, so shifting New York wall time by +7 h turns each session into one calendar date
(the trading date); weekends roll forward to Monday; a bar opens at 18:00 New York on the day
before its first trading date.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

NY = ZoneInfo("America/New_York")
SECOND = 1_000_000_000
UNIT_NS = {"sec": SECOND, "min": 60 * SECOND, "hr": 3600 * SECOND}


def _split(tf: str) -> tuple[int, str]:
    match = re.fullmatch(r"(\d+)(sec|min|hr|day|week|month)", tf)
    assert match, tf
    return int(match.group(1)), match.group(2)


def _trading_date(ts_ns: int) -> date:
    wall = datetime.fromtimestamp(ts_ns // SECOND, tz=NY).replace(tzinfo=None)
    day = (wall + timedelta(hours=7)).date()
    while day.weekday() >= 5:  # Saturday, Sunday -> Monday
        day += timedelta(days=1)
    return day


def _open_of(first_trading_date: date) -> int:
    opening = datetime.combine(first_trading_date - timedelta(days=1), time(18), tzinfo=NY)
    return int(opening.timestamp()) * SECOND


def label_of(tf: str, ts_ns: int) -> int:
    """Open time (ns UTC) of the ``tf`` bar a trade at ``ts_ns`` belongs to."""
    number, unit = _split(tf)
    if unit in UNIT_NS:
        length = number * UNIT_NS[unit]
        return ts_ns - ts_ns % length  # Python's % floors, also for negative ts
    day = _trading_date(ts_ns)
    if unit == "week":
        day -= timedelta(days=day.weekday())
    elif unit == "month":
        day = day.replace(day=1)
        while day.weekday() >= 5:
            day += timedelta(days=1)
    return _open_of(day)


Bar = tuple[int, float, float, float, float, int, int]


class BarsModel:
    """Streaming reference: ``update`` returns the set of timeframes that closed a bar."""

    def __init__(self, timeframes: list[str]) -> None:
        self.timeframes = list(timeframes)
        self.bars: dict[str, dict[int, list[float]]] = {tf: {} for tf in timeframes}
        self.late: dict[str, int] = dict.fromkeys(timeframes, 0)
        self.late_trades = 0
        self.trades = 0

    def update(self, ts_ns: int, price: float, volume: int) -> set[str]:
        closed: set[str] = set()
        late_any = False
        for tf in self.timeframes:
            bars = self.bars[tf]
            label = label_of(tf, ts_ns)
            current = next(reversed(bars)) if bars else None
            if current is None or label > current:
                if current is not None:
                    closed.add(tf)
                bars[label] = [price, price, price, price, volume, 1]
                continue
            if label < current:
                self.late[tf] += 1
                late_any = True
            bar = bars[current]
            bar[1] = max(bar[1], price)
            bar[2] = min(bar[2], price)
            bar[3] = price
            bar[4] += volume
            bar[5] += 1
        self.trades += 1
        self.late_trades += late_any
        return closed

    def load(self, tf: str, bars: list[Bar]) -> None:
        """History: bars (already labelled by open time) replace the timeframe's bars."""
        self.bars[tf] = {b[0]: list(b[1:]) for b in bars}

    def forming(self, tf: str) -> Bar | None:
        bars = self.bars[tf]
        if not bars:
            return None
        label = next(reversed(bars))
        return _as_bar(label, bars[label])

    def closed(self, tf: str) -> list[Bar]:
        """Every closed bar of ``tf``, oldest first."""
        items = list(self.bars[tf].items())[:-1]
        return [_as_bar(label, values) for label, values in items]


def _as_bar(label: int, values: list[float]) -> Bar:
    o, h, low, c, v, n = values
    return (label, o, h, low, c, int(v), int(n))
