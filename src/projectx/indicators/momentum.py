"""Momentum indicators with TA-Lib's names, parameters, defaults and values, over polars frames.

Every function takes the bars frame first and returns it with its output columns added, so it
chains with ``df.pipe(RSI, period=14)``. ``period`` stands for TA-Lib's ``timeperiod``; every other
parameter keeps its TA-Lib name (``fastperiod``, ``slowk_matype``...). Values follow TA-Lib's
algorithms step for step (see ``ext/ind_momentum.pyx``): warm-up rows (TA-Lib's *lookback*) are
null, and leading nulls/NaNs in the inputs are skipped as the ``talib`` wrapper does; a null/NaN
input after the first complete row raises ValidationError (TA-Lib's interior-NaN behaviour is
build-specific, so no TA-Lib-equal value exists there). Streaming forms ignore incomplete bars
before the first complete one; later NaN inputs propagate through their state.

Output columns are named after TA-Lib's outputs: the lower-case function name for one-output
indicators (``rsi``, ``adx``...), TA-Lib's output names otherwise (``macd``, ``macdsignal``,
``macdhist``; ``slowk``, ``slowd``; ``fastk``, ``fastd``; ``aroondown``, ``aroonup``);
``prefix="x"`` turns them into ``x_rsi``, ``x_macd``...

Moving-average types (``matype``) are TA-Lib's 0..8 (SMA, EMA, WMA, DEMA, TEMA, TRIMA, KAMA,
MAMA, T3); SMA and EMA run here, the others through the overlap group's ``ma_array``. (ta-lib 0.8
also accepts its newer types 9..13; they are not offered.)

Called without a frame, every function returns its spec (``RSI(period=14)``); RSI, MACD, STOCH
(SMA/EMA smoothing) and ADX have streaming forms (``RSI(period=14).stream()``, or the
``Streaming*`` classes) whose values equal the batch columns bit for bit.

The group lives in three modules by concern, all re-exported here:
:mod:`~projectx.indicators.oscillators` (one price series: RSI, CMO, MOM, ROC*, TRIX, the MACD
family, APO, PPO), :mod:`~projectx.indicators.range_oscillators` (the bar's range: the
stochastics, WILLR, CCI, BOP, MFI, ULTOSC) and :mod:`~projectx.indicators.trend` (Aroon and
directional movement: PLUS/MINUS_DM/DI, DX, ADX, ADXR); their shared plumbing is
``_momentum_kit``.

Bad input (not a frame, missing or non-numeric column, parameter outside TA-Lib's range) raises
:class:`projectx.exceptions.ValidationError`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from projectx.indicators.oscillators import _K_FIX_FAST as _K_FIX_FAST
from projectx.indicators.oscillators import _K_FIX_SLOW as _K_FIX_SLOW
from projectx.indicators.oscillators import (
    APO,
    CMO,
    MACD,
    MACDEXT,
    MACDFIX,
    MOM,
    PPO,
    ROC,
    ROCP,
    ROCR,
    ROCR100,
    RSI,
    TRIX,
    StreamingMACD,
    StreamingRSI,
)
from projectx.indicators.range_oscillators import (
    BOP,
    CCI,
    MFI,
    STOCH,
    STOCHF,
    STOCHRSI,
    ULTOSC,
    WILLR,
    StreamingSTOCH,
)
from projectx.indicators.trend import (
    ADX,
    ADXR,
    AROON,
    AROONOSC,
    DX,
    MINUS_DI,
    MINUS_DM,
    PLUS_DI,
    PLUS_DM,
    StreamingADX,
)

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
    "StreamingADX",
    "StreamingMACD",
    "StreamingRSI",
    "StreamingSTOCH",
]


INDICATORS: Mapping[str, Callable[..., Any]] = {
    name: globals()[name] for name in __all__ if not name.startswith("Streaming")
}
