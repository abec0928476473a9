"""Candle pattern scores (0-100) behind the boolean patterns of
:mod:`projectx.indicators.patterns`. With ``body = |c - o|``, ``range = h - l``,
``upper = h - max(o, c)``, ``lower = min(o, c) - l``:

* **DOJI_SCORE**: ``100 * (1 - body / range)``; a flat bar (``range == 0``) scores 100.
* **HAMMER_SCORE**: 0 unless ``body > 0``, ``lower >= 2 * body`` and ``upper <= 0.3 * body``;
  then the mean of three sub-scores, ``20 * lower / body``, ``100 - min(100 * upper / body,
  50)`` and ``100 - min(100 * body / range, 50)``, capped at 100.
* **SHOOTING_STAR_SCORE**: the hammer's score with ``upper`` and ``lower`` swapped.

(project-x-py's definitions of these scores, with its cap applied to the mean, not the sum.)
"""

from __future__ import annotations

import polars as pl

from projectx.indicators._base import register
from projectx.indicators._common import OHLC, column_array, frame, names

__all__ = ["DOJI_SCORE", "HAMMER_SCORE", "SHOOTING_STAR_SCORE"]

_o, _h, _l, _c = (pl.col(x).cast(pl.Float64) for x in OHLC)
_body = (_c - _o).abs()
_range = _h - _l
_upper = _h - pl.max_horizontal(_o, _c)
_lower = pl.min_horizontal(_o, _c) - _l


def _scored(
    ind: str, df: pl.DataFrame | None, name: str, expr: pl.Expr, prefix: str | None
) -> pl.DataFrame:
    f = frame(ind, df)
    for c in OHLC:
        column_array(ind, f, c)
    (col,) = names((name,), prefix)
    return f.with_columns(expr.alias(col))


def _shadow_score(long: pl.Expr, short: pl.Expr) -> pl.Expr:
    shape = (_body > 0) & (long >= 2 * _body) & (short <= 0.3 * _body)
    mean = (
        20.0 * long / _body
        + (100.0 - (100.0 * short / _body).clip(0.0, 50.0))
        + (100.0 - (100.0 * _body / _range).clip(0.0, 50.0))
    ) / 3.0
    return pl.when(shape).then(pl.min_horizontal(pl.lit(100.0), mean)).otherwise(0.0)


@register("patterns", params={}, inputs=OHLC, outputs=("doji_score",))
def DOJI_SCORE(df: pl.DataFrame | None = None, *, prefix: str | None = None) -> pl.DataFrame:
    """Doji score: 100 for no body, 0 for a body spanning the whole range."""
    expr = pl.when(_range > 0).then(100.0 * (1.0 - _body / _range)).otherwise(100.0)
    return _scored("DOJI_SCORE", df, "doji_score", expr.clip(0.0, 100.0), prefix)


@register("patterns", params={}, inputs=OHLC, outputs=("hammer_score",))
def HAMMER_SCORE(df: pl.DataFrame | None = None, *, prefix: str | None = None) -> pl.DataFrame:
    """Hammer score: long lower shadow, small upper shadow and body (0 when not a hammer)."""
    return _scored("HAMMER_SCORE", df, "hammer_score", _shadow_score(_lower, _upper), prefix)


@register("patterns", params={}, inputs=OHLC, outputs=("shooting_star_score",))
def SHOOTING_STAR_SCORE(
    df: pl.DataFrame | None = None, *, prefix: str | None = None
) -> pl.DataFrame:
    """Shooting star score: the hammer's, upside down (0 when not a shooting star)."""
    expr = _shadow_score(_upper, _lower)
    return _scored("SHOOTING_STAR_SCORE", df, "shooting_star_score", expr, prefix)
