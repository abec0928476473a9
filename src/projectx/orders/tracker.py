"""``OrderTracker``: await one order's fill or state, with REST as the fallback for lost events."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Protocol

from projectx.exceptions import ValidationError
from projectx.orders.errors import OrderNotFilledError
from projectx.orders.records import TrackedOrder
from projectx.orders.state import OrderState

__all__ = ["OrderTracker"]


class _Refresher(Protocol):
    async def refresh(self, rec: TrackedOrder) -> None: ...

    async def cancel_order(self, order: TrackedOrder | int) -> bool: ...


class OrderTracker:
    """Follows one :class:`TrackedOrder` (``async with manager.track(order) as t:``).

    Waits are driven by hub events; when nothing happened for ``poll_s`` seconds the order is
    re-read through REST (``get_order``), so a lost event does not hang the wait. With
    ``cancel_on_exit`` the order is cancelled when the ``async with`` block ends unfilled.
    """

    def __init__(
        self,
        manager: _Refresher,
        order: TrackedOrder,
        *,
        poll_s: float = 5.0,
        cancel_on_exit: bool = False,
    ) -> None:
        if poll_s <= 0:
            raise ValidationError("poll_s must be > 0")
        self._manager = manager
        self.order = order
        self.poll_s = poll_s
        self.cancel_on_exit = cancel_on_exit

    @property
    def state(self) -> OrderState:
        """The order's current state."""
        return self.order.state

    async def _wait(self, done: Callable[[TrackedOrder], bool], timeout: float) -> TrackedOrder:  # noqa: ASYNC109
        if timeout <= 0:
            raise ValidationError("timeout must be > 0 seconds")
        rec = self.order
        deadline = time.monotonic() + timeout
        while True:
            if done(rec):
                return rec
            if rec.is_terminal:
                raise OrderNotFilledError(
                    f"order {rec.order_id} (tag {rec.custom_tag}) ended {rec.state.value}",
                    order_id=rec.order_id,
                    state=rec.state.value,
                )
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(
                    f"order {rec.order_id} still {rec.state.value} after {timeout:.1f} s"
                )
            changed = rec.changed
            if changed is None:
                changed = rec.changed = asyncio.Event()
            try:
                await asyncio.wait_for(changed.wait(), min(left, self.poll_s))
            except TimeoutError:
                if deadline - time.monotonic() > 0:
                    await self._manager.refresh(rec)

    async def wait_for_fill(self, timeout: float = 30.0) -> TrackedOrder:  # noqa: ASYNC109
        """Return the order once fully filled; :class:`OrderNotFilledError` if it ends otherwise;
        ``TimeoutError`` after ``timeout`` seconds."""
        return await self._wait(lambda r: r.state is OrderState.FILLED, timeout)

    async def wait_for_status(self, state: OrderState | str, timeout: float = 30.0) -> TrackedOrder:  # noqa: ASYNC109
        """Return the order once it is in ``state`` (an :class:`OrderState` or its value);
        :class:`OrderNotFilledError` if it reaches a different terminal state first."""
        try:
            wanted = OrderState(state)
        except ValueError:
            raise ValidationError(f"unknown order state {state!r}") from None
        return await self._wait(lambda r: r.state is wanted, timeout)

    async def __aenter__(self) -> OrderTracker:
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self.cancel_on_exit and self.order.is_working and not self.order.is_terminal:
            await self._manager.cancel_order(self.order)

    def __repr__(self) -> str:
        return f"OrderTracker(order_id={self.order.order_id}, state={self.order.state.value})"
