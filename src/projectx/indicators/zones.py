"""Price zones with their extent and fate: fair value gaps with size and percent, order blocks
marked on their own candle (with volume rank and a strength score), and whether a later bar
came back into a zone (:func:`zone_mitigated`). Same conventions as
:mod:`projectx.indicators.patterns` (``o, h, l, c, v`` of bar ``i``):

* **FVG_ZONES**: bullish on bar ``i`` when ``gap = l[i] - h[i-2] > 0`` (zone ``[h[i-2], l[i]]``),
  bearish when ``gap = l[i-2] - h[i] > 0`` (zone ``[h[i], l[i-2]]``), kept when
  ``gap >= min_gap`` and ``fvg_percent >= min_gap_percent``. ``fvg_size`` is the gap and
  ``fvg_percent = 100 * gap / start`` with ``start`` the first candle's edge (``h[i-2]``
  bullish, ``l[i-2]`` bearish).
* **ORDER_BLOCK_ZONES**: marked on the order-block candle ``j`` (so known ``lookback`` bars
  later): bullish when ``j`` is down (``c < o``) and one of the next ``lookback`` bars closes
  above ``h[j]``; bearish when ``j`` is up and one of them closes below ``l[j]``. The zone is
  the candle's range (``use_wicks``) or its body. ``ob_volume`` is ``v[j]``, ``ob_percentile``
  the volume's rank in the frame (``100 * rank_min / n``), blocks below
  ``min_volume_percentile`` are dropped, and ``ob_strength = (100 * |c - o| / o +
  percentile / 100) / 2`` (project-x-py's score).
* :func:`zone_mitigated`: a zone is mitigated when a later bar reaches ``threshold`` of the way
  into it: ``low <= bottom + threshold * (top - bottom)`` (bullish) or
  ``high >= top - threshold * (top - bottom)`` (bearish).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import polars as pl

from projectx.exceptions import ValidationError
from projectx.indicators._base import register
from projectx.indicators._common import (
    HL,
    OHLC,
    column_array,
    float_param,
    frame,
    int_param,
    names,
)
from projectx.indicators.patterns import FVG
from projectx.indicators.patterns import _with as _named

__all__ = ["FVG_ZONES", "ORDER_BLOCK_ZONES", "zone_mitigated"]

_o, _h, _l, _c = (pl.col(x).cast(pl.Float64) for x in OHLC)


@register(
    "patterns",
    params={"min_gap": 0.0, "min_gap_percent": 0.0},
    inputs=HL,
    outputs=("fvg_bull", "fvg_bear", "fvg_top", "fvg_bottom", "fvg_size", "fvg_percent"),
)
def FVG_ZONES(
    df: pl.DataFrame | None = None,
    *,
    min_gap: float = 0.0,
    min_gap_percent: float = 0.0,
    prefix: str | None = None,
) -> pl.DataFrame:
    """Fair value gaps with their size and percent, filtered by both."""
    g = float_param("FVG_ZONES", "min_gap", min_gap, 0.0)
    pct = float_param("FVG_ZONES", "min_gap_percent", min_gap_percent, 0.0)
    f = frame("FVG_ZONES", df)
    raw = FVG(f.select(HL), prefix="raw")
    bull, bear = pl.col("raw_fvg_bull"), pl.col("raw_fvg_bear")
    top, bottom = pl.col("raw_fvg_top"), pl.col("raw_fvg_bottom")
    size = top - bottom
    start = pl.when(bull).then(bottom).when(bear).then(top)
    percent = 100.0 * size / start
    keep = (size >= g) & (percent >= pct)
    zones = raw.select(
        pl.when(bull.is_null())
        .then(None)
        .otherwise(bull & keep.fill_null(False))
        .alias("fvg_bull"),
        pl.when(bear.is_null())
        .then(None)
        .otherwise(bear & keep.fill_null(False))
        .alias("fvg_bear"),
        top.alias("fvg_top"),
        bottom.alias("fvg_bottom"),
        size.alias("fvg_size"),
        percent.alias("fvg_percent"),
    )
    kept = pl.col("fvg_bull") | pl.col("fvg_bear")
    zones = zones.with_columns(
        pl.when(kept).then(pl.col(c)).otherwise(None).alias(c)
        for c in ("fvg_top", "fvg_bottom", "fvg_size", "fvg_percent")
    )
    cols = names(tuple(zones.columns), prefix)
    return f.with_columns(
        zones.get_column(c).alias(n) for c, n in zip(zones.columns, cols, strict=True)
    )


@register(
    "patterns",
    params={"lookback": 1, "use_wicks": True, "min_volume_percentile": 0.0},
    inputs=(*OHLC, "volume"),
    outputs=("ob_bull", "ob_bear", "ob_top", "ob_bottom", "ob_volume", "ob_strength"),
)
def ORDER_BLOCK_ZONES(
    df: pl.DataFrame | None = None,
    *,
    lookback: int = 1,
    use_wicks: bool = True,
    min_volume_percentile: float = 0.0,
    prefix: str | None = None,
) -> pl.DataFrame:
    """Order blocks on their own candle: the last opposite candle before a close beyond it."""
    n_ahead = int_param("ORDER_BLOCK_ZONES", "lookback", lookback, 1)
    floor = float_param("ORDER_BLOCK_ZONES", "min_volume_percentile", min_volume_percentile, 0.0)
    if not isinstance(use_wicks, bool):
        raise ValidationError(f"ORDER_BLOCK_ZONES: use_wicks must be a bool, got {use_wicks!r}")
    f = frame("ORDER_BLOCK_ZONES", df)
    for c in (*OHLC, "volume"):
        column_array("ORDER_BLOCK_ZONES", f, c)
    ahead = _c.shift(-1)
    max_ahead = ahead.reverse().rolling_max(window_size=n_ahead, min_samples=1).reverse()
    min_ahead = ahead.reverse().rolling_min(window_size=n_ahead, min_samples=1).reverse()
    vol = pl.col("volume").cast(pl.Float64)
    percentile = 100.0 * vol.rank(method="min") / pl.len()
    strong = percentile >= floor
    bull = ((_c < _o) & (max_ahead > _h) & strong).fill_null(False)
    bear = ((_c > _o) & (min_ahead < _l) & strong).fill_null(False)
    block = bull | bear
    top = _h if use_wicks else pl.max_horizontal(_o, _c)
    bottom = _l if use_wicks else pl.min_horizontal(_o, _c)
    strength = (100.0 * (_c - _o).abs() / _o + percentile / 100.0) / 2.0

    def only(e: pl.Expr) -> pl.Expr:
        return pl.when(block).then(e).otherwise(None)

    exprs = {
        "ob_bull": bull,
        "ob_bear": bear,
        "ob_top": only(top),
        "ob_bottom": only(bottom),
        "ob_volume": only(vol),
        "ob_strength": only(strength),
    }
    return _named(f, exprs, prefix)


def zone_mitigated(
    df: pl.DataFrame,
    *,
    bull: str,
    bear: str,
    top: str,
    bottom: str,
    threshold: float = 0.5,
) -> pl.Series:
    """``mitigated``: for each zone row, whether a later bar reached ``threshold`` into it."""
    t = float_param("zone_mitigated", "threshold", threshold, 0.0, 1.0)
    f = frame("zone_mitigated", df)
    high, low = column_array("zone_mitigated", f, "high"), column_array("zone_mitigated", f, "low")
    is_bull = f.get_column(bull).fill_null(False).to_numpy().astype(bool)
    is_bear = f.get_column(bear).fill_null(False).to_numpy().astype(bool)
    hi = column_array("zone_mitigated", f, top)
    lo = column_array("zone_mitigated", f, bottom)
    later_low = _after(np.minimum.accumulate(low[::-1])[::-1], np.inf)
    later_high = _after(np.maximum.accumulate(high[::-1])[::-1], -np.inf)
    with np.errstate(invalid="ignore"):
        size = hi - lo
        hit_bull = is_bull & (later_low <= lo + t * size)
        hit_bear = is_bear & (later_high >= hi - t * size)
    return pl.Series("mitigated", hit_bull | hit_bear, dtype=pl.Boolean)


def _after(suffix: npt.NDArray[np.float64], empty: float) -> npt.NDArray[np.float64]:
    """``suffix`` shifted by one: the extreme over the bars strictly after each row."""
    out = np.empty_like(suffix)
    out[:-1] = suffix[1:]
    if out.size:
        out[-1] = empty
    return out
