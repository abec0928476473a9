"""Contract arithmetic on plain numbers: tick rounding, tick values, notional, risk/reward and
risk-based position size.

A contract's ``tick_size`` is its minimum price step and ``tick_value`` the currency one tick is
worth per contract, so one full point is worth ``tick_value / tick_size`` (the point value).
Every function checks its inputs and raises :class:`~projectx.exceptions.ValidationError`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal

from projectx.exceptions import ValidationError

__all__ = [
    "PositionSize",
    "notional_value",
    "position_size_for_risk",
    "price_move_value",
    "risk_reward_ratio",
    "round_to_tick",
]


def _number(
    value: object, name: str, *, positive: bool = False, non_negative: bool = False
) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValidationError(f"{name} must be a number, got {type(value).__name__}")
    out = float(value)
    if not math.isfinite(out):
        raise ValidationError(f"{name} must be finite, got {value!r}")
    if positive and not out > 0:
        raise ValidationError(f"{name} must be positive, got {value!r}")
    if non_negative and out < 0:
        raise ValidationError(f"{name} cannot be negative, got {value!r}")
    return out


def round_to_tick(price: float, tick_size: float) -> float:
    """The multiple of ``tick_size`` nearest ``price`` (halves away from zero), as the decimal
    the tick grid holds (``round_to_tick(100.37, 0.25) == 100.25``, not ``100.25000000000001``)."""
    p = _number(price, "price")
    tick = _number(tick_size, "tick_size", positive=True)
    step = Decimal(repr(tick))
    ticks = (Decimal(repr(p)) / step).quantize(Decimal(1), rounding="ROUND_HALF_UP")
    return float(ticks * step)


def price_move_value(price_change: float, tick_size: float, tick_value: float) -> float:
    """Currency value per contract of a price move of ``|price_change|``."""
    change = _number(price_change, "price_change")
    tick = _number(tick_size, "tick_size", positive=True)
    value = _number(tick_value, "tick_value", non_negative=True)
    return abs(change) / tick * value


def notional_value(size: int, price: float, tick_size: float, tick_value: float) -> float:
    """Notional value of ``|size|`` contracts at ``price``: ``|size| * price * point value``."""
    if isinstance(size, bool) or not isinstance(size, int):
        raise ValidationError(f"size must be an integer, got {type(size).__name__}")
    p = _number(price, "price", non_negative=True)
    tick = _number(tick_size, "tick_size", positive=True)
    value = _number(tick_value, "tick_value", non_negative=True)
    return abs(size) * p * (value / tick)


def risk_reward_ratio(entry_price: float, stop_price: float, target_price: float) -> float:
    """``|target - entry| / |entry - stop|``; the stop below the entry makes it a long (the
    target must be above the entry), above a short (the target must be below)."""
    entry = _number(entry_price, "entry_price")
    stop = _number(stop_price, "stop_price")
    target = _number(target_price, "target_price")
    if entry == stop:
        raise ValidationError("Entry price and stop price cannot be equal")
    if stop < entry and target <= entry:
        raise ValidationError("For long positions, target must be above entry")
    if stop > entry and target >= entry:
        raise ValidationError("For short positions, target must be below entry")
    return abs(target - entry) / abs(entry - stop)


@dataclass(frozen=True, slots=True)
class PositionSize:
    """A risk-based size: ``contracts`` (whole, rounded down), the stop distance in price and
    its value per contract, the budget (``max_risk``) and what ``contracts`` actually risk
    (``actual_risk``, and as a fraction of the balance)."""

    contracts: int
    price_risk: float
    risk_per_contract: float
    max_risk: float
    actual_risk: float
    actual_risk_fraction: float


def position_size_for_risk(
    account_balance: float,
    risk_fraction: float,
    entry_price: float,
    stop_price: float,
    tick_size: float,
    tick_value: float,
) -> PositionSize:
    """How many contracts keep the loss at ``stop_price`` within ``risk_fraction`` (0.01 = 1 %)
    of ``account_balance``. The stop must differ from the entry."""
    balance = _number(account_balance, "account_balance", positive=True)
    fraction = _number(risk_fraction, "risk_fraction")
    if not 0 < fraction <= 1:
        raise ValidationError(f"risk_fraction must be in (0, 1], got {risk_fraction!r}")
    entry = _number(entry_price, "entry_price", positive=True)
    stop = _number(stop_price, "stop_price", positive=True)
    tick = _number(tick_size, "tick_size", positive=True)
    value = _number(tick_value, "tick_value", positive=True)
    distance = abs(entry - stop)
    if distance == 0:
        raise ValidationError("the stop must differ from the entry")
    per_contract = distance / tick * value
    budget = balance * fraction
    contracts = math.floor(budget / per_contract + 1e-9)
    actual = contracts * per_contract
    return PositionSize(contracts, distance, per_contract, budget, actual, actual / balance)
