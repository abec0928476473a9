"""project-x-py's candlestick patterns (``project_x_py.indicators.candlestick``): strength and
flag columns (``doji_strength``, ``is_doji``...) over :mod:`projectx.indicators.candles`
(scores) and :func:`projectx.indicators.ENGULFING`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import polars as pl

import projectx.indicators as core
from projectx.compat.indicators._adapt import Indicator, check_number, frozen, run

__all__ = [
    "BullishEngulfing",
    "Doji",
    "Hammer",
    "ShootingStar",
    "calculate_bullishengulfing",
    "calculate_doji",
    "calculate_hammer",
    "calculate_shootingstar",
]

_OHLC = {
    "open_column": "open",
    "high_column": "high",
    "low_column": "low",
    "close_column": "close",
    "min_strength": 50,
}


def _ohlc(params: dict[str, Any]) -> dict[str, str]:
    return {
        "open": params["open_column"],
        "high": params["high_column"],
        "low": params["low_column"],
        "close": params["close_column"],
    }


class _Scored(Indicator):
    """``{stem}_strength`` (the core score, negated for bearish patterns) and ``is_{stem}``
    (``|strength| >= min_strength``)."""

    parameters = frozen(dict(_OHLC))
    stem = ""
    score: Callable[..., pl.DataFrame] = staticmethod(core.DOJI_SCORE)
    score_name = ""
    sign = 1.0

    def compute(self, data: pl.DataFrame, **params: Any) -> pl.DataFrame:
        """The strength and the flag."""
        floor = check_number("min_strength", params["min_strength"])
        score, name, sign = type(self).score, self.score_name, self.sign

        def calc(f: pl.DataFrame) -> pl.DataFrame:
            out = score(f)
            return out.with_columns(
                (pl.col(name) * sign).alias("strength"),
                (pl.col(name) >= floor).alias("flag"),
            )

        names = {"strength": f"{self.stem}_strength", "flag": f"is_{self.stem}"}
        return run(data, _ohlc(params), calc, names)


class Doji(_Scored):
    """project-x-py's Doji (``doji_strength``, ``is_doji``); values from
    projectx.indicators.DOJI_SCORE."""

    title = "DOJI"
    description_text = "Doji - indecision pattern with open and close nearly equal"
    stem, score_name = "doji", "doji_score"
    score = staticmethod(core.DOJI_SCORE)


class Hammer(_Scored):
    """project-x-py's Hammer (``hammer_strength``, ``is_hammer``); values from
    projectx.indicators.HAMMER_SCORE."""

    title = "HAMMER"
    description_text = "Hammer - bullish reversal with long lower shadow"
    stem, score_name = "hammer", "hammer_score"
    score = staticmethod(core.HAMMER_SCORE)


class ShootingStar(_Scored):
    """project-x-py's ShootingStar (``shootingstar_strength`` <= 0, ``is_shootingstar``);
    values from projectx.indicators.SHOOTING_STAR_SCORE."""

    title = "SHOOTINGSTAR"
    description_text = "Shooting Star - bearish reversal with long upper shadow"
    stem, score_name, sign = "shootingstar", "shooting_star_score", -1.0
    score = staticmethod(core.SHOOTING_STAR_SCORE)


class BullishEngulfing(Indicator):
    """project-x-py's BullishEngulfing (``bullishengulfing_strength`` 100 or 0,
    ``is_bullishengulfing``); values from projectx.indicators.ENGULFING."""

    title = "BULLISHENGULFING"
    description_text = "Bullish Engulfing - bullish reversal pattern"
    parameters = frozen({"open_column": "open", "close_column": "close", "min_strength": 50})

    def compute(self, data: pl.DataFrame, **params: Any) -> pl.DataFrame:
        """The strength and the flag."""
        floor = check_number("min_strength", params["min_strength"])

        def calc(f: pl.DataFrame) -> pl.DataFrame:
            # ENGULFING reads high/low only through its frame check: give it the bodies
            body = f.with_columns(
                pl.max_horizontal("open", "close").alias("high"),
                pl.min_horizontal("open", "close").alias("low"),
            )
            out = core.ENGULFING(body)
            strength = pl.when(pl.col("engulfing_bull").fill_null(False)).then(100).otherwise(0)
            return out.with_columns(
                strength.cast(pl.Int32).alias("strength"), (strength >= floor).alias("flag")
            )

        names = {"strength": "bullishengulfing_strength", "flag": "is_bullishengulfing"}
        inputs = {"open": params["open_column"], "close": params["close_column"]}
        return run(data, inputs, calc, names, min_rows=2)


def calculate_doji(data: pl.DataFrame, **kwargs: Any) -> pl.DataFrame:
    """project-x-py's ``calculate_doji``; values from projectx.indicators.DOJI_SCORE."""
    return Doji().calculate(data, **kwargs)


def calculate_hammer(data: pl.DataFrame, **kwargs: Any) -> pl.DataFrame:
    """project-x-py's ``calculate_hammer``; values from projectx.indicators.HAMMER_SCORE."""
    return Hammer().calculate(data, **kwargs)


def calculate_shootingstar(data: pl.DataFrame, **kwargs: Any) -> pl.DataFrame:
    """project-x-py's ``calculate_shootingstar``; values from
    projectx.indicators.SHOOTING_STAR_SCORE."""
    return ShootingStar().calculate(data, **kwargs)


def calculate_bullishengulfing(data: pl.DataFrame, **kwargs: Any) -> pl.DataFrame:
    """project-x-py's ``calculate_bullishengulfing``; values from projectx.indicators.ENGULFING."""
    return BullishEngulfing().calculate(data, **kwargs)
