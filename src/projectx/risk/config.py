"""``RiskConfig``: the limits the :class:`~projectx.risk.manager.RiskManager` enforces.

Amounts are in account currency and positive (a "max daily loss of 1000" is 1000.0). ``None``
turns a rule off. Prop-firm rules (``daily_loss_limit``, ``trailing_max_drawdown``,
``flatten_by``) are enforced live: a breach flattens the account through the suite's callback
and blocks new entries (for the rest of the trading day, or for good after a drawdown breach).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from projectx.exceptions import ValidationError

__all__ = ["RiskConfig"]


def _positive(value: float | None, name: str, *, allow_zero: bool = False) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValidationError(f"{name} must be a finite number, got {value!r}")
    if value < 0 or (value == 0 and not allow_zero):
        raise ValidationError(f"{name} must be > 0, got {value}")


def _count(value: int | None, name: str) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValidationError(f"{name} must be a positive int, got {value!r}")


@dataclass(frozen=True, slots=True)
class RiskConfig:
    """Risk limits (see the module docstring)."""

    risk_per_trade_percent: float = 1.0
    """Largest loss at the stop of one entry, as a percent of the balance (sizing and gate)."""
    max_risk_per_trade: float | None = None
    """Largest loss at the stop of one entry, as an amount (the smaller limit wins)."""
    max_daily_loss: float | None = None
    """New entries are refused once the day's realised net loss reaches this."""
    max_daily_trades: int | None = None
    """New entries allowed per trading day."""
    max_position_size: int | None = None
    """Largest absolute position per contract after an order."""
    max_open_positions: int | None = None
    """Most contracts with an open position at once."""
    trading_hours: tuple[time, time] | None = None
    """Entries allowed only between these local times (``start > end`` wraps past midnight)."""
    timezone: str = "America/New_York"
    """Time zone of ``trading_hours`` and ``flatten_by``."""
    require_stop: bool = False
    """Refuse entries whose protective stop is unknown to the gate."""
    # prop-firm rules
    daily_loss_limit: float | None = None
    """Day's realised net P&L plus open P&L at or below ``-daily_loss_limit``: flatten and
    refuse entries until the next trading day."""
    trailing_max_drawdown: float | None = None
    """Equity at or below ``peak balance - trailing_max_drawdown``: flatten and refuse entries
    (the account is done until the state is reset)."""
    trailing_stop_at: float | None = None
    """The drawdown floor stops rising once it reaches this balance (e.g. the start balance)."""
    flatten_by: time | None = None
    """Flatten every day at this local time and refuse entries until the next trading day."""
    warning_fraction: float = 0.8
    """``RISK_LIMIT_WARNING`` once a loss reaches this fraction of its limit."""

    def __post_init__(self) -> None:
        _positive(self.risk_per_trade_percent, "risk_per_trade_percent")
        if self.risk_per_trade_percent > 100:
            raise ValidationError("risk_per_trade_percent is a percent: at most 100")
        for name in (
            "max_risk_per_trade",
            "max_daily_loss",
            "daily_loss_limit",
            "trailing_max_drawdown",
            "trailing_stop_at",
        ):
            _positive(getattr(self, name), name)
        for name in ("max_daily_trades", "max_position_size", "max_open_positions"):
            _count(getattr(self, name), name)
        if not 0.0 < self.warning_fraction < 1.0:
            raise ValidationError(
                f"warning_fraction must be in (0, 1), got {self.warning_fraction}"
            )
        if self.trading_hours is not None:
            if (
                not isinstance(self.trading_hours, tuple)
                or len(self.trading_hours) != 2
                or not all(isinstance(t, time) for t in self.trading_hours)
            ):
                raise ValidationError("trading_hours must be a (start, end) tuple of times")
            if self.trading_hours[0] == self.trading_hours[1]:
                raise ValidationError("trading_hours start and end must differ")
        if self.flatten_by is not None and not isinstance(self.flatten_by, time):
            raise ValidationError("flatten_by must be a datetime.time")
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError, TypeError):
            raise ValidationError(f"unknown time zone {self.timezone!r}") from None

    @property
    def zone(self) -> ZoneInfo:
        """``timezone`` as a ZoneInfo."""
        return ZoneInfo(self.timezone)

    def within_hours(self, local: time) -> bool:
        """Whether the local time ``local`` is inside ``trading_hours`` (always True if unset)."""
        if self.trading_hours is None:
            return True
        start, end = self.trading_hours
        if start < end:
            return start <= local < end
        return local >= start or local < end
