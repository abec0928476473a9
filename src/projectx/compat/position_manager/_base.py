"""What every part of the compat ``PositionManager`` shares: the core manager it adapts, the
compat client and bus, and the look-ups the parts use."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from projectx.compat.exceptions import ProjectXPositionError
from projectx.compat.models import Position
from projectx.compat.order_manager._tracker import StatisticsMixin
from projectx.positions import PositionManager as CorePositionManager
from projectx.positions.records import PositionInfo

if TYPE_CHECKING:
    from projectx.compat.client import ProjectX
    from projectx.compat.event_bus import EventBus

__all__ = ["PositionManagerBase"]


class PositionManagerBase(StatisticsMixin):
    """The state the position manager's parts (project-x-py's mixins) share."""

    _core: CorePositionManager
    project_x: ProjectX
    event_bus: EventBus
    risk_manager: Any
    data_manager: Any
    order_manager: Any
    _alert_ids: dict[str, list[int]]
    _alert_state: dict[str, dict[str, Any]]
    _callbacks: dict[str, list[Any]]
    _handlers: dict[tuple[str, int], Any]
    _counts: dict[str, int]

    @property
    def core(self) -> CorePositionManager:
        """The core :class:`projectx.positions.PositionManager` this one adapts."""
        return self._core

    @property
    def account_id(self) -> int:
        """The account the core manager follows."""
        return self._core.account_id

    def _check_account(self, account_id: int | None) -> None:
        if account_id is not None and account_id != self._core.account_id:
            raise ProjectXPositionError(
                f"Invalid account ID {account_id}. Expected {self._core.account_id}"
            )

    async def _cid(self, contract_id: str) -> str:
        """The contract id of a contract id or symbol."""
        if not isinstance(contract_id, str) or not contract_id:
            raise ProjectXPositionError(f"contract_id must be a non-empty str, got {contract_id!r}")
        with self._guard("resolve_contract", ProjectXPositionError):
            return (await self._core.client.resolve_contract(contract_id)).id

    async def _point_value(self, contract_id: str) -> float | None:
        """Dollars per point of ``contract_id`` (tick value / tick size)."""
        info = self._core.get_position(contract_id)
        if info is not None and info.point_value is not None:
            return info.point_value
        with self._guard("get_contract", ProjectXPositionError):
            c = await self._core.client.resolve_contract(contract_id)
        if not c.tick_size or c.tick_value is None:
            return None
        return c.tick_value / c.tick_size

    async def get_all_positions(self, account_id: int | None = None) -> list[Position]:
        """The account's open positions as the Gateway reports them (``Position/searchOpen``)."""
        self._check_account(account_id)
        with self._guard("get_all_positions", ProjectXPositionError):
            positions = await self._core.client.search_open_positions(account_id=self.account_id)
        return [Position.from_core(p) for p in positions if (p.size or 0) != 0 and p.contract_id]

    def _info(self, contract_id: str) -> PositionInfo | None:
        return self._core.get_position(contract_id)

    if TYPE_CHECKING:  # provided by the mixins

        def _history(self, contract_id: str) -> list[dict[str, Any]]: ...

        def _alert_counts(self) -> dict[str, int]: ...

        async def _fire(self, name: str, data: dict[str, Any]) -> None: ...

        async def get_portfolio_pnl(self, account_id: int | None = None) -> dict[str, Any]: ...

        async def get_risk_metrics(self) -> dict[str, Any]: ...
