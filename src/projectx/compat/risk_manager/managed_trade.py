"""project-x-py's ``ManagedTrade`` over the core :class:`projectx.suite.managed_trade.ManagedTrade`.

``async with suite.managed_trade(max_risk_percent=0.01) as trade`` (a fraction, as in
project-x-py) then ``await trade.enter_long(stop_loss=..., take_profit=...)``. Entries are core
brackets (the protective stop works before the call returns for a market entry); leaving the
block with an open, unprotected position flattens it (the core's rule).
"""

from __future__ import annotations

import contextlib
import math
from typing import TYPE_CHECKING, Any, Self

from projectx.compat.exceptions import (
    InvalidOrderParameters,
    ProjectXError,
    ProjectXOrderError,
    translating,
)
from projectx.compat.models import Order
from projectx.enums import OrderSide
from projectx.orders import BracketOrder, TrackedOrder
from projectx.risk.sizing import risk_per_contract
from projectx.suite.managed_trade import ManagedTrade as CoreTrade

if TYPE_CHECKING:
    from projectx.compat.client import ProjectX
    from projectx.compat.event_bus import EventBus

__all__ = ["ManagedTrade"]

_MARKET, _LIMIT = 2, 1
DEFAULT_STOP_TICKS = 50
"""project-x-py's ``RiskConfig.default_stop_distance``: the stop of an entry given none."""


def _order(rec: TrackedOrder | None) -> Order | None:
    return None if rec is None else Order.from_tracked(rec)


class ManagedTrade:
    """One risk-managed trade (see the module docstring)."""

    def __init__(
        self,
        risk_manager: Any,
        order_manager: Any,
        position_manager: Any,
        instrument_id: str,
        data_manager: Any = None,
        event_bus: Any = None,
        max_risk_percent: float | None = None,
        max_risk_amount: float | None = None,
    ) -> None:
        self._risk = risk_manager
        self._orders_mgr = order_manager
        self._positions_mgr = position_manager
        self.instrument_id = instrument_id
        self.data_manager = data_manager
        self.event_bus = event_bus
        self.max_risk_percent = max_risk_percent
        self.max_risk_amount = max_risk_amount
        self._core: CoreTrade | None = None
        self._entry: BracketOrder | None = None
        self._result: dict[str, Any] | None = None

    @classmethod
    def _adopt(cls, core: CoreTrade, *, client: ProjectX, events: EventBus) -> Self:
        """A compat trade over a core managed trade (``suite.managed_trade(...)``)."""
        if not isinstance(core, CoreTrade):
            raise ProjectXError("_adopt needs a projectx.suite.managed_trade.ManagedTrade")
        self = cls(None, None, None, core.cid, event_bus=events)
        pct = core.max_risk_percent
        self.max_risk_percent = None if pct is None else pct / 100
        self.max_risk_amount = core.max_risk_amount
        self._core = core
        return self

    @property
    def core(self) -> CoreTrade:
        """The core managed trade (built at ``__aenter__`` for a project-x-py construction)."""
        if self._core is None:
            raise ProjectXError("enter the trade first: `async with ManagedTrade(...) as trade`")
        return self._core

    @property
    def risk_manager(self) -> Any:
        """The risk manager (the core's, for an adopted trade)."""
        return self._risk if self._risk is not None else getattr(self._core, "risk", None)

    @property
    def order_manager(self) -> Any:
        """The order manager (the core's, for an adopted trade)."""
        return (
            self._orders_mgr
            if self._orders_mgr is not None
            else getattr(self._core, "orders", None)
        )

    @property
    def position_manager(self) -> Any:
        """The position manager (the core's, for an adopted trade)."""
        return (
            self._positions_mgr
            if self._positions_mgr is not None
            else getattr(self._core, "positions", None)
        )

    async def __aenter__(self) -> ManagedTrade:
        if self._core is None:
            orders, positions = self._orders_mgr, self._positions_mgr
            if orders is None or positions is None:
                raise ProjectXError("a ManagedTrade needs an order and a position manager")
            with translating(invalid=ProjectXOrderError):
                contract = await orders.core.client.resolve_contract(self.instrument_id)
                pct = self.max_risk_percent
                self._core = CoreTrade(
                    orders.core,
                    positions.core,
                    getattr(self._risk, "core", None),
                    contract,
                    max_risk_percent=None if pct is None else pct * 100,
                    max_risk_amount=self.max_risk_amount,
                )
        return self

    async def __aexit__(self, exc_type: Any, exc_val: Any, exc_tb: Any) -> bool:
        with translating(invalid=ProjectXOrderError):
            await self.core.__aexit__(exc_type, exc_val, exc_tb)
        return False

    # -- sizing -------------------------------------------------------------------------------
    async def calculate_position_size(
        self,
        entry_price: float,
        stop_loss: float,
        risk_percent: float | None = None,
        risk_amount: float | None = None,
    ) -> int:
        """Contracts for the trade's risk budget (``risk_percent`` a fraction)."""
        core = self.core
        if core.risk is None:
            raise InvalidOrderParameters("no risk manager to size the trade")
        pct = risk_percent if risk_percent is not None else self.max_risk_percent
        if pct is not None and not (isinstance(pct, int | float) and 0 < pct <= 1):
            raise InvalidOrderParameters(f"risk_percent is a fraction in (0, 1], got {pct!r}")
        amount = risk_amount if risk_amount is not None else (None if pct else self.max_risk_amount)
        assert core.contract.tick_size is not None and core.contract.tick_value is not None
        with translating(invalid=InvalidOrderParameters):
            return core.risk.calculate_position_size(
                entry_price,
                stop_loss,
                tick_size=core.contract.tick_size,
                tick_value=core.contract.tick_value,
                risk_percent=None if pct is None or amount is not None else pct * 100,
                risk_amount=amount,
            )

    # -- entries ------------------------------------------------------------------------------
    async def _enter(
        self,
        side: OrderSide,
        entry_price: float | None,
        stop_loss: float | None,
        take_profit: float | None,
        size: int | None,
        order_type: int,
    ) -> dict[str, Any]:
        core = self.core
        if order_type not in (_MARKET, _LIMIT):
            raise InvalidOrderParameters(
                f"order_type must be 1 (limit) or 2 (market), got {order_type!r}"
            )
        if order_type == _LIMIT and entry_price is None:
            raise InvalidOrderParameters("a limit entry needs entry_price")
        limit = entry_price if order_type == _LIMIT else None
        if size is None and entry_price is not None and stop_loss is not None:
            size = await self.calculate_position_size(entry_price, stop_loss)
            if size <= 0:
                raise InvalidOrderParameters("one contract at this stop risks more than allowed")
        stop_ticks = DEFAULT_STOP_TICKS if stop_loss is None else None
        enter = core.enter_long if side == OrderSide.BUY else core.enter_short
        with translating(invalid=ProjectXOrderError):
            bracket = await enter(
                size, entry_price=limit, stop_loss=stop_loss, stop_ticks=stop_ticks,
                take_profit=take_profit,
            )  # fmt: skip
        self._entry = bracket
        entry = bracket.entry
        price = entry.filled_price or entry.limit_price or entry_price
        stop = bracket.stop.stop_price if bracket.stop is not None else stop_loss
        tick, value = core.contract.tick_size or 0.0, core.contract.tick_value or 0.0
        risk = (
            entry.size * risk_per_contract(price, stop, tick_size=tick, tick_value=value)
            if price and stop
            else None
        )
        return {
            "entry_order": _order(entry),
            "stop_order": _order(bracket.stop),
            "target_order": _order(bracket.target),
            "position": core.position,
            "size": entry.size,
            "risk_amount": risk,
            "validation": {"is_valid": True, "reasons": []},
        }

    async def enter_long(
        self,
        entry_price: float | None = None,
        stop_loss: float | None = None,
        take_profit: float | None = None,
        size: int | None = None,
        order_type: int = 2,
    ) -> dict[str, Any]:
        """Buy (market, or limit at ``entry_price`` with ``order_type=1``) with a protective
        stop (``stop_loss``; 50 ticks when None, project-x-py's default distance) and an
        optional target; without ``size`` the risk budget sizes it."""
        return await self._enter(
            OrderSide.BUY, entry_price, stop_loss, take_profit, size, order_type
        )

    async def enter_short(
        self,
        entry_price: float | None = None,
        stop_loss: float | None = None,
        take_profit: float | None = None,
        size: int | None = None,
        order_type: int = 2,
    ) -> dict[str, Any]:
        """Sell short; see :meth:`enter_long`."""
        return await self._enter(
            OrderSide.SELL, entry_price, stop_loss, take_profit, size, order_type
        )

    async def enter_market(
        self, size: int, side: str = "BUY", stop_loss: float | None = None
    ) -> dict[str, Any]:
        """A market entry of ``size`` (``side`` ``"BUY"``/``"SELL"``)."""
        if str(side).upper() not in ("BUY", "SELL"):
            raise InvalidOrderParameters(f"side must be 'BUY' or 'SELL', got {side!r}")
        if str(side).upper() == "BUY":
            return await self.enter_long(size=size, stop_loss=stop_loss)
        return await self.enter_short(size=size, stop_loss=stop_loss)

    async def enter_bracket(
        self, size: int, entry_price: float, stop_loss: float, take_profit: float
    ) -> dict[str, Any]:
        """A limit entry with stop and target (long when the target is above the entry)."""
        enter = self.enter_long if take_profit > entry_price else self.enter_short
        return await enter(entry_price, stop_loss, take_profit, size, _LIMIT)

    # -- management ---------------------------------------------------------------------------
    async def scale_in(
        self, additional_size: int, new_stop_loss: float | None = None
    ) -> dict[str, Any]:
        """Add ``additional_size`` at market (protection resized), then move the stop."""
        with translating(invalid=ProjectXOrderError):
            rec = await self.core.scale_in(additional_size)
        adjusted = await self.adjust_stop(new_stop_loss) if new_stop_loss is not None else False
        return {
            "scale_order": _order(rec),
            "new_position_size": abs(self.core.size),
            "stop_adjusted": adjusted,
        }

    async def scale_out(self, exit_size: int, limit_price: float | None = None) -> dict[str, Any]:
        """Take ``exit_size`` off (market, or limit at ``limit_price``)."""
        with translating(invalid=ProjectXOrderError):
            rec = await self.core.scale_out(exit_size, limit_price=limit_price)
        return {
            "exit_order": _order(rec),
            "remaining_size": abs(self.core.size),
            "exit_type": "market" if limit_price is None else "limit",
        }

    async def adjust_stop(self, new_stop_loss: float) -> bool:
        """Move the protective stop; False when there is none or the price is refused."""
        try:
            with translating(invalid=ProjectXOrderError):
                await self.core.adjust_stop(new_stop_loss)
        except ProjectXError:
            return False
        return True

    async def adjust_stop_loss(self, new_stop: float) -> bool:
        """See :meth:`adjust_stop`."""
        return await self.adjust_stop(new_stop)

    async def exit_partial(self, size: int) -> bool:
        """Close ``size`` contracts at market; False when refused."""
        try:
            with translating(invalid=ProjectXOrderError):
                await self.core.exit_partial(size)
        except ProjectXError:
            return False
        return True

    async def close_position(self) -> dict[str, Any] | None:
        """Cancel the trade's orders and flatten at market; None when already flat."""
        core = self.core
        held = abs(core.size)
        working = sum(1 for r in core.orders_placed if r.is_working)
        with translating(invalid=ProjectXOrderError):
            ok = await core.close_position()
        if not ok:
            return None
        return {"close_order": None, "closed_size": held, "orders_cancelled": working}

    async def emergency_exit(self) -> bool:
        """Cancel everything of the trade and flatten now; False when already flat."""
        with translating(invalid=ProjectXOrderError):
            return await self.core.emergency_exit()

    # -- state --------------------------------------------------------------------------------
    def is_filled(self) -> bool:
        """Whether the entry is completely filled."""
        entry = self._entry.entry if self._entry is not None else None
        return entry is not None and entry.fill_volume >= entry.size

    async def wait_for_fill(self, timeout: float = 30.0) -> bool:  # noqa: ASYNC109
        """Wait up to ``timeout`` seconds for the entry's fill (the core's order tracking)."""
        if self._entry is None:
            return False
        if not self.is_filled():
            with contextlib.suppress(TimeoutError, Exception):
                await self.core.orders.track(self._entry.entry).wait_for_fill(timeout)
        return self.is_filled()

    async def monitor_position(self) -> dict[str, Any]:
        """The position, its open P&L and size."""
        pos = self.core.position
        pnl = getattr(pos, "unrealized_pnl", None) if pos is not None else None
        return {
            "position": pos,
            "pnl": pnl if pnl is not None and not math.isnan(pnl) else 0.0,
            "size": abs(self.core.size),
        }

    async def check_trailing_stop(self) -> bool:
        """False: a trailing stop is the Gateway's own order here (nothing to move by hand)."""
        return False

    async def get_trade_summary(self) -> dict[str, Any]:
        """The trade's orders, position and status."""
        core = self.core
        entry = self._entry.entry if self._entry is not None else None
        monitored = await self.monitor_position()
        status = "open" if core.size != 0 else ("closed" if entry is not None else "pending")
        return {
            "instrument": core.cid,
            "entry_order": _order(entry),
            "entry_price": entry.filled_price if entry is not None else None,
            "size": abs(core.size),
            "stop_order": _order(core.stop_order),
            "target_order": _order(core.target_order),
            "position": core.position,
            "pnl": monitored["pnl"],
            "unrealized_pnl": monitored["pnl"],
            "risk_amount": None,
            "trade_result": self._result,
            "status": status,
        }

    async def get_summary(self) -> dict[str, Any]:
        """See :meth:`get_trade_summary`."""
        return await self.get_trade_summary()

    async def record_trade_result(self, result: dict[str, Any]) -> None:
        """Keep ``result`` in the summary (the core records fills itself)."""
        self._result = dict(result)
