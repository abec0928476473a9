"""``HubConnection``: an asyncio SignalR JSON-protocol client on aiohttp WebSockets.

One connection to one hub (``/hubs/user`` or ``/hubs/market``). It

- takes a fresh token from ``token_factory`` on every connect (``access_token`` query string,
  spec §2.3), optionally negotiating first (§7.2);
- performs the handshake, answers and sends pings, matches completions to invocations;
- hands every text message to a record parser (``projectx._native.frames.FrameParser`` or
  ``projectx._native.feed.MarketFeed``): market events are applied natively, everything else
  comes back as raw records, decoded here with orjson;
- reconnects forever (capped exponential backoff with jitter; a circuit breaker cools down
  after repeated failures) unless ``close()`` was called or the server sent
  ``Close{allowReconnect: false}``, and re-invokes every registered subscription after each
  reconnect; the backoff resets only once a connection has proved healthy (it received data
  after its handshake and stayed up ``ReconnectPolicy.healthy_after`` seconds), so a server
  that completes the handshake and closes at once is a storm that opens the circuit, not a
  tight loop;
- watches the feed: no market data for ``stale_after`` seconds while subscribed is reported
  and the connection is recycled;
- bounds every WebSocket message at the socket (``max_message_bytes``, aiohttp's
  ``max_msg_size``: an oversized frame is refused from its header, before its payload is
  buffered), counts it and reconnects;
- never lets one message end the connection's supervisor: an exception from the parser is
  counted (``parser_errors``) and the next message is parsed from a clean state; anything
  unexpected in the supervisor is counted (``supervisor_errors``) and treated as a lost
  connection. If the supervisor ends anyway other than by ``close()``, ``alive`` turns False and
  ``stats.stopped_reason`` says why.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from typing import Any

import aiohttp
from yarl import URL

from projectx.config import check_url
from projectx.exceptions import ConnectionError as ProjectXConnectionError
from projectx.exceptions import redact
from projectx.realtime.handshake import UNAUTHORIZED, handshake, negotiate, upgrade
from projectx.realtime.protocol import PING_RECORD, invocation_record
from projectx.realtime.reconnect import ConnectionHealth, ReconnectPolicy
from projectx.realtime.records import (
    ParserTotals,
    count_lost,
    count_socket_error,
    decode_record,
    dispatch_record,
)
from projectx.realtime.transport import (
    HubInvocationError,
    HubState,
    HubStats,
    HubTransport,
    RecordParser,
    TokenFactory,
    TokenRejected,
)

__all__ = [
    "HubConnection",
    "HubInvocationError",
    "HubState",
    "HubStats",
    "ReconnectPolicy",
    "RecordParser",
    "TokenFactory",
    "TokenRejected",
]

log = logging.getLogger(__name__)

DEFAULT_MAX_MESSAGE_BYTES = 8 * 1024 * 1024
"""The WebSocket message bound: about 20x a depth snapshot of every level of a +-2,048-tick
ladder (4,096 levels x ~105 bytes of JSON = ~430 KB), and room for a burst of batched records;
see docs/realtime.md."""


class HubConnection(HubTransport):
    """A SignalR JSON-protocol connection to one Gateway hub (see the module docstring)."""

    def __init__(
        self,
        url: str,
        token_factory: TokenFactory,
        parser: RecordParser,
        *,
        session: aiohttp.ClientSession | None = None,
        negotiate: bool = False,
        keepalive_interval: float = 10.0,
        server_timeout: float = 30.0,
        handshake_timeout: float = 15.0,
        invoke_timeout: float = 10.0,
        stale_after: float | None = None,
        reconnect: ReconnectPolicy | None = None,
        name: str = "hub",
        seed: int | None = None,
        max_record_bytes: int = 16 * 1024 * 1024,
        max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES,
        token_rejected: TokenRejected | None = None,
        allow_insecure: bool = False,
    ) -> None:
        # plain ws/http only to loopback unless explicitly allowed: the token is in the URL
        super().__init__(
            check_url(f"{name} hub url", url, allow_insecure), token_factory, parser, name=name
        )
        owner = getattr(token_factory, "__self__", None)
        self._token_rejected: TokenRejected | None = token_rejected or getattr(
            owner, "invalidate_token", None
        )
        self._session = session
        self._own_session = session is None
        self._negotiate = negotiate
        self._keepalive = keepalive_interval
        self._server_timeout = server_timeout
        self._handshake_timeout = handshake_timeout
        self._invoke_timeout = invoke_timeout
        self._stale_after = stale_after
        self._max_record = max_record_bytes
        if max_message_bytes <= 0:
            raise ValueError("max_message_bytes must be > 0 (an unbounded message is refused)")
        self._max_message = max_message_bytes
        self._policy = reconnect or ReconnectPolicy()
        self._rnd = random.Random(seed)
        self._pending: dict[str, asyncio.Future[Any]] = {}
        self._next_id = 0
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._supervisor: asyncio.Task[None] | None = None
        self._connected = asyncio.Event()
        self._closing = False
        self._last_send = 0.0
        self._server_closed = False  # the server sent a Close message on this connection
        self._reconnect_refused = False  # ... with allowReconnect: false
        self._health = ConnectionHealth(self._policy)

    @property
    def parser(self) -> RecordParser:
        """The record parser every text message goes to."""
        return self._parser

    @parser.setter
    def parser(self, parser: RecordParser) -> None:
        stats = self.stats if hasattr(self, "_parser") else self._stats
        self._totals = ParserTotals(parser.result, stats)  # what was counted is kept
        self._parser = parser
        self._receive = parser.receive

    @property
    def stats(self) -> HubStats:
        """Counters of this connection. The per-message ones (``messages``, ``bytes``,
        ``records``, ``native_records``, the last message/market times) are the parser's
        running totals (``FeedResult``), brought in on every read of ``stats``."""
        return self._totals.sync(self._stats)

    def __repr__(self) -> str:
        return (
            f"HubConnection(name={self.name!r}, url={redact(self.url)!r}, state={self.state.value})"
        )

    # -- lifecycle ------------------------------------------------------------------------------
    async def start(self) -> None:
        """Connect (the first attempt's error is raised) and keep the connection up from then on."""
        if self._supervisor is not None:
            raise RuntimeError("HubConnection already started")
        if self._session is None:
            self._session = aiohttp.ClientSession()
        try:
            ws = await self._open()
        except BaseException:
            if self._own_session:
                await self._session.close()
                self._session = None
            raise
        self._supervisor = asyncio.get_running_loop().create_task(
            self._supervise(ws), name=f"projectx-{self.name}-supervisor"
        )
        self._supervisor.add_done_callback(self._supervisor_done)
        await self._connected.wait()

    async def close(self) -> None:
        """Stop for good: returns promptly; pending invocations fail with ConnectionError.

        Never raises what ended the supervisor (that is logged and kept in
        ``stats.stopped_reason``): closing always releases the socket and the session.
        """
        self._closing = True
        task, self._supervisor = self._supervisor, None
        ws, self._ws = self._ws, None
        try:
            if task is not None:
                task.cancel()
                await asyncio.wait({task})  # never re-raises the task's own exception
            if ws is not None and not ws.closed:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(ws.close(), 1.0)
            self._fail_pending("connection closed")
        finally:
            if self._own_session and self._session is not None:
                session, self._session = self._session, None
                await session.close()
            self._set_state(HubState.CLOSED)

    @property
    def connected(self) -> bool:
        """Whether the handshake has completed on a live socket."""
        return self._ws is not None and not self._ws.closed and self._connected.is_set()

    @property
    def alive(self) -> bool:
        """Whether the supervisor runs (connected, or working on reconnecting).

        False before ``start()``, after ``close()``, and when the supervisor stopped by itself:
        the server refused reconnects (``Close{allowReconnect: false}``), the policy gave up, or
        it died (``stats.stopped_reason`` says which).
        """
        return self._supervisor is not None and not self._supervisor.done()

    @property
    def healthy(self) -> bool:
        """Whether the current connection has become healthy (see
        ``ReconnectPolicy.healthy_after``). Only a healthy connection resets the reconnect
        backoff when it ends."""
        return self.connected and self._health.was_healthy(time.monotonic(), self.stats.messages)

    def recent_reconnects(self, window_s: float | None = None) -> int:
        """Reconnects within the last ``window_s`` seconds (default: the policy's
        ``storm_window``)."""
        return self._health.recent_reconnects(window_s)

    @property
    def reconnect_storm(self) -> bool:
        """Whether at least ``storm_threshold`` reconnects happened within ``storm_window``."""
        return self._health.storm()

    @property
    def policy(self) -> ReconnectPolicy:
        """The reconnect policy."""
        return self._policy

    @property
    def storm_window(self) -> float:
        """The policy's ``storm_window`` (seconds)."""
        return self._policy.storm_window

    async def wait_connected(self, timeout: float) -> None:  # noqa: ASYNC109
        """Wait until the connection is up (after a reconnect, say)."""
        await asyncio.wait_for(self._connected.wait(), timeout)

    async def drop(self) -> None:
        """Close the current socket as if the network failed (the connection recovers)."""
        if self._ws is not None:
            await self._ws.close()

    # -- calls ----------------------------------------------------------------------------------
    async def invoke(self, target: str, *args: Any, timeout: float | None = None) -> Any:  # noqa: ASYNC109
        """Invoke a hub method and wait for its completion; errors raise HubInvocationError.

        While the hub is reconnecting the call waits for the connection (within ``timeout``)
        instead of failing at once; an invocation in flight when the socket drops raises
        ``ConnectionError`` (its outcome is unknown).
        """
        limit = timeout or self._invoke_timeout
        ws = await self._connected_ws(limit)
        self._next_id += 1
        invocation_id = str(self._next_id)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending[invocation_id] = future
        self.stats.invocations += 1
        try:
            await self._send(ws, invocation_record(target, args, invocation_id))
            return await asyncio.wait_for(future, limit)
        finally:
            self._pending.pop(invocation_id, None)

    async def send(self, target: str, *args: Any) -> None:
        """Invoke without waiting for (or getting) a completion."""
        await self._send(self._require_ws(), invocation_record(target, args, None))

    async def subscribe(self, target: str, *args: Any) -> None:
        """Invoke a subscription method now and again after every reconnect."""
        key = (target, args)
        self._subscriptions[key] = None
        if self.connected:
            try:
                await self.invoke(target, *args)
            except BaseException:
                self._subscriptions.pop(key, None)
                raise

    async def unsubscribe(self, subscribe_target: str, unsubscribe_target: str, *args: Any) -> None:
        """Forget a subscription and invoke its Unsubscribe* method if connected."""
        self._subscriptions.pop((subscribe_target, args), None)
        if self.connected:
            await self.invoke(unsubscribe_target, *args)

    # -- internals ------------------------------------------------------------------------------
    async def _connected_ws(self, timeout: float) -> aiohttp.ClientWebSocketResponse:  # noqa: ASYNC109
        if not self._connected.is_set() and self.alive and not self._closing:
            try:
                await asyncio.wait_for(self._connected.wait(), timeout)
            except TimeoutError:
                raise ProjectXConnectionError(
                    f"{self.name} hub did not reconnect within {timeout:.1f}s"
                ) from None
        return self._require_ws()

    def _require_ws(self) -> aiohttp.ClientWebSocketResponse:
        if self._ws is None or self._ws.closed or not self._connected.is_set():
            stopped = self.stats.stopped_reason
            raise ProjectXConnectionError(
                f"{self.name} hub is not connected" + (f" ({stopped})" if stopped else "")
            )
        return self._ws

    async def _send(self, ws: aiohttp.ClientWebSocketResponse, record: bytes) -> None:
        self._last_send = time.monotonic()
        await ws.send_str(record.decode())

    def _set_state(self, state: HubState) -> None:
        if state not in (HubState.STALE, HubState.RESUBSCRIBED):
            self.state = state
        for handler in self._state_handlers:
            try:
                handler(state)
            except Exception:
                self.stats.handler_errors += 1
                log.exception("%s hub: state handler failed", self.name)

    async def _open(self) -> aiohttp.ClientWebSocketResponse:
        """One connect attempt: (negotiate,) upgrade, handshake. Leaves ``self._ws`` set."""
        assert self._session is not None
        self._set_state(HubState.CONNECTING if not self.stats.connects else HubState.RECONNECTING)
        token = await self._token_factory()
        url = URL(self.url).update_query(access_token=token)
        if self._negotiate:
            url = await negotiate(self._session, url, self.name)
        opened = await upgrade(self._session, url, self.name, self._max_message)
        if isinstance(opened, str):  # refused or unreachable: why, without the URL
            if opened is UNAUTHORIZED and self._token_rejected is not None:
                # the server no longer accepts this token (revoked, expired early): the next
                # attempt must not reuse it
                with contextlib.suppress(Exception):
                    await self._token_rejected(token)
            raise ProjectXConnectionError(f"{self.name} hub {opened}")
        ws = opened
        try:
            rest = await handshake(ws, self.name, self._handshake_timeout)
        except BaseException:
            await ws.close()
            raise
        self._ws = ws
        self.parser.reset()
        self._server_closed = False
        self.stats.connects += 1
        now = time.monotonic()
        self._health.opened_at = now
        self._health.messages_at_open = self.stats.messages
        self._last_send = now
        self.stats.last_message_monotonic = now
        self.stats.last_market_monotonic = now
        if rest:
            self._process(rest)  # a Close among these records ends the connection in _run
            # what came glued to the handshake answer is not "data after the handshake": a
            # server that sends a ping with it and then nothing is not healthy
            self._health.messages_at_open = self.stats.messages
        return ws

    async def _supervise(self, ws: aiohttp.ClientWebSocketResponse | None) -> None:
        """Keep a connection up until ``close()``; survives anything an Exception can be.

        ``attempt`` counts attempts since the last *healthy* connection: a connection that ends
        before it is healthy (data received after the handshake, up ``healthy_after`` seconds,
        subscriptions restored) counts as a failed attempt, so the backoff keeps growing and
        every ``circuit_threshold`` of them opens the circuit for ``circuit_cooldown`` seconds.
        """
        policy = self._policy
        attempt = 0
        first = True
        while not self._closing:
            if ws is None:
                attempt += 1
                if policy.gives_up(attempt):
                    self._stop(f"gave up after {attempt - 1} attempts")
                    return
                if policy.opens_circuit(attempt):
                    self.stats.circuit_opens += 1
                    log.warning(
                        "%s hub: %d attempts in a row failed, circuit open for %.0fs",
                        self.name,
                        attempt - 1,
                        policy.circuit_cooldown,
                    )
                    self._set_state(HubState.CIRCUIT_OPEN)
                    await asyncio.sleep(policy.circuit_cooldown)
                else:
                    await asyncio.sleep(policy.delay(attempt, self._rnd))
                try:
                    ws = await self._open()
                except (ProjectXConnectionError, aiohttp.ClientError, OSError, TimeoutError) as exc:
                    self.stats.connect_failures += 1
                    log.warning(
                        "%s hub: reconnect attempt %d failed: %s",
                        self.name,
                        attempt,
                        exc if isinstance(exc, ProjectXConnectionError) else type(exc).__name__,
                    )
                    continue
                except Exception as exc:  # a bad handshake answer, a failing token factory...
                    self.stats.connect_failures += 1
                    self.stats.supervisor_errors += 1
                    log.warning(
                        "%s hub: reconnect attempt %d failed unexpectedly: %s",
                        self.name,
                        attempt,
                        type(exc).__name__,
                        exc_info=exc,
                    )
                    continue
                self.stats.reconnects += 1
                self._health.reconnected(time.monotonic())
            try:
                await self._serve(ws, first)
            except Exception:
                self.stats.supervisor_errors += 1
                log.exception("%s hub: unexpected error, treated as a lost connection", self.name)
            first = False
            ws = None
            if self._health.was_healthy(self._health.ended_at, self.stats.messages):
                attempt = 0
            else:
                self.stats.unhealthy_connections += 1
            if self._reconnect_refused and not self._closing:
                self._stop(
                    "stopped reconnecting: the server closed with allowReconnect=false"
                    f" ({self.stats.last_close_error or 'no reason given'})"
                )
                return
            if not self._closing:
                self._set_state(HubState.DISCONNECTED)

    async def _serve(self, ws: aiohttp.ClientWebSocketResponse, first: bool) -> None:
        """One connection: report it, restore subscriptions, read until it ends, clean up."""
        self._connected.set()
        resubscribe = None
        try:
            self._set_state(HubState.CONNECTED if first else HubState.RECONNECTED)
            if not first:  # RESUBSCRIBED follows every reconnect, even with nothing to restore
                resubscribe = asyncio.get_running_loop().create_task(self._resubscribe(ws))
            await self._run(ws)
        finally:
            self._health.ended_at = time.monotonic()
            self._connected.clear()
            if resubscribe is not None:
                if not resubscribe.done():
                    resubscribe.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await resubscribe  # always retrieved: never "exception never retrieved"
            self._ws = None
            if not ws.closed:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(ws.close(), 1.0)
            self._fail_pending("connection lost")

    def _stop(self, reason: str) -> None:
        """The supervisor stops by itself (not by ``close()``): report it, loudly."""
        self.stats.stopped_reason = redact(reason)
        log.error("%s hub: %s", self.name, self.stats.stopped_reason)
        self._set_state(HubState.DISCONNECTED)

    def _supervisor_done(self, task: asyncio.Task[None]) -> None:
        if self._closing:
            return
        if task.cancelled():
            reason = "supervisor dead (cancelled)"
        else:
            exc = task.exception()
            if exc is None:
                return  # stopped by policy or by the server: already reported by _stop
            reason = f"supervisor dead ({type(exc).__name__})"
            log.error("%s hub: supervisor died", self.name, exc_info=exc)
        self.stats.stopped_reason = reason
        log.error("%s hub: %s; nothing reconnects until the hub is restarted", self.name, reason)
        self._connected.clear()
        self._set_state(HubState.DISCONNECTED)

    async def _resubscribe(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        """Restore the subscriptions on a new connection, then report RESUBSCRIBED.

        A subscription lost to a timeout or a dropped connection is never left lost: the
        connection is closed and the supervisor reconnects (backing off) and tries again. One
        the server refuses (no longer valid) is logged as an error and forgotten; the others
        are restored.
        """
        for key in list(self._subscriptions):
            target, args = key
            try:
                await self.invoke(target, *args)
            except HubInvocationError as exc:
                log.error("%s hub: re-subscribing %s refused, dropped: %s", self.name, target, exc)
                self._subscriptions.pop(key, None)
            except (ProjectXConnectionError, TimeoutError, OSError, aiohttp.ClientError) as exc:
                self._health.resubscribe_failures += 1
                log.warning(
                    "%s hub: re-subscribing %s failed (%s), reconnecting",
                    self.name,
                    target,
                    type(exc).__name__,
                )
                await ws.close()
                return
        self._health.resubscribe_failures = 0
        self._set_state(HubState.RESUBSCRIBED)

    async def _run(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        """Read until the socket closes, the server goes silent, or the feed goes stale."""
        tick = min(self._keepalive, self._server_timeout, self._stale_after or 1e9) / 2
        while not ws.closed and not self._server_closed:
            try:
                msg = await ws.receive(timeout=tick)
            except TimeoutError:
                if not await self._housekeeping(ws):
                    return
                continue
            if msg.type == aiohttp.WSMsgType.TEXT:
                started = time.perf_counter_ns()
                keep_going = self._process(msg.data)
                self.process_latency.record(time.perf_counter_ns() - started)
                if not keep_going:
                    return
                if time.monotonic() - self._last_send >= self._keepalive:
                    await self._send(ws, PING_RECORD)
            elif msg.type == aiohttp.WSMsgType.BINARY:
                self.stats.protocol_errors += 1
            elif msg.type == aiohttp.WSMsgType.ERROR:
                count_socket_error(msg.data, self.stats, self.name, self._max_message)
                return
            elif msg.type in (
                aiohttp.WSMsgType.CLOSE,
                aiohttp.WSMsgType.CLOSING,
                aiohttp.WSMsgType.CLOSED,
            ):
                return

    async def _housekeeping(self, ws: aiohttp.ClientWebSocketResponse) -> bool:
        """Keep-alive, server-silence and stale-feed checks; False ends the connection."""
        now = time.monotonic()
        if now - self._last_send >= self._keepalive:
            await self._send(ws, PING_RECORD)
        if now - self.stats.last_message_monotonic >= self._server_timeout:
            log.warning(
                "%s hub: server silent for %.1fs, reconnecting", self.name, self._server_timeout
            )
            return False
        if (
            self._stale_after is not None
            and self._subscriptions
            and now - self.stats.last_market_monotonic >= self._stale_after
        ):
            self.stats.stale_events += 1
            self.stats.last_market_monotonic = now
            log.warning(
                "%s hub: no market data for %.1fs, recycling the connection",
                self.name,
                self._stale_after,
            )
            self._set_state(HubState.STALE)
            return False
        return True

    def _process(self, data: str) -> bool:
        """``_on_text``, guarded: no exception from one message ends the connection."""
        try:
            return self._on_text(data)
        except Exception:
            self.stats.parser_errors += 1
            log.exception("%s hub: processing a message failed; it is skipped", self.name)
            self._reset_parser()
            return True

    def _on_text(self, data: str) -> bool:
        """Process one text message; False when the server asked to close. The parser counts
        the message (see :attr:`stats`); only what is rare is counted here."""
        try:
            result = self._receive(data)
        except Exception as exc:
            # the rest of this message is lost (its records after the failing one were not
            # applied); the parser's partial-record state is reset so the next message parses
            # from a clean start
            self._stats.parser_errors += 1
            log.error(
                "%s hub: the parser raised on a message of %d bytes; message skipped",
                self.name,
                len(data),
                exc_info=exc,
            )
            self._reset_parser()
            return True
        if result.wake or (self._native_every and result.native):  # see on_native
            native = result.native
            for handler in self._native_handlers:
                try:
                    handler(self._parser, native)
                except Exception:
                    self._stats.handler_errors += 1
                    log.exception("%s hub: market handler failed", self.name)
        if not result.handback:  # nothing lost, nothing to decode: the fast path
            return True
        if result.lost:
            count_lost(result, self._stats, self.name)
        if not result.others:
            return True
        keep_going = True
        stats = self.stats
        for raw in self._parser.others:
            message = decode_record(raw, self._max_record, stats, self.name)
            if message is not None and not self._dispatch(message):
                keep_going = False
        return keep_going

    def _dispatch(self, message: dict[str, Any]) -> bool:
        closed = dispatch_record(message, self._handlers, self._pending, self.stats, self.name)
        if closed is None:
            return True
        self._server_closed = True
        self._reconnect_refused = self._reconnect_refused or closed
        return False

    def _reset_parser(self) -> None:
        try:
            self.parser.reset()
        except Exception:
            log.exception("%s hub: resetting the parser failed", self.name)

    def _fail_pending(self, reason: str) -> None:
        pending, self._pending = self._pending, {}
        for future in pending.values():
            if not future.done():
                future.set_exception(ProjectXConnectionError(f"{self.name} hub: {reason}"))
