"""project-x-py's trading sessions (``project_x_py.sessions``) over :mod:`projectx.sessions`."""

from __future__ import annotations

from projectx.compat.sessions.aggregation import aggregate_session_bars
from projectx.compat.sessions.config import (
    DEFAULT_SESSIONS,
    SessionConfig,
    SessionTimes,
    SessionType,
    resolve_session_product,
)
from projectx.compat.sessions.filtering import SessionFilterMixin
from projectx.compat.sessions.indicators import (
    aggregate_with_sessions,
    calculate_anchored_vwap,
    calculate_percent_from_open,
    calculate_relative_to_vwap,
    calculate_session_cumulative_volume,
    calculate_session_levels,
    calculate_session_vwap,
    generate_session_alerts,
)
from projectx.compat.sessions.statistics import SessionAnalytics, SessionStatistics

__all__ = [
    "DEFAULT_SESSIONS",
    "SessionAnalytics",
    "SessionConfig",
    "SessionFilterMixin",
    "SessionStatistics",
    "SessionTimes",
    "SessionType",
    "aggregate_session_bars",
    "aggregate_with_sessions",
    "calculate_anchored_vwap",
    "calculate_percent_from_open",
    "calculate_relative_to_vwap",
    "calculate_session_cumulative_volume",
    "calculate_session_levels",
    "calculate_session_vwap",
    "generate_session_alerts",
    "resolve_session_product",
]
