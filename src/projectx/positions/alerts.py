"""Position alerts: one-shot thresholds on a position's unrealised P&L."""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

from projectx.exceptions import ValidationError

__all__ = ["PositionAlert", "make_alert"]

_ids = itertools.count(1)


@dataclass(frozen=True, slots=True)
class PositionAlert:
    """Fires once when the unrealised P&L of ``contract_id``:

    * ``max_loss`` — falls to ``-max_loss`` or below (``max_loss`` > 0);
    * ``max_gain`` — rises to ``max_gain`` or above (``max_gain`` > 0);
    * ``pnl_threshold`` — reaches the signed level (>= when positive, <= when negative).
    """

    alert_id: int
    contract_id: str
    max_loss: float | None = None
    max_gain: float | None = None
    pnl_threshold: float | None = None

    def triggered(self, pnl: float) -> str | None:
        """The name of the condition ``pnl`` meets, or None."""
        if self.max_loss is not None and pnl <= -self.max_loss:
            return "max_loss"
        if self.max_gain is not None and pnl >= self.max_gain:
            return "max_gain"
        t = self.pnl_threshold
        if t is not None and ((t >= 0 and pnl >= t) or (t < 0 and pnl <= t)):
            return "pnl_threshold"
        return None


def _amount(value: float | None, name: str, *, positive: bool) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValidationError(f"{name} must be a finite number, got {value!r}")
    if positive and value <= 0:
        raise ValidationError(f"{name} must be > 0, got {value}")
    return float(value)


def make_alert(
    contract_id: str,
    *,
    max_loss: float | None = None,
    max_gain: float | None = None,
    pnl_threshold: float | None = None,
) -> PositionAlert:
    """A validated alert with a fresh id (at least one condition is required)."""
    loss = _amount(max_loss, "max_loss", positive=True)
    gain = _amount(max_gain, "max_gain", positive=True)
    level = _amount(pnl_threshold, "pnl_threshold", positive=False)
    if loss is None and gain is None and level is None:
        raise ValidationError("an alert needs max_loss, max_gain or pnl_threshold")
    return PositionAlert(next(_ids), contract_id, loss, gain, level)
