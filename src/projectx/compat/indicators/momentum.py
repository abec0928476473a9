"""project-x-py's momentum indicators (``project_x_py.indicators.momentum``) over
:mod:`projectx.indicators` (momentum group): TA-Lib's values (Wilder's RSI/ADX, seeded EMAs)
under project-x-py's column names (``rsi_14``, ``macd_signal``, ``stoch_k_14``...)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import polars as pl

import projectx.indicators as core
from projectx.compat.indicators._adapt import HL_COLUMNS as _HL
from projectx.compat.indicators._adapt import HLC_COLUMNS as _HLC
from projectx.compat.indicators._adapt import (
    Indicator,
    check_number,
    check_period,
    frozen,
    run,
)
from projectx.compat.indicators._adapt import hl_columns as _hl
from projectx.compat.indicators._adapt import hlc_columns as _hlc
from projectx.compat.indicators._macd_family import (
    APO,
    MACD,
    MACDEXT,
    MACDFIX,
    PPO,
    ULTOSC,
)
from projectx.compat.indicators.base import MomentumIndicator

__all__ = [
    "ADX",
    "ADXR",
    "APO",
    "AROON",
    "AROONOSC",
    "BOP",
    "CCI",
    "CMO",
    "DX",
    "MACD",
    "MACDEXT",
    "MACDFIX",
    "MFI",
    "MINUS_DI",
    "MINUS_DM",
    "MOM",
    "PLUS_DI",
    "PLUS_DM",
    "PPO",
    "ROC",
    "ROCP",
    "ROCR",
    "ROCR100",
    "RSI",
    "STOCH",
    "STOCHF",
    "STOCHRSI",
    "TRIX",
    "ULTOSC",
    "WILLR",
    "calculate_adx",
    "calculate_aroon",
    "calculate_commodity_channel_index",
    "calculate_macd",
    "calculate_money_flow_index",
    "calculate_ppo",
    "calculate_rsi",
    "calculate_stochastic",
    "calculate_ultimate_oscillator",
    "calculate_williams_r",
]


class _PeriodOfColumn(Indicator, MomentumIndicator):
    """One core output of one column over ``period`` bars, named ``{name}_{period}``."""

    name_stem = ""
    core_name = ""

    def min_rows(self, period: int) -> int:
        """project-x-py's minimum frame length for ``period``."""
        return period + 1

    def compute(self, data: pl.DataFrame, **params: Any) -> pl.DataFrame:
        """``{name}_{period}`` of ``column``."""
        p = check_period("Period", params["period"])
        func: Callable[..., pl.DataFrame] = getattr(core, self.core_name)
        return run(
            data,
            {"close": params["column"]},
            lambda f: func(f, period=p),
            {self.core_name.lower(): f"{self.name_stem}_{p}"},
            min_rows=self.min_rows(p),
        )


class RSI(_PeriodOfColumn):
    """project-x-py's RSI (``rsi_{period}``); values from projectx.indicators.RSI (Wilder)."""

    title = "RSI"
    description_text = "Relative Strength Index - momentum oscillator"
    parameters = frozen({"column": "close", "period": 14})
    core_name, name_stem = "RSI", "rsi"


class CMO(_PeriodOfColumn):
    """project-x-py's CMO (``cmo_{period}``); values from projectx.indicators.CMO."""

    title = "CMO"
    description_text = "Chande Momentum Oscillator"
    parameters = frozen({"column": "close", "period": 14})
    core_name, name_stem = "CMO", "cmo"


class MOM(_PeriodOfColumn):
    """project-x-py's MOM (``mom_{period}``); values from projectx.indicators.MOM."""

    title = "MOM"
    description_text = "Momentum - change in price over a period"
    parameters = frozen({"column": "close", "period": 10})
    core_name, name_stem = "MOM", "mom"


class ROC(_PeriodOfColumn):
    """project-x-py's ROC (``roc_{period}``); values from projectx.indicators.ROC."""

    title = "ROC"
    description_text = "Rate of Change - percentage change in price"
    parameters = frozen({"column": "close", "period": 10})
    core_name, name_stem = "ROC", "roc"


class ROCP(_PeriodOfColumn):
    """project-x-py's ROCP (``rocp_{period}``); values from projectx.indicators.ROCP."""

    title = "ROCP"
    description_text = "Rate of Change Percentage - (price-prevPrice)/prevPrice"
    parameters = frozen({"column": "close", "period": 10})
    core_name, name_stem = "ROCP", "rocp"


class ROCR(_PeriodOfColumn):
    """project-x-py's ROCR (``rocr_{period}``); values from projectx.indicators.ROCR."""

    title = "ROCR"
    description_text = "Rate of Change Ratio - price/prevPrice"
    parameters = frozen({"column": "close", "period": 10})
    core_name, name_stem = "ROCR", "rocr"


class ROCR100(_PeriodOfColumn):
    """project-x-py's ROCR100 (``rocr100_{period}``); values from projectx.indicators.ROCR100."""

    title = "ROCR100"
    description_text = "Rate of Change Ratio 100 scale - (price/prevPrice)*100"
    parameters = frozen({"column": "close", "period": 10})
    core_name, name_stem = "ROCR100", "rocr100"


class TRIX(_PeriodOfColumn):
    """project-x-py's TRIX (``trix_{period}``); values from projectx.indicators.TRIX (TA-Lib's
    percent scale)."""

    title = "TRIX"
    description_text = "TRIX - 1-day Rate-Of-Change of a Triple Smooth EMA"
    parameters = frozen({"column": "close", "period": 14})
    core_name, name_stem = "TRIX", "trix"

    def min_rows(self, period: int) -> int:
        """project-x-py's minimum frame length for ``period``."""
        return 3 * period + 1


class _Directional(Indicator, MomentumIndicator):
    """The DMI family: core indicators of high/low/close, each named ``{name}_{period}``."""

    parameters = frozen({**_HLC, "period": 14})
    outputs: tuple[tuple[str, str], ...] = ()
    needs_close = True

    def compute(self, data: pl.DataFrame, **params: Any) -> pl.DataFrame:
        """The DMI columns of this indicator."""
        p = check_period("Period", params["period"])

        def calc(f: pl.DataFrame) -> pl.DataFrame:
            for core_name, _ in self.outputs:
                f = getattr(core, core_name)(f, period=p)
            return f

        inputs = _hlc(params) if self.needs_close else _hl(params)
        names = {core_name.lower(): f"{stem}_{p}" for core_name, stem in self.outputs}
        return run(data, inputs, calc, names, min_rows=p + 1)


_DMI = (("PLUS_DI", "plus_di"), ("MINUS_DI", "minus_di"), ("ADX", "adx"))


class ADX(_Directional):
    """project-x-py's ADX (``plus_di_{p}``, ``minus_di_{p}``, ``adx_{p}``); values from
    projectx.indicators.PLUS_DI, MINUS_DI and ADX (Wilder)."""

    title = "ADX"
    description_text = "Average Directional Movement Index - trend strength"
    outputs = _DMI


class ADXR(_Directional):
    """project-x-py's ADXR (ADX's columns and ``adxr_{p}``); values from projectx.indicators."""

    title = "ADXR"
    description_text = "Average Directional Movement Index Rating - smoothed ADX"
    outputs = (*_DMI, ("ADXR", "adxr"))


class DX(_Directional):
    """project-x-py's DX (ADX's columns and ``dx_{p}``); values from projectx.indicators."""

    title = "DX"
    description_text = "Directional Movement Index - measures directional movement"
    outputs = (*_DMI, ("DX", "dx"))


class PLUS_DI(_Directional):
    """project-x-py's PLUS_DI (ADX's three columns, as project-x-py returns them)."""

    title = "PLUS_DI"
    description_text = "Plus Directional Indicator"
    outputs = _DMI


class MINUS_DI(_Directional):
    """project-x-py's MINUS_DI (ADX's three columns, as project-x-py returns them)."""

    title = "MINUS_DI"
    description_text = "Minus Directional Indicator"
    outputs = _DMI


class PLUS_DM(_Directional):
    """project-x-py's PLUS_DM (``plus_dm_{p}``); values from projectx.indicators.PLUS_DM
    (Wilder's smoothed sum, as TA-Lib)."""

    title = "PLUS_DM"
    description_text = "Plus Directional Movement"
    parameters = frozen({**_HL, "period": 14})
    outputs = (("PLUS_DM", "plus_dm"),)
    needs_close = False


class MINUS_DM(_Directional):
    """project-x-py's MINUS_DM (``minus_dm_{p}``); values from projectx.indicators.MINUS_DM."""

    title = "MINUS_DM"
    description_text = "Minus Directional Movement"
    parameters = frozen({**_HL, "period": 14})
    outputs = (("MINUS_DM", "minus_dm"),)
    needs_close = False


class WILLR(Indicator, MomentumIndicator):
    """project-x-py's Williams %R (``williams_r_{period}``); values from
    projectx.indicators.WILLR."""

    title = "WILLR"
    description_text = "Williams %R - overbought/oversold levels"
    parameters = frozen({**_HLC, "period": 14})

    def compute(self, data: pl.DataFrame, **params: Any) -> pl.DataFrame:
        """``williams_r_{period}``."""
        p = check_period("Period", params["period"])
        return run(
            data,
            _hlc(params),
            lambda f: core.WILLR(f, period=p),
            {"willr": f"williams_r_{p}"},
            min_rows=p,
        )


class CCI(Indicator, MomentumIndicator):
    """project-x-py's CCI (``cci_{period}``); values from projectx.indicators.CCI (its constant
    0.015), rescaled to ``constant``."""

    title = "CCI"
    description_text = "Commodity Channel Index"
    parameters = frozen({**_HLC, "period": 20, "constant": 0.015})

    def compute(self, data: pl.DataFrame, **params: Any) -> pl.DataFrame:
        """``cci_{period}``."""
        p = check_period("Period", params["period"])
        k = check_number("constant", params["constant"], positive=True)

        def cci(f: pl.DataFrame) -> pl.DataFrame:
            out = core.CCI(f, period=p)
            return out if k == 0.015 else out.with_columns(pl.col("cci") * (0.015 / k))

        return run(data, _hlc(params), cci, {"cci": f"cci_{p}"}, min_rows=p)


class MFI(Indicator, MomentumIndicator):
    """project-x-py's MFI (``mfi_{period}``); values from projectx.indicators.MFI."""

    title = "MFI"
    description_text = "Money Flow Index - volume-weighted RSI"
    parameters = frozen({**_HLC, "volume_column": "volume", "period": 14})

    def compute(self, data: pl.DataFrame, **params: Any) -> pl.DataFrame:
        """``mfi_{period}``."""
        p = check_period("Period", params["period"])
        inputs = {**_hlc(params), "volume": params["volume_column"]}
        return run(
            data, inputs, lambda f: core.MFI(f, period=p), {"mfi": f"mfi_{p}"}, min_rows=p + 1
        )


class BOP(Indicator, MomentumIndicator):
    """project-x-py's BOP (``bop``); values from projectx.indicators.BOP."""

    title = "BOP"
    description_text = "Balance of Power - buying vs selling pressure"
    parameters = frozen({**_HL, "open_column": "open", "close_column": "close"})

    def compute(self, data: pl.DataFrame, **params: Any) -> pl.DataFrame:
        """``bop``."""
        inputs = {"open": params["open_column"], **_hlc(params)}
        return run(data, inputs, core.BOP, {"bop": "bop"})


class AROON(Indicator, MomentumIndicator):
    """project-x-py's AROON (``aroon_up_{p}``, ``aroon_down_{p}``); values from
    projectx.indicators.AROON."""

    title = "AROON"
    description_text = "Aroon - identifies trend changes"
    parameters = frozen({**_HL, "period": 14})
    oscillator = False

    def compute(self, data: pl.DataFrame, **params: Any) -> pl.DataFrame:
        """The Aroon lines (and the oscillator for AROONOSC)."""
        p = check_period("Period", params["period"])

        def calc(f: pl.DataFrame) -> pl.DataFrame:
            out = core.AROON(f, period=p)
            return core.AROONOSC(out, period=p) if self.oscillator else out

        names = {"aroonup": f"aroon_up_{p}", "aroondown": f"aroon_down_{p}"}
        if self.oscillator:
            names["aroonosc"] = f"aroon_osc_{p}"
        return run(data, _hl(params), calc, names, min_rows=p)


class AROONOSC(AROON):
    """project-x-py's AROONOSC (AROON's columns and ``aroon_osc_{p}``); values from
    projectx.indicators.AROON and AROONOSC."""

    title = "AROONOSC"
    description_text = "Aroon Oscillator - Aroon Up minus Aroon Down"
    oscillator = True


class STOCH(Indicator, MomentumIndicator):
    """project-x-py's STOCH (``stoch_k_{k}``, ``stoch_d_{d}``): the fast stochastic project-x-py
    computes (raw %K, %D its SMA); values from projectx.indicators.STOCHF."""

    title = "STOCH"
    description_text = "Stochastic Oscillator"
    parameters = frozen({**_HLC, "k_period": 14, "d_period": 3})
    stem = "stoch"

    def compute(self, data: pl.DataFrame, **params: Any) -> pl.DataFrame:
        """%K and %D."""
        k = check_period("k_period", params["k_period"])
        d = check_period("d_period", params["d_period"])
        return run(
            data,
            _hlc(params),
            lambda f: core.STOCHF(f, fastk_period=k, fastd_period=d),
            {"fastk": f"{self.stem}_k_{k}", "fastd": f"{self.stem}_d_{d}"},
            min_rows=k,
        )


class STOCHF(STOCH):
    """project-x-py's STOCHF (``stochf_k_{k}``, ``stochf_d_{d}``); values from
    projectx.indicators.STOCHF."""

    title = "STOCHF"
    description_text = "Stochastic Fast"
    stem = "stochf"


class STOCHRSI(Indicator, MomentumIndicator):
    """project-x-py's STOCHRSI (``rsi_{r}``, ``stochrsi_k_{k}``, ``stochrsi_d_{d}``): %K the
    ``k_period`` SMA of the stochastic of RSI, %D its ``d_period`` SMA; values from
    projectx.indicators.RSI, STOCHRSI and SMA."""

    title = "STOCHRSI"
    description_text = "Stochastic RSI"
    parameters = frozen({"column": "close", "rsi_period": 14, "stoch_period": 14, "k_period": 3})
    parameters = frozen({**parameters, "d_period": 3})

    def compute(self, data: pl.DataFrame, **params: Any) -> pl.DataFrame:
        """RSI, %K and %D."""
        r = check_period("rsi_period", params["rsi_period"])
        s = check_period("stoch_period", params["stoch_period"])
        k = check_period("k_period", params["k_period"])
        d = check_period("d_period", params["d_period"])

        def calc(f: pl.DataFrame) -> pl.DataFrame:
            out = core.RSI(f, period=r)
            out = core.STOCHRSI(out, period=r, fastk_period=s, fastd_period=k)
            return core.SMA(out, column="fastd", period=d, prefix="d")

        names = {"rsi": f"rsi_{r}", "fastd": f"stochrsi_k_{k}", "d_sma": f"stochrsi_d_{d}"}
        return run(data, {"close": params["column"]}, calc, names)


def calculate_rsi(data: pl.DataFrame, column: str = "close", period: int = 14) -> pl.DataFrame:
    """project-x-py's ``calculate_rsi``; values from projectx.indicators.RSI."""
    return RSI().calculate(data, column=column, period=period)


def calculate_macd(
    data: pl.DataFrame,
    column: str = "close",
    fast_period: int = 12,
    slow_period: int = 26,
    signal_period: int = 9,
) -> pl.DataFrame:
    """project-x-py's ``calculate_macd``; values from projectx.indicators.MACD."""
    return MACD().calculate(
        data,
        column=column,
        fast_period=fast_period,
        slow_period=slow_period,
        signal_period=signal_period,
    )


def calculate_stochastic(
    data: pl.DataFrame,
    high_column: str = "high",
    low_column: str = "low",
    close_column: str = "close",
    k_period: int = 14,
    d_period: int = 3,
) -> pl.DataFrame:
    """project-x-py's ``calculate_stochastic``; values from projectx.indicators.STOCHF."""
    return STOCH().calculate(
        data,
        high_column=high_column,
        low_column=low_column,
        close_column=close_column,
        k_period=k_period,
        d_period=d_period,
    )


def calculate_williams_r(
    data: pl.DataFrame,
    high_column: str = "high",
    low_column: str = "low",
    close_column: str = "close",
    period: int = 14,
) -> pl.DataFrame:
    """project-x-py's ``calculate_williams_r``; values from projectx.indicators.WILLR."""
    return WILLR().calculate(
        data,
        high_column=high_column,
        low_column=low_column,
        close_column=close_column,
        period=period,
    )


def calculate_commodity_channel_index(
    data: pl.DataFrame,
    high_column: str = "high",
    low_column: str = "low",
    close_column: str = "close",
    period: int = 20,
    constant: float = 0.015,
) -> pl.DataFrame:
    """project-x-py's ``calculate_commodity_channel_index``; values from projectx.indicators.CCI."""
    return CCI().calculate(
        data,
        high_column=high_column,
        low_column=low_column,
        close_column=close_column,
        period=period,
        constant=constant,
    )


def calculate_adx(
    data: pl.DataFrame,
    high_column: str = "high",
    low_column: str = "low",
    close_column: str = "close",
    period: int = 14,
) -> pl.DataFrame:
    """project-x-py's ``calculate_adx``; values from projectx.indicators.ADX and the DIs."""
    return ADX().calculate(
        data,
        high_column=high_column,
        low_column=low_column,
        close_column=close_column,
        period=period,
    )


def calculate_aroon(
    data: pl.DataFrame, high_column: str = "high", low_column: str = "low", period: int = 14
) -> pl.DataFrame:
    """project-x-py's ``calculate_aroon``; values from projectx.indicators.AROON."""
    return AROON().calculate(data, high_column=high_column, low_column=low_column, period=period)


def calculate_money_flow_index(
    data: pl.DataFrame,
    high_column: str = "high",
    low_column: str = "low",
    close_column: str = "close",
    volume_column: str = "volume",
    period: int = 14,
) -> pl.DataFrame:
    """project-x-py's ``calculate_money_flow_index``; values from projectx.indicators.MFI."""
    return MFI().calculate(
        data,
        high_column=high_column,
        low_column=low_column,
        close_column=close_column,
        volume_column=volume_column,
        period=period,
    )


def calculate_ppo(
    data: pl.DataFrame,
    column: str = "close",
    fast_period: int = 12,
    slow_period: int = 26,
    signal_period: int = 9,
) -> pl.DataFrame:
    """project-x-py's ``calculate_ppo``; values from projectx.indicators.PPO and MA."""
    return PPO().calculate(
        data,
        column=column,
        fast_period=fast_period,
        slow_period=slow_period,
        signal_period=signal_period,
    )


def calculate_ultimate_oscillator(
    data: pl.DataFrame,
    high_column: str = "high",
    low_column: str = "low",
    close_column: str = "close",
    period1: int = 7,
    period2: int = 14,
    period3: int = 28,
) -> pl.DataFrame:
    """project-x-py's ``calculate_ultimate_oscillator``; values from projectx.indicators.ULTOSC."""
    return ULTOSC().calculate(
        data,
        high_column=high_column,
        low_column=low_column,
        close_column=close_column,
        period1=period1,
        period2=period2,
        period3=period3,
    )
