"""project-x-py's volatility indicators (``project_x_py.indicators.volatility``) over
:mod:`projectx.indicators` (Wilder's ATR, TA-Lib's values) under project-x-py's column names
(``atr_14``, ``di_plus_14``...)."""

from __future__ import annotations

import math
from typing import Any

import polars as pl

import projectx.indicators as core
from projectx.compat.indicators import momentum
from projectx.compat.indicators._adapt import HLC_COLUMNS as _HLC
from projectx.compat.indicators._adapt import Indicator, check_period, frozen, run
from projectx.compat.indicators._adapt import hlc_columns as _hlc
from projectx.compat.indicators.base import IndicatorError, VolatilityIndicator

__all__ = [
    "ADX",
    "ATR",
    "NATR",
    "STDDEV",
    "TRANGE",
    "ULTOSC",
    "calculate_adx",
    "calculate_atr",
    "calculate_stddev",
]


class ATR(Indicator, VolatilityIndicator):
    """project-x-py's ATR (``atr_{period}``); values from projectx.indicators.ATR (Wilder)."""

    title = "ATR"
    description_text = "Average True Range - market volatility"
    parameters = frozen({**_HLC, "period": 14})
    core_name, stem = "ATR", "atr"

    def compute(self, data: pl.DataFrame, **params: Any) -> pl.DataFrame:
        """``{stem}_{period}``."""
        p = check_period("Period", params["period"])
        func = getattr(core, self.core_name)
        return run(
            data,
            _hlc(params),
            lambda f: func(f, period=p),
            {self.core_name.lower(): f"{self.stem}_{p}"},
            min_rows=2,
        )


class NATR(ATR):
    """project-x-py's NATR (``natr_{period}``); values from projectx.indicators.NATR."""

    title = "NATR"
    description_text = "Normalized Average True Range - ATR as percentage of close"
    core_name, stem = "NATR", "natr"


class ADX(Indicator, VolatilityIndicator):
    """project-x-py's volatility-module ADX (``di_plus_{p}``, ``di_minus_{p}``, ``adx_{p}``);
    values from projectx.indicators.PLUS_DI, MINUS_DI and ADX."""

    title = "ADX"
    description_text = "Average Directional Index - trend strength"
    parameters = frozen({**_HLC, "period": 14})

    def compute(self, data: pl.DataFrame, **params: Any) -> pl.DataFrame:
        """The two directional indicators and ADX."""
        p = check_period("Period", params["period"])

        def calc(f: pl.DataFrame) -> pl.DataFrame:
            return core.ADX(core.MINUS_DI(core.PLUS_DI(f, period=p), period=p), period=p)

        names = {"plus_di": f"di_plus_{p}", "minus_di": f"di_minus_{p}", "adx": f"adx_{p}"}
        return run(data, _hlc(params), calc, names, min_rows=2)


class TRANGE(Indicator, VolatilityIndicator):
    """project-x-py's TRANGE (``trange``); values from projectx.indicators.TRANGE."""

    title = "TRANGE"
    description_text = "True Range - range of price movement for a single period"
    parameters = frozen(dict(_HLC))

    def compute(self, data: pl.DataFrame, **params: Any) -> pl.DataFrame:
        """``trange``."""
        return run(data, _hlc(params), core.TRANGE, {"trange": "trange"}, min_rows=2)


class STDDEV(Indicator, VolatilityIndicator):
    """project-x-py's STDDEV (``stddev_{period}``, ``ddof`` 1 = sample by default); values from
    projectx.indicators.STDDEV, scaled by ``sqrt(period / (period - ddof))``."""

    title = "STDDEV"
    description_text = "Standard Deviation - dispersion of prices"
    parameters = frozen({"column": "close", "period": 5, "ddof": 1})

    def compute(self, data: pl.DataFrame, **params: Any) -> pl.DataFrame:
        """``stddev_{period}`` of ``column``."""
        p = check_period("Period", params["period"], 2)
        ddof = params["ddof"]
        if isinstance(ddof, bool) or not isinstance(ddof, int) or not 0 <= ddof < p:
            raise IndicatorError(f"ddof must be an integer in [0, period), got {ddof!r}")
        scale = math.sqrt(p / (p - ddof))
        return run(
            data,
            {"close": params["column"]},
            lambda f: core.STDDEV(f, period=p, nbdev=scale),
            {"stddev": f"stddev_{p}"},
            min_rows=p,
        )


class ULTOSC(momentum.ULTOSC, VolatilityIndicator):
    """project-x-py's volatility-module ULTOSC (no period order required); values from
    projectx.indicators.ULTOSC."""

    ascending = False


def calculate_atr(
    data: pl.DataFrame,
    high_column: str = "high",
    low_column: str = "low",
    close_column: str = "close",
    period: int = 14,
) -> pl.DataFrame:
    """project-x-py's ``calculate_atr``; values from projectx.indicators.ATR."""
    return ATR().calculate(
        data,
        high_column=high_column,
        low_column=low_column,
        close_column=close_column,
        period=period,
    )


def calculate_adx(
    data: pl.DataFrame,
    high_column: str = "high",
    low_column: str = "low",
    close_column: str = "close",
    period: int = 14,
) -> pl.DataFrame:
    """project-x-py's volatility ``calculate_adx``; values from projectx.indicators.ADX."""
    return ADX().calculate(
        data,
        high_column=high_column,
        low_column=low_column,
        close_column=close_column,
        period=period,
    )


def calculate_stddev(
    data: pl.DataFrame, column: str = "close", period: int = 5, ddof: int = 1
) -> pl.DataFrame:
    """project-x-py's ``calculate_stddev``; values from projectx.indicators.STDDEV."""
    return STDDEV().calculate(data, column=column, period=period, ddof=ddof)
