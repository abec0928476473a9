"""Technical indicators with TA-Lib's vocabulary over polars frames, batch and streaming.

Batch form
----------
Every indicator is a function taking the bars frame first and returning it with its output
columns added, so calls chain: ``df.pipe(SMA, period=30).pipe(RSI)``. Parameter names and
defaults are TA-Lib's, except that ``timeperiod`` is called ``period``; the others keep their
TA-Lib names (``fastperiod``, ``nbdevup``, ``matype``...). Single-input indicators read
``column`` (default ``"close"``); others read ``open``/``high``/``low``/``close``/``volume``
(and ``ts`` for VWAP).

Naming rule for output columns: the lower-case TA-Lib output name - the function name for
one-output indicators (``sma``, ``ema``, ``atr``, ``obv``...), TA-Lib's output names otherwise
(BBANDS -> ``upperband``, ``middleband``, ``lowerband``; MAMA -> ``mama``, ``fama``; MACD ->
``macd``, ``macdsignal``, ``macdhist``); indicators that TA-Lib lacks use the same style
(``vwap``, ``fvg_bull``...). ``prefix="x"`` turns every output ``o`` into ``x_o``; use it to
keep two instances of one indicator (an existing column of the same name is replaced).

Warm-up and missing values: rows where TA-Lib returns NaN (its *lookback*) are **null** in the
output (NaN is never used for "no value"). Leading null/NaN inputs are skipped as the ``talib``
wrapper does (the output starts its warm-up at the first row where every input is present); a
null/NaN input *after* that row raises ValidationError (TA-Lib's handling of interior NaN is
build-specific, so no TA-Lib-equal value exists there). Streaming forms skip incomplete bars
before the first complete one; later NaN inputs propagate through their state.

Errors: a missing or non-numeric column, a parameter of the wrong type or outside TA-Lib's range
raise :class:`projectx.exceptions.ValidationError` with the indicator and parameter named.

Spec form and streaming
-----------------------
Called without a frame, an indicator returns an :class:`IndicatorSpec` (``SMA(period=20)``):
``spec(df)`` is the batch result and ``spec.stream()`` an incremental calculator
(:class:`~projectx.indicators.streaming.StreamingIndicator`: ``update(o, h, l, c, v, ts_ns)``,
``update_forming``, ``value``/``values``, ``from_frame``) whose values equal the batch result.

Discovery: :func:`available` lists every indicator with its group, parameters and defaults,
inputs, outputs and whether it streams.
"""

from __future__ import annotations

from typing import Any

from projectx.indicators import (
    candles,
    lorenz,
    momentum,
    overlap,
    patterns,
    volatility,
    volume,
    zones,
)
from projectx.indicators._base import REGISTRY, IndicatorInfo, IndicatorSpec, make_spec
from projectx.indicators.candles import *  # noqa: F403
from projectx.indicators.lorenz import *  # noqa: F403
from projectx.indicators.momentum import *  # noqa: F403
from projectx.indicators.overlap import *  # noqa: F403
from projectx.indicators.patterns import *  # noqa: F403
from projectx.indicators.streaming import STREAMS, StreamingIndicator, make_stream
from projectx.indicators.volatility import *  # noqa: F403
from projectx.indicators.volume import *  # noqa: F403
from projectx.indicators.zones import *  # noqa: F403

__all__ = [
    "REGISTRY",
    "STREAMS",
    "IndicatorInfo",
    "IndicatorSpec",
    "StreamingIndicator",
    "available",
    "make_spec",
    "make_stream",
    "spec",
    *candles.__all__,
    *lorenz.__all__,
    *momentum.__all__,
    *overlap.__all__,
    *patterns.__all__,
    *volatility.__all__,
    *volume.__all__,
    *zones.__all__,
]

_GROUP_ORDER = {"overlap": 0, "momentum": 1, "volatility": 2, "volume": 3, "patterns": 4}


def spec(name: str, **params: Any) -> IndicatorSpec:
    """The spec of indicator ``name`` with ``params`` (typed alternative to ``SMA(period=20)``)."""
    return make_spec(name, **params)


def available(group: str | None = None) -> list[dict[str, Any]]:
    """Every registered indicator (optionally of one ``group``), ordered by group then name.

    Each entry: ``name``, ``group``, ``params`` (name -> default), ``inputs`` (frame columns
    read), ``outputs`` (columns added with default parameters), ``streaming`` (has an
    incremental form) and ``doc`` (one-line summary).
    """
    infos = sorted(
        (i for i in REGISTRY.values() if group is None or i.group == group),
        key=lambda i: (_GROUP_ORDER.get(i.group, 99), i.name),
    )
    return [
        {
            "name": info.name,
            "group": info.group,
            "params": dict(info.params),
            "inputs": info.inputs,
            "outputs": info.outputs,
            "streaming": info.name in STREAMS,
            "doc": info.doc,
        }
        for info in infos
    ]
