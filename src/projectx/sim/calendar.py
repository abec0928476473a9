"""Optional trading-session calendar of the simulator (spec §9.3 step 6, errorCode 5).

CME Globex hours for the equity-index, rates, FX and energy futures of the contract table:
open from Sunday 18:00 to Friday 17:00 New York time, with a daily maintenance halt from 17:00 to
18:00 (DST-correct). Exchange holidays are not modelled. [INFERRED] - the Gateway does not
document its calendar; the exchange uses this only when built with ``trading_hours=True``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

__all__ = ["NEW_YORK", "market_open"]

NEW_YORK = ZoneInfo("America/New_York")


def market_open(ts_ns: int) -> bool:
    """Whether the Globex session is open at ``ts_ns`` (ns since the epoch, UTC)."""
    local = datetime.fromtimestamp(ts_ns / 1e9, tz=UTC).astimezone(NEW_YORK)
    weekday, hour = local.weekday(), local.hour  # Monday = 0
    if weekday == 5:  # Saturday
        return False
    if weekday == 6:  # Sunday: opens at 18:00
        return hour >= 18
    if hour == 17:  # daily halt 17:00-18:00
        return False
    return not (weekday == 4 and hour >= 17)  # Friday close at 17:00
