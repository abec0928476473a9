"""project-x-py's fair value gaps (``project_x_py.indicators.fvg``) over
:func:`projectx.indicators.FVG_ZONES` and :func:`projectx.indicators.zone_mitigated`."""

from __future__ import annotations

from typing import Any

import polars as pl

import projectx.indicators as core
from projectx.compat.indicators._adapt import Indicator, check_number, frozen, run

__all__ = ["FVG", "calculate_fvg"]

_OUT = (
    "fvg_bullish_start",
    "fvg_bullish_end",
    "fvg_bearish_start",
    "fvg_bearish_end",
    "fvg_gap_size",
    "fvg_gap_percent",
    "fvg_bullish",
    "fvg_bearish",
)


class FVG(Indicator):
    """project-x-py's FVG (``fvg_bullish_start``... ``fvg_bearish``, ``fvg_mitigated`` with
    ``check_mitigation``); values from projectx.indicators.FVG_ZONES."""

    title = "FVG"
    description_text = "Fair Value Gap - price imbalance areas"
    parameters = frozen(
        {
            "high_column": "high",
            "low_column": "low",
            "close_column": "close",
            "min_gap_size": 0.0,
            "min_gap_percent": 0.0,
            "check_mitigation": False,
            "mitigation_threshold": 0.5,
        }
    )

    def compute(self, data: pl.DataFrame, **params: Any) -> pl.DataFrame:
        """The gaps' edges (start = the first candle's edge), size, percent and flags."""
        size = check_number("min_gap_size", params["min_gap_size"])
        pct = check_number("min_gap_percent", params["min_gap_percent"])
        thr = check_number("mitigation_threshold", params["mitigation_threshold"])
        mitigation = bool(params["check_mitigation"])

        def calc(f: pl.DataFrame) -> pl.DataFrame:
            z = core.FVG_ZONES(f, min_gap=max(size, 0.0), min_gap_percent=max(pct, 0.0))
            bull, bear = pl.col("fvg_bull").fill_null(False), pl.col("fvg_bear").fill_null(False)
            z = z.with_columns(
                pl.when(bull).then(pl.col("fvg_bottom")).alias("fvg_bullish_start"),
                pl.when(bull).then(pl.col("fvg_top")).alias("fvg_bullish_end"),
                pl.when(bear).then(pl.col("fvg_top")).alias("fvg_bearish_start"),
                pl.when(bear).then(pl.col("fvg_bottom")).alias("fvg_bearish_end"),
                pl.col("fvg_size").alias("fvg_gap_size"),
                pl.col("fvg_percent").alias("fvg_gap_percent"),
                pl.col("fvg_bull").alias("fvg_bullish"),
                pl.col("fvg_bear").alias("fvg_bearish"),
            )
            if mitigation:
                z = z.with_columns(
                    core.zone_mitigated(
                        z,
                        bull="fvg_bull",
                        bear="fvg_bear",
                        top="fvg_top",
                        bottom="fvg_bottom",
                        threshold=thr,
                    ).alias("fvg_mitigated")
                )
            return z

        names = {c: c for c in _OUT} | ({"fvg_mitigated": "fvg_mitigated"} if mitigation else {})
        inputs = {"high": params["high_column"], "low": params["low_column"]}
        inputs["close"] = params["close_column"]
        return run(data, inputs, calc, names, min_rows=3)


def calculate_fvg(
    data: pl.DataFrame,
    high_column: str = "high",
    low_column: str = "low",
    close_column: str = "close",
    min_gap_size: float = 0.0,
    min_gap_percent: float = 0.0,
    check_mitigation: bool = False,
    mitigation_threshold: float = 0.5,
) -> pl.DataFrame:
    """project-x-py's ``calculate_fvg``; values from projectx.indicators.FVG_ZONES."""
    return FVG().calculate(
        data,
        high_column=high_column,
        low_column=low_column,
        close_column=close_column,
        min_gap_size=min_gap_size,
        min_gap_percent=min_gap_percent,
        check_mitigation=check_mitigation,
        mitigation_threshold=mitigation_threshold,
    )
