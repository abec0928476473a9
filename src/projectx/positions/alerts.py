"""Position alerts: one-shot thresholds on a position's unrealised P&L, and the registry
(:class:`AlertBook`) that checks them and fires each once."""

from __future__ import annotations

import inspect
import itertools
import logging
import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from projectx.events import EventBus, EventType
from projectx.exceptions import ValidationError

__all__ = ["AlertBook", "AlertCallback", "PositionAlert", "make_alert"]

log = logging.getLogger(__name__)

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


AlertCallback = Callable[["PositionAlert", str, float], Any]
"""``callback(alert, condition, pnl)`` of a fired alert (an awaitable result is awaited in a
task)."""


class AlertBook:
    """The alerts that have not fired yet, by contract id.

    :meth:`check` fires the alerts a P&L meets: ``RISK_LIMIT_WARNING`` on ``bus`` (with
    ``rule="position_alert"``) and the alert's callback; ``own(awaitable)`` runs an awaitable
    callback result in a task its owner cancels on close.
    """

    def __init__(self, bus: EventBus, own: Callable[[Awaitable[Any]], None]) -> None:
        self._bus = bus
        self._own = own
        self._alerts: dict[str, list[PositionAlert]] = {}
        self._callbacks: dict[int, AlertCallback] = {}

    def __repr__(self) -> str:
        return f"AlertBook(alerts={len(self)})"

    def __len__(self) -> int:
        return sum(len(v) for v in self._alerts.values())

    def __contains__(self, contract_id: object) -> bool:
        """Whether ``contract_id`` has an alert that has not fired."""
        return contract_id in self._alerts

    def add(
        self,
        contract_id: str,
        *,
        max_loss: float | None = None,
        max_gain: float | None = None,
        pnl_threshold: float | None = None,
        callback: AlertCallback | None = None,
    ) -> PositionAlert:
        """Register a validated alert (see :func:`make_alert`) and its callback."""
        alert = make_alert(
            contract_id, max_loss=max_loss, max_gain=max_gain, pnl_threshold=pnl_threshold
        )
        self._alerts.setdefault(contract_id, []).append(alert)
        if callback is not None:
            self._callbacks[alert.alert_id] = callback
        return alert

    def remove(self, alert: PositionAlert | int) -> bool:
        """Remove an alert that has not fired; False if unknown."""
        aid = alert.alert_id if isinstance(alert, PositionAlert) else alert
        for cid, alerts in self._alerts.items():
            kept = [a for a in alerts if a.alert_id != aid]
            if len(kept) != len(alerts):
                self._set(cid, kept)
                self._callbacks.pop(aid, None)
                return True
        return False

    @property
    def alerts(self) -> list[PositionAlert]:
        """Alerts that have not fired yet."""
        return [a for v in self._alerts.values() for a in v]

    def _set(self, cid: str, alerts: list[PositionAlert]) -> None:
        if alerts:
            self._alerts[cid] = alerts
        else:
            self._alerts.pop(cid, None)

    def check(self, contract_id: str, pnl: float | None, size: int) -> None:
        """Fire (once) every alert of ``contract_id`` that the unrealised ``pnl`` meets."""
        alerts = self._alerts.get(contract_id)
        if not alerts or pnl is None:
            return
        fired = [(a, c) for a in alerts if (c := a.triggered(pnl)) is not None]
        if not fired:
            return
        self._set(contract_id, [a for a in alerts if all(a is not f for f, _ in fired)])
        for alert, condition in fired:
            if self._bus.wants(EventType.RISK_LIMIT_WARNING):
                self._bus.emit(
                    EventType.RISK_LIMIT_WARNING,
                    {
                        "rule": "position_alert",
                        "condition": condition,
                        "alert_id": alert.alert_id,
                        "contract_id": contract_id,
                        "unrealized_pnl": pnl,
                        "size": size,
                    },
                    contract_id,
                )
            callback = self._callbacks.pop(alert.alert_id, None)
            if callback is not None:
                try:
                    result = callback(alert, condition, pnl)
                    if inspect.isawaitable(result):
                        self._own(result)
                except Exception:
                    log.exception("position alert callback failed")
