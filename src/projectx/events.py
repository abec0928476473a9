"""Typed events and the :class:`EventBus` that carries them between managers and user code.

Handlers may be plain functions (called inline by :meth:`EventBus.emit`, the cheapest path) or
coroutine functions (each gets its own ordered, bounded queue drained by a worker task the bus
owns). Slow async consumers never slow the feed: when a handler's queue is full the *oldest*
queued event for that handler is dropped and counted (``stats()["dropped"]``) — events only;
market state (bars, book) lives in the native core and is never dropped.

Producers ask :meth:`EventBus.wants` before building an event's payload, so an event type
nobody listens to costs one dict lookup.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, NamedTuple, overload

from projectx.exceptions import ValidationError

__all__ = ["Event", "EventBus", "EventType", "Handler"]

logger = logging.getLogger(__name__)


class EventType(StrEnum):
    """Every event the SDK emits. Each member is emitted somewhere (a test proves it)."""

    # market data
    NEW_BAR = "new_bar"  #: a bar closed; data = {"timeframe", "bar", "contract_id"}
    DATA_UPDATE = "data_update"  #: a trade updated the forming bars; data = {"price", ...}
    QUOTE_UPDATE = "quote_update"  #: merged GatewayQuote state changed
    TRADE_TICK = "trade_tick"  #: one market trade (GatewayTrade entry)
    MARKET_DEPTH_UPDATE = "market_depth_update"  #: one GatewayDepth message applied
    # orders
    ORDER_PLACED = "order_placed"  #: the Gateway accepted an order (REST success)
    ORDER_MODIFIED = "order_modified"
    ORDER_PARTIAL_FILL = "order_partial_fill"
    ORDER_FILLED = "order_filled"
    ORDER_CANCELLED = "order_cancelled"
    ORDER_REJECTED = "order_rejected"
    ORDER_EXPIRED = "order_expired"
    TRADE_EXECUTED = "trade_executed"  #: a fill of ours (GatewayUserTrade)
    # positions and account
    POSITION_OPENED = "position_opened"
    POSITION_UPDATED = "position_updated"
    POSITION_CLOSED = "position_closed"
    POSITION_PNL_UPDATE = "position_pnl_update"
    ACCOUNT_UPDATE = "account_update"
    # connection
    CONNECTED = "connected"
    DISCONNECTED = "disconnected"
    RECONNECTING = "reconnecting"
    RECONNECTED = "reconnected"
    FEED_STALE = "feed_stale"
    # risk
    RISK_LIMIT_WARNING = "risk_limit_warning"
    RISK_LIMIT_BREACHED = "risk_limit_breached"
    # errors (a handler raised, a background task failed, a reconciliation found a mismatch)
    ERROR = "error"
    #: an item at a boundary was refused, held or flagged; data = {"boundary", "source",
    #: "reason", "reasons": {reason: count}, ...} (boundary: market_hub, user_hub, rest, ...)
    ANOMALY = "anomaly"


class Event(NamedTuple):
    """One emitted event: its type, payload, the instrument it concerns (if any), and when
    (``ts_ns``, wall clock ns). Immutable; a NamedTuple because it is built on the hot path."""

    type: EventType
    data: Any
    instrument: str | None = None
    ts_ns: int = 0


Handler = Callable[[Event], Any]
Instrument = str | tuple[str, ...] | None
"""An instrument filter: one name, several aliases (a symbol and its contract id), or None."""
_AsyncHandler = Callable[[Event], Awaitable[Any]]


class _AsyncWorker:
    """Ordered bounded queue + one task that feeds an async handler its events."""

    __slots__ = ("_bus", "_handler", "_idle", "_queue", "_task", "_waiter", "capacity", "dropped")

    def __init__(self, bus: EventBus, handler: _AsyncHandler, capacity: int) -> None:
        self._bus = bus
        self._handler = handler
        self._queue: deque[Event] = deque()
        self._waiter: asyncio.Future[None] | None = None
        self._task: asyncio.Task[None] | None = None
        self._idle = asyncio.Event()
        self._idle.set()
        self.capacity = capacity
        self.dropped = 0

    def push(self, event: Event) -> None:
        queue = self._queue
        if len(queue) >= self.capacity:
            queue.popleft()
            self.dropped += 1
            self._bus._dropped += 1
            if self.dropped == 1 or self.dropped % 1000 == 0:
                logger.warning(
                    "slow async handler %s: %d events dropped (queue capacity %d)",
                    _name(self._handler),
                    self.dropped,
                    self.capacity,
                )
        queue.append(event)
        self._idle.clear()
        waiter = self._waiter
        if waiter is not None:
            self._waiter = None
            if not waiter.done():
                waiter.set_result(None)
        elif self._task is None:
            self._task = asyncio.get_running_loop().create_task(
                self._run(), name=f"projectx-event-{_name(self._handler)}"
            )

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        queue = self._queue
        while True:
            while queue:
                event = queue.popleft()
                try:
                    await self._handler(event)
                except asyncio.CancelledError:
                    raise
                except Exception as exc:
                    self._bus._handler_failed(self._handler, event, exc)
            self._waiter = loop.create_future()
            self._idle.set()
            await self._waiter

    @property
    def pending(self) -> int:
        return len(self._queue)

    @property
    def idle(self) -> bool:
        return self._idle.is_set()

    async def drain(self) -> None:
        """Wait until the queue is empty and the handler is idle."""
        if self._task is not None:
            await self._idle.wait()

    async def close(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._idle.set()


@dataclass(slots=True)
class _Entry:
    handler: Handler
    priority: int
    instrument: frozenset[str] | None
    once: bool
    worker: _AsyncWorker | None
    seq: int
    fired: bool = False


class EventBus:
    """Publish/subscribe hub for :class:`EventType` events.

    ``async_queue_size`` bounds each async handler's backlog (oldest events dropped and counted
    beyond it). Use as an async context manager, or call :meth:`aclose`, to stop the workers.
    """

    def __init__(self, *, async_queue_size: int = 10_000) -> None:
        if async_queue_size < 1:
            raise ValidationError("async_queue_size must be >= 1")
        self._async_queue_size = async_queue_size
        self._handlers: dict[EventType, tuple[_Entry, ...]] = {}
        self._seq = 0
        self._emitted = 0
        self._dropped = 0
        self._handler_errors = 0
        self._counts: dict[EventType, int] = {}
        self._in_error = False
        self._closing: set[asyncio.Task[None]] = set()
        #: changes whenever a handler is added or removed (lets producers cache ``wants``)
        self.version = 0
        self._change_watchers: list[Callable[[], None]] = []

    # -- subscription -------------------------------------------------------------------------

    @overload
    def on(
        self,
        event: EventType | str,
        handler: None = None,
        *,
        priority: int = 0,
        instrument: Instrument = None,
    ) -> Callable[[Handler], Handler]: ...
    @overload
    def on(
        self,
        event: EventType | str,
        handler: Handler,
        *,
        priority: int = 0,
        instrument: Instrument = None,
    ) -> Handler: ...
    def on(
        self,
        event: EventType | str,
        handler: Handler | None = None,
        *,
        priority: int = 0,
        instrument: Instrument = None,
    ) -> Handler | Callable[[Handler], Handler]:
        """Register ``handler`` for ``event`` (also usable as ``@bus.on(EventType.NEW_BAR)``).

        Higher ``priority`` runs first; equal priorities run in registration order.
        ``instrument`` restricts the handler to events of that instrument (a name, or a tuple
        of aliases such as ``("MNQ", "CON.F.US.MNQ.Z26")``).
        """
        if handler is None:

            def deco(func: Handler) -> Handler:
                self._add(event, func, priority, instrument, once=False)
                return func

            return deco
        self._add(event, handler, priority, instrument, once=False)
        return handler

    def once(
        self,
        event: EventType | str,
        handler: Handler,
        *,
        priority: int = 0,
        instrument: Instrument = None,
    ) -> Handler:
        """Register ``handler`` for the next matching ``event`` only."""
        self._add(event, handler, priority, instrument, once=True)
        return handler

    def off(self, event: EventType | str, handler: Handler | None = None) -> int:
        """Remove ``handler`` (or every handler) from ``event``; returns how many were removed."""
        etype = _event_type(event)
        entries = self._handlers.get(etype, ())
        # equality, not identity: `obj.method` is a new bound-method object at every access
        keep = tuple(e for e in entries if handler is not None and e.handler != handler)
        removed = [e for e in entries if e not in keep]
        self._set(etype, keep)
        for entry in removed:
            if entry.worker is not None:
                self._close_later(entry.worker)
        return len(removed)

    async def wait_for(
        self,
        event: EventType | str,
        timeout: float,  # noqa: ASYNC109 - the documented wait_for(type, timeout, predicate)
        predicate: Callable[[Event], bool] | None = None,
        *,
        instrument: Instrument = None,
    ) -> Event:
        """Wait for the next ``event`` (matching ``predicate``); raises ``TimeoutError``."""
        if timeout <= 0:
            raise ValidationError("wait_for timeout must be > 0 seconds")
        etype = _event_type(event)
        future: asyncio.Future[Event] = asyncio.get_running_loop().create_future()

        def waiter(ev: Event) -> None:
            if future.done():
                return
            try:
                matched = predicate is None or predicate(ev)
            except Exception as exc:
                future.set_exception(exc)
                return
            if matched:
                future.set_result(ev)

        self._add(etype, waiter, 1 << 30, instrument, once=False)
        try:
            return await asyncio.wait_for(future, timeout)
        finally:
            self.off(etype, waiter)

    @property
    def emitted(self) -> int:
        """Events emitted so far (to listeners)."""
        return self._emitted

    @property
    def busy(self) -> bool:
        """True while an async handler has queued events or is still running one."""
        for entries in list(self._handlers.values()):
            for entry in entries:
                worker = entry.worker
                if worker is not None and (worker.pending or not worker.idle):
                    return True
        return False

    def wants(self, event: EventType) -> bool:
        """True when at least one handler listens to ``event`` (build payloads only then)."""
        return event in self._handlers

    def watch_handlers(self, watcher: Callable[[], None]) -> None:
        """Call ``watcher()`` after every change of the handlers (``version``), so that a
        producer can keep what it derives from :meth:`wants` without asking per message. A
        watcher that raises is logged and counted as a handler error."""
        self._change_watchers.append(watcher)

    # -- emission -----------------------------------------------------------------------------

    def emit(
        self, event: EventType, data: Any = None, instrument: str | None = None
    ) -> Event | None:
        """Deliver ``event`` to its handlers; returns the :class:`Event`, or None if unheard.

        Sync handlers run inline, in priority order; async handlers get the event queued.
        A handler that raises is logged and counted, and an ``ERROR`` event is emitted.
        """
        entries = self._handlers.get(event)
        if entries is None:
            return None
        ev = Event(event, data, instrument, time.time_ns())
        self._emitted += 1
        counts = self._counts
        counts[event] = counts.get(event, 0) + 1
        fired_once = False
        for entry in entries:
            if entry.instrument is not None and instrument not in entry.instrument:
                continue
            if entry.once:
                if entry.fired:
                    continue
                entry.fired = True
                fired_once = True
            worker = entry.worker
            if worker is not None:
                worker.push(ev)
                continue
            try:
                entry.handler(ev)
            except Exception as exc:
                self._handler_failed(entry.handler, ev, exc)
        if fired_once:
            self._drop_fired_once(event, entries)
        return ev

    # -- lifecycle and stats ------------------------------------------------------------------

    async def drain(self) -> None:
        """Wait until every async handler has processed what was queued so far."""
        for entries in list(self._handlers.values()):
            for entry in entries:
                if entry.worker is not None:
                    await entry.worker.drain()

    async def aclose(self) -> None:
        """Stop every async worker and forget all handlers."""
        workers = [e.worker for es in self._handlers.values() for e in es if e.worker]
        self._handlers.clear()
        for worker in workers:
            await worker.close()

    async def __aenter__(self) -> EventBus:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    def stats(self) -> dict[str, Any]:
        """Counters: emitted, dropped (async backlog overflow), handler_errors, per type."""
        return {
            "emitted": self._emitted,
            "dropped": self._dropped,
            "handler_errors": self._handler_errors,
            "handlers": sum(len(v) for v in self._handlers.values()),
            "by_type": {str(k): v for k, v in self._counts.items()},
        }

    def handler_count(self, event: EventType | str | None = None) -> int:
        """How many handlers are registered (for one event type, or in total)."""
        if event is None:
            return sum(len(v) for v in self._handlers.values())
        return len(self._handlers.get(_event_type(event), ()))

    def __repr__(self) -> str:
        return f"EventBus(handlers={self.handler_count()}, emitted={self._emitted})"

    # -- internals ----------------------------------------------------------------------------

    def _add(
        self,
        event: EventType | str,
        handler: Handler,
        priority: int,
        instrument: Instrument,
        *,
        once: bool,
    ) -> None:
        etype = _event_type(event)
        if not callable(handler):
            raise ValidationError(f"handler for {etype} is not callable: {handler!r}")
        worker = None
        if inspect.iscoroutinefunction(handler) or inspect.iscoroutinefunction(
            getattr(handler, "__call__", None)  # noqa: B004
        ):
            worker = _AsyncWorker(self, handler, self._async_queue_size)
        self._seq += 1
        names = (
            None
            if instrument is None
            else frozenset((instrument,) if isinstance(instrument, str) else instrument)
        )
        entry = _Entry(handler, priority, names, once, worker, self._seq)
        entries = sorted(
            (*self._handlers.get(etype, ()), entry), key=lambda e: (-e.priority, e.seq)
        )
        self._set(etype, tuple(entries))

    def _set(self, etype: EventType, entries: tuple[_Entry, ...]) -> None:
        self.version += 1
        if entries:
            self._handlers[etype] = entries
        else:
            self._handlers.pop(etype, None)
        for watcher in self._change_watchers:
            try:
                watcher()
            except Exception:
                self._handler_errors += 1
                logger.exception("event bus: a handler-change watcher failed")

    def _drop_fired_once(self, etype: EventType, fired: tuple[_Entry, ...]) -> None:
        done = {id(e) for e in fired if e.once and e.fired}
        current = self._handlers.get(etype, ())
        self._set(etype, tuple(e for e in current if id(e) not in done))
        for entry in current:
            if id(entry) in done and entry.worker is not None:
                self._close_later(entry.worker, finish=True)

    def _close_later(self, worker: _AsyncWorker, *, finish: bool = False) -> None:
        """Stop a removed async handler's worker (after its queue drains when ``finish``)."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return

        async def stop() -> None:
            if finish:
                await worker.drain()
            await worker.close()

        task = loop.create_task(stop())
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)

    def _handler_failed(self, handler: Callable[..., Any], event: Event, exc: Exception) -> None:
        self._handler_errors += 1
        logger.error(
            "event handler %s failed on %s: %s", _name(handler), event.type, exc, exc_info=exc
        )
        if event.type is EventType.ERROR or self._in_error:
            return
        self._in_error = True
        try:
            self.emit(
                EventType.ERROR,
                {"source": "handler", "handler": _name(handler), "event": event.type, "error": exc},
                event.instrument,
            )
        finally:
            self._in_error = False


def _event_type(event: EventType | str) -> EventType:
    if isinstance(event, EventType):
        return event
    try:
        return EventType(str(event).lower())
    except ValueError:
        try:
            return EventType[str(event).upper()]
        except KeyError:
            raise ValidationError(f"unknown event type {event!r}") from None


def _name(handler: Callable[..., Any]) -> str:
    return getattr(handler, "__qualname__", None) or repr(handler)
