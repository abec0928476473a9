"""What every part of the compat ``OrderManager`` shares: the core manager it adapts, the
compat client and bus, and the conversions of the core's records into project-x-py's models."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from projectx.compat.exceptions import ProjectXOrderError
from projectx.compat.models import Order, OrderPlaceResponse
from projectx.compat.order_manager._tracker import StatisticsMixin
from projectx.enums import OrderType
from projectx.models import Contract
from projectx.orders import OrderManager as CoreOrderManager
from projectx.orders.records import TrackedOrder

if TYPE_CHECKING:
    from projectx.compat.client import ProjectX
    from projectx.compat.event_bus import EventBus

__all__ = ["OrderManagerBase", "place_response"]

_ORDER_TYPES = frozenset(int(t) for t in OrderType if int(t) in range(1, 8))


def place_response(rec: TrackedOrder) -> OrderPlaceResponse:
    """project-x-py's answer to a placement: the Gateway id of a record the core placed."""
    return OrderPlaceResponse(
        orderId=rec.order_id if rec.order_id is not None else 0,
        success=rec.order_id is not None,
        errorCode=0,
        errorMessage=rec.error,
    )


class OrderManagerBase(StatisticsMixin):
    """The state the order manager's parts (project-x-py's mixins) share."""

    _core: CoreOrderManager
    project_x: ProjectX
    event_bus: EventBus
    _callbacks: dict[str, list[Any]]
    _position_orders: dict[str, dict[str, list[int]]]
    _oco: dict[int, int]

    @property
    def core(self) -> CoreOrderManager:
        """The core :class:`projectx.orders.OrderManager` this one adapts."""
        return self._core

    @property
    def account_id(self) -> int:
        """The account the core manager trades."""
        return self._core.account_id

    def _check_account(self, account_id: int | None) -> None:
        """project-x-py refuses an ``account_id`` other than the client's (before sending)."""
        if account_id is not None and account_id != self._core.account_id:
            raise ProjectXOrderError(
                f"Invalid account ID {account_id}. Expected {self._core.account_id}"
            )

    async def _contract(self, contract_id: str) -> Contract:
        """The core contract of a contract id or symbol."""
        if not isinstance(contract_id, str) or not contract_id:
            raise ProjectXOrderError(f"contract_id must be a non-empty str, got {contract_id!r}")
        with self._guard("resolve_contract", ProjectXOrderError):
            return await self._core.client.resolve_contract(contract_id)

    async def _place(
        self,
        contract_id: str,
        order_type: int,
        side: int,
        size: int,
        *,
        limit_price: float | None = None,
        stop_price: float | None = None,
        trail_price: float | None = None,
        custom_tag: str | None = None,
        account_id: int | None = None,
    ) -> TrackedOrder:
        """Validate as project-x-py does, then place through the core (prices aligned to the
        tick, as project-x-py aligns them; ``trail_price`` is project-x-py's trail *distance*)."""
        if isinstance(size, bool) or not isinstance(size, int) or size <= 0:
            raise ProjectXOrderError(f"Invalid order size: {size}")
        if side not in (0, 1) or isinstance(side, bool):
            raise ProjectXOrderError(f"Invalid order side: {side}")
        if order_type not in _ORDER_TYPES or isinstance(order_type, bool):
            raise ProjectXOrderError(f"Invalid order type: {order_type}")
        self._check_account(account_id)
        contract = await self._contract(contract_id)
        core = self._core
        with self._guard("place_order", ProjectXOrderError):
            if order_type == int(OrderType.TRAILING_STOP):
                if trail_price is None or not trail_price > 0:
                    raise ProjectXOrderError("a trailing stop needs a trail distance > 0")
                tick = contract.tick_size or 0.0
                ticks = max(1, round(trail_price / tick)) if tick > 0 else 0
                return await core.place_trailing_stop_order(
                    contract, side, size, trail_ticks=ticks, custom_tag=custom_tag
                )
            return await core.place_order(
                contract,
                side,
                size,
                order_type,
                limit_price=limit_price,
                stop_price=stop_price,
                custom_tag=custom_tag,
                snap=True,
            )

    def _tracked(self, order_id: int | str) -> TrackedOrder | None:
        try:
            oid = int(order_id)
        except (TypeError, ValueError):
            raise ProjectXOrderError(f"order_id must be an int, got {order_id!r}") from None
        return self._core.get_order(oid)

    def _order(self, rec: TrackedOrder) -> Order:
        return Order.from_tracked(rec, self._core.account_id)
