"""project-x-py's ``PositionMonitoringMixin``: P&L alerts (the core's alerts, fired on every
trade) and monitoring (the core follows positions in real time: nothing to poll)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from projectx.compat.exceptions import ProjectXPositionError
from projectx.compat.position_manager._base import PositionManagerBase
from projectx.positions.alerts import PositionAlert

__all__ = ["PositionMonitoringMixin"]


class PositionMonitoringMixin(PositionManagerBase):
    """Alerts on a position's unrealised P&L."""

    _monitoring: bool

    def __init__(self) -> None:
        """A mixin's own state: the alerts and the monitoring flag."""
        self._alert_ids = {}
        self._alert_state = {}
        self._monitoring = False

    async def add_position_alert(
        self,
        contract_id: str,
        max_loss: float | None = None,
        max_gain: float | None = None,
        pnl_threshold: float | None = None,
    ) -> None:
        """Alert once when the unrealised P&L of ``contract_id`` reaches ``max_loss`` (a
        negative amount, as in project-x-py; its size is what counts), ``max_gain`` or the
        signed level ``pnl_threshold``: a ``"position_alert"`` callback (``add_callback``)
        and the core's ``RISK_LIMIT_WARNING``. Replaces an earlier alert of the contract."""
        cid = await self._cid(contract_id)
        await self.remove_position_alert(cid)
        state: dict[str, Any] = {
            "max_loss": max_loss,
            "max_gain": max_gain,
            "pnl_threshold": pnl_threshold,
            "created": datetime.now(UTC),
            "triggered": False,
        }

        async def fired(alert: PositionAlert, condition: str, pnl: float) -> None:
            state["triggered"] = True
            await self._fire(
                "position_alert",
                {
                    "contract_id": cid,
                    "message": f"Position {cid} reached {condition}: P&L {pnl:.2f}",
                    "position": self._info(cid),
                    "alert": state,
                },
            )

        with self._guard("add_position_alert", ProjectXPositionError):
            alert = self._core.add_position_alert(
                cid,
                max_loss=abs(max_loss) if max_loss is not None else None,
                max_gain=max_gain,
                pnl_threshold=pnl_threshold,
                callback=fired,
            )
        self._alert_ids[cid] = [alert.alert_id]
        self._alert_state[cid] = state

    async def remove_position_alert(self, contract_id: str) -> None:
        """Remove the alert of ``contract_id`` (if it has not fired)."""
        cid = await self._cid(contract_id)
        for alert_id in self._alert_ids.pop(cid, []):
            self._core.remove_position_alert(alert_id)
        self._alert_state.pop(cid, None)

    async def start_monitoring(self, refresh_interval: int = 30) -> None:
        """Mark monitoring on; the core follows positions and marks P&L on every trade, so
        nothing is polled (``refresh_interval`` is accepted for project-x-py's signature)."""
        self._monitoring = True

    async def stop_monitoring(self) -> None:
        """Mark monitoring off."""
        self._monitoring = False

    def _alert_counts(self) -> dict[str, int]:
        triggered = sum(1 for s in self._alert_state.values() if s["triggered"])
        return {"active_alerts": len(self._alert_state) - triggered, "triggered_alerts": triggered}
