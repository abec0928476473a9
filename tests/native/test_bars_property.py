"""BarEngine agrees with the pure-Python reference model on random trade streams.

Streams start near US DST changes, week ends, month/year ends and the daily maintenance gap,
mix tiny and multi-day steps, and include late (backwards) trades. Every timeframe of the design
runs at once, with a small ring capacity so wrap-around is exercised too.
"""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from projectx._native.bars import BarEngine
from tests.reference.bars_model import BarsModel, label_of

S = 1_000_000_000
TIMEFRAMES = [
    "1sec", "5sec", "10sec", "15sec", "30sec", "1min", "2min", "3min", "5min", "10min",
    "15min", "30min", "1hr", "2hr", "4hr", "1day", "1week", "1month", "7sec", "90min",
]  # fmt: skip
CAPACITY = 6


def utc_ns(*args: int) -> int:
    return int(datetime(*args, tzinfo=UTC).timestamp()) * S


ANCHORS = [
    utc_ns(2025, 3, 9, 6, 30),  # US spring-forward night (2:00 EST -> 3:00 EDT at 07:00 UTC)
    utc_ns(2025, 3, 7, 21, 50),  # Friday close before the spring change
    utc_ns(2025, 11, 2, 5, 30),  # US fall-back night (2:00 EDT -> 1:00 EST at 06:00 UTC)
    utc_ns(2025, 10, 31, 20, 40),  # Friday close before the fall change (and a month end)
    utc_ns(2025, 5, 30, 20, 55),  # month end on a Friday, weekend months roll to Monday
    utc_ns(2025, 12, 31, 21, 30),  # year end, maintenance gap
    utc_ns(2024, 2, 29, 21, 59),  # leap day close
    utc_ns(2025, 6, 8, 21, 58),  # Sunday open
]
STEP_SCALES = [1, 1_000_000, S, 60 * S, 3600 * S, 86_400 * S]

TRADE = st.tuples(
    st.sampled_from(range(len(STEP_SCALES))),
    st.integers(0, 40),
    st.booleans(),  # True: step backwards (a late trade when it crosses a bar start)
    st.integers(1, 4000),  # price in quarter ticks
    st.integers(0, 50),
)
STREAM = st.tuples(
    st.sampled_from(ANCHORS),
    st.integers(-3 * 3600 * S, 3 * 3600 * S),
    st.lists(TRADE, min_size=8, max_size=80),
)


def materialise(
    stream: tuple[int, int, list[tuple[int, int, bool, int, int]]],
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    anchor, offset, trades = stream
    ts, prices, volumes = [], [], []
    now = anchor + offset
    for scale, mult, back, ticks, volume in trades:
        step = STEP_SCALES[scale] * mult
        # backwards steps are kept small so most of the stream still moves forward
        now += -min(step, 90 * S) if back else step
        ts.append(now)
        prices.append(ticks * 0.25)
        volumes.append(volume)
    return (
        np.array(ts, dtype=np.int64),
        np.array(prices, dtype=np.float64),
        np.array(volumes, dtype=np.int64),
    )


def engine_rows(engine: BarEngine, tf: str) -> list[tuple]:
    got = engine.closed(tf)
    return list(zip(*(got[name].tolist() for name in engine.ring(tf).names), strict=True))


def assert_same_state(engine: BarEngine, model: BarsModel) -> None:
    stats = engine.stats()
    assert stats["trades"] == model.trades
    assert stats["late_trades"] == model.late_trades
    for tf in engine.timeframes:
        assert engine.forming(tf) == model.forming(tf), tf
        closed = model.closed(tf)
        assert engine_rows(engine, tf) == closed[-CAPACITY:], tf
        assert stats["timeframes"][tf]["late_trades"] == model.late[tf], tf
        assert stats["timeframes"][tf]["closed_bars"] == len(closed), tf
        last = engine.last_closed(tf)
        assert last == (tuple(closed[-1]) if closed else None)


COMMON = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@COMMON
@given(stream=STREAM)
def test_per_trade_updates_match_the_model(stream) -> None:
    ts, prices, volumes = materialise(stream)
    engine = BarEngine(TIMEFRAMES, capacity=CAPACITY)
    model = BarsModel(TIMEFRAMES)
    for t, p, v in zip(ts.tolist(), prices.tolist(), volumes.tolist(), strict=True):
        mask = engine.update(t, p, v)
        assert set(engine.mask_timeframes(mask)) == model.update(t, p, v)
    assert_same_state(engine, model)


@COMMON
@given(stream=STREAM, split=st.integers(0, 60))
def test_batch_equals_per_trade(stream, split: int) -> None:
    ts, prices, volumes = materialise(stream)
    single = BarEngine(TIMEFRAMES, capacity=CAPACITY)
    masks = [single.update(t, p, v) for t, p, v in zip(ts, prices, volumes, strict=True)]
    batch = BarEngine(TIMEFRAMES, capacity=CAPACITY)
    split = min(split, len(ts))
    first = batch.update_batch(ts[:split], prices[:split], volumes[:split])
    second = batch.update_batch(ts[split:], prices[split:], volumes[split:])
    for i, tf in enumerate(TIMEFRAMES):
        assert first[tf] + second[tf] == sum(m >> i & 1 for m in masks), tf
        assert batch.forming(tf) == single.forming(tf)
        assert engine_rows(batch, tf) == engine_rows(single, tf)
    assert batch.stats() == single.stats()


@COMMON
@given(stream=STREAM, n=st.integers(0, CAPACITY + 2))
def test_get_data_equals_the_models_last_bars(stream, n: int) -> None:
    ts, prices, volumes = materialise(stream)
    engine = BarEngine(TIMEFRAMES, capacity=CAPACITY)
    model = BarsModel(TIMEFRAMES)
    engine.update_batch(ts, prices, volumes)
    for t, p, v in zip(ts.tolist(), prices.tolist(), volumes.tolist(), strict=True):
        model.update(t, p, v)
    for tf in TIMEFRAMES:
        df = engine.get_data(tf, bars=n)
        expected = model.closed(tf)[-min(n, CAPACITY) :] if n else []
        got = [(r[0], *r[1:]) for r in df.with_columns(df["ts"].dt.epoch("ns")).rows()]
        assert got == [tuple(b) for b in expected], tf


def previous_label(tf: str, label: int) -> int:
    """Label of the period before the one labelled ``label`` (model only, hour steps)."""
    t = label - 1
    while label_of(tf, t) == label:
        t -= 3600 * S
    return label_of(tf, t)


HISTORY = st.lists(
    st.tuples(st.integers(1, 3), st.integers(1, 400), st.integers(0, 99)), min_size=1, max_size=8
)


@COMMON
@given(history=HISTORY, stream=STREAM, tf=st.sampled_from(TIMEFRAMES))
def test_history_then_live_trades_match_the_model(history, stream, tf: str) -> None:
    ts, prices, volumes = materialise(stream)
    # History bars end at the stream's first period: labels stepping back from it.
    labels = [label_of(tf, int(ts[0]))]
    for gap, _, _ in reversed(history[1:]):
        label = labels[0]
        for _ in range(gap):
            label = previous_label(tf, label)
        labels.insert(0, label)
    bars = [
        (label, q * 0.25, q * 0.25 + 1, q * 0.25 - 1, q * 0.25 + 0.5, v, 0)
        for label, (_, q, v) in zip(labels, history, strict=True)
    ]
    engine = BarEngine([tf], capacity=CAPACITY)
    model = BarsModel([tf])
    engine.load_bars(tf, *(np.array(c) for c in zip(*bars, strict=True)))
    model.load(tf, bars)
    for t, p, v in zip(ts.tolist(), prices.tolist(), volumes.tolist(), strict=True):
        assert set(engine.mask_timeframes(engine.update(t, p, v))) == model.update(t, p, v)
    assert engine.forming(tf) == model.forming(tf)
    assert engine_rows(engine, tf) == model.closed(tf)[-CAPACITY:]


@pytest.mark.parametrize(
    "start",
    [
        utc_ns(2025, 3, 5),  # spring change 2025-03-09
        utc_ns(2025, 10, 29),  # fall change 2025-11-02 (and the October month end)
        utc_ns(2024, 3, 6),  # spring change 2024-03-10
        utc_ns(2024, 12, 27),  # year end
    ],
)
def test_walk_through_dst_and_month_end_weeks_matches_the_model(start: int) -> None:
    """Every 7 minutes for 12 days: each session, week and month boundary is crossed."""
    ts = np.arange(start, start + 12 * 86_400 * S, 7 * 60 * S, dtype=np.int64)
    prices = (np.arange(len(ts)) % 97) * 0.25 + 100.0
    volumes = np.arange(len(ts), dtype=np.int64) % 5
    calendar = ["1day", "1week", "1month", "4hr", "1hr"]
    engine = BarEngine(calendar, capacity=1000)
    model = BarsModel(calendar)
    engine.update_batch(ts, prices, volumes)
    for t, p, v in zip(ts.tolist(), prices.tolist(), volumes.tolist(), strict=True):
        model.update(t, p, v)
    for tf in calendar:
        assert engine_rows(engine, tf) == model.closed(tf), tf
        assert engine.forming(tf) == model.forming(tf), tf
    assert len(model.closed("1day")) >= 8


@settings(max_examples=8, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_long_batches_cross_chunk_boundaries_like_per_trade_updates(seed: int) -> None:
    """20k trades (several internal 4096-trade chunks), ~3% of them late, all timeframes."""
    rng = np.random.default_rng(seed)
    n = 20_000
    steps = rng.integers(0, 400 * 1_000_000, n)  # 0-400 ms forward
    steps[rng.random(n) < 0.03] = -2 * S  # late trades
    ts = ANCHORS[seed % len(ANCHORS)] + np.cumsum(steps)
    prices = 100.0 + np.cumsum(rng.integers(-2, 3, n)) * 0.25
    volumes = rng.integers(0, 20, n)
    single = BarEngine(TIMEFRAMES, capacity=64)
    for t, p, v in zip(ts.tolist(), prices.tolist(), volumes.tolist(), strict=True):
        single.update(t, p, v)
    batch = BarEngine(TIMEFRAMES, capacity=64)
    batch.update_batch(ts, prices, volumes)
    assert batch.stats() == single.stats()
    assert batch.late_trades > 0
    for tf in TIMEFRAMES:
        assert batch.forming(tf) == single.forming(tf)
        assert engine_rows(batch, tf) == engine_rows(single, tf)
