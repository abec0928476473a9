"""LORENZ: the Lorenz system driven by the market (project-x-py's chaos indicator).

Per bar, ``sigma = 10 * volatility / volatility_scale``, ``rho = 28 * close / SMA(close)``
and ``beta = 2.667 * volume / SMA(volume)`` (both SMAs over ``window`` bars; ``volatility`` is
the sample standard deviation of the close's simple returns over ``window`` bars); while any is
undefined (warm-up) the classic ``10, 28, 2.667`` are used. From ``(initial_x, initial_y,
initial_z)`` on the first bar, each bar takes one Euler step of length ``dt`` of
``dx = sigma (y - x)``, ``dy = x (rho - z) - y``, ``dz = x y - beta z`` (from the previous
bar's state), each coordinate clamped to ``[-1000, 1000]``. Outputs ``lorenz_x``, ``lorenz_y``,
``lorenz_z``; a null/NaN close or volume raises ValidationError.
"""

from __future__ import annotations

import math

import numpy as np
import polars as pl

from projectx.exceptions import ValidationError
from projectx.indicators._base import register
from projectx.indicators._common import attach, column_array, float_param, frame, int_param

__all__ = ["LORENZ"]

_LIMIT = 1000.0
_PARAMS = {
    "window": 14,
    "dt": 1.0,
    "volatility_scale": 0.02,
    "initial_x": 0.0,
    "initial_y": 1.0,
    "initial_z": 0.0,
}


def _clamp(v: float) -> float:
    return math.copysign(_LIMIT, v) if abs(v) > _LIMIT else v


@register(
    "volatility",
    params=_PARAMS,
    inputs=("close", "volume"),
    outputs=("lorenz_x", "lorenz_y", "lorenz_z"),
)
def LORENZ(
    df: pl.DataFrame | None = None,
    *,
    window: int = 14,
    dt: float = 1.0,
    volatility_scale: float = 0.02,
    initial_x: float = 0.0,
    initial_y: float = 1.0,
    initial_z: float = 0.0,
    prefix: str | None = None,
) -> pl.DataFrame:
    """Lorenz attractor coordinates driven by volatility, price and volume ratios."""
    w = int_param("LORENZ", "window", window, 2)
    step = float_param("LORENZ", "dt", dt, 0.0)
    scale = float_param("LORENZ", "volatility_scale", volatility_scale, 1e-300)
    start = [
        float_param("LORENZ", n, v)
        for n, v in (("initial_x", initial_x), ("initial_y", initial_y), ("initial_z", initial_z))
    ]
    f = frame("LORENZ", df)
    close, volume = column_array("LORENZ", f, "close"), column_array("LORENZ", f, "volume")
    for name, arr in (("close", close), ("volume", volume)):
        if np.isnan(arr).any():
            raise ValidationError(f"LORENZ: column {name!r} is null/NaN")
    c, v = pl.Series(close), pl.Series(volume)
    vol = c.pct_change().rolling_std(window_size=w).to_numpy()
    price = (c / c.rolling_mean(window_size=w)).to_numpy()
    flow = (v / v.rolling_mean(window_size=w)).to_numpy()
    n = f.height
    out = np.full((3, n), np.nan)
    if n:
        x, y, z = start
        out[:, 0] = start
        for i in range(1, n):
            s_i, r_i, b_i = vol[i], price[i], flow[i]
            if s_i != s_i or r_i != r_i or b_i != b_i:
                sigma, rho, beta = 10.0, 28.0, 2.667
            else:
                sigma, rho, beta = 10.0 * (s_i / scale), 28.0 * r_i, 2.667 * b_i
            dx = sigma * (y - x) * step
            dy = (x * (rho - z) - y) * step
            dz = (x * y - beta * z) * step
            x, y, z = _clamp(x + dx), _clamp(y + dy), _clamp(z + dz)
            out[:, i] = (x, y, z)
    return attach(f, ("lorenz_x", "lorenz_y", "lorenz_z"), (out[0], out[1], out[2]), 0, prefix)
