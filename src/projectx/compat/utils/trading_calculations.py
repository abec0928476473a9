"""project-x-py's trading calculations, mapped to :mod:`projectx.trading_math`.

Bad input raises :class:`projectx.exceptions.ValidationError` (a ``ValueError``, like
project-x-py's; a non-numeric ``size``/``price_change`` raises it too instead of a ``TypeError``).
"""

from __future__ import annotations

from typing import Any

from projectx import trading_math
from projectx.exceptions import ValidationError

__all__ = [
    "calculate_position_sizing",
    "calculate_position_value",
    "calculate_risk_reward_ratio",
    "calculate_tick_value",
    "round_to_tick_size",
]


def calculate_tick_value(price_change: float, tick_size: float, tick_value: float) -> float:
    """Dollar value per contract of a ``price_change`` (its absolute size)."""
    return trading_math.price_move_value(price_change, tick_size, tick_value)


def calculate_position_value(size: int, price: float, tick_value: float, tick_size: float) -> float:
    """Notional value of ``size`` contracts at ``price``."""
    return trading_math.notional_value(size, price, tick_size, tick_value)


def round_to_tick_size(price: float, tick_size: float) -> float:
    """``price`` on the tick grid (nearest multiple of ``tick_size``); ``price`` must be >= 0."""
    if isinstance(price, int | float) and not isinstance(price, bool) and price < 0:
        raise ValidationError(f"price cannot be negative, got {price}")
    return trading_math.round_to_tick(price, tick_size)


def calculate_risk_reward_ratio(
    entry_price: float, stop_price: float, target_price: float
) -> float:
    """Reward over risk of a trade from ``entry_price`` with its stop and target."""
    return trading_math.risk_reward_ratio(entry_price, stop_price, target_price)


def calculate_position_sizing(
    account_balance: float,
    risk_per_trade: float,
    entry_price: float,
    stop_loss_price: float,
    tick_value: float = 1.0,
    tick_size: float = 1.0,
) -> dict[str, Any]:
    """Contracts risking at most ``risk_per_trade`` (a fraction: 0.02 = 2 %) of the balance.

    Keys: ``position_size``, ``price_risk``, ``dollar_risk_per_contract``, ``max_dollar_risk``,
    ``actual_dollar_risk``, ``actual_risk_percent`` (a fraction) and ``risk_reward_ratio``
    (None: no target is given). With the stop at the entry: ``{"error": ...}``.
    """
    if entry_price == stop_loss_price and not isinstance(entry_price, bool):
        trading_math.position_size_for_risk(  # validates the other inputs first
            account_balance, risk_per_trade, entry_price, entry_price + 1.0, tick_size, tick_value
        )
        return {"error": "No price risk (entry equals stop loss)"}
    size = trading_math.position_size_for_risk(
        account_balance, risk_per_trade, entry_price, stop_loss_price, tick_size, tick_value
    )
    return {
        "position_size": size.contracts,
        "price_risk": size.price_risk,
        "dollar_risk_per_contract": size.risk_per_contract,
        "max_dollar_risk": size.max_risk,
        "actual_dollar_risk": size.actual_risk,
        "actual_risk_percent": size.actual_risk_fraction,
        "risk_reward_ratio": None,
    }
