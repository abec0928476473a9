"""``OrderChainBuilder``: entry + stop + target (+ trail) built step by step, sent as a bracket.

``await om.chain("MNQ").limit("buy", 2, 21000.0).stop_loss(ticks=20).take_profit(ticks=40)
.submit()`` -> :class:`~projectx.orders.brackets.BracketOrder`. ``trail(ticks)`` makes the
protective stop a Gateway trailing stop (it replaces a fixed stop).
"""

from __future__ import annotations

from typing import Protocol

from projectx.enums import OrderSide
from projectx.exceptions import ValidationError
from projectx.models import Contract
from projectx.orders.brackets import BracketOrder

__all__ = ["BracketPlacing", "OrderChainBuilder"]


class BracketPlacing(Protocol):
    """What a chain needs: ``OrderManager.place_bracket_order`` (no manager import)."""

    async def place_bracket_order(
        self,
        contract: Contract | str,
        side: OrderSide | int | str,
        size: int,
        entry_price: float | None = None,
        *,
        stop_loss_price: float | None = None,
        stop_loss_ticks: int | None = None,
        take_profit_price: float | None = None,
        take_profit_ticks: int | None = None,
        trail_ticks: int | None = None,
        native: bool | None = None,
        custom_tag: str | None = None,
        snap: bool = False,
    ) -> BracketOrder:
        """Validate and send a bracket."""
        ...


class OrderChainBuilder:
    """Collects an entry and its protection; :meth:`submit` validates and sends it all."""

    def __init__(self, manager: BracketPlacing, contract: Contract | str) -> None:
        self._manager = manager
        self._contract = contract
        self._side: OrderSide | int | str | None = None
        self._size = 0
        self._entry_price: float | None = None
        self._sl_price: float | None = None
        self._sl_ticks: int | None = None
        self._tp_price: float | None = None
        self._tp_ticks: int | None = None
        self._trail_ticks: int | None = None
        self._native: bool | None = None
        self._tag: str | None = None
        self._snap = False

    def market(self, side: OrderSide | int | str, size: int) -> OrderChainBuilder:
        """Enter at market."""
        self._side, self._size, self._entry_price = side, size, None
        return self

    def limit(self, side: OrderSide | int | str, size: int, price: float) -> OrderChainBuilder:
        """Enter with a limit order at ``price``."""
        self._side, self._size, self._entry_price = side, size, price
        return self

    def stop_loss(
        self, *, price: float | None = None, ticks: int | None = None
    ) -> OrderChainBuilder:
        """Protective stop at ``price`` or ``ticks`` from the entry fill."""
        if (price is None) == (ticks is None):
            raise ValidationError("stop_loss needs exactly one of price or ticks")
        self._sl_price, self._sl_ticks, self._trail_ticks = price, ticks, None
        return self

    def take_profit(
        self, *, price: float | None = None, ticks: int | None = None
    ) -> OrderChainBuilder:
        """Target at ``price`` or ``ticks`` from the entry fill."""
        if (price is None) == (ticks is None):
            raise ValidationError("take_profit needs exactly one of price or ticks")
        self._tp_price, self._tp_ticks = price, ticks
        return self

    def trail(self, ticks: int) -> OrderChainBuilder:
        """Protect with a server-side trailing stop ``ticks`` behind the market."""
        self._trail_ticks, self._sl_price, self._sl_ticks = ticks, None, None
        return self

    def native(self, value: bool | None) -> OrderChainBuilder:
        """Force native (True) or client-side (False) brackets; None = automatic."""
        self._native = value
        return self

    def tag(self, custom_tag: str) -> OrderChainBuilder:
        """Use this client tag for the entry."""
        self._tag = custom_tag
        return self

    def snap(self, value: bool = True) -> OrderChainBuilder:
        """Round off-grid prices to the nearest tick instead of refusing them."""
        self._snap = value
        return self

    async def submit(self) -> BracketOrder:
        """Validate and send the chain (see ``OrderManager.place_bracket_order``)."""
        if self._side is None:
            raise ValidationError("the chain has no entry: call market() or limit() first")
        return await self._manager.place_bracket_order(
            self._contract,
            self._side,
            self._size,
            self._entry_price,
            stop_loss_price=self._sl_price,
            stop_loss_ticks=self._sl_ticks,
            take_profit_price=self._tp_price,
            take_profit_ticks=self._tp_ticks,
            trail_ticks=self._trail_ticks,
            native=self._native,
            custom_tag=self._tag,
            snap=self._snap,
        )
