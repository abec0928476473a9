"""``ManagedTrade``: one trade's entry, protection, scaling and exit, with risk-based sizing.

``async with suite.managed_trade(max_risk_percent=1.0) as trade:`` then
``await trade.enter_long(stop_loss=..., take_profit=...)``. Entries are brackets of the
OrderManager (the protective stop is placed before anything else once the entry fills; a trailing
stop is the Gateway's own TrailingStop order, never a polling loop). Without a size, the risk
manager sizes the entry from the stop distance. Leaving the block with an open position and no
working protective stop flattens it at market (:meth:`ManagedTrade.emergency_exit`); unfilled
entries of the trade are cancelled.

The position is the account's net position in the contract (the Gateway keeps one per contract),
so two managed trades on one contract share it.
"""

from __future__ import annotations

import asyncio
import logging
import math
from typing import Any

from projectx.enums import OrderSide, OrderType
from projectx.exceptions import ValidationError
from projectx.models import Contract
from projectx.orders import BracketOrder, OrderManager, TrackedOrder
from projectx.positions import PositionInfo, PositionManager
from projectx.risk import RiskManager
from projectx.risk.errors import RiskViolationError

__all__ = ["ManagedTrade"]

log = logging.getLogger(__name__)

_STOP_TYPES = (OrderType.STOP, OrderType.TRAILING_STOP)


def _size(size: Any, name: str = "size") -> int:
    if isinstance(size, bool) or not isinstance(size, int) or size <= 0:
        raise ValidationError(f"{name} must be a positive int, got {size!r}")
    return size


class ManagedTrade:
    """One trade on ``contract`` (see the module docstring).

    ``fill_timeout`` bounds the waits for a market order's fill and for the protective stop.
    """

    def __init__(
        self,
        orders: OrderManager,
        positions: PositionManager,
        risk: RiskManager | None,
        contract: Contract,
        *,
        max_risk_percent: float | None = None,
        max_risk_amount: float | None = None,
        fill_timeout: float = 30.0,
    ) -> None:
        if not isinstance(contract, Contract) or not contract.tick_size or not contract.tick_value:
            raise ValidationError("ManagedTrade needs a Contract with tick size and tick value")
        if max_risk_percent is not None and max_risk_amount is not None:
            raise ValidationError("give max_risk_percent or max_risk_amount, not both")
        for name, value in (
            ("max_risk_percent", max_risk_percent),
            ("max_risk_amount", max_risk_amount),
        ):
            if value is not None and (
                isinstance(value, bool) or not math.isfinite(value) or value <= 0
            ):
                raise ValidationError(f"{name} must be > 0, got {value!r}")
        if fill_timeout <= 0:
            raise ValidationError("fill_timeout must be > 0 seconds")
        self.orders = orders
        self.positions = positions
        self.risk = risk
        self.contract = contract
        self.max_risk_percent = max_risk_percent
        self.max_risk_amount = max_risk_amount
        self.fill_timeout = fill_timeout
        self.brackets: list[BracketOrder] = []
        self._orders: list[TrackedOrder] = []
        self._stops: list[TrackedOrder] = []
        self._targets: list[TrackedOrder] = []
        self.exited = False

    def __repr__(self) -> str:
        return (
            f"ManagedTrade({self.contract.id}, size={self.size}, orders={len(self.orders_placed)})"
        )

    async def __aenter__(self) -> ManagedTrade:
        return self

    async def __aexit__(self, exc_type: object, *exc: object) -> None:
        for rec in self._entries():
            if rec.is_working and rec.fill_volume == 0:
                await self._cancel(rec)
        if self.exited and self.size != 0:
            await self._settle(0)  # an exit was sent: let it land before judging
        if self.size != 0 and self.stop_order is None:
            log.warning(
                "managed trade on %s left open without a working stop: flattening", self.contract.id
            )
            await self.emergency_exit()

    # ================================================================ views
    @property
    def cid(self) -> str:
        """The contract id."""
        return self.contract.id

    @property
    def size(self) -> int:
        """Signed net position of the contract (as the position manager holds it)."""
        return self.positions.signed_size(self.cid)

    @property
    def position(self) -> PositionInfo | None:
        """The position snapshot (None when flat)."""
        return self.positions.get_position(self.cid)

    @property
    def orders_placed(self) -> list[TrackedOrder]:
        """Every order of this trade (entries, protection, scaling, exits)."""
        seen: dict[int, TrackedOrder] = {}
        for rec in [*self._orders, *self._legs()]:
            seen.setdefault(id(rec), rec)
        return list(seen.values())

    @property
    def stop_order(self) -> TrackedOrder | None:
        """The working protective stop (stop or trailing stop), if any."""
        for rec in reversed(self._legs()):
            if rec.order_type in _STOP_TYPES and rec.is_working:
                return rec
        return None

    @property
    def target_order(self) -> TrackedOrder | None:
        """The working take-profit order, if any."""
        for rec in reversed(self._legs()):
            if rec.order_type not in _STOP_TYPES and rec.is_working:
                return rec
        return None

    def _legs(self) -> list[TrackedOrder]:
        legs: list[TrackedOrder] = []
        for b in self.brackets:
            legs.extend(b.legs)
        return [*legs, *self._stops, *self._targets]

    def _entries(self) -> list[TrackedOrder]:
        return [b.entry for b in self.brackets] + [r for r in self._orders if r not in self._legs()]

    # ================================================================ entries
    def _market(self, side: OrderSide) -> float | None:
        source = self.orders.price_source
        prices = source(self.cid) if source is not None else None
        if prices is None:
            return None
        bid, ask, last = prices
        ref = ask if side == OrderSide.BUY else bid
        return ref if ref else last

    def _risk_size(self, side: OrderSide, entry: float | None, stop: float) -> int:
        if self.risk is None:
            raise ValidationError("no size given and no risk manager to size the entry")
        ref = entry if entry is not None else self._market(side)
        if ref is None:
            raise ValidationError(f"no price for {self.cid} to size the entry from; give size")
        assert self.contract.tick_size is not None and self.contract.tick_value is not None
        size = self.risk.calculate_position_size(
            ref,
            stop,
            tick_size=self.contract.tick_size,
            tick_value=self.contract.tick_value,
            risk_percent=self.max_risk_percent,
            risk_amount=self.max_risk_amount,
        )
        if size <= 0:
            raise RiskViolationError(
                "risk_per_trade", "one contract at this stop risks more than the trade allows"
            )
        return size

    async def _enter(
        self,
        side: OrderSide,
        size: int | None,
        entry_price: float | None,
        stop_loss: float | None,
        stop_ticks: int | None,
        take_profit: float | None,
        take_profit_ticks: int | None,
        trail_ticks: int | None,
        wait: bool,
    ) -> BracketOrder:
        given = [v is not None for v in (stop_loss, stop_ticks, trail_ticks)]
        if sum(given) != 1:
            raise ValidationError(
                "a managed entry needs exactly one of stop_loss, stop_ticks, trail_ticks"
            )
        tick = self.contract.tick_size or 0.0
        sign = -1 if side == OrderSide.BUY else 1
        if size is None:
            ref = entry_price if entry_price is not None else self._market(side)
            if stop_loss is not None:
                stop = stop_loss
            else:
                ticks = _size(stop_ticks if stop_ticks is not None else trail_ticks, "stop ticks")
                if ref is None:
                    raise ValidationError(f"no price for {self.cid} to size the entry from")
                stop = ref + sign * ticks * tick
            size = self._risk_size(side, ref, stop)
        size = _size(size)
        bracket = await self.orders.place_bracket_order(
            self.contract,
            side,
            size,
            entry_price,
            stop_loss_price=stop_loss,
            stop_loss_ticks=stop_ticks,
            take_profit_price=take_profit,
            take_profit_ticks=take_profit_ticks,
            trail_ticks=trail_ticks,
        )
        self.brackets.append(bracket)
        if wait and entry_price is None:
            try:
                await bracket.wait_protected(self.fill_timeout)
            except TimeoutError:
                await self.emergency_exit()
                raise RiskViolationError(
                    "unprotected", f"the entry on {self.cid} was not protected in time: flattened"
                ) from None
        return bracket

    async def enter_long(
        self,
        size: int | None = None,
        *,
        entry_price: float | None = None,
        stop_loss: float | None = None,
        stop_ticks: int | None = None,
        take_profit: float | None = None,
        take_profit_ticks: int | None = None,
        trail_ticks: int | None = None,
        wait: bool = True,
    ) -> BracketOrder:
        """Buy (market, or limit at ``entry_price``) with a protective stop (price, ticks, or a
        Gateway trailing stop of ``trail_ticks``) and an optional target. A market entry waits
        until its stop works (else it is flattened and ``RiskViolationError('unprotected')``)."""
        return await self._enter(
            OrderSide.BUY, size, entry_price, stop_loss, stop_ticks, take_profit,
            take_profit_ticks, trail_ticks, wait,
        )  # fmt: skip

    async def enter_short(
        self,
        size: int | None = None,
        *,
        entry_price: float | None = None,
        stop_loss: float | None = None,
        stop_ticks: int | None = None,
        take_profit: float | None = None,
        take_profit_ticks: int | None = None,
        trail_ticks: int | None = None,
        wait: bool = True,
    ) -> BracketOrder:
        """Sell short; see :meth:`enter_long`."""
        return await self._enter(
            OrderSide.SELL, size, entry_price, stop_loss, stop_ticks, take_profit,
            take_profit_ticks, trail_ticks, wait,
        )  # fmt: skip

    # ================================================================ scaling
    def _direction(self) -> OrderSide:
        held = self.size
        if held == 0:
            raise ValidationError(f"no open position on {self.cid}")
        return OrderSide.BUY if held > 0 else OrderSide.SELL

    async def _filled(self, rec: TrackedOrder) -> None:
        await self.orders.track(rec).wait_for_fill(self.fill_timeout)

    async def _resize_protection(self) -> None:
        want = abs(self.size)
        for leg in (self.stop_order, self.target_order):
            if leg is None:
                continue
            if want == 0:
                await self._cancel(leg)
            elif leg.size - leg.fill_volume != want and leg.fill_volume == 0:
                await self.orders.modify_order(leg, size=want)

    async def scale_in(self, size: int, *, limit_price: float | None = None) -> TrackedOrder:
        """Add ``size`` in the position's direction (market, or limit); once a market add fills,
        the stop and target are resized to the whole position."""
        size = _size(size)
        side = self._direction()
        if limit_price is None:
            rec = await self.orders.place_market_order(self.contract, side, size)
        else:
            rec = await self.orders.place_limit_order(self.contract, side, size, limit_price)
        self._orders.append(rec)
        if limit_price is None:
            await self._filled(rec)
            await self._settle(abs(self.size))
            await self._resize_protection()
        return rec

    async def scale_out(self, size: int, *, limit_price: float | None = None) -> TrackedOrder:
        """Take ``size`` off (market, or limit); once a market exit fills, the protection is
        resized to what is left."""
        size = _size(size)
        side = OrderSide.SELL if self._direction() == OrderSide.BUY else OrderSide.BUY
        if size > abs(self.size):
            raise ValidationError(f"size {size} exceeds the position of {abs(self.size)}")
        held = abs(self.size)
        if limit_price is None:
            await self._shrink_protection(held - size)
            rec = await self.orders.place_market_order(self.contract, side, size)
        else:
            rec = await self.orders.place_limit_order(self.contract, side, size, limit_price)
        self._orders.append(rec)
        if limit_price is None:
            await self._filled(rec)
            await self._settle(held - size)
            await self._resize_protection()
        return rec

    async def exit_partial(self, size: int) -> None:
        """Close ``size`` contracts at market (``Position/partialCloseContract``) and resize the
        protection to the rest."""
        size = _size(size)
        held = abs(self.size)
        if size > held:
            raise ValidationError(f"size {size} exceeds the position of {held}")
        await self._shrink_protection(held - size)
        await self.positions.partially_close_position(self.contract, size)
        await self._settle(held - size)
        await self._resize_protection()

    async def _shrink_protection(self, left: int) -> None:
        """Before reducing: shrink working legs first so they never exceed the position."""
        for leg in (self.stop_order, self.target_order):
            if leg is None or leg.fill_volume != 0 or left <= 0:
                continue
            if leg.size > left:
                await self.orders.modify_order(leg, size=left)

    async def _settle(self, want_abs: int) -> None:
        """Wait (bounded) until the position manager shows ``|size| == want_abs``."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.fill_timeout
        while abs(self.positions.signed_size(self.cid)) != want_abs:
            if loop.time() > deadline:
                log.warning("position of %s did not reach %d in time", self.cid, want_abs)
                return
            await asyncio.sleep(0.005)

    async def adjust_stop(self, stop_price: float) -> TrackedOrder:
        """Move the protective stop to ``stop_price`` (must stay on the protective side)."""
        stop = self.stop_order
        if stop is None:
            raise ValidationError(f"no working protective stop on {self.cid}")
        if stop.order_type == OrderType.TRAILING_STOP:
            raise ValidationError("a trailing stop trails by itself; cancel it to set a price")
        side = self._direction()
        market = self._market(OrderSide.SELL if side == OrderSide.BUY else OrderSide.BUY)
        if market is not None and (
            (side == OrderSide.BUY and stop_price >= market)
            or (side == OrderSide.SELL and stop_price <= market)
        ):
            raise ValidationError(
                f"stop {stop_price} is on the wrong side of the market ({market}) for the position"
            )
        return await self.orders.modify_order(stop, stop_price=stop_price)

    # ================================================================ exits
    async def _cancel(self, rec: TrackedOrder) -> None:
        if not rec.is_working or rec.order_id is None:
            return
        try:
            await self.orders.cancel_order(rec)
        except Exception as exc:  # a cancel that fails must not stop the exit
            log.warning("cancelling order %s failed: %s", rec.order_id, exc)

    async def _cancel_all(self) -> None:
        working = [r for r in self.orders_placed if r.is_working]
        await asyncio.gather(*(self._cancel(r) for r in working))

    async def close_position(self, *, limit_price: float | None = None) -> bool:
        """Cancel this trade's working orders, then flatten (market, or limit at
        ``limit_price``). False when already flat."""
        await self._cancel_all()
        if self.size == 0:
            return False
        if limit_price is None:
            ok = await self.positions.close_position(self.contract)
        else:
            ok = await self.positions.close_position(
                self.contract, method="limit", limit_price=limit_price
            )
        self.exited = ok or self.exited
        return ok

    async def emergency_exit(self) -> bool:
        """Cancel every working order of this trade and flatten at market, now."""
        await self._cancel_all()
        self.exited = True
        if self.positions.signed_size(self.cid) == 0:
            return False
        return await self.positions.close_position(self.contract)
