"""Window (rolling) forms of indicators whose core form is cumulative.

* :func:`rolling_vwap`: VWAP over the last ``period`` bars, ``sum(typical * volume) /
  sum(volume)`` with ``typical = (high + low + close) / 3``; null over the first
  ``period - 1`` rows and where the window's volume is 0.

Not in the indicator registry (their cumulative forms are: :func:`~projectx.indicators.VWAP`);
same conventions otherwise (the frame first, ``prefix``, ValidationError on bad input).
"""

from __future__ import annotations

import numpy as np
import polars as pl

from projectx.exceptions import ValidationError
from projectx.indicators._common import HLC, attach, column_array, frame, int_param

__all__ = ["rolling_vwap"]


def rolling_vwap(df: pl.DataFrame, *, period: int, prefix: str | None = None) -> pl.DataFrame:
    """``df`` with ``vwap_{period}`` added: the VWAP of the last ``period`` bars."""
    p = int_param("rolling_vwap", "period", period, 1)
    f = frame("rolling_vwap", df)
    h, lo, c, v = (column_array("rolling_vwap", f, name) for name in (*HLC, "volume"))
    for name, arr in zip((*HLC, "volume"), (h, lo, c, v), strict=True):
        if np.isnan(arr).any():
            row = int(np.argmax(np.isnan(arr)))
            raise ValidationError(f"rolling_vwap: column {name!r} is null/NaN at row {row}")
    pv = pl.Series(((h + lo + c) / 3.0) * v).rolling_sum(window_size=p).to_numpy()
    vol = pl.Series(v).rolling_sum(window_size=p).to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where(vol != 0.0, pv / vol, np.nan)
    return attach(f, (f"vwap_{p}",), (out.astype(np.float64),), 0, prefix)
