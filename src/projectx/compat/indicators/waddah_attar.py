"""project-x-py's Waddah Attar Explosion (``project_x_py.indicators.waddah_attar``) over
:func:`projectx.indicators.WAE` (LazyBear's definition)."""

from __future__ import annotations

from typing import Any

import polars as pl

import projectx.indicators as core
from projectx.compat.indicators._adapt import Indicator, check_number, check_period, frozen, run

__all__ = ["WAE", "calculate_wae"]

_OUT = (
    "wae_explosion",
    "wae_trend",
    "wae_dead_zone",
    "wae_explosion_above_dz",
    "wae_bullish",
    "wae_bearish",
)


class WAE(Indicator):
    """project-x-py's WAE (``wae_explosion``, ``wae_trend``, ``wae_dead_zone`` and flags);
    values from projectx.indicators.WAE: explosion = Bollinger width, trend = the sign of
    the MACD change, dead zone = ATR * ``dead_zone_mult``."""

    title = "WAE"
    description_text = "Waddah Attar Explosion - strong trends and breakouts"
    parameters = frozen(
        {
            "close_column": "close",
            "high_column": "high",
            "low_column": "low",
            "fast_period": 20,
            "slow_period": 40,
            "bb_period": 20,
            "bb_mult": 2.0,
            "sensitivity": 150,
            "dead_zone_period": 100,
            "dead_zone_mult": 3.6,
        }
    )

    def compute(self, data: pl.DataFrame, **params: Any) -> pl.DataFrame:
        """The explosion line, the trend direction, the dead zone and the signal flags."""
        kw: dict[str, Any] = {
            "fastperiod": check_period("fast_period", params["fast_period"]),
            "slowperiod": check_period("slow_period", params["slow_period"]),
            "bb_period": check_period("bb_period", params["bb_period"], 2),
            "bb_mult": check_number("bb_mult", params["bb_mult"]),
            "sensitivity": check_number("sensitivity", params["sensitivity"]),
            "atr_period": check_period("dead_zone_period", params["dead_zone_period"]),
            "deadzone_mult": check_number("dead_zone_mult", params["dead_zone_mult"]),
        }

        def calc(f: pl.DataFrame) -> pl.DataFrame:
            out = core.WAE(f, **kw)
            push = pl.col("wae_up") - pl.col("wae_down")
            above = pl.col("wae_explosion") > pl.col("wae_deadzone")
            trend = push.sign().cast(pl.Int32)
            return out.with_columns(
                trend.alias("wae_trend"),
                pl.col("wae_deadzone").alias("wae_dead_zone"),
                above.alias("wae_explosion_above_dz"),
                (above & (trend == 1)).alias("wae_bullish"),
                (above & (trend == -1)).alias("wae_bearish"),
            )

        inputs = {"close": params["close_column"], "high": params["high_column"]}
        inputs["low"] = params["low_column"]
        return run(
            data,
            inputs,
            calc,
            {c: c for c in _OUT},
            min_rows=max(int(kw["slowperiod"]), int(kw["bb_period"]), 2),
        )


def calculate_wae(
    data: pl.DataFrame,
    close_column: str = "close",
    high_column: str = "high",
    low_column: str = "low",
    fast_period: int = 20,
    slow_period: int = 40,
    bb_period: int = 20,
    bb_mult: float = 2.0,
    sensitivity: float = 150,
    dead_zone_period: int = 100,
    dead_zone_mult: float = 3.6,
) -> pl.DataFrame:
    """project-x-py's ``calculate_wae``; values from projectx.indicators.WAE."""
    return WAE().calculate(
        data,
        close_column=close_column,
        high_column=high_column,
        low_column=low_column,
        fast_period=fast_period,
        slow_period=slow_period,
        bb_period=bb_period,
        bb_mult=bb_mult,
        sensitivity=sensitivity,
        dead_zone_period=dead_zone_period,
        dead_zone_mult=dead_zone_mult,
    )
