"""Fixed-risk position sizing: how many contracts keep the loss at the stop within a budget."""

from __future__ import annotations

import math

from projectx.exceptions import ValidationError

__all__ = ["contracts_for_risk", "risk_per_contract"]


def _positive(value: float, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValidationError(f"{name} must be a finite number, got {value!r}")
    if value <= 0:
        raise ValidationError(f"{name} must be > 0, got {value!r}")
    return float(value)


def risk_per_contract(entry: float, stop: float, *, tick_size: float, tick_value: float) -> float:
    """The loss of one contract from ``entry`` to ``stop`` (the distance rounded to whole
    ticks) in account currency."""
    _positive(entry, "entry")
    _positive(stop, "stop")
    ticks = round(abs(entry - stop) / _positive(tick_size, "tick_size"))
    return ticks * _positive(tick_value, "tick_value")


def contracts_for_risk(
    budget: float, entry: float, stop: float, *, tick_size: float, tick_value: float
) -> int:
    """Whole contracts whose loss at ``stop`` stays within ``budget`` (0 when the stop is
    less than a tick away or one contract already risks more)."""
    _positive(budget, "budget")
    per = risk_per_contract(entry, stop, tick_size=tick_size, tick_value=tick_value)
    if per == 0:
        return 0
    return max(0, math.floor(budget / per + 1e-9))
