"""project-x-py's ``EventType``, ``Event`` and ``EventBus`` (awaited ``on``/``off``/``emit``).

A compat bus either stands alone (``EventBus()``, as in project-x-py) or is bound to a core
:class:`projectx.events.EventBus` (``EventBus._adopt(core_bus)``, what a compat suite does). When
bound, a handler for a type the core emits is fed by one forwarder on the core bus, which turns
each core event into project-x-py's payload shape (:mod:`projectx.compat.payloads`). The core
runs that forwarder in order on its bounded async queue (events beyond it are dropped and
counted by the core's ``EventBus.dropped``, never silently).
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from enum import Enum
from typing import Any

from projectx.compat.payloads import convert
from projectx.events import Event as CoreEvent
from projectx.events import EventBus as CoreBus
from projectx.events import EventType as CoreType
from projectx.exceptions import ValidationError

__all__ = ["Event", "EventBus", "EventType"]

log = logging.getLogger(__name__)

Handler = Callable[["Event"], Awaitable[None] | None]


class EventType(Enum):
    """project-x-py's event types (values are its strings; most equal the core's)."""

    NEW_BAR = "new_bar"
    DATA_UPDATE = "data_update"
    QUOTE_UPDATE = "quote_update"
    TRADE_TICK = "trade_tick"
    ORDERBOOK_UPDATE = "orderbook_update"
    MARKET_DEPTH_UPDATE = "market_depth_update"
    ORDER_PLACED = "order_placed"
    ORDER_FILLED = "order_filled"
    ORDER_PARTIAL_FILL = "order_partial_fill"
    ORDER_CANCELLED = "order_cancelled"
    ORDER_REJECTED = "order_rejected"
    ORDER_EXPIRED = "order_expired"
    ORDER_MODIFIED = "order_modified"
    POSITION_OPENED = "position_opened"
    POSITION_CLOSED = "position_closed"
    POSITION_UPDATED = "position_updated"
    POSITION_PNL_UPDATE = "position_pnl_update"
    RISK_LIMIT_WARNING = "risk_limit_warning"
    RISK_LIMIT_EXCEEDED = "risk_limit_exceeded"
    STOP_LOSS_TRIGGERED = "stop_loss_triggered"
    TAKE_PROFIT_TRIGGERED = "take_profit_triggered"
    CONNECTED = "connected"
    DISCONNECTED = "disconnected"
    RECONNECTING = "reconnecting"
    AUTHENTICATED = "authenticated"
    FEED_STALE = "feed_stale"
    ERROR = "error"
    WARNING = "warning"
    MEMORY_WARNING = "memory_warning"
    RATE_LIMIT_WARNING = "rate_limit_warning"
    LATENCY_WARNING = "latency_warning"


#: the core event feeding each compat type (types missing here are never emitted by the core)
CORE_SOURCE: dict[EventType, CoreType] = {
    **{t: CoreType(t.value) for t in EventType if t.value in CoreType._value2member_map_},
    EventType.ORDERBOOK_UPDATE: CoreType.MARKET_DEPTH_UPDATE,
    EventType.RISK_LIMIT_EXCEEDED: CoreType.RISK_LIMIT_BREACHED,
}


def _event_type(event: EventType | str) -> EventType | str:
    if isinstance(event, EventType):
        return event
    if isinstance(event, CoreType):
        event = event.value
    if not isinstance(event, str) or not event:
        raise ValidationError(f"event must be an EventType or its name, got {event!r}")
    try:
        return EventType(event)
    except ValueError:
        return event  # project-x-py accepts arbitrary names for user events


class Event:
    """One event: ``type``, ``data`` (project-x-py's payload), ``source``, ``timestamp``
    (the event loop's clock, as in project-x-py)."""

    __slots__ = ("data", "source", "timestamp", "type")

    def __init__(self, type: EventType | str, data: Any, source: str | None = None) -> None:
        self.type: EventType | str = _event_type(type)
        self.data = data
        self.source = source
        try:
            self.timestamp = asyncio.get_running_loop().time()
        except RuntimeError:
            self.timestamp = 0.0

    def __repr__(self) -> str:
        name = self.type.value if isinstance(self.type, EventType) else self.type
        return f"Event(type={name!r}, source={self.source!r})"


class EventBus:
    """project-x-py's event bus; handlers may be coroutine functions or plain callables.

    A handler that raises is logged and reported as an ``ERROR`` event (never re-raised into
    the emitter); ``handler_errors`` counts them.
    """

    def __init__(self) -> None:
        self._handlers: dict[EventType | str, list[tuple[Handler, bool]]] = {}
        self._wildcard: list[Handler] = []
        self._core: CoreBus | None = None
        self._instrument: str | tuple[str, ...] | None = None
        self._forwarders: dict[CoreType, Callable[[CoreEvent], Awaitable[None]]] = {}
        self._history: deque[Event] | None = None
        self.handler_errors = 0

    @classmethod
    def _adopt(cls, core: CoreBus, instrument: str | tuple[str, ...] | None = None) -> EventBus:
        """A compat bus fed by the core bus ``core`` (only with events of ``instrument``, a
        symbol or a tuple of aliases, when given)."""
        bus = cls()
        bus._core = core
        bus._instrument = instrument
        return bus

    @property
    def core(self) -> CoreBus | None:
        """The core bus this one is bound to (None when standalone)."""
        return self._core

    # -- subscription -------------------------------------------------------------------------
    async def on(self, event: EventType | str, handler: Handler) -> None:
        """Call ``handler`` for every ``event``."""
        self._add(event, handler, once=False)

    async def subscribe(self, _name: str, event: EventType | str, handler: Handler) -> None:
        """``on`` under a subscriber name (project-x-py's alias; the name is not used)."""
        self._add(event, handler, once=False)

    async def once(self, event: EventType | str, handler: Handler) -> None:
        """Call ``handler`` for the next ``event`` only."""
        self._add(event, handler, once=True)

    async def on_any(self, handler: Handler) -> None:
        """Call ``handler`` for every event of every type."""
        if not callable(handler):
            raise ValidationError("handler must be callable")
        self._wildcard.append(handler)
        for etype in CORE_SOURCE:
            self._forward(etype)

    async def off(
        self, event: EventType | str | None = None, handler: Handler | None = None
    ) -> None:
        """Remove ``handler`` from ``event``; every handler of ``event`` when ``handler`` is
        None; every handler when both are None."""
        if event is None:
            if handler is None:
                self._handlers.clear()
                self._wildcard.clear()
            else:
                for key in list(self._handlers):
                    self._remove(key, handler)
                self._wildcard = [h for h in self._wildcard if h is not handler]
        else:
            key = _event_type(event)
            if handler is None:
                self._handlers.pop(key, None)
            else:
                self._remove(key, handler)
        self._unforward_unused()

    def has_handlers(self, event: EventType | str | None = None) -> bool:
        """Whether anything listens to ``event`` (to anything, when None)."""
        if self._wildcard:
            return True
        if event is None:
            return any(self._handlers.values())
        return bool(self._handlers.get(_event_type(event)))

    def get_handler_count(self, event: EventType | str | None = None) -> int:
        """Handlers of ``event`` (of every type plus wildcards, when None)."""
        if event is None:
            return sum(len(v) for v in self._handlers.values()) + len(self._wildcard)
        return len(self._handlers.get(_event_type(event), ()))

    # -- emission -----------------------------------------------------------------------------
    async def emit(self, event: EventType | str, data: Any, source: str | None = None) -> None:
        """Deliver an event to this bus's handlers, in registration order."""
        await self._dispatch(Event(event, data, source))

    async def wait_for(self, event: EventType | str, timeout: float | None = None) -> Event:  # noqa: ASYNC109
        """The next ``event``; ``TimeoutError`` after ``timeout`` seconds (None: no limit)."""
        if timeout is not None and not timeout > 0:
            raise ValidationError("timeout must be > 0 seconds or None")
        future: asyncio.Future[Event] = asyncio.get_running_loop().create_future()

        def waiter(ev: Event) -> None:
            if not future.done():
                future.set_result(ev)

        self._add(event, waiter, once=True)
        try:
            return await asyncio.wait_for(future, timeout)
        finally:
            self._remove(_event_type(event), waiter)
            self._unforward_unused()

    async def forward_to(self, target_bus: EventBus) -> None:
        """Re-emit every event of this bus on ``target_bus``."""

        async def forwarder(ev: Event) -> None:
            await target_bus.emit(ev.type, ev.data, ev.source)

        await self.on_any(forwarder)

    # -- history ------------------------------------------------------------------------------
    def enable_history(self, max_size: int = 1000) -> None:
        """Keep the last ``max_size`` events (see :meth:`get_history`)."""
        if isinstance(max_size, bool) or not isinstance(max_size, int) or max_size < 1:
            raise ValidationError("max_size must be an int >= 1")
        self._history = deque(self._history or (), maxlen=max_size)

    def get_history(self) -> list[Event]:
        """The kept events, oldest first (empty unless history is enabled)."""
        return list(self._history or ())

    def clear_history(self) -> None:
        """Forget the kept events."""
        if self._history is not None:
            self._history.clear()

    # -- internals ----------------------------------------------------------------------------
    def _add(self, event: EventType | str, handler: Handler, *, once: bool) -> None:
        if not callable(handler):
            raise ValidationError("handler must be callable")
        key = _event_type(event)
        self._handlers.setdefault(key, []).append((handler, once))
        if isinstance(key, EventType):
            self._forward(key)

    def _remove(self, key: EventType | str, handler: Handler) -> None:
        # equality, not identity: `obj.method` is a new bound-method object at every access
        entries = [e for e in self._handlers.get(key, ()) if e[0] != handler]
        if entries:
            self._handlers[key] = entries
        else:
            self._handlers.pop(key, None)

    def _forward(self, etype: EventType) -> None:
        source = CORE_SOURCE.get(etype)
        if self._core is None or source is None or source in self._forwarders:
            return

        async def forwarder(core_event: CoreEvent) -> None:
            data = convert(core_event)
            for compat_type, core_type in CORE_SOURCE.items():
                if core_type is source and (self._wildcard or self._handlers.get(compat_type)):
                    await self._dispatch(Event(compat_type, data, "projectx"))

        self._forwarders[source] = forwarder
        self._core.on(source, forwarder, instrument=self._instrument)

    def _unforward_unused(self) -> None:
        if self._core is None or self._wildcard:
            return
        for source, forwarder in list(self._forwarders.items()):
            wanted = any(
                core_type is source and self._handlers.get(compat_type)
                for compat_type, core_type in CORE_SOURCE.items()
            )
            if not wanted:
                self._core.off(source, forwarder)
                del self._forwarders[source]

    async def _dispatch(self, event: Event) -> None:
        if self._history is not None:
            self._history.append(event)
        entries = self._handlers.get(event.type, ())
        if any(once for _, once in entries):
            kept = [e for e in entries if not e[1]]
            if kept:
                self._handlers[event.type] = kept
            else:
                self._handlers.pop(event.type, None)
            self._unforward_unused()  # the core stops building what nobody hears any more
        for handler in [h for h, _ in entries] + list(self._wildcard):
            await self._call(handler, event)

    async def _call(self, handler: Handler, event: Event) -> None:
        try:
            result = handler(event)
            if inspect.isawaitable(result):
                await result
        except Exception as exc:
            self.handler_errors += 1
            name = getattr(handler, "__name__", repr(handler))
            log.exception("event handler %s failed on %s", name, event)
            if event.type is not EventType.ERROR:
                await self.emit(
                    EventType.ERROR,
                    {"original_event": str(event.type), "handler": name, "error": str(exc)},
                    source="EventBus",
                )
