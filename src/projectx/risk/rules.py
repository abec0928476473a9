"""Prop-firm rules as pure functions: how much of each limit is used, and the flatten time.

A :class:`RuleStatus` measures a loss against its limit (both positive amounts): the rule is
breached when ``used >= limit`` and worth a warning once ``used >= warning_fraction * limit``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from projectx.risk.config import RiskConfig
from projectx.timeframes import SESSION_CLOSE

__all__ = [
    "DAILY_LOSS_LIMIT",
    "FLATTEN_BY",
    "MAX_DAILY_LOSS",
    "TRAILING_MAX_DRAWDOWN",
    "RuleStatus",
    "daily_loss_status",
    "drawdown_floor",
    "drawdown_status",
    "flatten_moment",
    "max_daily_loss_status",
    "next_flatten",
]

DAILY_LOSS_LIMIT = "daily_loss_limit"
TRAILING_MAX_DRAWDOWN = "trailing_max_drawdown"
FLATTEN_BY = "flatten_by"
MAX_DAILY_LOSS = "max_daily_loss"


@dataclass(frozen=True, slots=True)
class RuleStatus:
    """How much of a loss limit is used."""

    rule: str
    used: float
    limit: float

    @property
    def fraction(self) -> float:
        """``used / limit`` (may exceed 1)."""
        return self.used / self.limit

    @property
    def breached(self) -> bool:
        """``used >= limit``."""
        return self.used >= self.limit

    def as_dict(self) -> dict[str, float | str]:
        """Event payload form."""
        return {"rule": self.rule, "used": self.used, "limit": self.limit}


def daily_loss_status(
    config: RiskConfig, day_net_pnl: float, unrealized: float
) -> RuleStatus | None:
    """Prop-firm daily loss: the day's realised net P&L plus open P&L against the limit."""
    if config.daily_loss_limit is None:
        return None
    return RuleStatus(
        DAILY_LOSS_LIMIT, max(0.0, -(day_net_pnl + unrealized)), config.daily_loss_limit
    )


def max_daily_loss_status(config: RiskConfig, day_net_pnl: float) -> RuleStatus | None:
    """Soft daily loss: the day's realised net P&L only (refuses entries, does not flatten)."""
    if config.max_daily_loss is None:
        return None
    return RuleStatus(MAX_DAILY_LOSS, max(0.0, -day_net_pnl), config.max_daily_loss)


def drawdown_floor(config: RiskConfig, peak_balance: float) -> float | None:
    """``peak - trailing_max_drawdown``, never above ``trailing_stop_at`` when that is set."""
    if config.trailing_max_drawdown is None:
        return None
    floor = peak_balance - config.trailing_max_drawdown
    if config.trailing_stop_at is not None:
        floor = min(floor, config.trailing_stop_at)
    return floor


def drawdown_status(config: RiskConfig, peak_balance: float, equity: float) -> RuleStatus | None:
    """Trailing max drawdown: how far equity fell towards the floor (limit = the allowance)."""
    floor = drawdown_floor(config, peak_balance)
    if floor is None or config.trailing_max_drawdown is None:
        return None
    limit = config.trailing_max_drawdown
    used = limit - (equity - floor)
    return RuleStatus(TRAILING_MAX_DRAWDOWN, max(0.0, used), limit)


def flatten_moment(config: RiskConfig, trading_day: date) -> datetime | None:
    """When trading day ``trading_day`` must be flat (aware, in ``config.timezone``).

    A ``flatten_by`` before the 17:00 close is on the trading day's date, a later one on the
    evening before (the trading day starts then)."""
    at = config.flatten_by
    if at is None:
        return None
    day = trading_day if at < SESSION_CLOSE else trading_day - timedelta(days=1)
    return datetime.combine(day, at, tzinfo=config.zone)


def next_flatten(config: RiskConfig, now: datetime, trading_day: date) -> datetime | None:
    """The first flatten moment strictly after ``now``, from ``trading_day`` on (weekdays)."""
    if config.flatten_by is None:
        return None
    day = trading_day
    for _ in range(10):
        if day.weekday() < 5:
            moment = flatten_moment(config, day)
            if moment is not None and moment > now:
                return moment
        day += timedelta(days=1)
    return None
