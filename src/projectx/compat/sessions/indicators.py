"""project-x-py's session indicators, per CME trading session.

A session is a CME trading date (:func:`projectx.sessions.trading_dates`: the Globex day from
18:00 New York the evening before); project-x-py grouped by UTC calendar date, which splits a
Globex session at 19:00/20:00 New York. VWAP-style values use ``close`` as the price.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC
from typing import Any

import polars as pl

from projectx import sessions as core
from projectx.compat.sessions.config import SessionType, resolve_session_product
from projectx.exceptions import ValidationError
from projectx.indicators import VWAP

__all__ = [
    "UTC",
    "aggregate_with_sessions",
    "calculate_anchored_vwap",
    "calculate_percent_from_open",
    "calculate_relative_to_vwap",
    "calculate_session_cumulative_volume",
    "calculate_session_gap",
    "calculate_session_levels",
    "calculate_session_vwap",
    "generate_session_alerts",
    "get_session_performance_metrics",
    "get_volume_profile",
]

_KEY = "_session"


def _with_session(data: pl.DataFrame) -> pl.DataFrame:
    if "timestamp" not in data.columns:
        raise ValidationError("Missing required column: timestamp")
    stamped = prepare_time(data)
    return data.with_columns(core.trading_dates(stamped, column="timestamp").alias(_KEY))


def prepare_time(data: pl.DataFrame) -> pl.DataFrame:
    """``data`` with ``timestamp`` as a UTC ``Datetime``."""
    dtype = data.schema["timestamp"]
    if isinstance(dtype, pl.Datetime) and dtype.time_zone is None:
        return data.with_columns(pl.col("timestamp").dt.replace_time_zone("UTC"))
    return data


async def calculate_session_vwap(
    data: pl.DataFrame, session_type: SessionType, product: str = "ES"
) -> pl.DataFrame:
    """``session_vwap``: VWAP of the bars inside ``session_type``, restarting each session
    (null before the session's first bar with volume)."""
    if data.is_empty():
        return data.with_columns(pl.lit(None, dtype=pl.Float64).alias("session_vwap"))
    kind = SessionType(session_type) if isinstance(session_type, str) else session_type
    root = resolve_session_product(product)
    framed = prepare_time(data)
    inside = core.session_mask(framed, str(kind), root, column="timestamp")  # type: ignore[arg-type]
    volume = pl.when(pl.col("_in")).then(pl.col("volume")).otherwise(0)
    out = _with_session(data).with_columns(inside.alias("_in"))
    out = out.with_columns(
        (pl.col("close") * volume).cum_sum().over(_KEY).alias("_pv"),
        volume.cum_sum().over(_KEY).alias("_v"),
    )
    return out.with_columns(
        pl.when(pl.col("_v") > 0).then(pl.col("_pv") / pl.col("_v")).alias("session_vwap")
    ).drop(_KEY, "_in", "_pv", "_v")


async def calculate_anchored_vwap(
    data: pl.DataFrame, anchor_point: str = "session_open"
) -> pl.DataFrame:
    """``anchored_vwap``: cumulative VWAP from the first row (``anchor_point="session_open"``,
    the only anchor); other anchors return ``data`` unchanged, as in project-x-py."""
    if data.is_empty():
        return data.with_columns(pl.lit(None, dtype=pl.Float64).alias("anchored_vwap"))
    if anchor_point != "session_open":
        return data
    return data.with_columns(
        ((pl.col("close") * pl.col("volume")).cum_sum() / pl.col("volume").cum_sum()).alias(
            "anchored_vwap"
        )
    )


async def calculate_session_levels(data: pl.DataFrame) -> pl.DataFrame:
    """``session_high``, ``session_low`` (running, per session) and ``session_range``."""
    if data.is_empty():
        return data.with_columns(
            pl.lit(None).alias(c) for c in ("session_high", "session_low", "session_range")
        )
    return (
        _with_session(data)
        .with_columns(
            pl.col("high").cum_max().over(_KEY).alias("session_high"),
            pl.col("low").cum_min().over(_KEY).alias("session_low"),
        )
        .with_columns((pl.col("session_high") - pl.col("session_low")).alias("session_range"))
        .drop(_KEY)
    )


async def calculate_session_cumulative_volume(data: pl.DataFrame) -> pl.DataFrame:
    """``session_cumulative_volume``: running volume per session."""
    if data.is_empty():
        return data.with_columns(pl.lit(None).alias("session_cumulative_volume"))
    return (
        _with_session(data)
        .with_columns(pl.col("volume").cum_sum().over(_KEY).alias("session_cumulative_volume"))
        .drop(_KEY)
    )


async def calculate_relative_to_vwap(data: pl.DataFrame) -> pl.DataFrame:
    """``price_vs_vwap`` (close / vwap) and ``vwap_deviation`` (percent); the core's ``VWAP``
    supplies ``vwap`` when the frame has none."""
    if "vwap" not in data.columns:
        data = VWAP(data)
    return data.with_columns(
        (pl.col("close") / pl.col("vwap")).alias("price_vs_vwap"),
        ((pl.col("close") - pl.col("vwap")) / pl.col("vwap") * 100).alias("vwap_deviation"),
    )


async def calculate_percent_from_open(data: pl.DataFrame) -> pl.DataFrame:
    """``percent_from_open``: close relative to the session's first open, in percent."""
    if data.is_empty():
        return data.with_columns(pl.lit(None).alias("percent_from_open"))
    first_open = pl.col("open").first().over(_KEY)
    return (
        _with_session(data)
        .with_columns(
            ((pl.col("close") - first_open) / first_open * 100).alias("percent_from_open")
        )
        .drop(_KEY)
    )


async def aggregate_with_sessions(
    data: pl.DataFrame, timeframe: str, session_type: SessionType
) -> pl.DataFrame:
    """The ES bars inside ``session_type`` aggregated to ``timeframe`` (``"5min"`` or
    ``"15min"``; anything else means 5 minutes, as in project-x-py), on clock-aligned buckets."""
    from projectx.compat.sessions.filtering import SessionFilterMixin

    inside = await SessionFilterMixin().filter_by_session(data, session_type, "ES")
    if inside.is_empty():
        return inside
    minutes = 15 if timeframe == "15min" else 5
    return (
        inside.sort("timestamp")
        .group_by_dynamic("timestamp", every=f"{minutes}m")
        .agg(
            pl.col("open").first(),
            pl.col("high").max(),
            pl.col("low").min(),
            pl.col("close").last(),
            pl.col("volume").sum(),
        )
    )


_CONDITIONS: dict[str, Callable[[dict[str, Any]], bool]] = {
    "close > sma_10": lambda r: r["close"] > r["sma_10"],
    "rsi_14 > 70": lambda r: r["rsi_14"] > 70,
    "high == session_high": lambda r: r["high"] == r["session_high"],
}
_NEEDS = {
    "close > sma_10": ("close", "sma_10"),
    "rsi_14 > 70": ("rsi_14",),
    "high == session_high": ("high", "session_high"),
}


async def generate_session_alerts(data: pl.DataFrame, conditions: dict[str, Any]) -> pl.DataFrame:
    """``alerts``: per row, the names of ``conditions`` (name -> one of ``"close > sma_10"``,
    ``"rsi_14 > 70"``, ``"high == session_high"``) that hold (null when none does)."""
    if data.is_empty() or not conditions:
        return data.with_columns(pl.Series("alerts", [None] * data.height))
    alerts: list[list[str] | None] = []
    for row in data.iter_rows(named=True):
        hits = [
            name
            for name, condition in conditions.items()
            if condition in _CONDITIONS
            and all(row.get(c) is not None for c in _NEEDS[condition])
            and _CONDITIONS[condition](row)
        ]
        alerts.append(hits or None)
    return data.with_columns(pl.Series("alerts", alerts, dtype=pl.List(pl.String)))


def calculate_session_gap(friday_data: pl.DataFrame, monday_data: pl.DataFrame) -> dict[str, float]:
    """``gap_size`` (Monday's first open - Friday's last close) and ``gap_percentage``."""
    if friday_data.is_empty() or monday_data.is_empty():
        return {"gap_size": 0.0, "gap_percentage": 0.0}
    close = float(friday_data["close"][-1])
    gap = float(monday_data["open"][0]) - close
    return {"gap_size": gap, "gap_percentage": gap / close * 100 if close else 0.0}


def get_volume_profile(data: pl.DataFrame, session_type: SessionType) -> dict[str, int]:
    """Volume of the first, middle and last bar (``open_volume``, ``midday_volume``,
    ``close_volume``)."""
    if data.is_empty():
        return {"open_volume": 0, "midday_volume": 0, "close_volume": 0}
    volume = data["volume"]
    middle = 0 if data.height < 3 else data.height // 2
    return {
        "open_volume": int(volume[0]),
        "midday_volume": int(volume[middle]),
        "close_volume": int(volume[-1]),
    }


def get_session_performance_metrics(data: pl.DataFrame | None) -> dict[str, float]:
    """Bars per second over the frame's time span (``rth_tick_rate``; ``eth_tick_rate`` is
    project-x-py's fixed 0.37 share of it) and its quality/efficiency placeholders (1.0)."""
    metrics = {
        "rth_tick_rate": 0.0,
        "eth_tick_rate": 0.0,
        "rth_data_quality": 1.0,
        "session_efficiency": 1.0,
    }
    if data is None or data.height < 2:
        return metrics
    span = (data["timestamp"][-1] - data["timestamp"][0]).total_seconds()
    if span > 0:
        rate = data.height / max(span, 1.0)
        metrics["rth_tick_rate"] = rate
        metrics["eth_tick_rate"] = rate * 0.37
    return metrics
