"""project-x-py's ``PositionOrderMixin``: orders that act on the account's open position
(close, add a stop or a target) and the lists of orders attached to a position.

The position is read from ``Position/searchOpen`` (as project-x-py reads it); the orders go
through the core manager like any other. Attached orders are kept per contract id under
project-x-py's keys ``entry_orders``/``stop_orders``/``target_orders``.
"""

from __future__ import annotations

from typing import Any

from projectx.compat.exceptions import ProjectXOrderError
from projectx.compat.models import OrderPlaceResponse
from projectx.compat.order_manager._base import OrderManagerBase, place_response
from projectx.enums import OrderType, PositionType
from projectx.models import Position as CorePosition
from projectx.orders.records import TrackedOrder

__all__ = ["PositionOrderMixin"]

_KINDS = ("entry", "stop", "target")


class PositionOrderMixin(OrderManagerBase):
    """Position-level order helpers."""

    async def _open_position(self, contract_id: str) -> tuple[str, CorePosition | None]:
        cid = (await self._contract(contract_id)).id
        with self._guard("search_open_positions", ProjectXOrderError):
            positions = await self._core.client.search_open_positions(account_id=self.account_id)
        for pos in positions:
            if pos.contract_id == cid and (pos.size or 0) != 0:
                return cid, pos
        return cid, None

    async def close_position(
        self,
        contract_id: str,
        method: str = "market",
        limit_price: float | None = None,
        account_id: int | None = None,
    ) -> OrderPlaceResponse | None:
        """Flatten the position with an opposite market order (or a limit at ``limit_price``
        with ``method="limit"``); None when no position is open."""
        if method not in ("market", "limit"):
            raise ProjectXOrderError(f"Invalid close method: {method}. Must be 'market' or 'limit'")
        if method == "limit" and limit_price is None:
            raise ProjectXOrderError("Limit price required for limit close")
        self._check_account(account_id)
        cid, pos = await self._open_position(contract_id)
        if pos is None:
            return None
        side = 1 if pos.type == PositionType.LONG else 0
        size = abs(pos.size or 0)
        if method == "market":
            rec = await self._place(cid, int(OrderType.MARKET), side, size)
        else:
            rec = await self._place(cid, int(OrderType.LIMIT), side, size, limit_price=limit_price)
        return place_response(rec)

    async def add_stop_loss(
        self,
        contract_id: str,
        stop_price: float,
        size: int | None = None,
        account_id: int | None = None,
    ) -> OrderPlaceResponse | None:
        """A protective stop for the open position (below its average price when long, above
        when short), for its whole size unless ``size`` is given."""
        return await self._protect(contract_id, "stop", stop_price, size, account_id)

    async def add_take_profit(
        self,
        contract_id: str,
        limit_price: float,
        size: int | None = None,
        account_id: int | None = None,
    ) -> OrderPlaceResponse | None:
        """A target limit for the open position (above its average price when long, below
        when short), for its whole size unless ``size`` is given."""
        return await self._protect(contract_id, "target", limit_price, size, account_id)

    async def _protect(
        self, contract_id: str, kind: str, price: float, size: int | None, account_id: int | None
    ) -> OrderPlaceResponse:
        self._check_account(account_id)
        cid, pos = await self._open_position(contract_id)
        if pos is None:
            raise ProjectXOrderError(f"No position found for {contract_id}")
        long = pos.type == PositionType.LONG
        avg = pos.average_price
        if avg is not None:
            wrong = (price >= avg) == long if kind == "stop" else (price <= avg) == long
            if wrong:
                label = "Stop price" if kind == "stop" else "Take profit price"
                where = (
                    ("below" if long else "above")
                    if kind == "stop"
                    else ("above" if long else "below")
                )
                raise ProjectXOrderError(
                    f"{label} ({price}) must be {where} entry price ({avg}) for "
                    f"{'long' if long else 'short'} position"
                )
        side = 1 if long else 0
        qty = size if size else abs(pos.size or 0)
        if kind == "stop":
            rec = await self._place(cid, int(OrderType.STOP), side, qty, stop_price=price)
        else:
            rec = await self._place(cid, int(OrderType.LIMIT), side, qty, limit_price=price)
        if rec.order_id is not None:
            await self.track_order_for_position(cid, rec.order_id, kind)
        return place_response(rec)

    # -- orders attached to a position -------------------------------------------------------
    async def track_order_for_position(
        self,
        contract_id: str,
        order_id: int,
        order_type: str | OrderType = "entry",
        account_id: int | None = None,
        meta: dict[str, Any] | None = None,
    ) -> None:
        """Attach ``order_id`` to the position of ``contract_id`` as ``"entry"``, ``"stop"``
        or ``"target"`` (an :class:`OrderType`: stop -> stop, limit -> target, else entry)."""
        if isinstance(order_type, OrderType):
            kind = {OrderType.STOP: "stop", OrderType.LIMIT: "target"}.get(order_type, "entry")
        else:
            kind = str(order_type)
        lists = self._position_orders.setdefault(contract_id, {f"{k}_orders": [] for k in _KINDS})
        ids = lists.setdefault(f"{kind}_orders", [])
        if order_id not in ids:
            ids.append(order_id)

    def untrack_order(self, order_id: int) -> None:
        """Detach ``order_id`` from every position."""
        for lists in self._position_orders.values():
            for ids in lists.values():
                if order_id in ids:
                    ids.remove(order_id)

    async def get_position_orders(
        self,
        contract_id: str,
        order_types: list[str | OrderType] | None = None,
        status: Any = None,
    ) -> dict[str, list[Any]]:
        """The attached orders of ``contract_id`` by kind (``{"stop_orders": [id, ...]}``),
        only the kinds in ``order_types`` when given; ``status`` is ignored, as in
        project-x-py."""
        lists = self._position_orders.get(contract_id)
        if lists is None:
            return {}
        out = {k: list(v) for k, v in lists.items()}
        if order_types is not None:
            wanted = {
                f"{t.name.lower() if isinstance(t, OrderType) else t}_orders" for t in order_types
            }
            out = {k: v for k, v in out.items() if k in wanted}
        return out

    async def cancel_position_orders(
        self,
        contract_id: str,
        order_types: list[str] | None = None,
        account_id: int | None = None,
    ) -> dict[str, int | list[str]]:
        """Cancel the working attached orders of ``contract_id`` (of ``order_types`` kinds)."""
        self._check_account(account_id)
        lists = self._position_orders.get(contract_id, {})
        cancelled: list[str] = []
        for key, ids in lists.items():
            if order_types is not None and key.removesuffix("_orders") not in order_types:
                continue
            for oid in list(ids):
                rec = self._tracked(oid)
                if rec is None or not rec.is_working:
                    continue
                with self._guard("cancel_order", ProjectXOrderError):
                    ok = await self._core.cancel_order(rec)
                if ok:
                    cancelled.append(str(oid))
                    ids.remove(oid)
        return {"cancelled_count": len(cancelled), "cancelled_orders": cancelled}

    async def update_position_order_sizes(
        self, contract_id: str, new_size: int, account_id: int | None = None
    ) -> dict[str, Any]:
        """Resize the working attached orders of ``contract_id`` to ``new_size``."""
        self._check_account(account_id)
        updated: list[str] = []
        for ids in self._position_orders.get(contract_id, {}).values():
            for oid in ids:
                rec: TrackedOrder | None = self._tracked(oid)
                if rec is None or not rec.is_working or rec.size == new_size:
                    continue
                with self._guard("modify_order", ProjectXOrderError):
                    await self._core.modify_order(rec, size=new_size)
                updated.append(str(oid))
        return {"updated": updated}

    async def sync_orders_with_position(
        self,
        contract_id: str,
        target_size: int,
        cancel_orphaned: bool = True,
        account_id: int | None = None,
    ) -> dict[str, Any]:
        """Cancel the attached orders when ``target_size`` is 0 (with ``cancel_orphaned``),
        else resize them to it."""
        results: dict[str, Any] = {"updated": [], "cancelled": []}
        if target_size == 0 and cancel_orphaned:
            results["cancelled"] = await self.cancel_position_orders(
                contract_id, account_id=account_id
            )
        elif target_size > 0:
            done = await self.update_position_order_sizes(contract_id, target_size, account_id)
            results["updated"] = done["updated"]
        return results

    async def on_position_changed(
        self, contract_id: str, old_size: int, new_size: int, account_id: int | None = None
    ) -> None:
        """Follow a position change: closed -> cancel its orders, else resize them."""
        if new_size == 0:
            await self.on_position_closed(contract_id, account_id)
        else:
            await self.sync_orders_with_position(
                contract_id, abs(new_size), cancel_orphaned=False, account_id=account_id
            )

    async def on_position_closed(self, contract_id: str, account_id: int | None = None) -> None:
        """Cancel the attached orders of a closed position and forget them."""
        await self.cancel_position_orders(contract_id, account_id=account_id)
        self._position_orders.pop(contract_id, None)
