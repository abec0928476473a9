"""Streaming RSI, MACD, STOCH and ADX: bar-by-bar updates equal the batch functions (bit for bit)
over 100k random-walk bars, warm-up included (native states and the ``StreamingIndicator`` forms
built from specs); forming-bar previews; parameter errors."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest

from projectx._native.ind_momentum import ADXStream, MACDStream, RSIStream, StochStream
from projectx.exceptions import ValidationError
from projectx.indicators import momentum as m


def _snap(a: np.ndarray) -> np.ndarray:
    """Prices on a 0.25 tick."""
    return np.round(a * 4.0) / 4.0


N = 100_000


def make_bars(n: int, seed: int) -> pl.DataFrame:
    """Random-walk OHLC bars with positive prices snapped to a 0.25 tick."""
    rng = np.random.default_rng(seed)
    close = np.maximum(5000.0 + np.cumsum(rng.normal(0.0, 2.0, n)), 100.0)
    high = close + np.abs(rng.normal(0.0, 1.5, n))
    low = close - np.abs(rng.normal(0.0, 1.5, n))
    return pl.DataFrame({"high": _snap(high), "low": _snap(low), "close": _snap(close)})


@pytest.fixture(scope="module")
def bars() -> pl.DataFrame:
    return make_bars(N, seed=11)


def col(df: pl.DataFrame, name: str) -> np.ndarray:
    """A batch output column as float64 with NaN for the null warm-up."""
    return df.get_column(name).fill_null(float("nan")).to_numpy()


def assert_identical(stream: np.ndarray, batch: np.ndarray) -> None:
    """Same NaN rows and bit-identical values."""
    assert stream.shape == batch.shape
    assert np.array_equal(np.isnan(stream), np.isnan(batch))
    ok = ~np.isnan(batch)
    mismatch = np.flatnonzero(stream[ok] != batch[ok])
    assert mismatch.size == 0, f"{mismatch.size} values differ, first at {mismatch[:3]}"


@pytest.mark.parametrize("period", [14, 2, 30])
def test_rsi_stream_equals_batch(bars: pl.DataFrame, period: int) -> None:
    s = RSIStream(period)
    close = bars.get_column("close").to_numpy()
    got = np.fromiter((s.update(x) for x in close), float, close.shape[0])
    assert_identical(got, col(bars.pipe(m.RSI, period=period), "rsi"))
    assert s.value == got[-1]
    assert s.count == N


@pytest.mark.parametrize(("fast", "slow", "signal"), [(12, 26, 9), (26, 12, 9), (3, 5, 1)])
def test_macd_stream_equals_batch(bars: pl.DataFrame, fast: int, slow: int, signal: int) -> None:
    s = MACDStream(fast, slow, signal)
    close = bars.get_column("close").to_numpy()
    got = np.array([s.update(x) for x in close])
    batch = bars.pipe(m.MACD, fastperiod=fast, slowperiod=slow, signalperiod=signal)
    for i, name in enumerate(("macd", "macdsignal", "macdhist")):
        assert_identical(got[:, i], col(batch, name))
    assert s.value == tuple(got[-1])


def test_macdfix_constants_through_stream(bars: pl.DataFrame) -> None:
    """MACDFIX's fixed factors can be given to the stream."""
    s = MACDStream(12, 26, 9, m._K_FIX_FAST, m._K_FIX_SLOW)
    close = bars.get_column("close").to_numpy()[:20_000]
    got = np.array([s.update(x) for x in close])
    batch = bars.head(20_000).pipe(m.MACDFIX)
    for i, name in enumerate(("macd", "macdsignal", "macdhist")):
        assert_identical(got[:, i], col(batch, name))


@pytest.mark.parametrize(
    "params", [(5, 3, 0, 3, 0), (14, 3, 1, 5, 1), (1, 1, 0, 1, 0), (9, 4, 0, 2, 1)]
)
def test_stoch_stream_equals_batch(
    bars: pl.DataFrame, params: tuple[int, int, int, int, int]
) -> None:
    fk, sk, kt, sd, dt = params
    s = StochStream(fk, sk, kt, sd, dt)
    h, lo, c = (bars.get_column(n).to_numpy() for n in ("high", "low", "close"))
    got = np.array([s.update(a, b, x) for a, b, x in zip(h, lo, c, strict=True)])
    batch = bars.pipe(
        m.STOCH,
        fastk_period=fk,
        slowk_period=sk,
        slowk_matype=kt,
        slowd_period=sd,
        slowd_matype=dt,
    )
    assert_identical(got[:, 0], col(batch, "slowk"))
    assert_identical(got[:, 1], col(batch, "slowd"))


@pytest.mark.parametrize("period", [14, 2, 50])
def test_adx_stream_equals_batch(bars: pl.DataFrame, period: int) -> None:
    s = ADXStream(period)
    h, lo, c = (bars.get_column(n).to_numpy() for n in ("high", "low", "close"))
    got = np.array([s.update(a, b, x) for a, b, x in zip(h, lo, c, strict=True)])
    assert_identical(got, col(bars.pipe(m.ADX, period=period), "adx"))
    assert s.value == got[-1]


def test_adx_stream_through_flat_bars() -> None:
    """Bars with no range (true range 0) leave ADX unchanged in both forms."""
    df = make_bars(300, seed=3).with_columns(
        pl.when((pl.int_range(pl.len()) >= 100) & (pl.int_range(pl.len()) < 140))
        .then(pl.lit(4000.0))
        .otherwise(pl.col(c))
        .alias(c)
        for c in ("high", "low", "close")
    )
    s = ADXStream(14)
    h, lo, c = (df.get_column(n).to_numpy() for n in ("high", "low", "close"))
    got = np.array([s.update(a, b, x) for a, b, x in zip(h, lo, c, strict=True)])
    assert_identical(got, col(df.pipe(m.ADX), "adx"))


def test_warm_up_lengths() -> None:
    """First values appear after TA-Lib's lookback: RSI p, MACD slow+signal-2, STOCH
    fastk+slowk+slowd-3 (SMA), ADX 2p-1."""
    r, a = RSIStream(14), ADXStream(14)
    mac, st = MACDStream(12, 26, 9), StochStream(5, 3, 0, 3, 0)
    first: dict[str, int] = {}
    for i in range(60):
        x = 100.0 + math.sin(i) * 3
        vals = {
            "rsi": r.update(x),
            "adx": a.update(x + 1, x - 1, x),
            "macd": mac.update(x)[0],
            "stoch": st.update(x + 1, x - 1, x)[0],
        }
        for k, v in vals.items():
            if k not in first and not math.isnan(v):
                first[k] = i
    assert first == {"rsi": 14, "adx": 27, "macd": 33, "stoch": 8}


@pytest.mark.parametrize(
    "make",
    [
        lambda: RSIStream(1),
        lambda: ADXStream(1),
        lambda: MACDStream(0, 26, 9),
        lambda: StochStream(0, 3, 0, 3, 0),
        lambda: StochStream(5, 3, 2, 3, 0),
        lambda: StochStream(5, 0, 0, 3, 0),
    ],
)
def test_stream_rejects_bad_parameters(make) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError):
        make()


# ---------------------------------------------------------------------------------------------
# The StreamingIndicator forms (spec -> stream), as the RealtimeDataManager uses them

SPECS = [
    (m.RSI, {"period": 14}),
    (m.RSI, {"period": 5, "column": "high", "prefix": "h"}),
    (m.MACD, {}),
    (m.MACD, {"fastperiod": 5, "slowperiod": 35, "signalperiod": 5}),
    (m.STOCH, {}),
    (m.STOCH, {"fastk_period": 14, "slowk_matype": 1, "slowd_period": 4, "slowd_matype": 1}),
    (m.ADX, {}),
    (m.ADX, {"period": 7, "prefix": "fast"}),
]


def _ohlcv(df: pl.DataFrame) -> pl.DataFrame:
    return df.with_columns(open=pl.col("close"), volume=pl.lit(1.0))


@pytest.mark.parametrize(("fn", "params"), SPECS, ids=lambda v: getattr(v, "__name__", str(v)))
def test_spec_stream_warmed_equals_batch(bars: pl.DataFrame, fn, params) -> None:  # type: ignore[no-untyped-def]
    """``fn(**params).stream()`` warmed on 100k bars: every committed value equals the batch
    column, and ``values`` name the batch columns."""
    df = _ohlcv(bars)
    spec = fn(**params)
    assert spec.streaming
    stream = spec.stream()
    batch = spec(df)
    assert stream.outputs == spec.outputs
    update = stream.update
    got = [update(*bar) for bar in df.select("open", "high", "low", "close", "volume").rows()]
    arr = np.array(got, dtype=float).reshape(N, -1)
    for i, name in enumerate(spec.outputs):
        assert_identical(arr[:, i], col(batch, name))
    assert stream.count == N
    assert stream.ready
    assert stream.values == {name: float(col(batch, name)[-1]) for name in spec.outputs}


@pytest.mark.parametrize(("fn", "params"), SPECS[::2], ids=lambda v: getattr(v, "__name__", str(v)))
def test_update_forming_previews_without_committing(fn, params) -> None:  # type: ignore[no-untyped-def]
    """``update_forming`` returns what ``update`` will return for that bar, and leaves the state
    as it was (also during warm-up)."""
    df = _ohlcv(make_bars(200, seed=2))
    stream = fn(**params).stream()
    rows = df.select("open", "high", "low", "close", "volume").rows()
    for i, bar in enumerate(rows):
        if i % 3 == 0:  # a forming bar that never closes: must leave no trace
            stream.update_forming(bar[0], bar[1] + 5.0, bar[2] - 5.0, bar[3] + 1.0, bar[4])
        preview = stream.update_forming(*bar)
        before = stream.count
        committed = stream.update(*bar)
        assert stream.count == before + 1
        np.testing.assert_array_equal(np.array(preview, float), np.array(committed, float))
    full = fn(**params).stream().warm(df)
    np.testing.assert_array_equal(np.array(full.value, float), np.array(stream.value, float))


def test_stream_skips_leading_missing_bars_like_batch() -> None:
    """Bars before the first complete one are ignored, as the batch form skips leading nulls."""
    df = _ohlcv(make_bars(300, seed=4)).with_columns(
        pl.when(pl.int_range(pl.len()) < 9).then(None).otherwise(pl.col("close")).alias("close")
    )
    for fn in (m.RSI, m.MACD, m.STOCH, m.ADX):
        spec = fn()
        stream = spec.stream().warm(df)
        batch = spec(df)
        assert stream.count == 300 - 9
        np.testing.assert_array_equal(
            np.array(stream.value, float).ravel(),
            np.array([col(batch, c)[-1] for c in spec.outputs]),
        )


def test_stream_reset_and_from_frame() -> None:
    df = _ohlcv(make_bars(100, seed=5))
    s = m.StreamingRSI.from_frame(df, period=9)
    assert s.ready and s.count == 100
    s.reset()
    assert s.count == 0 and not s.ready and math.isnan(s.value)
    assert s.params == {"period": 9, "column": "close"}


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: m.RSI(period=1).stream(), r"RSI: period must be in \[2, 100000\]"),
        (lambda: m.StreamingRSI(column="vwap"), r"RSI: streaming column must be one of"),
        (lambda: m.MACD(signalperiod=0), r"MACD: signalperiod must be in"),
        (lambda: m.STOCH(slowk_matype=2).stream(), r"streaming form supports slowk_matype"),
        (lambda: m.ADX(period="14"), r"ADX: period must be an int"),  # type: ignore[call-overload]
        (lambda: m.CCI().stream(), r"CCI has no streaming form"),
    ],
)
def test_stream_bad_parameters_raise_validation_error(make, match: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError, match=match):
        make()
