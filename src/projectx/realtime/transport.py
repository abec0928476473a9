"""``HubTransport``: the interface every hub connection implements, and the types it speaks.

A transport is one connection to one Gateway hub (``/hubs/user`` or ``/hubs/market``). The
fast path is :class:`~projectx.realtime.hub.HubConnection` (asyncio + aiohttp); the alternative
is :class:`~projectx.realtime.signalrcore_transport.SignalRCoreHub` (signalrcore, for
cross-checks). Both subclass :class:`HubTransport`, so the realtime client and the suite depend
on this interface only. The base class owns what the two share: the registration of handlers,
the remembered subscriptions, the counters and the connection state.
"""

from __future__ import annotations

import abc
import enum
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol, Self

from projectx._native.frames import FeedResult
from projectx._native.latency import LatencyHistogram
from projectx.exceptions import ProjectXError

__all__ = [
    "MARKET_TARGETS",
    "Handler",
    "HubInvocationError",
    "HubState",
    "HubStats",
    "HubTransport",
    "RecordParser",
    "TokenFactory",
    "TokenRejected",
]

MARKET_TARGETS = frozenset({"GatewayQuote", "GatewayTrade", "GatewayDepth"})
"""The market-hub invocation targets the native parser applies."""

TokenFactory = Callable[[], Awaitable[str]]
"""Returns a valid access token; called on every connect."""
TokenRejected = Callable[[str], Awaitable[None]]
"""Told the token a hub refused (HTTP 401), so the next attempt does not reuse it."""
Handler = Callable[[list[Any]], None]
"""Called with the arguments of one server invocation."""


class HubInvocationError(ProjectXError):
    """The server answered an invocation with a Completion carrying ``error``."""


class HubState(enum.Enum):
    """Connection states reported to ``on_state`` handlers."""

    DISCONNECTED = "disconnected"
    CONNECTING = "connecting"
    CONNECTED = "connected"
    RECONNECTING = "reconnecting"
    RECONNECTED = "reconnected"
    CIRCUIT_OPEN = "circuit_open"
    STALE = "stale"
    RESUBSCRIBED = "resubscribed"
    """Every subscription was restored after a reconnect (reported, not kept as ``state``)."""
    CLOSED = "closed"


class RecordParser(Protocol):
    """What a hub connection feeds its messages to (``FrameParser`` or ``MarketFeed``):
    ``receive`` parses one message and returns its ``FeedResult`` (the counts the hub keeps),
    ``feed`` does the same returning the records completed (without the running totals),
    ``result`` the last message's ``FeedResult``, ``others`` the records it handed back."""

    @property
    def others(self) -> list[bytes]: ...

    @property
    def result(self) -> FeedResult: ...

    def feed(self, data: str | bytes) -> int: ...

    def receive(self, data: str | bytes) -> FeedResult: ...

    def reset(self) -> None: ...


@dataclass(slots=True)
class HubStats:
    """Counters of one hub connection."""

    messages: int = 0
    bytes: int = 0
    records: int = 0
    native_records: int = 0
    decoded_records: int = 0
    """Records decoded in Python (everything the native parser handed back)."""
    fallback_records: int = 0
    """Market invocations decoded in Python (untracked contracts, shapes no parser took)."""
    control_records: int = 0
    """Pings and completions."""
    malformed_records: int = 0
    oversized_records: int = 0
    protocol_errors: int = 0
    connects: int = 0
    reconnects: int = 0
    connect_failures: int = 0
    stale_events: int = 0
    invocations: int = 0
    invocation_errors: int = 0
    close_messages: int = 0
    last_close_error: str | None = None
    last_message_monotonic: float = 0.0
    last_market_monotonic: float = 0.0
    handler_errors: int = 0
    parser_errors: int = 0
    """Messages whose parsing raised (the parser is reset; the next message parses cleanly)."""
    supervisor_errors: int = 0
    """Unexpected exceptions caught by the supervisor (each treated as a lost connection)."""
    oversized_messages: int = 0
    """WebSocket messages over ``max_message_bytes``, refused at the socket (reconnects)."""
    unhealthy_connections: int = 0
    """Connections that ended before becoming healthy (they did not reset the backoff)."""
    circuit_opens: int = 0
    last_close_allow_reconnect: bool | None = None
    stopped_reason: str | None = None
    """Why the supervisor stopped other than by ``close()`` (None while it runs)."""
    extra: dict[str, int] = field(default_factory=dict)


class HubTransport(abc.ABC):
    """One connection to one hub: lifecycle, calls, handler registration, counters.

    Subclasses implement ``start``/``close``, ``invoke``/``send``, ``subscribe``/
    ``unsubscribe`` and ``connected``; they deliver server invocations to the handlers
    registered with :meth:`on`, native market records to those of :meth:`on_native`, and state
    changes to those of :meth:`on_state`.
    """

    def __init__(
        self, url: str, token_factory: TokenFactory, parser: RecordParser, *, name: str
    ) -> None:
        self.url = url
        self.name = name
        self._stats = HubStats()
        self.parser = parser
        #: client CPU time per received message (parse + native state + handlers), ns
        self.process_latency = LatencyHistogram(f"{name}.process")
        self.state = HubState.DISCONNECTED
        self._token_factory = token_factory
        self._handlers: dict[str, list[Handler]] = {}
        self._state_handlers: list[Callable[[HubState], None]] = []
        self._native_handlers: list[Callable[[RecordParser, int], None]] = []
        self._native_every = False  # a handler that wants every message with native records
        self._subscriptions: dict[tuple[str, tuple[Any, ...]], None] = {}

    @property
    def stats(self) -> HubStats:
        """Counters of this connection."""
        return self._stats

    # -- supervision (a transport without its own supervisor keeps these defaults) ---------------
    @property
    def alive(self) -> bool:
        """Whether something keeps this connection up (reconnecting when it drops)."""
        return True

    def recent_reconnects(self, window_s: float | None = None) -> int:
        """Reconnects within the last ``window_s`` seconds (default: the storm window)."""
        return 0

    @property
    def reconnect_storm(self) -> bool:
        """Whether reconnects came too fast (a storm) recently."""
        return False

    @property
    def storm_window(self) -> float:
        """The window (seconds) over which a reconnect storm is judged (0: not judged)."""
        return 0.0

    # -- registration -------------------------------------------------------------------------
    def on(self, target: str, handler: Handler) -> None:
        """Call ``handler(arguments)`` for every server invocation of ``target``."""
        self._handlers.setdefault(target, []).append(handler)

    def on_state(self, handler: Callable[[HubState], None]) -> None:
        """Call ``handler(state)`` on every state change (``HubConnection`` also reports
        STALE, CIRCUIT_OPEN and RESUBSCRIBED)."""
        self._state_handlers.append(handler)

    def on_native(
        self, handler: Callable[[RecordParser, int], None], *, gated: bool = False
    ) -> None:
        """Call ``handler(parser, n_records)`` after every message that produced native market
        records. With ``gated``, the handler accepts being called only for the messages the
        parser says wake it (``FeedResult.wake``: a ``MarketFeed``'s owner decides, with
        ``wake_every`` and ``want_prices``); while every handler is gated, the other messages
        cost no Python."""
        self._native_handlers.append(handler)
        if not gated:
            self._native_every = True

    @property
    def subscriptions(self) -> list[tuple[str, tuple[Any, ...]]]:
        """Subscriptions made through :meth:`subscribe`, in order (restored on reconnect by
        transports that reconnect)."""
        return list(self._subscriptions)

    # -- lifecycle ----------------------------------------------------------------------------
    @property
    @abc.abstractmethod
    def connected(self) -> bool:
        """Whether the hub is open and usable."""

    @abc.abstractmethod
    async def start(self) -> None:
        """Connect; the first attempt's error is raised."""

    @abc.abstractmethod
    async def close(self) -> None:
        """Stop for good and release the connection."""

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    # -- calls --------------------------------------------------------------------------------
    @abc.abstractmethod
    async def invoke(self, target: str, *args: Any, timeout: float | None = None) -> Any:  # noqa: ASYNC109
        """Invoke a hub method and wait for its completion; errors raise HubInvocationError."""

    @abc.abstractmethod
    async def send(self, target: str, *args: Any) -> None:
        """Invoke without waiting for (or getting) a completion."""

    @abc.abstractmethod
    async def subscribe(self, target: str, *args: Any) -> None:
        """Invoke a subscription method and remember it."""

    @abc.abstractmethod
    async def unsubscribe(self, subscribe_target: str, unsubscribe_target: str, *args: Any) -> None:
        """Forget a subscription and invoke its Unsubscribe* method."""
