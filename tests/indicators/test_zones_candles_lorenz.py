"""The core's FVG_ZONES, ORDER_BLOCK_ZONES, zone_mitigated, candle scores, LORENZ and
rolling_vwap against plain-Python loops written from their documented definitions."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest

import projectx.indicators as ind
from projectx.exceptions import ValidationError
from projectx.indicators.rolling import rolling_vwap
from tests.indicators.data import make_bars


@pytest.fixture(scope="module")
def bars() -> pl.DataFrame:
    df = make_bars(400, seed=11)
    # some exact dojis and jumps so every pattern occurs
    o = df["open"].to_numpy().copy()
    c = df["close"].to_numpy().copy()
    o[::17] = c[::17]
    return df.with_columns(pl.Series("open", o))


def _cols(df: pl.DataFrame) -> tuple[list[float], ...]:
    return tuple(df[c].cast(pl.Float64).to_list() for c in ("open", "high", "low", "close"))


def test_fvg_zones_matches_a_loop(bars: pl.DataFrame) -> None:
    _, h, lo, _ = _cols(bars)
    got = ind.FVG_ZONES(bars, min_gap=0.5, min_gap_percent=0.005)
    for i in range(len(h)):
        bull = bear = False
        top = bottom = None
        if i >= 2:
            if lo[i] - h[i - 2] > 0:
                gap, start, top, bottom = lo[i] - h[i - 2], h[i - 2], lo[i], h[i - 2]
                bull = gap >= 0.5 and 100 * gap / start >= 0.005
            elif lo[i - 2] - h[i] > 0:
                gap, start, top, bottom = lo[i - 2] - h[i], lo[i - 2], lo[i - 2], h[i]
                bear = gap >= 0.5 and 100 * gap / start >= 0.005
        row = got.row(i, named=True)
        if i < 2:
            assert row["fvg_bull"] is None and row["fvg_bear"] is None
            continue
        assert (row["fvg_bull"], row["fvg_bear"]) == (bull, bear), i
        if bull or bear:
            assert (row["fvg_top"], row["fvg_bottom"]) == (top, bottom)
            assert row["fvg_size"] == pytest.approx(top - bottom)  # type: ignore[operator]
        else:
            assert row["fvg_top"] is None and row["fvg_size"] is None
    assert got["fvg_bull"].sum() > 0 and got["fvg_bear"].sum() > 0


@pytest.mark.parametrize(("lookback", "wicks", "floor"), [(1, True, 0.0), (3, False, 40.0)])
def test_order_block_zones_matches_a_loop(
    bars: pl.DataFrame, lookback: int, wicks: bool, floor: float
) -> None:
    o, h, lo, c = _cols(bars)
    v = bars["volume"].cast(pl.Float64).to_list()
    n = len(o)
    pct = [100.0 * (1 + sum(1 for x in v if x < v[j])) / n for j in range(n)]
    got = ind.ORDER_BLOCK_ZONES(
        bars, lookback=lookback, use_wicks=wicks, min_volume_percentile=floor
    )
    for j in range(n):
        ahead = c[j + 1 : j + 1 + lookback]
        bull = bool(ahead) and c[j] < o[j] and max(ahead) > h[j] and pct[j] >= floor
        bear = bool(ahead) and c[j] > o[j] and min(ahead) < lo[j] and pct[j] >= floor
        row = got.row(j, named=True)
        assert (row["ob_bull"], row["ob_bear"]) == (bull, bear), j
        if bull or bear:
            top = h[j] if wicks else max(o[j], c[j])
            assert row["ob_top"] == top and row["ob_volume"] == v[j]
            strength = (100 * abs(c[j] - o[j]) / o[j] + pct[j] / 100) / 2
            assert row["ob_strength"] == pytest.approx(strength, rel=1e-12)
        else:
            assert row["ob_top"] is None and row["ob_strength"] is None
    assert got["ob_bull"].sum() > 0 and got["ob_bear"].sum() > 0


def test_zone_mitigated_matches_a_loop(bars: pl.DataFrame) -> None:
    zones = ind.FVG_ZONES(bars)
    hit = ind.zone_mitigated(
        zones, bull="fvg_bull", bear="fvg_bear", top="fvg_top", bottom="fvg_bottom", threshold=0.3
    ).to_list()
    _, h, lo, _ = _cols(bars)
    for i, row in enumerate(zones.iter_rows(named=True)):
        want = False
        if row["fvg_bull"]:
            level = row["fvg_bottom"] + 0.3 * (row["fvg_top"] - row["fvg_bottom"])
            want = any(x <= level for x in lo[i + 1 :])
        elif row["fvg_bear"]:
            level = row["fvg_top"] - 0.3 * (row["fvg_top"] - row["fvg_bottom"])
            want = any(x >= level for x in h[i + 1 :])
        assert hit[i] == want, i
    assert any(hit) and not all(hit)


def _shadow(long: float, short: float, body: float, rng: float) -> float:
    if not (body > 0 and long >= 2 * body and short <= 0.3 * body):
        return 0.0
    subs = (
        20 * long / body + (100 - min(100 * short / body, 50)) + (100 - min(100 * body / rng, 50))
    )
    return min(100.0, subs / 3)


def test_candle_scores_match_a_loop(bars: pl.DataFrame) -> None:
    got = ind.SHOOTING_STAR_SCORE(ind.HAMMER_SCORE(ind.DOJI_SCORE(bars)))
    flat = pl.DataFrame({"open": [5.0], "high": [5.0], "low": [5.0], "close": [5.0]})
    assert ind.DOJI_SCORE(flat)["doji_score"].to_list() == [100.0]
    for i, (o, h, lo, c) in enumerate(zip(*_cols(bars), strict=True)):
        body, rng = abs(c - o), h - lo
        upper, lower = h - max(o, c), min(o, c) - lo
        doji = 100 * (1 - body / rng) if rng > 0 else 100.0
        row = got.row(i, named=True)
        assert row["doji_score"] == pytest.approx(doji, abs=1e-12)
        assert row["hammer_score"] == pytest.approx(_shadow(lower, upper, body, rng), abs=1e-12)
        assert row["shooting_star_score"] == pytest.approx(
            _shadow(upper, lower, body, rng), abs=1e-12
        )
    assert (got["hammer_score"] > 50).sum() > 0 and (got["shooting_star_score"] > 50).sum() > 0


def test_lorenz_matches_a_loop(bars: pl.DataFrame) -> None:
    w, dt, scale = 10, 0.5, 0.02
    c = bars["close"].cast(pl.Float64).to_list()
    v = bars["volume"].cast(pl.Float64).to_list()
    rets = [math.nan] + [c[i] / c[i - 1] - 1 for i in range(1, len(c))]
    state = [0.0, 1.0, 0.0]
    want = [tuple(state)]
    for i in range(1, len(c)):
        window = rets[i - w + 1 : i + 1] if i >= w else []
        if len(window) == w and not any(math.isnan(r) for r in window):
            m = sum(window) / w
            vol = math.sqrt(sum((r - m) ** 2 for r in window) / (w - 1))
            rho = 28 * c[i] / (sum(c[i - w + 1 : i + 1]) / w)
            beta = 2.667 * v[i] / (sum(v[i - w + 1 : i + 1]) / w)
            sigma = 10 * vol / scale
        else:
            sigma, rho, beta = 10.0, 28.0, 2.667
        x, y, z = state
        nxt = [
            x + sigma * (y - x) * dt,
            y + (x * (rho - z) - y) * dt,
            z + (x * y - beta * z) * dt,
        ]
        state = [max(-1000.0, min(1000.0, q)) for q in nxt]
        want.append(tuple(state))
    got = ind.LORENZ(bars, window=w, dt=dt)
    # a chaotic system: compare the first 60 bars tightly (rounding grows after that)
    for i in range(60):
        assert got.row(i, named=True)["lorenz_x"] == pytest.approx(want[i][0], rel=1e-6, abs=1e-9)
        assert got.row(i, named=True)["lorenz_z"] == pytest.approx(want[i][2], rel=1e-6, abs=1e-9)
    assert got["lorenz_x"].abs().max() <= 1000.0  # type: ignore[operator]


def test_rolling_vwap_matches_a_loop(bars: pl.DataFrame) -> None:
    _, h, lo, c = _cols(bars)
    v = bars["volume"].cast(pl.Float64).to_list()
    got = rolling_vwap(bars, period=20)["vwap_20"].to_list()
    for i in range(len(c)):
        if i < 19:
            assert got[i] is None
            continue
        idx = range(i - 19, i + 1)
        pv = sum((h[j] + lo[j] + c[j]) / 3 * v[j] for j in idx)
        assert got[i] == pytest.approx(pv / sum(v[j] for j in idx), rel=1e-12)


def test_bad_parameters_raise_validation_error(bars: pl.DataFrame) -> None:
    calls = [
        lambda: ind.FVG_ZONES(bars, min_gap=-1.0),
        lambda: ind.ORDER_BLOCK_ZONES(bars, lookback=0),
        lambda: ind.ORDER_BLOCK_ZONES(bars, use_wicks="yes"),  # type: ignore[arg-type]
        lambda: ind.ORDER_BLOCK_ZONES(bars.drop("volume")),
        lambda: ind.LORENZ(bars, window=1),
        lambda: ind.DOJI_SCORE(bars.drop("open")),
        lambda: rolling_vwap(bars, period=0),
        lambda: ind.zone_mitigated(
            ind.FVG_ZONES(bars), bull="fvg_bull", bear="fvg_bear", top="fvg_top",
            bottom="fvg_bottom", threshold=2.0,
        ),
    ]  # fmt: skip
    for call in calls:
        with pytest.raises(ValidationError):
            call()


def test_the_new_indicators_are_registered() -> None:
    names = {r["name"]: r for r in ind.available()}
    for name in ("FVG_ZONES", "ORDER_BLOCK_ZONES", "DOJI_SCORE", "HAMMER_SCORE", "LORENZ"):
        assert name in names and names[name]["doc"]
    assert np.isfinite(ind.LORENZ(make_bars(50, seed=1))["lorenz_x"].to_numpy()).all()
