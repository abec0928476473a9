"""project-x-py's ``SessionFilterMixin``: keep the bars of a session, over
:func:`projectx.sessions.filter_session`.

RTH and ETH use the core's calendar (holidays, early closes, the 17:00-18:00 New York break);
bars are kept when their open time (``timestamp``) is inside ``[open, close)`` (project-x-py kept
the bar stamped at the close too). ``CUSTOM`` or ``custom_session_times`` use the given regular
window, Monday to Friday, New York time.
"""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl

from projectx import sessions as core
from projectx.compat.sessions.config import (
    DEFAULT_SESSIONS,
    SessionConfig,
    SessionTimes,
    SessionType,
    resolve_session_product,
)
from projectx.exceptions import ValidationError
from projectx.timeframes import NEW_YORK

__all__ = ["DEFAULT_SESSIONS", "UTC", "SessionFilterMixin"]

_REQUIRED = ("timestamp", "open", "high", "low", "close", "volume")
_NS = 1_000_000_000


def prepare(data: pl.DataFrame) -> pl.DataFrame:
    """``data`` checked for OHLCV columns, ``timestamp`` as UTC ``Datetime`` (strings parsed,
    naive values taken as UTC)."""
    missing = [c for c in _REQUIRED if c not in data.columns]
    if missing:
        raise ValidationError(f"Missing required column: {', '.join(missing)}")
    dtype = data.schema["timestamp"]
    if dtype == pl.String:
        try:
            data = data.with_columns(pl.col("timestamp").str.to_datetime(time_zone="UTC"))
        except pl.exceptions.PolarsError:
            raise ValidationError(
                "Invalid timestamp format - must be datetime or convertible string"
            ) from None
    elif not isinstance(dtype, pl.Datetime):
        raise ValidationError(f"timestamp must be a datetime column, got {dtype}")
    elif dtype.time_zone is None:
        data = data.with_columns(pl.col("timestamp").dt.replace_time_zone("UTC"))
    return data


def window_mask(data: pl.DataFrame, times: SessionTimes) -> pl.Expr:
    """Rows whose New York time is in the regular window of ``times``, Monday to Friday."""
    local = pl.col("timestamp").dt.convert_time_zone(str(NEW_YORK))
    clock = local.dt.time()
    if times.rth_start <= times.rth_end:
        inside = (clock >= times.rth_start) & (clock < times.rth_end)
    else:
        inside = (clock >= times.rth_start) | (clock < times.rth_end)
    return inside & (local.dt.weekday() <= 5)


class SessionFilterMixin:
    """Session filtering of bar frames (``timestamp, open, high, low, close, volume``)."""

    LAZY_EVAL_THRESHOLD = 100000
    CACHE_MAX_SIZE = 1000
    CACHE_TTL_SECONDS = 3600

    def __init__(
        self,
        config: SessionConfig | None = None,
        lazy_eval_threshold: int | None = None,
        cache_max_size: int | None = None,
        cache_ttl: int | None = None,
    ) -> None:
        self.config = config or SessionConfig()
        self.lazy_eval_threshold = lazy_eval_threshold or self.LAZY_EVAL_THRESHOLD
        self.cache_max_size = cache_max_size or self.CACHE_MAX_SIZE
        self.cache_ttl = cache_ttl or self.CACHE_TTL_SECONDS

    def _product_times(self, product: str, custom: SessionTimes | None) -> tuple[str, SessionTimes]:
        if custom is not None:
            return product, custom
        resolved = resolve_session_product(product)
        if resolved not in DEFAULT_SESSIONS:
            raise ValidationError(f"Unknown product: {product}")
        return resolved, DEFAULT_SESSIONS[resolved]

    async def filter_by_session(
        self,
        data: pl.DataFrame,
        session_type: SessionType,
        product: str,
        custom_session_times: SessionTimes | None = None,
    ) -> pl.DataFrame:
        """The rows of ``data`` inside ``session_type`` of ``product``."""
        if data.is_empty():
            return data
        data = prepare(data)
        kind = SessionType(session_type) if isinstance(session_type, str) else session_type
        root, times = self._product_times(product, custom_session_times)
        if kind == SessionType.CUSTOM or custom_session_times is not None:
            return data.filter(window_mask(data, times))
        if kind not in (SessionType.RTH, SessionType.ETH):
            raise ValidationError(f"Unsupported session type: {session_type}")
        return core.filter_session(data, str(kind), root, column="timestamp")  # type: ignore[arg-type]

    def is_in_session(
        self, timestamp: datetime | str, session_type: SessionType, product: str
    ) -> bool:
        """Whether ``timestamp`` (a datetime; naive means UTC) is inside ``session_type``."""
        if not isinstance(timestamp, datetime):
            raise ValidationError(
                f"timestamp must be a datetime object, got {type(timestamp).__name__}"
            )
        root, times = self._product_times(product, None)
        moment = timestamp if timestamp.tzinfo else timestamp.replace(tzinfo=UTC)
        kind = SessionType(session_type) if isinstance(session_type, str) else session_type
        if kind == SessionType.CUSTOM:
            frame = pl.DataFrame({"timestamp": [moment]})
            return bool(frame.select(window_mask(frame, times)).item())
        return core.in_session(int(moment.timestamp() * _NS), str(kind), root)  # type: ignore[arg-type]
