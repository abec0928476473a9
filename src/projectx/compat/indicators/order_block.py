"""project-x-py's order blocks (``project_x_py.indicators.order_block``) over
:func:`projectx.indicators.ORDER_BLOCK_ZONES` and :func:`projectx.indicators.zone_mitigated`."""

from __future__ import annotations

from typing import Any

import polars as pl

import projectx.indicators as core
from projectx.compat.indicators._adapt import (
    Indicator,
    check_number,
    check_period,
    frozen,
    integral_like,
    run,
)

__all__ = ["OrderBlock", "calculate_order_block"]

_OUT = ("ob_bullish", "ob_bearish", "ob_top", "ob_bottom", "ob_volume", "ob_strength")


class OrderBlock(Indicator):
    """project-x-py's OrderBlock (``ob_bullish``... ``ob_strength``, ``ob_mitigated`` with
    ``check_mitigation``), marked on the order-block candle; values from
    projectx.indicators.ORDER_BLOCK_ZONES."""

    title = "OrderBlock"
    description_text = "Order Block - institutional order zones"
    parameters = frozen(
        {
            "open_column": "open",
            "high_column": "high",
            "low_column": "low",
            "close_column": "close",
            "volume_column": "volume",
            "min_volume_percentile": 50,
            "check_mitigation": False,
            "mitigation_threshold": 0.5,
            "lookback_periods": 3,
            "use_wicks": True,
        }
    )

    def compute(self, data: pl.DataFrame, **params: Any) -> pl.DataFrame:
        """The blocks, their zone, volume and strength (and whether they were mitigated)."""
        floor = check_number("min_volume_percentile", params["min_volume_percentile"])
        thr = check_number("mitigation_threshold", params["mitigation_threshold"])
        lookback = check_period("lookback_periods", params["lookback_periods"])
        wicks, mitigation = bool(params["use_wicks"]), bool(params["check_mitigation"])

        def calc(f: pl.DataFrame) -> pl.DataFrame:
            z = core.ORDER_BLOCK_ZONES(
                f, lookback=lookback, use_wicks=wicks, min_volume_percentile=max(floor, 0.0)
            )
            z = z.with_columns(
                pl.col("ob_bull").alias("ob_bullish"), pl.col("ob_bear").alias("ob_bearish")
            )
            if mitigation:
                hit = core.zone_mitigated(
                    z,
                    bull="ob_bull",
                    bear="ob_bear",
                    top="ob_top",
                    bottom="ob_bottom",
                    threshold=thr,
                )
                z = z.with_columns(
                    hit.alias("ob_mitigated"),
                    (pl.col("ob_bull") & ~hit).alias("ob_bullish"),
                    (pl.col("ob_bear") & ~hit).alias("ob_bearish"),
                )
            return z

        names = {c: c for c in _OUT} | ({"ob_mitigated": "ob_mitigated"} if mitigation else {})
        inputs = {
            "open": params["open_column"],
            "high": params["high_column"],
            "low": params["low_column"],
            "close": params["close_column"],
            "volume": params["volume_column"],
        }
        out = run(data, inputs, calc, names, min_rows=lookback + 1)
        return integral_like(out, "ob_volume", data, params["volume_column"])


def calculate_order_block(
    data: pl.DataFrame,
    open_column: str = "open",
    high_column: str = "high",
    low_column: str = "low",
    close_column: str = "close",
    volume_column: str = "volume",
    min_volume_percentile: float = 50,
    check_mitigation: bool = False,
    mitigation_threshold: float = 0.5,
    lookback_periods: int = 3,
    use_wicks: bool = True,
) -> pl.DataFrame:
    """project-x-py's ``calculate_order_block``; values from ORDER_BLOCK_ZONES."""
    return OrderBlock().calculate(
        data,
        open_column=open_column,
        high_column=high_column,
        low_column=low_column,
        close_column=close_column,
        volume_column=volume_column,
        min_volume_percentile=min_volume_percentile,
        check_mitigation=check_mitigation,
        mitigation_threshold=mitigation_threshold,
        lookback_periods=lookback_periods,
        use_wicks=use_wicks,
    )
