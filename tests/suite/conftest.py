"""Fixtures: an in-process simulator and a config pointing a suite at it."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from projectx.config import ProjectXConfig
from projectx.sim import Simulator
from projectx.sim.ratelimit import RateLimitConfig

NS = 1_000_000_000
NEW_YORK = ZoneInfo("America/New_York")


def config_for(sim: Simulator) -> ProjectXConfig:
    """A config for a suite against ``sim``."""
    return ProjectXConfig.for_simulator(sim)


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    async with Simulator(
        symbols=["MNQ"], seed=7, rate=100.0, rate_limits=RateLimitConfig(enabled=False)
    ) as s:
        yield s


async def eventually(predicate: Callable[[], bool], timeout_s: float = 15.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached")
        await asyncio.sleep(0.01)


def _trading_day_label_ns(ts_ns: int) -> int:
    """Reference CME day bar label: 18:00 New York of the day before the trading date."""
    local = datetime.fromtimestamp(ts_ns / NS, NEW_YORK)
    day: date = local.date() + timedelta(days=1) if local.hour >= 17 else local.date()
    while day.weekday() >= 5:
        day += timedelta(days=1)
    label = datetime.combine(day - timedelta(days=1), datetime.min.time(), NEW_YORK)
    return int(label.replace(hour=18).timestamp()) * NS


def stored_bars(
    closed: dict[str, Any], lo: int = 0, hi: int = 2**63 - 1
) -> dict[int, tuple[float, float, float, float, int]]:
    """Closed bars from ``engine.closed(tf)`` opened in ``[lo, hi]``, as label -> OHLCV."""
    return {
        int(closed["ts"][i]): (
            float(closed["open"][i]),
            float(closed["high"][i]),
            float(closed["low"][i]),
            float(closed["close"][i]),
            int(closed["volume"][i]),
        )
        for i in range(len(closed["ts"]))
        if lo <= int(closed["ts"][i]) <= hi
    }


def reference_bars(
    ts: np.ndarray, price: np.ndarray, volume: np.ndarray, timeframe: str
) -> dict[int, tuple[float, float, float, float, int]]:
    """Bars rebuilt from raw trades, independently of the SDK (dicts, one trade at a time)."""
    lengths = {
        "1sec": 1,
        "5sec": 5,
        "1min": 60,
        "5min": 300,
        "15min": 900,
        "1hr": 3600,
        "4hr": 14400,
    }
    bars: dict[int, list[float]] = {}
    for t, p, v in zip(ts.tolist(), price.tolist(), volume.tolist(), strict=True):
        if timeframe == "1day":
            key = _trading_day_label_ns(t)
        else:
            length = lengths[timeframe] * NS
            key = t - t % length
        bar = bars.get(key)
        if bar is None:
            bars[key] = [p, p, p, p, v]
        else:
            bar[1] = max(bar[1], p)
            bar[2] = min(bar[2], p)
            bar[3] = p
            bar[4] += v
    return {k: (b[0], b[1], b[2], b[3], int(b[4])) for k, b in bars.items()}
