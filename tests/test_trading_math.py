"""projectx.trading_math: contract arithmetic."""

from __future__ import annotations

import pytest

from projectx import trading_math as tm
from projectx.exceptions import ValidationError


@pytest.mark.parametrize(
    ("price", "tick", "expected"),
    [
        (100.37, 0.25, 100.25),
        (100.375, 0.25, 100.5),
        (0.30000000000000004, 0.1, 0.3),
        (7.0, 1.0, 7.0),
    ],
)
def test_round_to_tick_is_exact(price: float, tick: float, expected: float) -> None:
    assert tm.round_to_tick(price, tick) == expected


def test_values_and_ratios() -> None:
    assert tm.price_move_value(-2.5, 0.25, 1.25) == 12.5
    assert tm.notional_value(-2, 5000.0, 0.25, 1.25) == 2 * 5000.0 * 5.0
    assert tm.risk_reward_ratio(50.0, 48.0, 56.0) == 3.0
    size = tm.position_size_for_risk(10_000.0, 0.02, 50.0, 48.0, 0.01, 10.0)
    assert size.risk_per_contract == pytest.approx(2000.0) and size.contracts == 0
    size = tm.position_size_for_risk(100_000.0, 0.02, 50.0, 48.0, 0.01, 10.0)
    assert size.contracts == 1 and size.actual_risk_fraction == pytest.approx(0.02)


@pytest.mark.parametrize(
    "call",
    [
        lambda: tm.round_to_tick(1.0, 0.0),
        lambda: tm.round_to_tick(float("nan"), 0.25),
        lambda: tm.notional_value(True, 1.0, 0.25, 1.0),
        lambda: tm.risk_reward_ratio(1.0, 1.0, 2.0),
        lambda: tm.position_size_for_risk(1000.0, 2.0, 10.0, 9.0, 0.25, 1.0),
        lambda: tm.position_size_for_risk(1000.0, 0.1, 10.0, 10.0, 0.25, 1.0),
    ],
)
def test_bad_input_raises_validation_error(call: object) -> None:
    with pytest.raises(ValidationError):
        call()  # type: ignore[operator]
