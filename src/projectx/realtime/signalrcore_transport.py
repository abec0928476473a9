"""``SignalRCoreHub``: signalrcore as an alternative transport behind the HubConnection interface.

This exists for cross-checks (an independent SignalR implementation against the same hubs) and
for users who must use signalrcore. It is not the fast path: signalrcore is thread-based and
decodes every message into Python objects itself, so market records are re-encoded here and fed
to the same native parser ``HubConnection`` uses (identical downstream state, ~10x the CPU).
Reconnects are not attempted (signalrcore's own reconnect is unreliable, see design.md): a drop
moves the hub to ``DISCONNECTED`` and the owner decides. Requires the ``signalr`` extra.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from typing import Any

import orjson

from projectx.exceptions import ConnectionError as ProjectXConnectionError
from projectx.exceptions import redact
from projectx.realtime.transport import (
    MARKET_TARGETS,
    Handler,
    HubInvocationError,
    HubState,
    HubTransport,
    RecordParser,
    TokenFactory,
)

__all__ = ["SignalRCoreHub"]

log = logging.getLogger(__name__)


class SignalRCoreHub(HubTransport):
    """One hub over signalrcore, with HubConnection's public surface (start/close/on/on_state/
    invoke/send/subscribe/unsubscribe/subscriptions/stats/state/connected)."""

    def __init__(
        self,
        url: str,
        token_factory: TokenFactory,
        parser: RecordParser,
        *,
        name: str = "hub",
        invoke_timeout: float = 10.0,
        open_timeout: float = 15.0,
        keepalive_interval: float = 10.0,
    ) -> None:
        try:
            import signalrcore  # noqa: F401
        except ImportError as exc:  # pragma: no cover - exercised only without the extra
            raise ImportError(
                "the signalrcore transport needs the optional extra: pip install "
                "'projectx-native[signalr]'"
            ) from exc
        super().__init__(url, token_factory, parser, name=name)
        self._invoke_timeout = invoke_timeout
        self._open_timeout = open_timeout
        self._keepalive = keepalive_interval
        self._conn: Any = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def __repr__(self) -> str:
        url = redact(self.url)
        return f"SignalRCoreHub(name={self.name!r}, url={url!r}, state={self.state.value})"

    # -- registration -------------------------------------------------------------------------
    def on(self, target: str, handler: Handler) -> None:
        """Call ``handler(arguments)`` for every server invocation of ``target``."""
        super().on(target, handler)
        if self._conn is not None:
            self._bind(target)

    @property
    def connected(self) -> bool:
        """True while the hub is open."""
        return self.state in (HubState.CONNECTED, HubState.RECONNECTED)

    # -- lifecycle ----------------------------------------------------------------------------
    async def start(self) -> None:
        """Connect (token from the factory, skip negotiation) and wait for the handshake."""
        from signalrcore.hub_connection_builder import HubConnectionBuilder

        loop = asyncio.get_running_loop()
        self._loop = loop
        self._set_state(HubState.CONNECTING)
        token = await self._token_factory()

        def token_for_thread() -> str:
            return token

        conn = (
            HubConnectionBuilder()
            .with_url(
                self.url,
                options={"access_token_factory": token_for_thread, "skip_negotiation": True},
            )
            .configure_logging(logging.WARNING)
            .build()
        )
        opened = threading.Event()
        conn.on_open(opened.set)
        conn.on_close(lambda: loop.call_soon_threadsafe(self._closed_by_peer))
        self._conn = conn
        for target in {*self._handlers, *MARKET_TARGETS}:
            self._bind(target)
        try:
            await asyncio.to_thread(conn.start)
            if not await asyncio.to_thread(opened.wait, self._open_timeout):
                raise ProjectXConnectionError(f"{self.name} hub: signalrcore never opened")
        except ProjectXConnectionError:
            await self.close()
            raise
        except Exception as exc:
            await self.close()
            raise ProjectXConnectionError(
                f"{self.name} hub unreachable via signalrcore: {type(exc).__name__}"
            ) from None
        self.stats.connects += 1
        self._set_state(HubState.CONNECTED)

    async def close(self) -> None:
        """Stop the signalrcore connection (joins its threads off the event loop)."""
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):
                await asyncio.to_thread(conn.stop)
        self._set_state(HubState.CLOSED)

    # -- calls --------------------------------------------------------------------------------
    async def invoke(self, target: str, *args: Any, timeout: float | None = None) -> Any:  # noqa: ASYNC109
        """Invoke a hub method and wait for its completion (result or HubInvocationError)."""
        conn = self._require()
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()

        def settle(message: Any) -> None:
            if future.done():
                return
            error = getattr(message, "error", None)
            if error:
                self.stats.invocation_errors += 1
                future.set_exception(HubInvocationError(redact(str(error))))
            else:
                future.set_result(getattr(message, "result", None))

        def completed(message: Any) -> None:
            loop.call_soon_threadsafe(settle, message)

        self.stats.invocations += 1
        await asyncio.to_thread(conn.send, target, list(args), completed)
        return await asyncio.wait_for(future, timeout or self._invoke_timeout)

    async def send(self, target: str, *args: Any) -> None:
        """Invoke without waiting for a completion."""
        conn = self._require()
        await asyncio.to_thread(conn.send, target, list(args))

    async def subscribe(self, target: str, *args: Any) -> None:
        """Invoke a subscription method and remember it."""
        await self.invoke(target, *args)
        self._subscriptions[(target, tuple(args))] = None

    async def unsubscribe(self, subscribe_target: str, unsubscribe_target: str, *args: Any) -> None:
        """Undo :meth:`subscribe`."""
        self._subscriptions.pop((subscribe_target, tuple(args)), None)
        await self.invoke(unsubscribe_target, *args)

    # -- internals ----------------------------------------------------------------------------
    def _require(self) -> Any:
        if self._conn is None or not self.connected:
            raise ProjectXConnectionError(f"{self.name} hub is not connected")
        return self._conn

    def _bind(self, target: str) -> None:
        loop = self._loop
        assert loop is not None and self._conn is not None

        def from_thread(arguments: list[Any]) -> None:
            loop.call_soon_threadsafe(self._deliver, target, arguments)

        self._conn.on(target, from_thread)

    def _deliver(self, target: str, arguments: list[Any]) -> None:
        """On the event loop: market records go through the native parser, others to handlers."""
        started = time.perf_counter_ns()
        try:
            self._process(target, arguments)
        finally:
            self.process_latency.record(time.perf_counter_ns() - started)

    def _process(self, target: str, arguments: list[Any]) -> None:
        stats = self.stats
        stats.messages += 1
        stats.records += 1
        if target in MARKET_TARGETS:
            record = orjson.dumps({"type": 1, "target": target, "arguments": arguments}) + b"\x1e"
            try:
                self.parser.feed(record)
            except Exception:
                stats.malformed_records += 1
                log.exception("%s hub: market record rejected by the parser", self.name)
                return
            stats.native_records += 1
            stats.last_market_monotonic = time.monotonic()
            if self.parser.result.wake or self._native_every:  # see on_native
                for native in self._native_handlers:
                    try:
                        native(self.parser, 1)
                    except Exception:
                        stats.handler_errors += 1
                        log.exception("%s hub: market handler failed", self.name)
        for handler in self._handlers.get(target, ()):
            try:
                handler(arguments)
            except Exception:
                stats.handler_errors += 1
                log.exception("%s hub: handler for %s failed", self.name, target)

    def _closed_by_peer(self) -> None:
        if self.state is not HubState.CLOSED:
            self._set_state(HubState.DISCONNECTED)

    def _set_state(self, state: HubState) -> None:
        if state is self.state:
            return
        self.state = state
        for handler in self._state_handlers:
            try:
                handler(state)
            except Exception:
                log.exception("%s hub: state handler failed", self.name)
