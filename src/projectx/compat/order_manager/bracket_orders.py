"""project-x-py's ``BracketOrderMixin``: an entry with a protective stop and a target.

As in project-x-py, :meth:`place_bracket_order` returns once the protective orders exist (the
entry filled and both legs were placed), with all three ids; an entry that does not fill within
``bracket_fill_timeout_s`` (60 s, project-x-py's wait) is cancelled and
:class:`ProjectXOrderError` is raised. The protection itself is the core's bracket: legs placed
on the fill, resized with partial fills, one cancelling the other.
"""

from __future__ import annotations

import logging
from datetime import UTC

from projectx.compat.exceptions import ProjectXOrderError
from projectx.compat.models import BracketOrderResponse
from projectx.compat.order_manager._base import OrderManagerBase, place_response
from projectx.orders.brackets import BracketOrder
from projectx.orders.errors import OrderNotFilledError

__all__ = ["UTC", "BracketOrderMixin"]

log = logging.getLogger(__name__)


def _check_levels(side: int, entry: float | None, stop: float, target: float, market: bool) -> None:
    """project-x-py's checks: stop and target on the right sides (of the entry for a limit
    entry, of each other for a market entry)."""
    buy = side == 0
    if market or entry is None:
        if (stop >= target) if buy else (stop <= target):
            word = "below" if buy else "above"
            raise ProjectXOrderError(
                f"{'Buy' if buy else 'Sell'} order: stop loss ({stop}) must be {word} "
                f"take profit ({target})"
            )
        return
    if (stop >= entry) if buy else (stop <= entry):
        word = "below" if buy else "above"
        raise ProjectXOrderError(
            f"{'Buy' if buy else 'Sell'} order stop loss ({stop}) must be {word} entry ({entry})"
        )
    if (target <= entry) if buy else (target >= entry):
        word = "above" if buy else "below"
        raise ProjectXOrderError(
            f"{'Buy' if buy else 'Sell'} order take profit ({target}) must be {word} "
            f"entry ({entry})"
        )


class BracketOrderMixin(OrderManagerBase):
    """Brackets in project-x-py's form (absolute stop and target prices)."""

    #: how long :meth:`place_bracket_order` waits for the entry to fill and the legs to exist
    bracket_fill_timeout_s: float = 60.0
    #: how long a native (Gateway) bracket's children are waited for before answering
    native_children_timeout_s: float = 5.0

    def __init__(self) -> None:
        """A mixin's own state: nothing beyond the class defaults (timeouts)."""

    async def place_bracket_order(
        self,
        contract_id: str,
        side: int,
        size: int,
        entry_price: float | None,
        stop_loss_price: float,
        take_profit_price: float,
        entry_type: str = "limit",
        account_id: int | None = None,
    ) -> BracketOrderResponse:
        """Entry (``entry_type`` ``"limit"`` at ``entry_price`` or ``"market"``), then a stop
        at ``stop_loss_price`` and a limit at ``take_profit_price`` (prices aligned to the tick).
        """
        kind = entry_type.lower() if isinstance(entry_type, str) else ""
        if kind not in ("market", "limit"):
            raise ProjectXOrderError(
                f"Invalid entry_type '{entry_type}'. Must be 'market' or 'limit'."
            )
        if kind == "limit" and entry_price is None:
            raise ProjectXOrderError(
                "entry_price is required for limit orders. Use entry_type='market' for "
                "market orders."
            )
        if side not in (0, 1) or isinstance(side, bool):
            raise ProjectXOrderError(f"Invalid order side: {side}")
        _check_levels(side, entry_price, stop_loss_price, take_profit_price, kind == "market")
        self._check_account(account_id)
        return await self._bracket(
            contract_id,
            side,
            size,
            entry_price if kind == "limit" else None,
            stop_loss_price=stop_loss_price,
            take_profit_price=take_profit_price,
        )

    async def _bracket(
        self,
        contract_id: str,
        side: int,
        size: int,
        entry_price: float | None,
        *,
        stop_loss_price: float | None,
        take_profit_price: float | None,
        trail_ticks: int | None = None,
    ) -> BracketOrderResponse:
        """A core bracket (market entry when ``entry_price`` is None), answered once its
        legs exist (see the module docstring)."""
        contract = await self._contract(contract_id)
        with self._guard("place_bracket_order", ProjectXOrderError):
            bracket = await self._core.place_bracket_order(
                contract,
                side,
                size,
                entry_price,
                stop_loss_price=stop_loss_price,
                take_profit_price=take_profit_price,
                trail_ticks=trail_ticks,
                snap=True,
            )
        await self._await_legs(bracket)
        return self._bracket_response(bracket, stop_loss_price or 0.0, take_profit_price or 0.0)

    async def _await_legs(self, bracket: BracketOrder) -> None:
        timeout = self.bracket_fill_timeout_s
        try:
            await bracket.wait_placed(timeout)
        except TimeoutError:
            if bracket.native and bracket.entry.fill_volume == 0:
                return  # the Gateway holds the legs; their ids show up with their events
            entry = bracket.entry
            if entry.fill_volume == 0 and entry.is_working:
                with self._guard("cancel_order", ProjectXOrderError):
                    await self._core.cancel_order(entry)
            raise ProjectXOrderError(
                f"Bracket entry order {entry.order_id} did not fill within timeout."
            ) from None
        except OrderNotFilledError as exc:
            raise ProjectXOrderError(f"Bracket failed: {exc}") from exc

    def _bracket_response(
        self, bracket: BracketOrder, stop_loss_price: float, take_profit_price: float
    ) -> BracketOrderResponse:
        entry, stop, target = bracket.entry, bracket.stop, bracket.target
        entry_px = entry.limit_price if entry.limit_price is not None else entry.average_fill_price
        return BracketOrderResponse(
            success=entry.order_id is not None,
            entry_order_id=entry.order_id,
            stop_order_id=stop.order_id if stop is not None else None,
            target_order_id=target.order_id if target is not None else None,
            entry_price=float(entry_px) if entry_px is not None else 0.0,
            stop_loss_price=(
                stop.stop_price
                if stop is not None and stop.stop_price is not None
                else stop.trail_price
                if stop is not None and stop.trail_price is not None
                else stop_loss_price
            ),
            take_profit_price=(
                target.limit_price
                if target is not None and target.limit_price is not None
                else take_profit_price
            ),
            entry_response=place_response(entry),
            stop_response=place_response(stop) if stop is not None else None,
            target_response=place_response(target) if target is not None else None,
            error_message=bracket.error,
        )
