"""project-x-py's ``order_tracker``: :class:`OrderTracker` / :func:`track_order` (await one
order's fill or status) and :class:`OrderChainBuilder` (an entry with offsets or prices for
its stop, target and trailing stop).

Waits are the core's :class:`projectx.orders.tracker.OrderTracker` (hub events, REST when
they go quiet); the chain is sent as one core bracket through the suite's compat
``OrderManager``.
"""

from __future__ import annotations

from types import TracebackType
from typing import Any, Protocol

from projectx.compat.exceptions import ProjectXError, ProjectXOrderError
from projectx.compat.models import BracketOrderResponse, Order, OrderPlaceResponse
from projectx.compat.order_manager import OrderManager
from projectx.orders.errors import OrderNotFilledError
from projectx.orders.records import TrackedOrder
from projectx.orders.state import OrderState

__all__ = ["OrderChainBuilder", "OrderLifecycleError", "OrderTracker", "track_order"]

#: project-x-py's status integers a wait can target, as the core's states
_STATES = {
    1: OrderState.WORKING,
    2: OrderState.FILLED,
    3: OrderState.CANCELLED,
    4: OrderState.EXPIRED,
    5: OrderState.REJECTED,
}


class OrderLifecycleError(ProjectXError):
    """An order did not go where it was awaited (ended otherwise, or is not tracked)."""


class _Data(Protocol):
    async def get_current_price(self) -> float | None: ...


class _Suite(Protocol):
    """What the tracker and the chain use of a compat ``TradingSuite``."""

    @property
    def orders(self) -> OrderManager: ...

    @property
    def events(self) -> Any: ...

    @property
    def instrument_id(self) -> str | None: ...

    @property
    def data(self) -> _Data: ...


class OrderTracker:
    """Follows one order: ``async with track_order(suite, response) as t: await
    t.wait_for_fill()``."""

    def __init__(self, trading_suite: _Suite, order: Order | None = None) -> None:
        self.suite = trading_suite
        self.order_manager = trading_suite.orders
        self.event_bus = trading_suite.events
        self.order = order
        self.order_id: int | None = order.id if order is not None else None
        self._status: int | None = order.status if order is not None else None

    async def __aenter__(self) -> OrderTracker:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_val: BaseException | None,
        exc_tb: TracebackType | None,
    ) -> None:
        await self.cleanup()

    async def cleanup(self) -> None:
        """Nothing to unsubscribe (waits use the core's records)."""

    def track(self, order: Order | OrderPlaceResponse | int) -> OrderTracker:
        """Follow ``order`` (an :class:`Order`, a placement answer or an order id)."""
        if isinstance(order, Order):
            self.order, self.order_id, self._status = order, order.id, order.status
        elif isinstance(order, OrderPlaceResponse):
            self.order_id, self._status = order.orderId, 1
        else:
            self.order_id, self._status = int(order), None
        return self

    def _record(self) -> TrackedOrder:
        if not self.order_id:
            raise ValueError("No order is being tracked")
        rec = self.order_manager.core.get_order(self.order_id)
        if rec is None:
            raise OrderLifecycleError(f"order {self.order_id} is not tracked by the manager")
        return rec

    def _done(self, rec: TrackedOrder) -> Order:
        order = Order.from_tracked(rec, self.order_manager.account_id)
        self.order, self._status = order, order.status
        return order

    async def wait_for_fill(self, timeout: float = 30.0) -> Order:  # noqa: ASYNC109
        """The order once completely filled; :class:`OrderLifecycleError` if it ends
        otherwise, ``TimeoutError`` after ``timeout`` seconds."""
        rec = self._record()
        try:
            await self.order_manager.core.track(rec).wait_for_fill(timeout)
        except OrderNotFilledError as exc:
            self._done(rec)
            raise OrderLifecycleError(f"Order {self.order_id} ended {exc.state}") from exc
        except TimeoutError:
            raise TimeoutError(
                f"Order {self.order_id} not filled within {timeout} seconds"
            ) from None
        return self._done(rec)

    async def wait_for_status(self, status: int, timeout: float = 30.0) -> Order:  # noqa: ASYNC109
        """The order once its status is ``status`` (1 open, 2 filled, 3 cancelled,
        4 expired, 5 rejected)."""
        state = _STATES.get(status)
        if state is None:
            raise ValueError(f"cannot wait for order status {status!r}")
        rec = self._record()
        try:
            await self.order_manager.core.track(rec).wait_for_status(state, timeout)
        except OrderNotFilledError as exc:
            self._done(rec)
            raise OrderLifecycleError(
                f"Order {self.order_id} ended {exc.state}, not status {status}"
            ) from exc
        except TimeoutError:
            raise TimeoutError(
                f"Order {self.order_id} did not reach status {status} within {timeout} seconds"
            ) from None
        return self._done(rec)

    async def modify_or_cancel(
        self, new_price: float | None = None, new_size: int | None = None
    ) -> bool:
        """Modify the order (limit price, size); cancel it when the modify fails or nothing
        was given. True when modified, False when cancelled."""
        if not self.order_id:
            raise ValueError("No order is being tracked")
        if new_price is not None or new_size is not None:
            try:
                if await self.order_manager.modify_order(
                    self.order_id, limit_price=new_price, size=new_size
                ):
                    return True
            except ProjectXError:
                pass
        await self.order_manager.cancel_order(self.order_id)
        return False

    async def get_current_status(self) -> Order | None:
        """The order as the manager knows it now (None when nothing is tracked)."""
        if not self.order_id:
            return None
        order = await self.order_manager.get_order_by_id(self.order_id)
        if order is not None:
            self.order, self._status = order, order.status
        return order

    def _current(self) -> int | None:
        if self.order_id:
            rec = self.order_manager.core.get_order(self.order_id)
            if rec is not None:
                return self._done(rec).status
        return self._status

    @property
    def is_filled(self) -> bool:
        """Status 2."""
        return self._current() == 2

    @property
    def is_working(self) -> bool:
        """Status 1 (open) or 6 (pending)."""
        return self._current() in (1, 6)

    @property
    def is_terminal(self) -> bool:
        """Filled, cancelled, expired or rejected."""
        return self._current() in (2, 3, 4, 5)


def track_order(
    trading_suite: _Suite, order: Order | OrderPlaceResponse | int | None = None
) -> OrderTracker:
    """An :class:`OrderTracker` of ``order`` (or of nothing yet)."""
    tracker = OrderTracker(trading_suite)
    if order is not None:
        tracker.track(order)
    return tracker


class OrderChainBuilder:
    """An entry plus stop/target given as prices or as offsets (price units) from the entry:
    ``await OrderChainBuilder(suite).market_order(1).with_stop_loss(offset=10)
    .with_take_profit(offset=20).execute()``."""

    def __init__(self, trading_suite: _Suite) -> None:
        self.suite = trading_suite
        self.order_manager = trading_suite.orders
        self.entry_type = "market"
        self.side: int | None = None
        self.size: int | None = None
        self.entry_price: float | None = None
        self.contract_id: str | None = None
        self.stop_loss: dict[str, Any] | None = None
        self.take_profit: dict[str, Any] | None = None
        self.trail_stop: dict[str, Any] | None = None

    def market_order(self, size: int, side: int = 0) -> OrderChainBuilder:
        """Enter at market."""
        self.entry_type, self.size, self.side = "market", size, side
        return self

    def limit_order(self, size: int, price: float, side: int = 0) -> OrderChainBuilder:
        """Enter with a limit at ``price``."""
        self.entry_type, self.size, self.entry_price, self.side = "limit", size, price, side
        return self

    def stop_order(self, size: int, price: float, side: int = 0) -> OrderChainBuilder:
        """Enter with a stop at ``price`` (a stop entry cannot carry protection: executing
        it with a stop, target or trail raises, as in project-x-py)."""
        self.entry_type, self.size, self.entry_price, self.side = "stop", size, price, side
        return self

    def for_instrument(self, contract_id: str) -> OrderChainBuilder:
        """Trade ``contract_id`` instead of the suite's instrument."""
        self.contract_id = contract_id
        return self

    def with_stop_loss(
        self, offset: float | None = None, price: float | None = None
    ) -> OrderChainBuilder:
        """Protective stop at ``price`` or ``offset`` from the entry."""
        self.stop_loss = {"offset": offset, "price": price}
        return self

    def with_take_profit(
        self, offset: float | None = None, price: float | None = None
    ) -> OrderChainBuilder:
        """Target at ``price`` or ``offset`` from the entry."""
        self.take_profit = {"offset": offset, "price": price}
        return self

    def with_trail_stop(
        self, offset: float, trigger_offset: float | None = None
    ) -> OrderChainBuilder:
        """Protect with a server-side trailing stop ``offset`` behind the market (it replaces
        a fixed stop; ``trigger_offset`` has no counterpart and is ignored)."""
        self.trail_stop = {"offset": offset, "trigger_offset": trigger_offset}
        return self

    def _level(self, leg: dict[str, Any] | None, entry: float, away: int) -> float | None:
        if not leg:
            return None
        if leg.get("price"):
            return float(leg["price"])
        if leg.get("offset"):
            sign = 1 if self.side == 0 else -1
            return entry + away * sign * float(leg["offset"])
        return None

    async def execute(self) -> BracketOrderResponse:
        """Send the chain: a bracket when it has protection, else the plain entry."""
        if self.size is None:
            raise ValueError("Order size is required")
        if self.side is None:
            raise ValueError("Order side is required")
        contract_id = self.contract_id or self.suite.instrument_id
        if not contract_id:
            raise ValueError("Contract ID is required")
        current = await self.suite.data.get_current_price()
        if not current:
            raise ValueError("Cannot get current price for risk calculations")
        entry = current if self.entry_type == "market" else (self.entry_price or current)
        stop = self._level(self.stop_loss, entry, -1)
        target = self._level(self.take_profit, entry, +1)
        om = self.order_manager
        trail_ticks = None
        if self.trail_stop is not None and self.entry_type != "stop":
            tick = (await om._contract(contract_id)).tick_size or 0.0
            trail_ticks = max(1, round(float(self.trail_stop["offset"]) / tick)) if tick else None
            stop = None
        if (stop or target or trail_ticks) and self.entry_type == "stop":
            raise ProjectXOrderError("Invalid entry_type 'stop'. Must be 'market' or 'limit'.")
        if stop or target or trail_ticks:
            return await om._bracket(
                contract_id,
                self.side,
                self.size,
                self.entry_price if self.entry_type == "limit" else None,
                stop_loss_price=stop,
                take_profit_price=target,
                trail_ticks=trail_ticks,
            )
        if self.entry_type == "market":
            resp = await om.place_market_order(contract_id, self.side, self.size)
        elif self.entry_type == "limit":
            resp = await om.place_limit_order(contract_id, self.side, self.size, entry)
        else:
            resp = await om.place_stop_order(contract_id, self.side, self.size, entry)
        return BracketOrderResponse(
            success=resp.success,
            entry_order_id=resp.orderId if resp.success else None,
            stop_order_id=None,
            target_order_id=None,
            entry_price=entry,
            stop_loss_price=stop or 0.0,
            take_profit_price=target or 0.0,
            entry_response=resp,
            stop_response=None,
            target_response=None,
            error_message=resp.errorMessage,
        )
