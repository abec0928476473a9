"""project-x-py's overlap studies (``project_x_py.indicators.overlap``) over
:mod:`projectx.indicators.overlap`: TA-Lib's values under project-x-py's column names
(``sma_20``, ``bb_upper_20``...)."""

from __future__ import annotations

from typing import Any

import polars as pl

from projectx.compat.indicators._adapt import (
    Indicator,
    check_frame,
    check_number,
    check_period,
    frozen,
    matype,
    run,
)
from projectx.compat.indicators.base import IndicatorError, OverlapIndicator
from projectx.indicators import overlap as core

__all__ = [
    "BBANDS",
    "DEMA",
    "EMA",
    "HT_TRENDLINE",
    "KAMA",
    "MA",
    "MAMA",
    "MAVP",
    "MIDPOINT",
    "MIDPRICE",
    "SAR",
    "SAREXT",
    "SMA",
    "T3",
    "TEMA",
    "TRIMA",
    "WMA",
    "calculate_bollinger_bands",
    "calculate_dema",
    "calculate_ema",
    "calculate_ht_trendline",
    "calculate_kama",
    "calculate_ma",
    "calculate_mama",
    "calculate_midpoint",
    "calculate_midprice",
    "calculate_sar",
    "calculate_sma",
    "calculate_t3",
    "calculate_tema",
    "calculate_trima",
    "calculate_wma",
]

_CLOSE = {"column": "close", "period": 20}


def _ma(data: Any, column: str, period: int, code: int, name: str, min_rows: int) -> pl.DataFrame:
    p = check_period("Period", period)
    return run(
        data,
        {"close": column},
        lambda f: core.MA(f, period=p, matype=code),
        {"ma": f"{name}_{p}"},
        min_rows=min_rows if min_rows else 1,
    )


class SMA(Indicator, OverlapIndicator):
    """project-x-py's SMA (``sma_{period}``); values from projectx.indicators.SMA."""

    title = "SMA"
    description_text = "Simple Moving Average - arithmetic mean of prices over a period"
    parameters = frozen(dict(_CLOSE))

    def compute(self, data: pl.DataFrame, **params: Any) -> pl.DataFrame:
        """``sma_{period}`` of ``column``."""
        return _ma(data, params["column"], params["period"], 0, "sma", params["period"])


class EMA(Indicator, OverlapIndicator):
    """project-x-py's EMA (``ema_{period}``); values from projectx.indicators.EMA."""

    title = "EMA"
    description_text = "Exponential Moving Average - weighted moving average"
    parameters = frozen(dict(_CLOSE))

    def compute(self, data: pl.DataFrame, **params: Any) -> pl.DataFrame:
        """``ema_{period}`` of ``column``."""
        return _ma(data, params["column"], params["period"], 1, "ema", 0)


class WMA(Indicator, OverlapIndicator):
    """project-x-py's WMA (``wma_{period}``); values from projectx.indicators.WMA."""

    title = "WMA"
    description_text = "Weighted Moving Average - linear weighted moving average"
    parameters = frozen(dict(_CLOSE))

    def compute(self, data: pl.DataFrame, **params: Any) -> pl.DataFrame:
        """``wma_{period}`` of ``column``."""
        return _ma(data, params["column"], params["period"], 2, "wma", params["period"])


class DEMA(Indicator, OverlapIndicator):
    """project-x-py's DEMA (``dema_{period}``); values from projectx.indicators.DEMA."""

    title = "DEMA"
    description_text = "Double Exponential Moving Average - reduces lag of traditional EMA"
    parameters = frozen(dict(_CLOSE))

    def compute(self, data: pl.DataFrame, **params: Any) -> pl.DataFrame:
        """``dema_{period}`` of ``column``."""
        return _ma(data, params["column"], params["period"], 3, "dema", 0)


class TEMA(Indicator, OverlapIndicator):
    """project-x-py's TEMA (``tema_{period}``); values from projectx.indicators.TEMA."""

    title = "TEMA"
    description_text = "Triple Exponential Moving Average - further reduces lag"
    parameters = frozen(dict(_CLOSE))

    def compute(self, data: pl.DataFrame, **params: Any) -> pl.DataFrame:
        """``tema_{period}`` of ``column``."""
        return _ma(data, params["column"], params["period"], 4, "tema", 0)


class TRIMA(Indicator, OverlapIndicator):
    """project-x-py's TRIMA (``trima_{period}``); values from projectx.indicators.TRIMA."""

    title = "TRIMA"
    description_text = "Triangular Moving Average - double smoothed moving average"
    parameters = frozen(dict(_CLOSE))

    def compute(self, data: pl.DataFrame, **params: Any) -> pl.DataFrame:
        """``trima_{period}`` of ``column``."""
        return _ma(data, params["column"], params["period"], 5, "trima", 0)


class T3(Indicator, OverlapIndicator):
    """project-x-py's T3 (``t3_{period}``); values from projectx.indicators.T3."""

    title = "T3"
    description_text = "Triple Exponential Moving Average (T3) - Tillson T3 moving average"
    parameters = frozen({"column": "close", "period": 5, "v_factor": 0.7})

    def compute(self, data: pl.DataFrame, **params: Any) -> pl.DataFrame:
        """``t3_{period}`` of ``column`` with volume factor ``v_factor``."""
        p = check_period("Period", params["period"])
        v = check_number("v_factor", params["v_factor"])
        return run(
            data,
            {"close": params["column"]},
            lambda f: core.T3(f, period=p, vfactor=v),
            {"t3": f"t3_{p}"},
        )


class MA(Indicator, OverlapIndicator):
    """project-x-py's MA: ``ma_type``'s column (``sma_30``, ``ema_30``...); values from
    projectx.indicators.MA (every TA-Lib type: sma ema wma dema tema trima kama mama t3)."""

    title = "MA"
    description_text = "Moving Average - generic moving average with selectable type"
    parameters = frozen({"column": "close", "period": 30, "ma_type": "sma"})

    def compute(self, data: pl.DataFrame, **params: Any) -> pl.DataFrame:
        """``{ma_type}_{period}`` of ``column``."""
        code = matype(params["ma_type"])
        name = str(params["ma_type"]).lower()
        return _ma(data, params["column"], params["period"], code, name, 0)


class BBANDS(Indicator, OverlapIndicator):
    """project-x-py's Bollinger Bands (``bb_middle_{p}``, ``bb_upper_{p}``, ``bb_lower_{p}``);
    values from projectx.indicators.BBANDS (population standard deviation, as Bollinger)."""

    title = "BBANDS"
    description_text = "Bollinger Bands - moving average with standard deviation bands"
    parameters = frozen({"column": "close", "period": 20, "std_dev": 2.0})

    def compute(self, data: pl.DataFrame, **params: Any) -> pl.DataFrame:
        """The three bands of ``column``, ``std_dev`` deviations apart."""
        p = check_period("Period", params["period"], 2)
        k = check_number("std_dev", params["std_dev"], positive=True)
        return run(
            data,
            {"close": params["column"]},
            lambda f: core.BBANDS(f, period=p, nbdevup=k, nbdevdn=k),
            {
                "middleband": f"bb_middle_{p}",
                "upperband": f"bb_upper_{p}",
                "lowerband": f"bb_lower_{p}",
            },
            min_rows=p,
        )


class MIDPOINT(Indicator, OverlapIndicator):
    """project-x-py's MIDPOINT (``midpoint_{period}``); values from projectx.indicators.MIDPOINT."""

    title = "MIDPOINT"
    description_text = "Midpoint - average of highest and lowest value over period"
    parameters = frozen({"column": "close", "period": 14})

    def compute(self, data: pl.DataFrame, **params: Any) -> pl.DataFrame:
        """``midpoint_{period}`` of ``column``."""
        p = check_period("Period", params["period"])
        return run(
            data,
            {"close": params["column"]},
            lambda f: core.MIDPOINT(f, period=p),
            {"midpoint": f"midpoint_{p}"},
            min_rows=p,
        )


class MIDPRICE(Indicator, OverlapIndicator):
    """project-x-py's MIDPRICE (``midprice_{period}``); values from projectx.indicators.MIDPRICE."""

    title = "MIDPRICE"
    description_text = "Midpoint Price - average of highest high and lowest low over period"
    parameters = frozen({"high_column": "high", "low_column": "low", "period": 14})

    def compute(self, data: pl.DataFrame, **params: Any) -> pl.DataFrame:
        """``midprice_{period}`` of the high and low columns."""
        p = check_period("Period", params["period"])
        return run(
            data,
            {"high": params["high_column"], "low": params["low_column"]},
            lambda f: core.MIDPRICE(f, period=p),
            {"midprice": f"midprice_{p}"},
            min_rows=p,
        )


class HT_TRENDLINE(Indicator, OverlapIndicator):
    """project-x-py's HT_TRENDLINE (``ht_trendline``); values from projectx.indicators
    .HT_TRENDLINE (the Hilbert transform trendline; project-x-py's was an EMA)."""

    title = "HT_TRENDLINE"
    description_text = "Hilbert Transform - Instantaneous Trendline"
    parameters = frozen({"column": "close"})

    def compute(self, data: pl.DataFrame, **params: Any) -> pl.DataFrame:
        """``ht_trendline`` of ``column``."""
        return run(
            data, {"close": params["column"]}, core.HT_TRENDLINE, {"ht_trendline": "ht_trendline"}
        )


class KAMA(Indicator, OverlapIndicator):
    """project-x-py's KAMA (``kama_{period}``); values from projectx.indicators.KAMA, whose
    smoothing constants are TA-Lib's 2 and 30 (the defaults; other ``fast_sc``/``slow_sc``
    raise IndicatorError)."""

    title = "KAMA"
    description_text = "Kaufman Adaptive Moving Average - adapts to market volatility"
    parameters = frozen({"column": "close", "period": 30, "fast_sc": 2.0, "slow_sc": 30.0})

    def compute(self, data: pl.DataFrame, **params: Any) -> pl.DataFrame:
        """``kama_{period}`` of ``column``."""
        p = check_period("Period", params["period"], 2)
        fast = check_number("fast_sc", params["fast_sc"], positive=True)
        slow = check_number("slow_sc", params["slow_sc"], positive=True)
        if (fast, slow) != (2.0, 30.0):
            raise IndicatorError("KAMA: only fast_sc=2 and slow_sc=30 (TA-Lib's) are supported")
        return run(
            data,
            {"close": params["column"]},
            lambda f: core.KAMA(f, period=p),
            {"kama": f"kama_{p}"},
        )


class MAMA(Indicator, OverlapIndicator):
    """project-x-py's MAMA (``mama``, ``fama``); values from projectx.indicators.MAMA (Ehlers'
    MESA adaptive average; project-x-py's used a fixed smoothing)."""

    title = "MAMA"
    description_text = "MESA Adaptive Moving Average - adapts to the dominant cycle"
    parameters = frozen({"column": "close", "fast_limit": 0.5, "slow_limit": 0.05})

    def compute(self, data: pl.DataFrame, **params: Any) -> pl.DataFrame:
        """``mama`` and ``fama`` of ``column``."""
        fast = check_number("fast_limit", params["fast_limit"], positive=True)
        slow = check_number("slow_limit", params["slow_limit"], positive=True)
        return run(
            data,
            {"close": params["column"]},
            lambda f: core.MAMA(f, fastlimit=fast, slowlimit=slow),
            {"mama": "mama", "fama": "fama"},
        )


class MAVP(Indicator, OverlapIndicator):
    """project-x-py's MAVP (``mavp``); values from projectx.indicators.MAVP, each bar's period
    read from ``periods_column`` (added as ``min_period`` when absent, as project-x-py does)."""

    title = "MAVP"
    description_text = "Moving Average with Variable Period"
    parameters = frozen(
        {
            "column": "close",
            "periods_column": "periods",
            "min_period": 2,
            "max_period": 30,
            "ma_type": "sma",
        }
    )

    def compute(self, data: pl.DataFrame, **params: Any) -> pl.DataFrame:
        """``mavp`` of ``column`` over each bar's period, clipped to the period bounds."""
        lo = check_period("min_period", params["min_period"], 2)
        hi = check_period("max_period", params["max_period"], 2)
        code = matype(params["ma_type"])
        frame = check_frame(data, [params["column"]])
        periods = params["periods_column"]
        if not isinstance(periods, str):
            raise IndicatorError(f"periods_column must be a str, got {periods!r}")
        if periods not in frame.columns:
            frame = frame.with_columns(pl.lit(lo).alias(periods))
        return run(
            frame,
            {"close": params["column"], "periods": periods},
            lambda f: core.MAVP(f, minperiod=lo, maxperiod=hi, matype=code),
            {"mavp": "mavp"},
        )


class SAR(Indicator, OverlapIndicator):
    """project-x-py's parabolic SAR (``sar``); values from projectx.indicators.SAR."""

    title = "SAR"
    description_text = "Parabolic SAR - stop and reverse system for trend following"
    parameters = frozen(
        {"high_column": "high", "low_column": "low", "acceleration": 0.02, "maximum": 0.2}
    )

    def compute(self, data: pl.DataFrame, **params: Any) -> pl.DataFrame:
        """``sar`` of the high and low columns."""
        acc = check_number("acceleration", params["acceleration"])
        mx = check_number("maximum", params["maximum"])
        return run(
            data,
            {"high": params["high_column"], "low": params["low_column"]},
            lambda f: core.SAR(f, acceleration=acc, maximum=mx),
            {"sar": "sar"},
        )


_SAREXT = {
    "start_value": "startvalue",
    "offset_on_reverse": "offsetonreverse",
    "acceleration_init_long": "accelerationinitlong",
    "acceleration_long": "accelerationlong",
    "acceleration_max_long": "accelerationmaxlong",
    "acceleration_init_short": "accelerationinitshort",
    "acceleration_short": "accelerationshort",
    "acceleration_max_short": "accelerationmaxshort",
}


class SAREXT(Indicator, OverlapIndicator):
    """project-x-py's SAREXT (``sarext``); values from projectx.indicators.SAREXT with every
    parameter honoured, as a positive price (TA-Lib signs short positions negative)."""

    title = "SAREXT"
    description_text = "Parabolic SAR - Extended with additional parameters"
    parameters = frozen(
        {
            "high_column": "high",
            "low_column": "low",
            "start_value": 0.0,
            "offset_on_reverse": 0.0,
            "acceleration_init_long": 0.02,
            "acceleration_long": 0.02,
            "acceleration_max_long": 0.2,
            "acceleration_init_short": 0.02,
            "acceleration_short": 0.02,
            "acceleration_max_short": 0.2,
            "acceleration": 0.02,
            "maximum": 0.2,
        }
    )

    def calculate(self, data: pl.DataFrame, **kwargs: Any) -> pl.DataFrame:
        """``sarext``; project-x-py's class also reads ``acceleration`` and ``maximum``, which
        set the long and short steps and caps unless those are given."""
        steps: tuple[str, ...] = ("acceleration_init_long", "acceleration_long")
        steps += ("acceleration_init_short", "acceleration_short")
        caps = ("acceleration_max_long", "acceleration_max_short")
        for key, targets in (("acceleration", steps), ("maximum", caps)):
            if key in kwargs:
                for target in targets:
                    kwargs.setdefault(target, kwargs[key])
        return super().calculate(data, **kwargs)

    def compute(self, data: pl.DataFrame, **params: Any) -> pl.DataFrame:
        """``sarext`` of the high and low columns."""
        kw: dict[str, Any] = {
            core_name: check_number(ours, params[ours]) for ours, core_name in _SAREXT.items()
        }

        def sarext(f: pl.DataFrame) -> pl.DataFrame:
            return core.SAREXT(f, **kw).with_columns(pl.col("sarext").abs())

        return run(
            data,
            {"high": params["high_column"], "low": params["low_column"]},
            sarext,
            {"sarext": "sarext"},
        )


def calculate_sma(data: pl.DataFrame, column: str = "close", period: int = 20) -> pl.DataFrame:
    """project-x-py's ``calculate_sma``; values from projectx.indicators.SMA."""
    return SMA().calculate(data, column=column, period=period)


def calculate_ema(data: pl.DataFrame, column: str = "close", period: int = 20) -> pl.DataFrame:
    """project-x-py's ``calculate_ema``; values from projectx.indicators.EMA."""
    return EMA().calculate(data, column=column, period=period)


def calculate_bollinger_bands(
    data: pl.DataFrame, column: str = "close", period: int = 20, std_dev: float = 2.0
) -> pl.DataFrame:
    """project-x-py's ``calculate_bollinger_bands``; values from projectx.indicators.BBANDS."""
    return BBANDS().calculate(data, column=column, period=period, std_dev=std_dev)


def calculate_dema(data: pl.DataFrame, column: str = "close", period: int = 20) -> pl.DataFrame:
    """project-x-py's ``calculate_dema``; values from projectx.indicators.DEMA."""
    return DEMA().calculate(data, column=column, period=period)


def calculate_tema(data: pl.DataFrame, column: str = "close", period: int = 20) -> pl.DataFrame:
    """project-x-py's ``calculate_tema``; values from projectx.indicators.TEMA."""
    return TEMA().calculate(data, column=column, period=period)


def calculate_wma(data: pl.DataFrame, column: str = "close", period: int = 20) -> pl.DataFrame:
    """project-x-py's ``calculate_wma``; values from projectx.indicators.WMA."""
    return WMA().calculate(data, column=column, period=period)


def calculate_midpoint(data: pl.DataFrame, column: str = "close", period: int = 14) -> pl.DataFrame:
    """project-x-py's ``calculate_midpoint``; values from projectx.indicators.MIDPOINT."""
    return MIDPOINT().calculate(data, column=column, period=period)


def calculate_midprice(
    data: pl.DataFrame, high_column: str = "high", low_column: str = "low", period: int = 14
) -> pl.DataFrame:
    """project-x-py's ``calculate_midprice``; values from projectx.indicators.MIDPRICE."""
    return MIDPRICE().calculate(data, high_column=high_column, low_column=low_column, period=period)


def calculate_ht_trendline(data: pl.DataFrame, column: str = "close") -> pl.DataFrame:
    """project-x-py's ``calculate_ht_trendline``; values from projectx.indicators.HT_TRENDLINE."""
    return HT_TRENDLINE().calculate(data, column=column)


def calculate_kama(
    data: pl.DataFrame,
    column: str = "close",
    period: int = 30,
    fast_sc: float = 2.0,
    slow_sc: float = 30.0,
) -> pl.DataFrame:
    """project-x-py's ``calculate_kama``; values from projectx.indicators.KAMA."""
    return KAMA().calculate(data, column=column, period=period, fast_sc=fast_sc, slow_sc=slow_sc)


def calculate_ma(
    data: pl.DataFrame, column: str = "close", period: int = 30, ma_type: str = "sma"
) -> pl.DataFrame:
    """project-x-py's ``calculate_ma``; values from projectx.indicators.MA."""
    return MA().calculate(data, column=column, period=period, ma_type=ma_type)


def calculate_mama(
    data: pl.DataFrame, column: str = "close", fast_limit: float = 0.5, slow_limit: float = 0.05
) -> pl.DataFrame:
    """project-x-py's ``calculate_mama``; values from projectx.indicators.MAMA."""
    return MAMA().calculate(data, column=column, fast_limit=fast_limit, slow_limit=slow_limit)


def calculate_sar(
    data: pl.DataFrame,
    high_column: str = "high",
    low_column: str = "low",
    acceleration: float = 0.02,
    maximum: float = 0.2,
) -> pl.DataFrame:
    """project-x-py's ``calculate_sar``; values from projectx.indicators.SAR."""
    return SAR().calculate(
        data,
        high_column=high_column,
        low_column=low_column,
        acceleration=acceleration,
        maximum=maximum,
    )


def calculate_t3(
    data: pl.DataFrame, column: str = "close", period: int = 5, v_factor: float = 0.7
) -> pl.DataFrame:
    """project-x-py's ``calculate_t3``; values from projectx.indicators.T3."""
    return T3().calculate(data, column=column, period=period, v_factor=v_factor)


def calculate_trima(data: pl.DataFrame, column: str = "close", period: int = 20) -> pl.DataFrame:
    """project-x-py's ``calculate_trima``; values from projectx.indicators.TRIMA."""
    return TRIMA().calculate(data, column=column, period=period)
