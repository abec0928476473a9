"""project-x-py's volume indicators (``project_x_py.indicators.volume``) over
:mod:`projectx.indicators` (TA-Lib's OBV/AD/ADOSC; VWAP over the whole frame or a window)."""

from __future__ import annotations

from typing import Any

import polars as pl

import projectx.indicators as core
from projectx.compat.indicators._adapt import Indicator, check_period, frozen, integral_like, run
from projectx.compat.indicators.base import IndicatorError, VolumeIndicator
from projectx.indicators.rolling import rolling_vwap

__all__ = ["AD", "ADOSC", "OBV", "VWAP", "calculate_obv", "calculate_vwap"]

_HLCV = {
    "high_column": "high",
    "low_column": "low",
    "close_column": "close",
    "volume_column": "volume",
}


def _hlcv(params: dict[str, Any]) -> dict[str, str]:
    return {
        "high": params["high_column"],
        "low": params["low_column"],
        "close": params["close_column"],
        "volume": params["volume_column"],
    }


class OBV(Indicator, VolumeIndicator):
    """project-x-py's OBV (``obv``); values from projectx.indicators.OBV (TA-Lib's: the first
    bar's volume is the starting value)."""

    title = "OBV"
    description_text = "On-Balance Volume - volume related to price change"
    parameters = frozen({"close_column": "close", "volume_column": "volume"})

    def compute(self, data: pl.DataFrame, **params: Any) -> pl.DataFrame:
        """``obv``."""
        inputs = {"close": params["close_column"], "volume": params["volume_column"]}
        out = run(data, inputs, core.OBV, {"obv": "obv"}, min_rows=2)
        return integral_like(out, "obv", data, params["volume_column"])


class VWAP(Indicator, VolumeIndicator):
    """project-x-py's VWAP: ``vwap`` over the whole frame (projectx.indicators.VWAP with
    ``anchor=None``) or ``vwap_{period}`` over the last ``period`` bars
    (projectx.indicators.rolling.rolling_vwap)."""

    title = "VWAP"
    description_text = "Volume Weighted Average Price"
    parameters = frozen({**_HLCV, "period": None})

    def compute(self, data: pl.DataFrame, **params: Any) -> pl.DataFrame:
        """``vwap`` or ``vwap_{period}``."""
        period = params["period"]
        if period is None:
            return run(data, _hlcv(params), lambda f: core.VWAP(f, anchor=None), {"vwap": "vwap"})
        p = check_period("Period", period)
        name = f"vwap_{p}"
        return run(
            data, _hlcv(params), lambda f: rolling_vwap(f, period=p), {name: name}, min_rows=p
        )


class AD(Indicator, VolumeIndicator):
    """project-x-py's AD (``ad``); values from projectx.indicators.AD."""

    title = "AD"
    description_text = "Accumulation/Distribution Line"
    parameters = frozen(dict(_HLCV))

    def compute(self, data: pl.DataFrame, **params: Any) -> pl.DataFrame:
        """``ad``."""
        return run(data, _hlcv(params), core.AD, {"ad": "ad"})


class ADOSC(Indicator, VolumeIndicator):
    """project-x-py's ADOSC (``adosc_{fast}_{slow}``); values from projectx.indicators.ADOSC."""

    title = "ADOSC"
    description_text = "Accumulation/Distribution Oscillator"
    parameters = frozen({**_HLCV, "fast_period": 3, "slow_period": 10})

    def compute(self, data: pl.DataFrame, **params: Any) -> pl.DataFrame:
        """``adosc_{fast}_{slow}``."""
        fast = check_period("fast_period", params["fast_period"])
        slow = check_period("slow_period", params["slow_period"])
        if fast >= slow:
            raise IndicatorError("Fast period must be less than slow period")
        return run(
            data,
            _hlcv(params),
            lambda f: core.ADOSC(f, fastperiod=fast, slowperiod=slow),
            {"adosc": f"adosc_{fast}_{slow}"},
        )


def calculate_obv(
    data: pl.DataFrame, close_column: str = "close", volume_column: str = "volume"
) -> pl.DataFrame:
    """project-x-py's ``calculate_obv``; values from projectx.indicators.OBV."""
    return OBV().calculate(data, close_column=close_column, volume_column=volume_column)


def calculate_vwap(
    data: pl.DataFrame,
    high_column: str = "high",
    low_column: str = "low",
    close_column: str = "close",
    volume_column: str = "volume",
    period: int | None = None,
) -> pl.DataFrame:
    """project-x-py's ``calculate_vwap``; values from projectx.indicators.VWAP / rolling_vwap."""
    return VWAP().calculate(
        data,
        high_column=high_column,
        low_column=low_column,
        close_column=close_column,
        volume_column=volume_column,
        period=period,
    )
