"""Streaming indicators: fed bar by bar they equal the batch form (100k bars), the forming-bar
value equals what committing that bar would give, and the spec form builds them."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import polars as pl
import pytest

from projectx.exceptions import ValidationError
from projectx.indicators import ATR, BBANDS, EMA, OBV, SMA, VWAP, WMA, IndicatorSpec, streaming
from projectx.indicators.streaming import STREAMS, StreamingIndicator, bar_arrays
from tests.indicators.data import as_array, make_bars

MINE = ["SMA", "EMA", "BBANDS", "ATR", "OBV", "VWAP"]

CASES: list[tuple[Any, dict[str, Any]]] = [
    (SMA, {}),
    (SMA, {"period": 1}),
    (SMA, {"period": 7, "column": "high"}),
    (EMA, {}),
    (EMA, {"period": 2, "column": "low"}),
    (BBANDS, {}),
    (BBANDS, {"period": 7, "nbdevup": 1.5, "nbdevdn": 2.5}),
    (BBANDS, {"period": 2}),
    (ATR, {}),
    (ATR, {"period": 1}),
    (OBV, {}),
    (VWAP, {}),
    (VWAP, {"anchor": None}),
]


@pytest.fixture(scope="module")
def big() -> pl.DataFrame:
    # 100k 1-minute bars: ~70 CME sessions, so VWAP restarts many times
    return make_bars(100_000, seed=21)


def _feed(stream: StreamingIndicator, df: pl.DataFrame) -> np.ndarray:
    a = bar_arrays(df)
    cols = [a[c].tolist() for c in ("open", "high", "low", "close", "volume", "ts_ns")]
    rows = []
    for o, h, lo, c, v, t in zip(*cols, strict=True):
        r = stream.update(o, h, lo, c, v, t)
        rows.append(r if isinstance(r, tuple) else (r,))
    return np.array(rows, dtype=np.float64)


@pytest.mark.parametrize(("func", "kw"), CASES, ids=[f"{f.__name__}{k}" for f, k in CASES])
def test_stream_equals_batch_over_100k_bars(
    big: pl.DataFrame, func: Any, kw: dict[str, Any]
) -> None:
    spec = func(**kw)
    assert isinstance(spec, IndicatorSpec)
    batch = spec(big)
    got = _feed(spec.stream(), big)
    for j, col in enumerate(spec.outputs):
        ref = as_array(batch, col)
        assert (np.isnan(got[:, j]) == np.isnan(ref)).all(), col
        np.testing.assert_allclose(got[:, j], ref, rtol=1e-12, atol=1e-9, equal_nan=True)


@pytest.mark.parametrize(("func", "kw"), CASES, ids=[f"{f.__name__}{k}" for f, k in CASES])
def test_forming_bar_changes_nothing_and_predicts_update(func: Any, kw: dict[str, Any]) -> None:
    df = make_bars(400, seed=5, start="2024-03-04 20:00")  # crosses the 17:00 NY close
    a = bar_arrays(df)
    s = func(**kw).stream()
    twin = func(**kw).stream()
    rng = np.random.default_rng(0)
    for i in range(df.height):
        bar = tuple(float(a[c][i]) for c in ("open", "high", "low", "close", "volume"))
        t = int(a["ts_ns"][i])
        # a few intermediate forming states, then the final one
        for _ in range(2):
            jitter = rng.normal(0, 1.0)
            s.update_forming(bar[0], bar[1] + abs(jitter), bar[2], bar[3] + jitter, bar[4] / 2, t)
        forming = s.update_forming(*bar, t)
        committed = s.update(*bar, t)
        reference = twin.update(*bar, t)
        assert _same(forming, committed)
        assert _same(committed, reference)
    assert s.count == twin.count == df.height


def _same(x: Any, y: Any) -> bool:
    xs = x if isinstance(x, tuple) else (x,)
    ys = y if isinstance(y, tuple) else (y,)
    return all(
        (math.isnan(p) and math.isnan(q)) or p == pytest.approx(q, rel=1e-12)
        for p, q in zip(xs, ys, strict=True)
    )


def test_from_frame_then_continue(big: pl.DataFrame) -> None:
    head, tail = big.head(5000), big.slice(5000, 300)
    s = streaming.STREAMS["BBANDS"].from_frame(head, period=20)
    assert s.count == 5000 and s.ready
    ref = BBANDS(big.head(5300), period=20)
    a = bar_arrays(tail)
    for i in range(tail.height):
        o, h, lo, c, v = (float(a[f][i]) for f in ("open", "high", "low", "close", "volume"))
        s.update(o, h, lo, c, v, int(a["ts_ns"][i]))
    assert s.values["middleband"] == pytest.approx(as_array(ref, "middleband")[-1], rel=1e-12)
    assert s.values["upperband"] == pytest.approx(as_array(ref, "upperband")[-1], rel=1e-9)


def test_value_values_ready_reset() -> None:
    s = SMA(period=3, prefix="fast").stream()
    assert s.outputs == ("fast_sma",)
    assert not s.ready and np.isnan(s.value)
    for c in (1.0, 2.0, 6.0):
        s.update(0.0, 0.0, 0.0, c, 0.0, 0)
    assert s.ready and s.value == 3.0 and s.values == {"fast_sma": 3.0}
    assert s.update_forming(0.0, 0.0, 0.0, 10.0, 0.0, 0) == 6.0
    assert s.value == 3.0
    s.reset()
    assert s.count == 0 and np.isnan(s.value)
    assert s.params == {"period": 3, "column": "close", "prefix": "fast"}


def test_leading_nan_bars_are_skipped_like_batch() -> None:
    s = EMA(period=3).stream()
    nan = math.nan
    assert np.isnan(s.update(nan, nan, nan, nan, nan, 0))
    assert s.count == 0
    for c in (1.0, 2.0, 3.0):
        v = s.update(c, c, c, c, 1.0, 0)
    assert v == 2.0


def test_streaming_registry_and_errors() -> None:
    assert set(MINE) <= set(STREAMS)
    with pytest.raises(ValidationError, match="no streaming form"):
        WMA(period=3).stream()
    with pytest.raises(ValidationError, match="matype"):
        BBANDS(matype=1).stream()
    with pytest.raises(ValidationError, match="column"):
        SMA(column="vwap").stream()
    with pytest.raises(ValidationError, match="period"):
        SMA(period=0)


def test_vwap_anchor_stream(big: pl.DataFrame) -> None:
    from datetime import UTC, datetime

    anchor = datetime(2024, 3, 5, 3, 0, tzinfo=UTC)
    spec = VWAP(anchor=anchor)
    df = big.head(3000)
    got = _feed(spec.stream(), df)[:, 0]
    np.testing.assert_allclose(got, as_array(spec(df), "vwap"), rtol=1e-12, equal_nan=True)
    assert np.isnan(got[0]) and not np.isnan(got[-1])


def test_obv_first_bar_is_its_volume() -> None:
    s = OBV().stream()
    assert s.update(1.0, 1.0, 1.0, 10.0, 7.0, 0) == 7.0
    assert s.update(1.0, 1.0, 1.0, 9.0, 2.0, 0) == 5.0
    assert s.update(1.0, 1.0, 1.0, 9.0, 4.0, 0) == 5.0
    assert s.update_forming(1.0, 1.0, 1.0, 9.5, 4.0, 0) == 9.0
