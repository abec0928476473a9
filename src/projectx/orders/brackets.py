"""Order groups: one-cancels-other pairs and brackets (native or client-side).

A client-side bracket protects its entry as soon as it fills: the manager calls
:meth:`BracketOrder.on_fill` synchronously while it handles the fill event, which schedules the
protection task in that same event-loop turn; the task sends the protective stop first, and the
target only after the stop's ``Order/place`` was answered. Protective legs are sized to the
filled quantity and resized as the entry fills more. Stop and target then form an OCO: a fill of
one cancels (or, when partial, shrinks) the other; a user cancellation of one cancels the other.

A native bracket leaves all of that to the Gateway (Auto-OCO accounts); the manager only
attaches the server-created children to the record.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Coroutine
from typing import Any, Protocol

from projectx.enums import OrderType
from projectx.exceptions import ValidationError
from projectx.orders.errors import OrderNotFilledError
from projectx.orders.records import OrderRole, TrackedOrder
from projectx.orders.state import OrderState

__all__ = ["BracketOrder", "GroupOps", "OcoPair", "OrderGroup"]

log = logging.getLogger(__name__)


class GroupOps(Protocol):
    """What a group needs from its manager."""

    idle_poll_s: float

    def spawn(self, coro: Coroutine[Any, Any, Any], name: str) -> asyncio.Task[Any]: ...

    def cancel_soon(self, rec: TrackedOrder) -> None: ...

    def resize_soon(self, rec: TrackedOrder, size: int) -> None: ...

    async def place_leg(
        self, bracket: BracketOrder, role: OrderRole, size: int
    ) -> TrackedOrder: ...

    async def resize(self, rec: TrackedOrder, size: int) -> None: ...

    async def refresh(self, rec: TrackedOrder) -> None: ...

    def report_error(self, message: str, data: dict[str, Any]) -> None: ...


class OrderGroup:
    """Base of order groups: hooks the manager calls while it handles an event."""

    def __init__(self, ops: GroupOps) -> None:
        self._ops = ops

    def on_fill(self, rec: TrackedOrder, delta: int) -> None:
        """``rec`` filled ``delta`` more contracts."""

    def on_state(self, rec: TrackedOrder) -> None:
        """``rec`` changed state (after its fill hook, if any)."""


class OcoPair(OrderGroup):
    """Two orders where the first fill (even partial) or a user cancel of one cancels the other."""

    def __init__(self, ops: GroupOps, first: TrackedOrder, second: TrackedOrder) -> None:
        super().__init__(ops)
        self.first = first
        self.second = second
        first.group = self
        second.group = self

    def sibling(self, rec: TrackedOrder) -> TrackedOrder:
        """The other leg."""
        return self.second if rec is self.first else self.first

    def on_fill(self, rec: TrackedOrder, delta: int) -> None:
        other = self.sibling(rec)
        if other.is_working and not other.group_cancel:
            self._ops.cancel_soon(other)

    def on_state(self, rec: TrackedOrder) -> None:
        if rec.state in (OrderState.CANCELLED, OrderState.EXPIRED) and not rec.group_cancel:
            other = self.sibling(rec)
            if other.is_working and not other.group_cancel:
                self._ops.cancel_soon(other)

    def __repr__(self) -> str:
        return f"OcoPair({self.first.order_id}, {self.second.order_id})"


class BracketOrder(OrderGroup):
    """An entry with a protective stop and/or a target.

    ``stop`` and ``target`` are None until placed (client-side) or seen (native). ``error``
    holds the reason protection failed, if it did (an ``ERROR`` event is emitted as well).
    """

    def __init__(
        self,
        ops: GroupOps,
        entry: TrackedOrder,
        *,
        native: bool,
        stop_loss_price: float | None,
        stop_loss_ticks: int | None,
        take_profit_price: float | None,
        take_profit_ticks: int | None,
        stop_type: OrderType = OrderType.STOP,
    ) -> None:
        super().__init__(ops)
        self.entry = entry
        self.native = native
        self.stop_loss_price = stop_loss_price
        self.stop_loss_ticks = stop_loss_ticks
        self.take_profit_price = take_profit_price
        self.take_profit_ticks = take_profit_ticks
        self.stop_type = stop_type
        self.stop: TrackedOrder | None = None
        self.target: TrackedOrder | None = None
        self.error: str | None = None
        self._task: asyncio.Task[Any] | None = None
        self._dirty = asyncio.Event()
        self._protected = asyncio.Event()
        self._progress = asyncio.Event()  # set by every change of the bracket or its orders
        entry.group = self

    @property
    def wants_stop(self) -> bool:
        """A protective stop was asked for."""
        return self.stop_loss_price is not None or self.stop_loss_ticks is not None

    @property
    def wants_target(self) -> bool:
        """A target was asked for."""
        return self.take_profit_price is not None or self.take_profit_ticks is not None

    @property
    def legs(self) -> list[TrackedOrder]:
        """Protective orders that exist so far."""
        return [r for r in (self.stop, self.target) if r is not None]

    def attach(self, rec: TrackedOrder) -> None:
        """Attach a server-created child (native) as stop or target by its type."""
        rec.group = self
        if rec.order_type in (OrderType.STOP, OrderType.TRAILING_STOP):
            rec.role = OrderRole.STOP_LOSS
            self.stop = rec
        else:
            rec.role = OrderRole.TAKE_PROFIT
            self.target = rec
        self.on_state(rec)

    async def wait_protected(self, timeout: float) -> TrackedOrder:  # noqa: ASYNC109
        """Wait until the protective stop (else the target) is working; return it."""
        await asyncio.wait_for(self._protected.wait(), timeout)
        leg = self.stop if self.stop is not None else self.target
        assert leg is not None
        return leg

    # -- hooks ---------------------------------------------------------------------------------
    def on_fill(self, rec: TrackedOrder, delta: int) -> None:
        self._progress.set()
        if rec is self.entry:
            if not self.native:
                self._kick()
            return
        if self.native:
            return
        other = self.target if rec is self.stop else self.stop
        if other is None or not other.is_working or other.group_cancel:
            return
        if rec.state is OrderState.FILLED or rec.remaining == 0:
            self._ops.cancel_soon(other)
        elif other.fill_volume == 0 and other.size > rec.remaining:
            self._ops.resize_soon(other, rec.remaining)

    def on_state(self, rec: TrackedOrder) -> None:
        self._progress.set()
        if rec is self.entry:
            if not self.native and rec.is_terminal:
                self._kick()
            return
        working = rec.state in (OrderState.WORKING, OrderState.PARTIALLY_FILLED)
        if working and (rec is self.stop or (self.stop is None and not self.wants_stop)):
            self._protected.set()
        if self.native:
            return
        if rec.state in (OrderState.CANCELLED, OrderState.EXPIRED) and not rec.group_cancel:
            other = self.target if rec is self.stop else self.stop
            if other is not None and other.is_working and not other.group_cancel:
                self._ops.cancel_soon(other)

    def _kick(self) -> None:
        if self._task is None:
            if self.entry.fill_volume > 0:
                # scheduled now, inside the handling of the fill event
                self._task = self._ops.spawn(self._protect(), "projectx-bracket-protect")
        else:
            self._dirty.set()

    async def wait_placed(self, timeout: float, *, poll_s: float = 0.25) -> list[TrackedOrder]:  # noqa: ASYNC109
        """Wait until every leg asked for has a Gateway order id; return the legs.

        Wakes on every change of the bracket and its orders (a fill, a state, a leg placed),
        and at least every ``poll_s`` seconds. Raises :class:`OrderNotFilledError` when the
        entry ends without any fill, or when protection failed (``error``), and
        ``TimeoutError`` after ``timeout`` seconds. The entry is left as it is (the caller
        decides whether to cancel it).
        """
        if timeout <= 0 or poll_s <= 0:
            raise ValidationError("timeout and poll_s must be > 0")
        deadline = time.monotonic() + timeout
        while True:
            legs = [(self.wants_stop, self.stop), (self.wants_target, self.target)]
            if all(leg is not None and leg.order_id is not None for want, leg in legs if want):
                return self.legs
            entry = self.entry
            if self.error is not None or (entry.is_terminal and entry.fill_volume == 0):
                why = self.error or f"the entry ended {entry.state.value} unfilled"
                raise OrderNotFilledError(
                    f"bracket of entry {entry.order_id}: {why}",
                    order_id=entry.order_id,
                    state=entry.state.value,
                )
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(
                    f"bracket of entry {entry.order_id}: legs not placed after {timeout:.1f} s"
                )
            self._progress.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._progress.wait(), min(left, poll_s))

    # -- client-side protection ----------------------------------------------------------------
    def _leg_is_resizable(self, leg: TrackedOrder | None) -> bool:
        return leg is not None and leg.is_working and leg.fill_volume == 0

    def _closed_by_leg(self) -> bool:
        return any(leg.fill_volume > 0 or leg.state is OrderState.CANCELLED for leg in self.legs)

    async def _protect(self) -> None:
        entry = self.entry
        ops = self._ops
        try:
            while True:
                want = entry.fill_volume
                if want > 0 and not self._closed_by_leg():
                    if self.wants_stop:
                        if self.stop is None:
                            self.stop = await ops.place_leg(self, OrderRole.STOP_LOSS, want)
                            self._progress.set()
                        elif self._leg_is_resizable(self.stop) and self.stop.size != want:
                            await ops.resize(self.stop, want)
                    if self.wants_target:
                        if self.target is None:
                            self.target = await ops.place_leg(self, OrderRole.TAKE_PROFIT, want)
                            self._progress.set()
                        elif self._leg_is_resizable(self.target) and self.target.size != want:
                            await ops.resize(self.target, want)
                if entry.fill_volume != want:
                    continue
                if entry.is_terminal:
                    return
                self._dirty.clear()
                try:
                    await asyncio.wait_for(self._dirty.wait(), ops.idle_poll_s)
                except TimeoutError:
                    await ops.refresh(entry)  # events missing: REST fallback
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self.error = f"{type(exc).__name__}: {exc}"
            self._progress.set()
            log.error("bracket of entry %s: protection failed: %s", entry.order_id, self.error)
            ops.report_error(
                "bracket protection failed",
                {"entry": entry, "bracket": self, "error": exc},
            )

    def __repr__(self) -> str:
        return (
            f"BracketOrder(entry={self.entry.order_id}, native={self.native}, "
            f"stop={self.stop.order_id if self.stop else None}, "
            f"target={self.target.order_id if self.target else None})"
        )
