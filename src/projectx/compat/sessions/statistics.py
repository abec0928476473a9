"""project-x-py's session statistics: RTH versus ETH volume, VWAP and range, from the bars
:class:`~projectx.compat.sessions.filtering.SessionFilterMixin` keeps (the core's calendar).

``SessionAnalytics`` methods that project-x-py left as placeholders (gaps, efficiency) return
the same zero-valued shapes here.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from projectx.compat.sessions.config import SessionConfig, SessionType
from projectx.compat.sessions.filtering import SessionFilterMixin

__all__ = ["SessionAnalytics", "SessionStatistics"]


def _metrics(data: pl.DataFrame, prefix: str) -> dict[str, Any]:
    volume = int(data["volume"].sum()) if data.height else 0
    high = data["high"].max() if data.height else None
    low = data["low"].min() if data.height else None
    hi = float(high) if isinstance(high, int | float) else 0.0
    lo = float(low) if isinstance(low, int | float) else 0.0
    vwap = float((data["close"] * data["volume"]).sum()) / volume if volume else 0.0
    return {
        f"{prefix}_volume": volume,
        f"{prefix}_vwap": vwap,
        f"{prefix}_range": hi - lo if hi > 0 else 0.0,
        f"{prefix}_high": hi,
        f"{prefix}_low": lo,
    }


class SessionStatistics:
    """Per-session volume, VWAP, high, low and range of a bar frame."""

    def __init__(self, config: SessionConfig | None = None) -> None:
        self.config = config or SessionConfig()
        self.filter = SessionFilterMixin(config)

    async def calculate_session_stats(self, data: pl.DataFrame, product: str) -> dict[str, Any]:
        """``rth_*`` and ``eth_*`` ``volume``, ``vwap``, ``range``, ``high``, ``low``."""
        empty = data.head(0) if data.width else data
        rth = (
            await self.filter.filter_by_session(data, SessionType.RTH, product)
            if data.height
            else empty
        )
        eth = (
            await self.filter.filter_by_session(data, SessionType.ETH, product)
            if data.height
            else empty
        )
        return {**_metrics(rth, "rth"), **_metrics(eth, "eth")}


class SessionAnalytics:
    """Comparisons of the regular and extended sessions."""

    def __init__(self, config: SessionConfig | None = None) -> None:
        self.config = config or SessionConfig()
        self.statistics = SessionStatistics(config)

    async def compare_sessions(self, data: pl.DataFrame, product: str) -> dict[str, Any]:
        """RTH/ETH volume and range ratios."""
        s = await self.statistics.calculate_session_stats(data, product)
        volume_ratio = s["rth_volume"] / s["eth_volume"] if s["eth_volume"] > 0 else 0.0
        range_ratio = s["rth_range"] / s["eth_range"] if s["eth_range"] > 0 else 0.0
        return {
            "rth_vs_eth_volume_ratio": volume_ratio,
            "rth_vs_eth_volatility_ratio": range_ratio,
            "session_participation_rate": volume_ratio,
            "rth_premium_discount": 0.0,
            "overnight_gap_average": 0.0,
        }

    async def get_session_volume_profile(self, data: pl.DataFrame, _product: str) -> dict[str, Any]:
        """The UTC hour with the most volume (``peak_volume_time``)."""
        if data.is_empty():
            peak: dict[str, Any] = {"hour": 0, "volume": 0, "session": "RTH"}
        else:
            hourly = (
                data.group_by(pl.col("timestamp").dt.hour().alias("hour"))
                .agg(pl.col("volume").sum())
                .sort(["volume", "hour"], descending=[True, False])
            )
            peak = {"hour": hourly["hour"][0], "volume": hourly["volume"][0], "session": "RTH"}
        return {"rth_volume_by_hour": {}, "eth_volume_by_hour": {}, "peak_volume_time": peak}

    async def analyze_session_volatility(self, data: pl.DataFrame, product: str) -> dict[str, Any]:
        """RTH and ETH ranges and their ratio."""
        s = await self.statistics.calculate_session_stats(data, product)
        return {
            "rth_realized_volatility": s["rth_range"],
            "eth_realized_volatility": s["eth_range"],
            "volatility_ratio": s["rth_range"] / s["eth_range"] if s["eth_range"] > 0 else 0.0,
            "volatility_clustering": 0.0,
        }

    async def analyze_session_gaps(self, _data: pl.DataFrame, _product: str) -> dict[str, Any]:
        """Gap statistics (a placeholder in project-x-py: zeros)."""
        return {
            "average_overnight_gap": 0.0,
            "gap_frequency": {"up": 0, "down": 0, "flat": 0},
            "gap_fill_rate": 0.0,
            "largest_gap": 0.0,
        }

    async def calculate_efficiency_metrics(
        self, _data: pl.DataFrame, _product: str
    ) -> dict[str, Any]:
        """Efficiency metrics (a placeholder in project-x-py: zeros)."""
        return {
            "rth_price_efficiency": 0.0,
            "eth_price_efficiency": 0.0,
            "rth_volume_efficiency": 0.0,
            "session_liquidity_ratio": 0.0,
        }
