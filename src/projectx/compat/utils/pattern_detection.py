"""project-x-py's pattern detection, mapped to :mod:`projectx.indicators` (candles) and
:func:`projectx.analytics.double_tops_bottoms` (chart patterns).

The candle columns use the core's definitions with project-x-py's thresholds (doji: body at most
10 % of the range; hammer / shooting star: body at most 30 %, the long shadow at least twice the
body, the other at most 10 % of the range); unlike project-x-py a zero-range bar is no pattern.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from projectx import analytics
from projectx.exceptions import ValidationError
from projectx.indicators.patterns import DOJI, HAMMER, SHOOTING_STAR

__all__ = ["detect_candlestick_patterns", "detect_chart_patterns"]

_OHLC = ("open", "high", "low", "close")
_PATTERNS = ("doji", "hammer", "shooting_star")


def detect_candlestick_patterns(
    data: pl.DataFrame,
    open_col: str = "open",
    high_col: str = "high",
    low_col: str = "low",
    close_col: str = "close",
) -> pl.DataFrame:
    """``data`` with boolean columns ``doji``, ``hammer``, ``shooting_star``,
    ``bullish_candle`` (close > open), ``bearish_candle`` and ``long_body`` (body at least 70 %
    of the range)."""
    given = (open_col, high_col, low_col, close_col)
    for column in given:
        if column not in data.columns:
            raise ValidationError(f"Column '{column}' not found in data")
    ohlc = data.select(
        pl.col(c).cast(pl.Float64).alias(s) for c, s in zip(given, _OHLC, strict=True)
    )
    marks = DOJI(ohlc, body_ratio=0.1)
    marks = HAMMER(marks, body_ratio=0.3, shadow_ratio=2.0, opposite_ratio=0.1)
    marks = SHOOTING_STAR(marks, body_ratio=0.3, shadow_ratio=2.0, opposite_ratio=0.1)
    body = pl.col("close") - pl.col("open")
    marks = marks.with_columns(
        (body > 0).alias("bullish_candle"),
        (body < 0).alias("bearish_candle"),
        (body.abs() >= 0.7 * (pl.col("high") - pl.col("low"))).alias("long_body"),
    )
    added = [*_PATTERNS, "bullish_candle", "bearish_candle", "long_body"]
    return data.with_columns(marks.select(added).get_columns())


def detect_chart_patterns(
    data: pl.DataFrame, price_column: str = "close", window: int = 20
) -> dict[str, Any]:
    """``double_tops`` and ``double_bottoms`` (``index1``, ``index2``, ``price``,
    ``strength``), ``breakouts`` and ``trend_reversals`` (not detected: always empty, as in
    project-x-py); ``{"error": ...}`` with fewer than ``2 * window`` rows."""
    if price_column not in data.columns:
        raise ValidationError(f"Column '{price_column}' not found in data")
    if data.height < window * 2:
        return {"error": "Insufficient data for pattern detection"}
    tops, bottoms = analytics.double_tops_bottoms(
        data[price_column].cast(pl.Float64).to_list(), window=window
    )
    as_dicts = [
        [
            {"index1": p.index1, "index2": p.index2, "price": p.price, "strength": p.strength}
            for p in ps
        ]
        for ps in (tops, bottoms)
    ]
    return {
        "double_tops": as_dicts[0],
        "double_bottoms": as_dicts[1],
        "breakouts": [],
        "trend_reversals": [],
    }
