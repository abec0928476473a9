"""project-x-py's Lorenz indicator (``project_x_py.indicators.lorenz``) over
:func:`projectx.indicators.LORENZ`."""

from __future__ import annotations

from typing import Any

import polars as pl

import projectx.indicators as core
from projectx.compat.indicators._adapt import (
    Indicator,
    check_frame,
    check_number,
    check_period,
    frozen,
    run,
)

__all__ = ["LORENZ", "LORENZIndicator", "calculate_lorenz"]


class LORENZIndicator(Indicator):
    """project-x-py's LORENZIndicator (``lorenz_x``, ``lorenz_y``, ``lorenz_z``); values from
    projectx.indicators.LORENZ."""

    title = "LORENZ"
    description_text = "Lorenz Formula - chaos theory-based indicator"
    parameters = frozen(
        {
            "close_column": "close",
            "volume_column": "volume",
            "window": 14,
            "dt": 1.0,
            "volatility_scale": 0.02,
            "initial_x": 0.0,
            "initial_y": 1.0,
            "initial_z": 0.0,
        }
    )

    def compute(self, data: pl.DataFrame, **params: Any) -> pl.DataFrame:
        """The three coordinates."""
        w = check_period("window", params["window"], 2)
        kw: dict[str, Any] = {
            k: check_number(k, params[k]) for k in ("dt", "volatility_scale", "initial_x")
        }
        kw |= {k: check_number(k, params[k]) for k in ("initial_y", "initial_z")}
        # project-x-py requires the open, high and low columns too
        check_frame(data, ["open", "high", "low"])
        return run(
            data,
            {"close": params["close_column"], "volume": params["volume_column"]},
            lambda f: core.LORENZ(f, window=w, **kw),
            {"lorenz_x": "lorenz_x", "lorenz_y": "lorenz_y", "lorenz_z": "lorenz_z"},
            min_rows=w,
        )


def calculate_lorenz(
    data: pl.DataFrame,
    close_column: str = "close",
    volume_column: str = "volume",
    window: int = 14,
    dt: float = 1.0,
    volatility_scale: float = 0.02,
    initial_x: float = 0.0,
    initial_y: float = 1.0,
    initial_z: float = 0.0,
) -> pl.DataFrame:
    """project-x-py's ``calculate_lorenz``; values from projectx.indicators.LORENZ."""
    return LORENZIndicator().calculate(
        data,
        close_column=close_column,
        volume_column=volume_column,
        window=window,
        dt=dt,
        volatility_scale=volatility_scale,
        initial_x=initial_x,
        initial_y=initial_y,
        initial_z=initial_z,
    )


def LORENZ(data: pl.DataFrame, window: int = 14, dt: float = 1.0, **kwargs: Any) -> pl.DataFrame:
    """project-x-py's ``LORENZ``; values from projectx.indicators.LORENZ."""
    return calculate_lorenz(data, window=window, dt=dt, **kwargs)
