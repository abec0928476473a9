"""project-x-py's ``aggregate_session_bars``: daily session candles over
:func:`projectx.sessions.aggregate_sessions`.

One candle per CME trading date (an ETH day runs from 18:00 New York the evening before),
stamped at its session's open, with the session's bounds as the core's calendar gives them
(early closes included) and ``is_partial`` while the session has not ended at ``now``.
A product window from ``session_config.product_sessions`` (or a ``CUSTOM`` session) groups the
bars inside that window by their New York date.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import polars as pl

from projectx import sessions as core
from projectx.compat.sessions.config import SessionConfig, SessionType, resolve_session_product
from projectx.compat.sessions.filtering import prepare, window_mask
from projectx.exceptions import ValidationError
from projectx.timeframes import NEW_YORK

__all__ = ["UTC", "aggregate_session_bars"]

_DAILY = ("1d", "1day", "daily", "session")
_COLUMNS = ("timestamp", "trading_date", "session_start", "session_end")
_OHLCV = ("open", "high", "low", "close", "volume")


def _custom_sessions(data: pl.DataFrame, config: SessionConfig, product: str) -> pl.DataFrame:
    times = config.get_session_times(product)
    local = pl.col("timestamp").dt.convert_time_zone(str(NEW_YORK))
    bars = (
        data.filter(window_mask(data, times))
        .sort("timestamp")
        .group_by(local.dt.date().alias("trading_date"), maintain_order=True)
        .agg(
            pl.col("open").first().cast(pl.Float64),
            pl.col("high").max().cast(pl.Float64),
            pl.col("low").min().cast(pl.Float64),
            pl.col("close").last().cast(pl.Float64),
            pl.col("volume").sum().cast(pl.Int64),
        )
    )
    days = bars["trading_date"].to_list()
    end_day = [d + timedelta(days=times.rth_end <= times.rth_start) for d in days]
    starts = [datetime.combine(d, times.rth_start, tzinfo=NEW_YORK) for d in days]
    ends = [datetime.combine(d, times.rth_end, tzinfo=NEW_YORK) for d in end_day]
    return bars.with_columns(
        pl.Series("session_start", starts, dtype=pl.Datetime("us", "UTC")),
        pl.Series("session_end", ends, dtype=pl.Datetime("us", "UTC")),
    )


def aggregate_session_bars(
    data: pl.DataFrame,
    product: str,
    interval: str = "1d",
    session_type: SessionType | str | None = None,
    session_config: SessionConfig | None = None,
    include_partial: bool = True,
    now: datetime | None = None,
) -> pl.DataFrame:
    """Daily session candles of intraday ``data`` (``timestamp, open, high, low, close,
    volume``): columns ``timestamp`` (= ``session_start``), ``trading_date``,
    ``session_start``, ``session_end``, OHLCV and ``is_partial``; times in New York (or in
    ``market_timezone`` when ``use_exchange_timezone`` is off). Without ``include_partial``
    the session still running at ``now`` (default: the current time) is dropped."""
    if interval not in _DAILY:
        raise ValidationError(f"Unsupported interval {interval!r}; expected one of {list(_DAILY)}")
    config = session_config or SessionConfig()
    raw = session_type if session_type is not None else config.session_type
    try:
        kind = raw if isinstance(raw, SessionType) else SessionType(raw)
    except ValueError:
        raise ValidationError(f"Invalid session type: {raw}") from None
    zone = str(NEW_YORK) if config.use_exchange_timezone else config.market_timezone
    root = resolve_session_product(product)
    overrides = config.product_sessions or {}
    key = product if product in overrides else root
    config.get_session_times(key)  # an unknown product fails here
    dt = pl.Datetime("us", zone)
    schema = {
        "timestamp": dt,
        "trading_date": pl.Date(),
        "session_start": dt,
        "session_end": dt,
        **{c: pl.Float64() for c in _OHLCV[:-1]},
        "volume": pl.Int64(),
        "is_partial": pl.Boolean(),
    }
    if data.is_empty():
        return pl.DataFrame(schema=schema)
    data = prepare(data)
    if kind == SessionType.CUSTOM or key in overrides:
        bars = _custom_sessions(data, config, key)
    else:
        bars = core.aggregate_sessions(data, str(kind), root, column="timestamp")  # type: ignore[arg-type]
    if bars.height == 0:
        return pl.DataFrame(schema=schema)
    clock = now or datetime.now(UTC)
    clock = clock if clock.tzinfo else clock.replace(tzinfo=UTC)
    out = bars.with_columns(
        pl.col("session_start").cast(dt),
        pl.col("session_end").cast(dt),
    ).with_columns(
        pl.col("session_start").alias("timestamp"),
        (pl.col("session_end") > pl.lit(clock).cast(dt)).alias("is_partial"),
    )
    out = out.select(list(schema))
    return out if include_partial else out.filter(~pl.col("is_partial"))
