"""project-x-py's ``OrderTypesMixin``: one method per order type, each a :meth:`place_order`."""

from __future__ import annotations

from projectx.compat.models import OrderPlaceResponse
from projectx.compat.order_manager._base import OrderManagerBase, place_response
from projectx.enums import OrderSide, OrderType

__all__ = ["OrderTypesMixin"]


class OrderTypesMixin(OrderManagerBase):
    """Market, limit, stop, trailing-stop and join orders (``side`` 0 = buy, 1 = sell)."""

    async def place_market_order(
        self, contract_id: str, side: int, size: int, account_id: int | None = None
    ) -> OrderPlaceResponse:
        """A market order."""
        rec = await self._place(
            contract_id, int(OrderType.MARKET), side, size, account_id=account_id
        )
        return place_response(rec)

    async def place_limit_order(
        self,
        contract_id: str,
        side: int,
        size: int,
        limit_price: float,
        account_id: int | None = None,
        linked_order_id: int | None = None,
    ) -> OrderPlaceResponse:
        """A limit order at ``limit_price`` (aligned to the tick). ``linked_order_id`` is
        remembered as the order's OCO partner (see ``get_oco_linked_order``)."""
        rec = await self._place(
            contract_id,
            int(OrderType.LIMIT),
            side,
            size,
            limit_price=limit_price,
            account_id=account_id,
        )
        self._link(rec.order_id, linked_order_id)
        return place_response(rec)

    async def place_stop_order(
        self,
        contract_id: str,
        side: int,
        size: int,
        stop_price: float,
        account_id: int | None = None,
        linked_order_id: int | None = None,
    ) -> OrderPlaceResponse:
        """A stop (market) order at ``stop_price``: a buy stop above the market, a sell stop
        below it (checked before sending)."""
        rec = await self._place(
            contract_id,
            int(OrderType.STOP),
            side,
            size,
            stop_price=stop_price,
            account_id=account_id,
        )
        self._link(rec.order_id, linked_order_id)
        return place_response(rec)

    async def place_trailing_stop_order(
        self,
        contract_id: str,
        side: int,
        size: int,
        trail_price: float,
        account_id: int | None = None,
    ) -> OrderPlaceResponse:
        """A server-side trailing stop ``trail_price`` (a distance in price units, as
        project-x-py documents it) behind the last price."""
        rec = await self._place(
            contract_id,
            int(OrderType.TRAILING_STOP),
            side,
            size,
            trail_price=trail_price,
            account_id=account_id,
        )
        return place_response(rec)

    async def place_join_bid_order(
        self, contract_id: str, size: int, account_id: int | None = None
    ) -> OrderPlaceResponse:
        """A buy limit joining the best bid (priced by the Gateway)."""
        rec = await self._place(
            contract_id, int(OrderType.JOIN_BID), int(OrderSide.BUY), size, account_id=account_id
        )
        return place_response(rec)

    async def place_join_ask_order(
        self, contract_id: str, size: int, account_id: int | None = None
    ) -> OrderPlaceResponse:
        """A sell limit joining the best ask (priced by the Gateway)."""
        rec = await self._place(
            contract_id, int(OrderType.JOIN_ASK), int(OrderSide.SELL), size, account_id=account_id
        )
        return place_response(rec)

    def _link(self, order_id: int | None, linked: int | None) -> None:
        if order_id is not None and linked is not None:
            self._oco[order_id] = linked
            self._oco[linked] = order_id
