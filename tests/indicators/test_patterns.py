"""Price-action patterns on hand-built bars (each expected flag worked out by hand from the
definitions in ``projectx.indicators.patterns``), and WAE against a TA-Lib composition."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from projectx.exceptions import ValidationError
from projectx.indicators import patterns as pt
from tests.indicators.data import as_array, assert_matches, make_bars

talib = pytest.importorskip("talib")


def bars(rows: list[tuple[float, float, float, float]]) -> pl.DataFrame:
    o, h, lo, c = zip(*rows, strict=True)
    cols = {"open": o, "high": h, "low": lo, "close": c}
    return pl.DataFrame({k: [float(x) for x in v] for k, v in cols.items()}).with_columns(
        volume=pl.lit(1)
    )


def test_fvg_hand_checked() -> None:
    df = bars(
        [
            (10, 11, 9, 10.5),  # 0
            (10.5, 14, 10.5, 13.5),  # 1  big up bar
            (13.5, 15, 12, 14.5),  # 2  low 12 > high[0] 11: bullish gap [11, 12]
            (14.5, 14.6, 11.9, 12),  # 3  low 11.9 < high[1] 14: no gap
            (12, 12.5, 8, 8.5),  # 4  high 12.5 < low[2] 12? no (12.5 > 12): none
            (8.5, 9, 7, 7.5),  # 5  high 9 < low[3] 11.9: bearish gap [9, 11.9]
        ]
    )
    out = pt.FVG(df)
    assert out.get_column("fvg_bull").to_list() == [None, None, True, False, False, False]
    assert out.get_column("fvg_bear").to_list() == [None, None, False, False, False, True]
    assert out.get_column("fvg_top").to_list() == [None, None, 12.0, None, None, 11.9]
    assert out.get_column("fvg_bottom").to_list() == [None, None, 11.0, None, None, 9.0]
    # a minimum size filters the 1-point bullish gap but keeps the 2.9-point bearish one
    big = pt.FVG(df, min_gap=1.5)
    assert big.get_column("fvg_bull").to_list()[2] is False
    assert big.get_column("fvg_bear").to_list()[5] is True


def test_order_blocks_hand_checked() -> None:
    df = bars(
        [
            (10, 10.5, 9, 9.2),  # 0 down bar
            (9.2, 11, 9.1, 10.8),  # 1 closes 10.8 > high[0] 10.5: bullish OB = bar 0 [9, 10.5]
            (10.8, 11.2, 10.6, 11),  # 2 up bar, closes 11 < high[1]? 11 > 11 no -> nothing
            (
                11,
                11.1,
                10,
                10.2,
            ),  # 3 closes 10.2 < low[2] 10.6 after an up bar: bearish OB [10.6, 11.2]
            (10.2, 10.4, 10.1, 10.3),  # 4 prev down, close 10.3 < high 11.1: nothing
        ]
    )
    out = pt.ORDER_BLOCKS(df)
    assert out.get_column("ob_bull").to_list() == [None, True, False, False, False]
    assert out.get_column("ob_bear").to_list() == [None, False, False, True, False]
    assert out.get_column("ob_top").to_list() == [None, 10.5, None, 11.2, None]
    assert out.get_column("ob_bottom").to_list() == [None, 9.0, None, 10.6, None]


def test_single_bar_candles_hand_checked() -> None:
    df = bars(
        [
            (10.0, 11.0, 9.0, 10.1),  # 0 doji (body 0.1 <= 0.2)
            (10.8, 11.0, 8.0, 10.9),  # 1 hammer: body .1, lower 2.8, upper .1 <= .3
            (8.1, 11.0, 8.0, 8.2),  # 2 shooting star: upper 2.8, lower .1
            (9.0, 11.0, 9.0, 11.0),  # 3 marubozu: nothing
            (10.0, 10.0, 10.0, 10.0),  # 4 flat bar: no range, nothing
            (10.5, 11.0, 8.0, 11.0),  # 5 hammer with no upper shadow (body .5 <= 1.05, lower 2.5)
            (10.0, 11.0, 9.5, 10.9),  # 6 lower shadow .5 < 2 * .9: not a hammer
        ]
    )
    assert pt.DOJI(df).get_column("doji").to_list() == [
        True,
        True,
        True,
        False,
        False,
        False,
        False,
    ]
    assert pt.HAMMER(df).get_column("hammer").to_list() == [
        False,
        True,
        False,
        False,
        False,
        True,
        False,
    ]
    assert pt.SHOOTING_STAR(df).get_column("shooting_star").to_list() == [
        False,
        False,
        True,
        False,
        False,
        False,
        False,
    ]
    assert pt.DOJI(df, body_ratio=0.01).get_column("doji").to_list()[0] is False


def test_engulfing_hand_checked() -> None:
    df = bars(
        [
            (10, 10.2, 9.4, 9.5),  # 0 down
            (9.4, 10.8, 9.3, 10.6),  # 1 up, opens 9.4 <= 9.5, closes 10.6 >= 10: bullish engulfing
            (
                10.7,
                10.9,
                10.0,
                10.1,
            ),  # 2 down, opens 10.7 >= 10.6, closes 10.1 > 9.4: not engulfing
            (10.1, 10.5, 10.0, 10.4),  # 3 up
            (10.5, 10.6, 9.8, 9.9),  # 4 down, opens 10.5 >= 10.4, closes 9.9 <= 10.1: bearish
            (9.9, 10.0, 9.8, 9.95),  # 5 up but small: nothing
        ]
    )
    out = pt.ENGULFING(df)
    assert out.get_column("engulfing_bull").to_list() == [None, True, False, False, False, False]
    assert out.get_column("engulfing_bear").to_list() == [None, False, False, False, True, False]


def test_wae_equals_its_talib_composition() -> None:
    df = make_bars(2000, seed=8)
    h, lo, c = (as_array(df, x) for x in ("high", "low", "close"))
    out = pt.WAE(df)
    macd = talib.EMA(c, 20) - talib.EMA(c, 40)
    t = np.concatenate([[np.nan], np.diff(macd)]) * 150.0
    assert_matches(as_array(out, "wae_up"), np.where(np.isnan(t), np.nan, np.maximum(t, 0.0)))
    assert_matches(as_array(out, "wae_down"), np.where(np.isnan(t), np.nan, np.maximum(-t, 0.0)))
    upper, _, lower = talib.BBANDS(c, 20, 2.0, 2.0)
    assert_matches(as_array(out, "wae_explosion"), upper - lower, atol=1e-6)
    assert_matches(as_array(out, "wae_deadzone"), talib.ATR(h, lo, c, 100) * 3.7)
    up, down = as_array(out, "wae_up"), as_array(out, "wae_down")
    ok = ~np.isnan(up)
    assert ((up[ok] == 0) | (down[ok] == 0)).all() and (up[ok] > 0).any() and (down[ok] > 0).any()


def test_pattern_errors() -> None:
    df = make_bars(10, seed=1)
    with pytest.raises(ValidationError, match="open"):
        pt.DOJI(df.drop("open"))
    with pytest.raises(ValidationError, match="body_ratio"):
        pt.HAMMER(df, body_ratio=2.0)
    with pytest.raises(ValidationError, match="min_gap"):
        pt.FVG(df, min_gap=-1.0)
    with pytest.raises(ValidationError, match="slowperiod"):
        pt.WAE(df, slowperiod=0)
    assert "x_doji" in pt.DOJI(df, prefix="x").columns
