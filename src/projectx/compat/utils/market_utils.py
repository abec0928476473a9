"""project-x-py's market helpers, mapped to :mod:`projectx.sessions` and
:mod:`projectx.timeframes`.

Differences (deliberate, correct content): market hours are the CME Globex day of the core's
calendar (18:00-17:00 New York, holidays and early closes included) whatever ``timezone`` is
given (project-x-py applied Chicago hours to the given zone); ``timezone`` only sets the zone of
the returned times. ``convert_timeframe_to_seconds`` raises
:class:`projectx.timeframes.TimeframeError` for an unknown unit (project-x-py returned 0).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from projectx.exceptions import ValidationError
from projectx.sessions import in_session, next_session
from projectx.timeframes import TimeframeError, parse_timeframe

__all__ = [
    "convert_timeframe_to_seconds",
    "extract_symbol_from_contract_id",
    "get_market_session_info",
    "is_market_hours",
    "validate_contract_id",
]

_NS = 1_000_000_000
_FULL_ID = re.compile(r"CON\.F\.US\.([A-Z]{2,4})\.[FGHJKMNQUVXZ]\d{2}")
_ROOT = re.compile(r"[A-Z]{2,4}")
_UNITS = {
    **dict.fromkeys(("s", "sec", "second", "seconds"), "sec"),
    **dict.fromkeys(("m", "min", "minute", "minutes"), "min"),
    **dict.fromkeys(("h", "hr", "hour", "hours"), "hr"),
    **dict.fromkeys(("d", "day", "days"), "day"),
    **dict.fromkeys(("w", "week", "weeks"), "week"),
}
_CALENDAR_SECONDS = {"day": 86_400, "week": 604_800}


def _zone(timezone: str) -> ZoneInfo:
    try:
        return ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError(f"unknown time zone {timezone!r}") from None


def _now_ns() -> int:
    return int(datetime.now(UTC).timestamp() * _NS)


def is_market_hours(timezone: str = "America/Chicago") -> bool:
    """Whether the CME Globex session (ETH) is open now."""
    _zone(timezone)
    return in_session(_now_ns(), "ETH")


def get_market_session_info(timezone: str = "America/Chicago") -> dict[str, Any]:
    """``is_open``, ``current_time`` (aware, in ``timezone``), ``timezone``, ``weekday`` and,
    when open, ``next_session_end``/``time_until_close``, when closed,
    ``next_session_start``/``time_until_open``."""
    zone = _zone(timezone)
    now_ns = _now_ns()
    now = datetime.fromtimestamp(now_ns / _NS, UTC).astimezone(zone)
    info: dict[str, Any] = {
        "is_open": in_session(now_ns, "ETH"),
        "current_time": now,
        "timezone": timezone,
        "weekday": now.strftime("%A"),
    }
    bounds = next_session(now_ns, "ETH")
    if bounds is not None:
        open_at = datetime.fromtimestamp(bounds[0] / _NS, UTC).astimezone(zone)
        close_at = datetime.fromtimestamp(bounds[1] / _NS, UTC).astimezone(zone)
        if info["is_open"]:
            info["next_session_end"] = close_at
            info["time_until_close"] = close_at - now
        else:
            info["next_session_start"] = open_at
            info["time_until_open"] = open_at - now
    return info


def validate_contract_id(contract_id: str) -> bool:
    """Whether ``contract_id`` is a full id (``CON.F.US.MNQ.Z25``) or a bare root (``MNQ``)."""
    if not isinstance(contract_id, str):
        return False
    return bool(_FULL_ID.fullmatch(contract_id) or _ROOT.fullmatch(contract_id))


def extract_symbol_from_contract_id(contract_id: str) -> str | None:
    """The product root of a full contract id or a bare root; None otherwise."""
    if not isinstance(contract_id, str) or not contract_id:
        return None
    if _ROOT.fullmatch(contract_id):
        return contract_id
    match = _FULL_ID.fullmatch(contract_id)
    return match.group(1) if match else None


def convert_timeframe_to_seconds(timeframe: str) -> int:
    """Seconds in ``timeframe`` (``"30s"``, ``"5min"``, ``"1h"``, ``"4hr"``, ``"1d"``, ``"2w"``,
    any case): intraday lengths as the core's :func:`projectx.timeframes.parse_timeframe`
    measures them, days and weeks as 86 400 / 604 800 s each."""
    if not isinstance(timeframe, str):
        raise TimeframeError(f"timeframe must be a str, got {type(timeframe).__name__}")
    match = re.fullmatch(r"(\d+)\s*([a-z]*)", timeframe.strip().lower())
    unit = _UNITS.get(match.group(2)) if match else None
    if match is None or unit is None:
        raise TimeframeError(f"unknown timeframe {timeframe!r}: expected e.g. 30s, 5min, 1h, 1d")
    number = int(match.group(1))
    if unit in _CALENDAR_SECONDS:
        if number < 1:
            raise TimeframeError(f"timeframe {timeframe!r}: the count must be at least 1")
        return number * _CALENDAR_SECONDS[unit]
    return parse_timeframe(f"{number}{unit}").length_ns // _NS
