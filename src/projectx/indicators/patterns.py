"""Price-action patterns (not TA-Lib functions): fair value gaps, order blocks, Waddah Attar
Explosion and single/two-bar candle patterns. Definitions (``o, h, l, c`` of bar ``i``;
``body = |c - o|``, ``range = h - l``, ``upper = h - max(o, c)``, ``lower = min(o, c) - l``):

* **FVG** (three-bar fair value gap, marked on the third bar ``i``): bullish when
  ``l[i] - h[i-2] > min_gap`` (gap ``[h[i-2], l[i]]``), bearish when ``l[i-2] - h[i] > min_gap``
  (gap ``[h[i], l[i-2]]``). Outputs ``fvg_bull``, ``fvg_bear`` (bool) and ``fvg_top``,
  ``fvg_bottom`` (the gap, null when there is none).
* **ORDER_BLOCKS** (marked on the confirming bar ``i``): bullish when bar ``i-1`` is down
  (``c < o``) and bar ``i`` closes above its high; bearish when bar ``i-1`` is up and bar ``i``
  closes below its low. ``ob_top``/``ob_bottom`` are the high/low of the order-block bar ``i-1``.
* **WAE** (Waddah Attar Explosion): ``t = (MACD[i] - MACD[i-1]) * sensitivity`` with
  ``MACD = EMA(fastperiod) - EMA(slowperiod)`` (TA-Lib EMAs); ``wae_up = max(t, 0)``,
  ``wae_down = max(-t, 0)``; ``wae_explosion`` = upper - lower Bollinger band (SMA
  ``bb_period``, ``bb_mult`` population deviations); ``wae_deadzone = ATR(atr_period) *
  deadzone_mult``.
* **DOJI**: ``range > 0`` and ``body <= body_ratio * range``.
* **HAMMER**: ``range > 0``, ``body <= body_ratio * range``, ``lower >= shadow_ratio * body``,
  ``lower > 0`` and ``upper <= opposite_ratio * range``. **SHOOTING_STAR** mirrors it.
* **ENGULFING**: bullish when bar ``i-1`` is down, bar ``i`` is up, ``o[i] <= c[i-1]``,
  ``c[i] >= o[i-1]`` and bar ``i``'s body is larger; bearish mirrored.

Boolean outputs are null on warm-up rows (the first bars, where the earlier bars a pattern needs
do not exist) and where an input is null.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from projectx._native import ind_volatility as _vk
from projectx.indicators._base import register
from projectx.indicators._common import (
    HL,
    HLC,
    OHLC,
    attach,
    column_array,
    float_param,
    frame,
    int_param,
    names,
)
from projectx.indicators.overlap import ma_array, stddev_array

__all__ = ["DOJI", "ENGULFING", "FVG", "HAMMER", "ORDER_BLOCKS", "SHOOTING_STAR", "WAE"]

_o, _h, _l, _c = (pl.col(x).cast(pl.Float64) for x in OHLC)
_body = (_c - _o).abs()
_range = _h - _l
_upper = _h - pl.max_horizontal(_o, _c)
_lower = pl.min_horizontal(_o, _c) - _l


def _check(ind: str, df: pl.DataFrame | None, columns: tuple[str, ...]) -> pl.DataFrame:
    f = frame(ind, df)
    for c in columns:
        column_array(ind, f, c)  # presence and numeric type
    return f


def _after(warmup: int, expr: pl.Expr) -> pl.Expr:
    """``expr``, null on the first ``warmup`` rows."""
    return pl.when(pl.int_range(pl.len()) >= warmup).then(expr).otherwise(None)


def _with(df: pl.DataFrame, exprs: dict[str, pl.Expr], prefix: str | None) -> pl.DataFrame:
    cols = names(tuple(exprs), prefix)
    return df.with_columns(e.alias(n) for n, e in zip(cols, exprs.values(), strict=True))


@register(
    "patterns",
    params={"min_gap": 0.0},
    inputs=HL,
    outputs=("fvg_bull", "fvg_bear", "fvg_top", "fvg_bottom"),
)
def FVG(
    df: pl.DataFrame | None = None, *, min_gap: float = 0.0, prefix: str | None = None
) -> pl.DataFrame:
    """Three-bar fair value gaps (bullish/bearish flags and the gap's top and bottom)."""
    g = float_param("FVG", "min_gap", min_gap, 0.0)
    f = _check("FVG", df, HL)
    h2, l2 = _h.shift(2), _l.shift(2)
    bull = _after(2, (_l - h2) > g)
    bear = _after(2, (l2 - _h) > g)
    top = pl.when(bull).then(_l).when(bear).then(l2).otherwise(None)
    bottom = pl.when(bull).then(h2).when(bear).then(_h).otherwise(None)
    return _with(
        f, {"fvg_bull": bull, "fvg_bear": bear, "fvg_top": top, "fvg_bottom": bottom}, prefix
    )


@register("patterns", params={}, inputs=OHLC, outputs=("ob_bull", "ob_bear", "ob_top", "ob_bottom"))
def ORDER_BLOCKS(df: pl.DataFrame | None = None, *, prefix: str | None = None) -> pl.DataFrame:
    """Order blocks: the last opposite candle before a close beyond its extreme."""
    f = _check("ORDER_BLOCKS", df, OHLC)
    po, ph, pl_, pc = _o.shift(1), _h.shift(1), _l.shift(1), _c.shift(1)
    bull = _after(1, (pc < po) & (_c > ph))
    bear = _after(1, (pc > po) & (_c < pl_))
    top = pl.when(bull | bear).then(ph).otherwise(None)
    bottom = pl.when(bull | bear).then(pl_).otherwise(None)
    return _with(f, {"ob_bull": bull, "ob_bear": bear, "ob_top": top, "ob_bottom": bottom}, prefix)


_WAE_PARAMS = {
    "fastperiod": 20,
    "slowperiod": 40,
    "sensitivity": 150.0,
    "bb_period": 20,
    "bb_mult": 2.0,
    "atr_period": 100,
    "deadzone_mult": 3.7,
}


@register(
    "patterns",
    params=_WAE_PARAMS,
    inputs=HLC,
    outputs=("wae_up", "wae_down", "wae_explosion", "wae_deadzone"),
)
def WAE(
    df: pl.DataFrame | None = None,
    *,
    fastperiod: int = 20,
    slowperiod: int = 40,
    sensitivity: float = 150.0,
    bb_period: int = 20,
    bb_mult: float = 2.0,
    atr_period: int = 100,
    deadzone_mult: float = 3.7,
    prefix: str | None = None,
) -> pl.DataFrame:
    """Waddah Attar Explosion: trend push (MACD change), Bollinger width and ATR dead zone."""
    fp = int_param("WAE", "fastperiod", fastperiod, 1)
    sp = int_param("WAE", "slowperiod", slowperiod, 1)
    sens = float_param("WAE", "sensitivity", sensitivity, 0.0)
    bp = int_param("WAE", "bb_period", bb_period, 2)
    bm = float_param("WAE", "bb_mult", bb_mult, 0.0)
    ap = int_param("WAE", "atr_period", atr_period, 1)
    dm = float_param("WAE", "deadzone_mult", deadzone_mult, 0.0)
    f = frame("WAE", df)
    h, lo, c = (column_array("WAE", f, x) for x in HLC)
    macd = ma_array(c, fp, 1) - ma_array(c, sp, 1)
    t = np.full(c.shape[0], np.nan)
    t[1:] = (macd[1:] - macd[:-1]) * sens
    up = np.where(t > 0.0, t, np.where(np.isnan(t), np.nan, 0.0))
    down = np.where(t < 0.0, -t, np.where(np.isnan(t), np.nan, 0.0))
    explosion = 2.0 * bm * stddev_array(c, bp)
    deadzone = _vk.atr(h, lo, c, ap) * dm
    return attach(
        f,
        ("wae_up", "wae_down", "wae_explosion", "wae_deadzone"),
        (up, down, explosion, deadzone),
        0,
        prefix,
    )


@register("patterns", params={"body_ratio": 0.1}, inputs=OHLC, outputs=("doji",))
def DOJI(
    df: pl.DataFrame | None = None, *, body_ratio: float = 0.1, prefix: str | None = None
) -> pl.DataFrame:
    """Doji: a body at most ``body_ratio`` of the bar's range."""
    r = float_param("DOJI", "body_ratio", body_ratio, 0.0, 1.0)
    f = _check("DOJI", df, OHLC)
    return _with(f, {"doji": (_range > 0) & (_body <= r * _range)}, prefix)


_HAMMER_PARAMS = {"body_ratio": 0.35, "shadow_ratio": 2.0, "opposite_ratio": 0.1}


def _hammer_params(ind: str, body: object, shadow: object, opposite: object) -> tuple[float, ...]:
    return (
        float_param(ind, "body_ratio", body, 0.0, 1.0),
        float_param(ind, "shadow_ratio", shadow, 0.0),
        float_param(ind, "opposite_ratio", opposite, 0.0, 1.0),
    )


@register("patterns", params=_HAMMER_PARAMS, inputs=OHLC, outputs=("hammer",))
def HAMMER(
    df: pl.DataFrame | None = None,
    *,
    body_ratio: float = 0.35,
    shadow_ratio: float = 2.0,
    opposite_ratio: float = 0.1,
    prefix: str | None = None,
) -> pl.DataFrame:
    """Hammer: small body near the top, long lower shadow, (almost) no upper shadow."""
    b, s, o = _hammer_params("HAMMER", body_ratio, shadow_ratio, opposite_ratio)
    f = _check("HAMMER", df, OHLC)
    expr = (
        (_range > 0)
        & (_body <= b * _range)
        & (_lower >= s * _body)
        & (_lower > 0)
        & (_upper <= o * _range)
    )
    return _with(f, {"hammer": expr}, prefix)


@register("patterns", params=_HAMMER_PARAMS, inputs=OHLC, outputs=("shooting_star",))
def SHOOTING_STAR(
    df: pl.DataFrame | None = None,
    *,
    body_ratio: float = 0.35,
    shadow_ratio: float = 2.0,
    opposite_ratio: float = 0.1,
    prefix: str | None = None,
) -> pl.DataFrame:
    """Shooting star: small body near the bottom, long upper shadow, (almost) no lower one."""
    b, s, o = _hammer_params("SHOOTING_STAR", body_ratio, shadow_ratio, opposite_ratio)
    f = _check("SHOOTING_STAR", df, OHLC)
    expr = (
        (_range > 0)
        & (_body <= b * _range)
        & (_upper >= s * _body)
        & (_upper > 0)
        & (_lower <= o * _range)
    )
    return _with(f, {"shooting_star": expr}, prefix)


@register("patterns", params={}, inputs=OHLC, outputs=("engulfing_bull", "engulfing_bear"))
def ENGULFING(df: pl.DataFrame | None = None, *, prefix: str | None = None) -> pl.DataFrame:
    """Bullish/bearish engulfing: a body that covers the previous opposite-coloured body."""
    f = _check("ENGULFING", df, OHLC)
    po, pc = _o.shift(1), _c.shift(1)
    bigger = _body > (pc - po).abs()
    bull = _after(1, (pc < po) & (_c > _o) & (_o <= pc) & (_c >= po) & bigger)
    bear = _after(1, (pc > po) & (_c < _o) & (_o >= pc) & (_c <= po) & bigger)
    return _with(f, {"engulfing_bull": bull, "engulfing_bear": bear}, prefix)
