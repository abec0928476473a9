"""The MACD family and the other fast/slow oscillators of project-x-py's momentum module
(MACD, MACDEXT, MACDFIX, APO, PPO, ULTOSC); re-exported by
:mod:`projectx.compat.indicators.momentum`."""

from __future__ import annotations

from typing import Any

import polars as pl

import projectx.indicators as core
from projectx.compat.indicators._adapt import HLC_COLUMNS as _HLC
from projectx.compat.indicators._adapt import (
    Indicator,
    check_period,
    frozen,
    matype,
    run,
)
from projectx.compat.indicators._adapt import fast_slow as _fast_slow
from projectx.compat.indicators._adapt import hlc_columns as _hlc
from projectx.compat.indicators.base import IndicatorError, MomentumIndicator

__all__ = ["APO", "MACD", "MACDEXT", "MACDFIX", "PPO", "ULTOSC"]


class MACD(Indicator, MomentumIndicator):
    """project-x-py's MACD (``macd``, ``macd_signal``, ``macd_histogram``); values from
    projectx.indicators.MACD."""

    title = "MACD"
    description_text = "Moving Average Convergence Divergence"
    parameters = frozen(
        {"column": "close", "fast_period": 12, "slow_period": 26, "signal_period": 9}
    )
    stem = "macd"

    def compute(self, data: pl.DataFrame, **params: Any) -> pl.DataFrame:
        """The MACD line, signal and histogram."""
        f_, s_ = _fast_slow(params["fast_period"], params["slow_period"])
        g = check_period("signal_period", params["signal_period"])
        return run(
            data,
            {"close": params["column"]},
            lambda f: core.MACD(f, fastperiod=f_, slowperiod=s_, signalperiod=g),
            _macd_names(self.stem),
        )


def _macd_names(stem: str) -> dict[str, str]:
    return {"macd": stem, "macdsignal": f"{stem}_signal", "macdhist": f"{stem}_histogram"}


class MACDEXT(Indicator, MomentumIndicator):
    """project-x-py's MACDEXT (``macdext``, ``macdext_signal``, ``macdext_histogram``); values
    from projectx.indicators.MACDEXT with the named MA types."""

    title = "MACDEXT"
    description_text = "MACD with controllable MA type"
    parameters = frozen(
        {
            "column": "close",
            "fast_period": 12,
            "slow_period": 26,
            "signal_period": 9,
            "fast_ma_type": "ema",
            "slow_ma_type": "ema",
            "signal_ma_type": "ema",
        }
    )

    def compute(self, data: pl.DataFrame, **params: Any) -> pl.DataFrame:
        """The MACD line, signal and histogram."""
        f_, s_ = _fast_slow(params["fast_period"], params["slow_period"])
        g = check_period("signal_period", params["signal_period"])
        kw: dict[str, Any] = {
            "fastperiod": f_,
            "slowperiod": s_,
            "signalperiod": g,
            "fastmatype": matype(params["fast_ma_type"]),
            "slowmatype": matype(params["slow_ma_type"]),
            "signalmatype": matype(params["signal_ma_type"]),
        }
        return run(
            data,
            {"close": params["column"]},
            lambda f: core.MACDEXT(f, **kw),
            _macd_names("macdext"),
        )


class MACDFIX(Indicator, MomentumIndicator):
    """project-x-py's MACDFIX (``macdfix``, ``macdfix_signal``, ``macdfix_histogram``); values
    from projectx.indicators.MACDFIX."""

    title = "MACDFIX"
    description_text = "MACD Fix 12/26"
    parameters = frozen({"column": "close", "signal_period": 9})

    def compute(self, data: pl.DataFrame, **params: Any) -> pl.DataFrame:
        """The MACD(12, 26) line, signal and histogram."""
        g = check_period("signal_period", params["signal_period"])
        return run(
            data,
            {"close": params["column"]},
            lambda f: core.MACDFIX(f, signalperiod=g),
            _macd_names("macdfix"),
        )


class APO(Indicator, MomentumIndicator):
    """project-x-py's APO (``apo_{fast}_{slow}``); values from projectx.indicators.APO."""

    title = "APO"
    description_text = "Absolute Price Oscillator"
    parameters = frozen({"column": "close", "fast_period": 12, "slow_period": 26, "ma_type": "ema"})

    def compute(self, data: pl.DataFrame, **params: Any) -> pl.DataFrame:
        """``apo_{fast}_{slow}``."""
        f_, s_ = _fast_slow(params["fast_period"], params["slow_period"])
        code = matype(params["ma_type"])
        return run(
            data,
            {"close": params["column"]},
            lambda f: core.APO(f, fastperiod=f_, slowperiod=s_, matype=code),
            {"apo": f"apo_{f_}_{s_}"},
        )


class PPO(Indicator, MomentumIndicator):
    """project-x-py's PPO (``ppo``, ``ppo_signal``, ``ppo_histogram``); values from
    projectx.indicators.PPO, the signal its ``ma_type`` MA (projectx.indicators.MA)."""

    title = "PPO"
    description_text = "Percentage Price Oscillator"
    parameters = frozen(
        {"column": "close", "fast_period": 12, "slow_period": 26, "signal_period": 9}
    )
    parameters = frozen({**parameters, "ma_type": "ema"})

    def compute(self, data: pl.DataFrame, **params: Any) -> pl.DataFrame:
        """The PPO line, its signal and their difference."""
        f_, s_ = _fast_slow(params["fast_period"], params["slow_period"])
        g = check_period("signal_period", params["signal_period"])
        code = matype(params["ma_type"])

        def calc(f: pl.DataFrame) -> pl.DataFrame:
            out = core.PPO(f, fastperiod=f_, slowperiod=s_, matype=code)
            out = core.MA(out, column="ppo", period=g, matype=code, prefix="signal")
            return out.with_columns((pl.col("ppo") - pl.col("signal_ma")).alias("hist"))

        names = {"ppo": "ppo", "signal_ma": "ppo_signal", "hist": "ppo_histogram"}
        return run(data, {"close": params["column"]}, calc, names)


class ULTOSC(Indicator, MomentumIndicator):
    """project-x-py's ULTOSC (``ultosc_{p1}_{p2}_{p3}``); values from projectx.indicators.ULTOSC."""

    title = "ULTOSC"
    description_text = "Ultimate Oscillator - momentum over three timeframes"
    parameters = frozen({**_HLC, "period1": 7, "period2": 14, "period3": 28})
    ascending = True

    def compute(self, data: pl.DataFrame, **params: Any) -> pl.DataFrame:
        """``ultosc_{p1}_{p2}_{p3}``."""
        p1, p2, p3 = (check_period(k, params[k]) for k in ("period1", "period2", "period3"))
        if self.ascending and not p1 < p2 < p3:
            raise IndicatorError("Periods must be in ascending order: period1 < period2 < period3")
        return run(
            data,
            _hlc(params),
            lambda f: core.ULTOSC(f, period1=p1, period2=p2, period3=p3),
            {"ultosc": f"ultosc_{p1}_{p2}_{p3}"},
            min_rows=max(p1, p2, p3) + int(self.ascending),
        )
