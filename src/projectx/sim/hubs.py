"""SignalR JSON hub protocol over aiohttp WebSockets: ``/hubs/user`` and ``/hubs/market`` (§7).

* negotiate v0/v1 (``POST /hubs/<hub>/negotiate``) and skip-negotiation upgrades; the token comes
  from ``?access_token=`` or ``Authorization: Bearer`` (a raw token in that header is accepted);
  401 before the upgrade, 404 for an id never negotiated, 409 for a second socket on an id in use;
* handshake ``{"protocol":"json","version":1}`` -> ``{}`` or ``{"error": ...}``; records are
  terminated by 0x1E and may be split across frames or packed several to a frame;
* a Completion for every invocation carrying an ``invocationId`` (errors worded like ASP.NET),
  pings both ways (server ping after ``keepalive_s`` of silence, client dropped after
  ``client_timeout_s`` without a record), Close messages;
* subscriptions of §7.6/§7.7 kept per connection and dropped when it ends; market events are
  ``[contractId, data]``, user events ``{action, data}`` routed by account.

Outbound records are encoded once per event and appended to each subscriber's buffer; one writer
task per connection sends whatever is buffered as one or more TEXT frames.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

import orjson
from aiohttp import WSMsgType, web

from projectx.sim.auth import TokenAuthority, TokenError, TokenInfo
from projectx.sim.rest import bearer_token

__all__ = [
    "RS",
    "HubConfig",
    "HubConnection",
    "HubFaultState",
    "HubKind",
    "HubServer",
    "UserEventFaultState",
]

log = logging.getLogger(__name__)

RS = b"\x1e"
_PING = b'{"type":6}' + RS
_HANDSHAKE_OK = b"{}" + RS
_TRANSPORTS = [{"transport": "WebSockets", "transferFormats": ["Text", "Binary"]}]

USER_TARGETS = ("GatewayUserAccount", "GatewayUserOrder", "GatewayUserPosition", "GatewayUserTrade")
MARKET_TARGETS = ("GatewayQuote", "GatewayTrade", "GatewayDepth")


class HubKind(StrEnum):
    """The two hubs."""

    USER = "user"
    MARKET = "market"


@dataclass(slots=True)
class HubConfig:
    """Protocol timings and limits (ASP.NET defaults; ``None`` disables a timeout)."""

    keepalive_s: float | None = 15.0
    client_timeout_s: float | None = 30.0
    handshake_timeout_s: float = 15.0
    negotiate_ttl_s: float = 60.0
    max_frame_bytes: int = 64 * 1024
    max_buffer_bytes: int = 64 * 1024 * 1024
    max_inbound_record_bytes: int = 1024 * 1024
    depth_snapshot: bool = True
    quote_snapshot: bool = True
    close_on_logout: bool = True
    close_on_token_expiry: bool = False
    user_event_wrapper: bool = True  # False: bare entities (docs-literal, spec §7.6.2)


@dataclass(slots=True)
class HubFaultState:
    """Per-hub fault knobs: delay every outbound batch, or stall it (no sends, no pings)."""

    delay_s: float = 0.0
    invoke_delay_s: float = 0.0
    """Each client invocation waits this long before the server runs it (a slow server)."""
    refuse: dict[str, int] = field(default_factory=dict)
    """Invocations of these targets to answer with an error completion (count left)."""
    stalled: bool = False
    no_pings: bool = False
    resumed: asyncio.Event = field(default_factory=asyncio.Event)
    drop_after: int | None = None
    drop_close_message: bool = False
    handshake_close: bool = False
    """Answer the handshake of every new connection, then end it at once (a storm)."""
    handshake_close_left: int | None = None
    """How many more connections to end that way (None: until cleared)."""
    handshake_close_mode: str = "close_frame"
    handshake_close_allow_reconnect: bool = True
    handshake_closed: int = 0
    """Connections ended right after their handshake so far."""
    handshake_answer: str | None = None
    """Answer the next handshakes with this text instead of ``{}``; "" sends nothing."""
    handshake_answer_left: int = 0


@dataclass(slots=True)
class UserEventFaultState:
    """User-event faults: send the next ``duplicate`` events twice; reverse windows of events."""

    duplicate: int = 0
    reorder_window: int = 0
    held: list[tuple[str, int, Any]] = field(default_factory=list)


class ExchangeLike(Protocol):
    """What the hubs need from the engine's ``Exchange``."""

    def handle(self, endpoint: str, user_name: str, body: dict[str, Any]) -> dict[str, Any]: ...


class MarketLike(Protocol):
    """What the hubs need from the engine's ``MarketSimulator``."""

    def depth_snapshot(self, contract_id: str) -> list[dict[str, Any]]: ...

    def full_quote(self, contract_id: str) -> dict[str, Any]: ...


class _HubError(Exception):
    """An invocation failed; the message is the Completion ``error`` text."""


class _ProtocolError(Exception):
    """The client broke the protocol; the connection is closed with an error."""


def _encode_invocation(target: str, arguments: list[Any]) -> bytes:
    return orjson.dumps({"type": 1, "target": target, "arguments": arguments}) + RS


@dataclass(slots=True)
class _Pending:
    kind: HubKind
    created: float
    connection: HubConnection | None = None


class HubConnection:
    """One hub session on one WebSocket."""

    def __init__(
        self,
        server: HubServer,
        kind: HubKind,
        connection_id: str,
        token: TokenInfo,
        ws: web.WebSocketResponse,
        request: web.Request,
    ) -> None:
        self.server = server
        self.kind = kind
        self.connection_id = connection_id
        self.user_name = token.user_name
        self.token = token
        self.token_serial = token.serial
        self.ws = ws
        self._request = request
        self.subscriptions: set[tuple[str, Any]] = set()
        self.handshaken = False
        self.closed = False
        self.records_sent = 0
        self.records_received = 0
        self._out: list[bytes] = []
        self._out_bytes = 0
        self._wake = asyncio.Event()
        self._writer_task: asyncio.Task[None] | None = None

    def __repr__(self) -> str:
        return (
            f"HubConnection(kind={self.kind.value}, id={self.connection_id[:6]}…, "
            f"subscriptions={len(self.subscriptions)}, closed={self.closed})"
        )

    # ----------------------------------------------------------------- output
    def enqueue(self, data: bytes) -> None:
        """Queue bytes (whole records, or deliberately broken ones) for the writer."""
        if self.closed:
            return
        self._out.append(data)
        self._out_bytes += len(data)
        if self._out_bytes > self.server.config.max_buffer_bytes:
            log.warning("hub %s connection dropped: client too slow", self.kind.value)
            self.abort()
            return
        self._wake.set()

    def send_frames(self, frames: Iterable[bytes]) -> None:
        """Queue raw frames sent exactly as given (one WebSocket frame each)."""
        for frame in frames:
            self._out.append(_FrameMarker(frame))
        self._wake.set()

    def send_huge(self, size: int, fragment_bytes: int | None = None) -> None:
        """Queue one TEXT message of ``size`` bytes (a valid record), streamed from a small
        buffer: one frame, or frames of ``fragment_bytes`` (continuations)."""
        marker = _HugeMarker()
        marker.size = size
        marker.fragment_bytes = fragment_bytes
        self._out.append(marker)
        self._wake.set()

    async def _stream_huge(self, size: int, fragment_bytes: int | None) -> None:
        """Write the frames of one huge message to the socket, waiting for it to drain."""
        transport = self._request.transport
        if transport is None:
            return
        writer = self._request.writer
        frame_len = fragment_bytes or size
        blocks = _huge_payload(size)
        pending = b""
        sent = 0
        while sent < size:
            length = min(frame_len, size - sent)
            opcode = int(WSMsgType.TEXT) if sent == 0 else 0  # 0: continuation
            transport.write(_ws_header(sent + length >= size, opcode, length))
            left = length
            while left > 0:
                if not pending:
                    pending = next(blocks)
                chunk, pending = pending[:left], pending[left:]
                if transport.is_closing():
                    raise ConnectionResetError("client went away during a huge message")
                transport.write(chunk)
                left -= len(chunk)
                await writer.drain()
            sent += length

    async def _writer(self) -> None:
        try:
            await self._write_loop()
        except (ConnectionError, RuntimeError) as exc:
            log.debug("hub %s writer stopped: %r", self.kind.value, exc)
            self.abort()

    async def _write_loop(self) -> None:
        ws = self.ws
        faults = self.server.faults(self.kind)
        keepalive = self.server.config.keepalive_s
        max_frame = self.server.config.max_frame_bytes
        while not self.closed:
            try:
                if keepalive is None:
                    await self._wake.wait()
                else:
                    async with asyncio.timeout(keepalive):
                        await self._wake.wait()
            except TimeoutError:
                if not faults.stalled and not faults.no_pings and self.handshaken:
                    self._out.append(_PING)
            self._wake.clear()
            while faults.stalled and not self.closed:
                await faults.resumed.wait()
            if faults.delay_s > 0:
                await asyncio.sleep(faults.delay_s)
            if not self._out or self.closed:
                continue
            chunks = self._out
            self._out = []
            self._out_bytes = 0
            batch: list[bytes] = []
            size = 0
            for chunk in chunks:
                if isinstance(chunk, _HugeMarker):
                    if batch:
                        await ws.send_frame(b"".join(batch), WSMsgType.TEXT)
                        batch, size = [], 0
                    await self._stream_huge(chunk.size, chunk.fragment_bytes)
                    continue
                if isinstance(chunk, _FrameMarker):
                    if batch:
                        await ws.send_frame(b"".join(batch), WSMsgType.TEXT)
                        batch, size = [], 0
                    await ws.send_frame(chunk.data, WSMsgType.TEXT)
                    continue
                if size and size + len(chunk) > max_frame:
                    await ws.send_frame(b"".join(batch), WSMsgType.TEXT)
                    batch, size = [], 0
                batch.append(chunk)
                size += len(chunk)
            if batch:
                await ws.send_frame(b"".join(batch), WSMsgType.TEXT)
            self.records_sent += len(chunks)
            if faults.drop_after is not None:
                faults.drop_after -= len(chunks)
                if faults.drop_after <= 0:
                    faults.drop_after = None
                    if faults.drop_close_message:
                        await self.close("Connection dropped by the simulator.")
                    else:
                        self.abort()

    # ----------------------------------------------------------------- input
    async def run(self) -> None:
        """Serve the session until the socket closes."""
        cfg = self.server.config
        self._writer_task = asyncio.create_task(self._writer(), name=f"hub-writer-{self.kind}")
        buf = ""
        try:
            while not self.closed:
                timeout = cfg.handshake_timeout_s if not self.handshaken else cfg.client_timeout_s
                try:
                    msg = await self.ws.receive(timeout=timeout)
                except TimeoutError:
                    log.info("hub %s: client timed out", self.kind.value)
                    break
                if msg.type is WSMsgType.TEXT:
                    buf += msg.data
                elif msg.type is WSMsgType.BINARY:
                    buf += msg.data.decode("utf-8", errors="replace")
                else:
                    break
                if "\x1e" not in buf:
                    if len(buf) > cfg.max_inbound_record_bytes:
                        await self.close(
                            "Connection closed with an error. InvalidDataException: "
                            "record exceeds the maximum message size.",
                            False,
                        )
                        return
                    continue
                *records, buf = buf.split("\x1e")
                for record in records:
                    self.records_received += 1
                    if not self.handshaken:
                        if not await self._handshake(record):
                            return
                        continue
                    try:
                        await self._dispatch(record)
                    except _ProtocolError as exc:
                        await self.close(f"Connection closed with an error. {exc}", False)
                        return
                    if self.closed:
                        return
        finally:
            await self._finish()

    async def _handshake(self, record: str) -> bool:
        error: str | None = None
        try:
            hs = orjson.loads(record)
        except orjson.JSONDecodeError:
            hs = None
        if not isinstance(hs, dict):
            error = "Handshake request is not a JSON object."
        elif hs.get("protocol") != "json":
            error = f"The protocol '{hs.get('protocol')}' is not supported."
        elif type(hs.get("version")) is not int or hs["version"] not in (0, 1):
            # ASP.NET's JsonHubProtocol supports every version <= 1 (signalrcore 1.0.2 sends
            # the negotiate version, i.e. 0, as the protocol version)
            error = (
                f"The server does not support version {hs.get('version')} of the 'json' protocol."
            )
        if error is not None:
            await self._send_now(orjson.dumps({"error": error}) + RS)
            await self.ws.close()
            self.closed = True
            return False
        faults = self.server.faults(self.kind)
        if faults.handshake_answer_left > 0:  # a broken server: a wrong answer, or none
            faults.handshake_answer_left -= 1
            if faults.handshake_answer:
                await self._send_now(faults.handshake_answer.encode())
            return True  # not handshaken: the client's next records are handshakes again
        self.handshaken = True
        if faults.handshake_close:
            return await self._close_after_handshake(faults)
        # the handshake answer goes before anything the writer might already hold
        self._out.insert(0, _HANDSHAKE_OK)
        self._wake.set()
        return True

    async def _close_after_handshake(self, faults: HubFaultState) -> bool:
        """The handshake-then-close fault: answer ``{}``, then end the connection."""
        if faults.handshake_close_left is not None:
            faults.handshake_close_left -= 1
            if faults.handshake_close_left <= 0:
                faults.handshake_close = False
                faults.handshake_close_left = None
        faults.handshake_closed += 1
        await self._send_now(_HANDSHAKE_OK)
        mode = faults.handshake_close_mode
        if mode == "close_message":
            await self.close(
                "Connection closed by the simulator.", faults.handshake_close_allow_reconnect
            )
        elif mode == "abort":
            self.abort()
        else:
            await self.close_socket()
        return False

    async def _send_now(self, data: bytes) -> None:
        with contextlib.suppress(ConnectionError, RuntimeError):
            await self.ws.send_frame(data, WSMsgType.TEXT)

    async def _dispatch(self, record: str) -> None:
        try:
            msg = orjson.loads(record)
        except orjson.JSONDecodeError as exc:
            raise _ProtocolError("InvalidDataException: invalid JSON record.") from exc
        if not isinstance(msg, dict) or not isinstance(msg.get("type"), int):
            raise _ProtocolError("InvalidDataException: Missing required property 'type'.")
        mtype = msg["type"]
        if mtype == 6 or mtype in (2, 3, 5):  # ping, stream item, completion, cancel: ignored
            return
        if mtype == 7:
            self.closed = True
            with contextlib.suppress(ConnectionError, RuntimeError):
                await self.ws.close()
            return
        if mtype not in (1, 4):
            raise _ProtocolError(f"InvalidDataException: Unknown message type '{mtype}'.")
        invocation_id = msg.get("invocationId")
        if invocation_id is not None and not isinstance(invocation_id, str):
            raise _ProtocolError("InvalidDataException: Expected 'invocationId' to be a String.")
        target = msg.get("target")
        if not isinstance(target, str):
            raise _ProtocolError("InvalidDataException: Missing required property 'target'.")
        args = msg.get("arguments", [])
        if not isinstance(args, list):
            raise _ProtocolError("InvalidDataException: Expected 'arguments' to be an Array.")
        after: list[bytes] = []
        error: str | None = None
        slow = self.server.faults(self.kind).invoke_delay_s
        if slow > 0:
            await asyncio.sleep(slow)
        refuse = self.server.faults(self.kind).refuse
        if mtype == 4:
            error = f"Failed to invoke '{target}' due to an error on the server."
        elif refuse.get(target, 0) > 0:
            refuse[target] -= 1
            error = f"An unexpected error occurred invoking '{target}' on the server."
        else:
            try:
                after = self.server.invoke(self, target, args)
            except _HubError as exc:
                error = str(exc)
            except Exception:
                log.exception("hub method %s failed", target)
                error = f"An unexpected error occurred invoking '{target}' on the server."
        if invocation_id is not None:
            completion: dict[str, Any] = {"type": 3, "invocationId": invocation_id}
            if error is None:
                completion["result"] = None
            else:
                completion["error"] = error
            self.enqueue(orjson.dumps(completion) + RS)
        for data in after:
            self.enqueue(data)

    # ----------------------------------------------------------------- ending
    async def close(self, error: str | None = None, allow_reconnect: bool = True) -> None:
        """Send a Close message (type 7), then close the WebSocket."""
        if self.closed:
            return
        self.closed = True
        msg: dict[str, Any] = {"type": 7}
        if error is not None:
            msg["error"] = error
        msg["allowReconnect"] = allow_reconnect
        await self._send_now(orjson.dumps(msg) + RS)
        with contextlib.suppress(ConnectionError, RuntimeError):
            await self.ws.close()
        self._wake.set()

    async def close_socket(self) -> None:
        """Close the WebSocket with a close frame but no SignalR Close message."""
        if self.closed:
            return
        self.closed = True
        with contextlib.suppress(ConnectionError, RuntimeError):
            await self.ws.close()
        self._wake.set()

    def abort(self) -> None:
        """Kill the TCP connection: no Close message, no WebSocket close frame."""
        self.closed = True
        transport = self._request.transport
        if transport is not None:
            transport.abort()
        self._wake.set()

    async def _finish(self) -> None:
        self.closed = True
        self._wake.set()
        if self._writer_task is not None:
            self._writer_task.cancel()
            with contextlib.suppress(asyncio.CancelledError, ConnectionError, RuntimeError):
                await self._writer_task
        self.server._forget(self)
        with contextlib.suppress(ConnectionError, RuntimeError):
            await self.ws.close()


class _FrameMarker(bytes):
    """A chunk the writer must send as its own WebSocket frame, untouched."""

    @property
    def data(self) -> bytes:
        return bytes(self)


class _HugeMarker(bytes):
    """A placeholder in the writer's queue: stream one huge TEXT message here."""

    size: int
    fragment_bytes: int | None


_HUGE_HEAD = b'{"type":1,"target":"SimHuge","arguments":["'
_HUGE_TAIL = b'"]}' + RS
_HUGE_BLOCK = b"x" * (64 * 1024)


def _ws_header(fin: bool, opcode: int, length: int) -> bytes:
    """An unmasked (server-to-client) WebSocket frame header (RFC 6455 §5.2)."""
    first = (0x80 if fin else 0) | opcode
    if length < 126:
        return bytes((first, length))
    if length < 1 << 16:
        return bytes((first, 126)) + length.to_bytes(2, "big")
    return bytes((first, 127)) + length.to_bytes(8, "big")


def _huge_payload(size: int) -> Iterator[bytes]:
    """``size`` bytes of one valid invocation record (target ``SimHuge``), in 64 KiB blocks
    of one shared buffer: the server never holds the message."""
    yield _HUGE_HEAD
    left = size - len(_HUGE_HEAD) - len(_HUGE_TAIL)
    view = memoryview(_HUGE_BLOCK)
    while left > 0:
        n = min(left, len(_HUGE_BLOCK))
        yield view[:n].tobytes() if n < len(_HUGE_BLOCK) else _HUGE_BLOCK
        left -= n
    yield _HUGE_TAIL


def _bind_account(target: str, args: list[Any]) -> int:
    if len(args) != 1:
        raise _HubError(f"Failed to invoke '{target}' due to an error on the server.")
    value = args[0]
    if isinstance(value, bool):
        raise _HubError(f"Failed to invoke '{target}' due to an error on the server.")
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            return int(value.strip())
    raise _HubError(f"Failed to invoke '{target}' due to an error on the server.")


def _bind_contract(target: str, args: list[Any]) -> str | None:
    if len(args) != 1 or not (args[0] is None or isinstance(args[0], str)):
        raise _HubError(f"Failed to invoke '{target}' due to an error on the server.")
    return args[0]


_USER_METHODS: dict[str, tuple[str, str | None, bool]] = {
    # lower name -> (canonical name, event target or None for accounts, subscribe?)
    "subscribeaccounts": ("SubscribeAccounts", None, True),
    "unsubscribeaccounts": ("UnsubscribeAccounts", None, False),
    "subscribeorders": ("SubscribeOrders", "GatewayUserOrder", True),
    "unsubscribeorders": ("UnsubscribeOrders", "GatewayUserOrder", False),
    "subscribepositions": ("SubscribePositions", "GatewayUserPosition", True),
    "unsubscribepositions": ("UnsubscribePositions", "GatewayUserPosition", False),
    "subscribetrades": ("SubscribeTrades", "GatewayUserTrade", True),
    "unsubscribetrades": ("UnsubscribeTrades", "GatewayUserTrade", False),
}
_MARKET_METHODS: dict[str, tuple[str, str, bool]] = {
    "subscribecontractquotes": ("SubscribeContractQuotes", "GatewayQuote", True),
    "unsubscribecontractquotes": ("UnsubscribeContractQuotes", "GatewayQuote", False),
    "subscribecontracttrades": ("SubscribeContractTrades", "GatewayTrade", True),
    "unsubscribecontracttrades": ("UnsubscribeContractTrades", "GatewayTrade", False),
    "subscribecontractmarketdepth": ("SubscribeContractMarketDepth", "GatewayDepth", True),
    "unsubscribecontractmarketdepth": ("UnsubscribeContractMarketDepth", "GatewayDepth", False),
}


class HubServer:
    """Both hubs: negotiation, upgrades, sessions, subscriptions and event fan-out."""

    def __init__(
        self,
        *,
        auth: TokenAuthority,
        exchange: ExchangeLike,
        market: MarketLike,
        config: HubConfig | None = None,
        time_fn: Callable[[], float] = time.monotonic,
    ) -> None:
        self.config = config or HubConfig()
        self._auth = auth
        self._exchange = exchange
        self._market = market
        self._time = time_fn
        self._faults = {HubKind.USER: HubFaultState(), HubKind.MARKET: HubFaultState()}
        for state in self._faults.values():
            state.resumed.set()
        self.user_event_faults = UserEventFaultState()
        self._pending: dict[str, _Pending] = {}
        self._connections: set[HubConnection] = set()
        self.sessions_started = {HubKind.USER: 0, HubKind.MARKET: 0}
        """WebSocket sessions accepted per hub (every client connect or reconnect)."""
        self._subs: dict[tuple[str, Any], set[HubConnection]] = {}
        self._contracts_ok: set[str] = set()

    def __repr__(self) -> str:
        return f"HubServer(connections={len(self._connections)})"

    # ------------------------------------------------------------------ state
    def faults(self, kind: HubKind) -> HubFaultState:
        """The fault knobs of one hub."""
        return self._faults[kind]

    def connections(self, kind: HubKind | None = None) -> list[HubConnection]:
        """Live connections (of one hub, or all)."""
        return [c for c in self._connections if kind is None or c.kind is kind]

    def subscriber_count(self, target: str, key: Any) -> int:
        """How many connections receive ``target`` events for ``key`` (account or contract)."""
        return len(self._subs.get((target, key), ()))

    # ------------------------------------------------------------- negotiation
    def _token(self, request: web.Request) -> TokenInfo:
        token = request.query.get("access_token") or bearer_token(request)
        return self._auth.verify(token)

    async def negotiate(self, request: web.Request, kind: HubKind) -> web.Response:
        """``POST /hubs/<hub>/negotiate`` (v0 and v1)."""
        try:
            self._token(request)
        except TokenError:
            return web.Response(status=401, headers={"WWW-Authenticate": "Bearer"})
        raw_version = request.query.get("negotiateVersion", "0")
        try:
            version = min(max(int(raw_version), 0), 1)
        except ValueError:
            return web.Response(status=400, text="Invalid negotiateVersion.")
        self._expire_pending()
        connection_id = secrets.token_urlsafe(16)
        body: dict[str, Any] = {"connectionId": connection_id, "negotiateVersion": version}
        ws_id = connection_id
        if version >= 1:
            ws_id = secrets.token_urlsafe(16)
            body["connectionToken"] = ws_id
        body["availableTransports"] = _TRANSPORTS
        self._pending[ws_id] = _Pending(kind, self._time())
        return web.Response(body=orjson.dumps(body), content_type="application/json")

    def _expire_pending(self) -> None:
        horizon = self._time() - self.config.negotiate_ttl_s
        stale = [
            k for k, p in self._pending.items() if p.connection is None and p.created < horizon
        ]
        for key in stale:
            del self._pending[key]

    async def websocket(self, request: web.Request, kind: HubKind) -> web.StreamResponse:
        """``GET /hubs/<hub>[?id=...]`` with a WebSocket upgrade."""
        try:
            info = self._token(request)
        except TokenError:
            return web.Response(status=401, headers={"WWW-Authenticate": "Bearer"})
        ws_id = request.query.get("id")
        if ws_id is not None:
            pending = self._pending.get(ws_id)
            if pending is None or pending.kind is not kind:
                return web.Response(status=404, text="No Connection with that ID")
            if pending.connection is not None:
                return web.Response(status=409, text="Connection ID already in use")
        ws = web.WebSocketResponse(
            autoping=True,
            compress=False,
            max_msg_size=self.config.max_inbound_record_bytes + 1,
            heartbeat=None,
        )
        if not ws.can_prepare(request).ok:
            return web.Response(status=400, text="Connection ID required")
        if ws_id is None:
            ws_id = secrets.token_urlsafe(16)
            self._pending[ws_id] = _Pending(kind, self._time())
        await ws.prepare(request)
        conn = HubConnection(self, kind, ws_id, info, ws, request)
        self.sessions_started[kind] += 1
        self._pending[ws_id].connection = conn
        self._connections.add(conn)
        try:
            await conn.run()
        finally:
            self._forget(conn)
        return ws

    def _forget(self, conn: HubConnection) -> None:
        self._connections.discard(conn)
        pending = self._pending.get(conn.connection_id)
        if pending is not None and pending.connection is conn:
            del self._pending[conn.connection_id]
        for key in conn.subscriptions:
            subs = self._subs.get(key)
            if subs is not None:
                subs.discard(conn)
                if not subs:
                    del self._subs[key]
        conn.subscriptions.clear()

    # ------------------------------------------------------------- invocation
    def invoke(self, conn: HubConnection, target: str, args: list[Any]) -> list[bytes]:
        """Run one hub method; return records to send after its Completion."""
        lower = target.lower()
        if conn.kind is HubKind.USER:
            if lower not in _USER_METHODS:
                raise _HubError(f"Unknown hub method '{target}'")
            name, event, subscribe = _USER_METHODS[lower]
            if event is None:
                if args:
                    raise _HubError(f"Failed to invoke '{target}' due to an error on the server.")
                keys = [("GatewayUserAccount", a) for a in self._accounts_of(conn.user_name)]
            else:
                account = _bind_account(target, args)
                if account not in self._accounts_of(conn.user_name):
                    raise _HubError(
                        f"An unexpected error occurred invoking '{name}' on the server."
                    )
                keys = [(event, account)]
            self._apply(conn, keys, subscribe)
            return []
        if lower not in _MARKET_METHODS:
            raise _HubError(f"Unknown hub method '{target}'")
        name, event, subscribe = _MARKET_METHODS[lower]
        contract = _bind_contract(target, args)
        if contract is None or not self._contract_exists(conn.user_name, contract):
            raise _HubError(f"An unexpected error occurred invoking '{name}' on the server.")
        after: list[bytes] = []
        if subscribe and event == "GatewayDepth" and self.config.depth_snapshot:
            after.append(
                _encode_invocation(event, [contract, self._market.depth_snapshot(contract)])
            )
        elif subscribe and event == "GatewayQuote" and self.config.quote_snapshot:
            after.append(_encode_invocation(event, [contract, self._market.full_quote(contract)]))
        self._apply(conn, [(event, contract)], subscribe)
        return after

    def _apply(self, conn: HubConnection, keys: list[tuple[str, Any]], subscribe: bool) -> None:
        for key in keys:
            if subscribe:
                self._subs.setdefault(key, set()).add(conn)
                conn.subscriptions.add(key)
            else:
                subs = self._subs.get(key)
                if subs is not None:
                    subs.discard(conn)
                    if not subs:
                        del self._subs[key]
                conn.subscriptions.discard(key)

    def _accounts_of(self, user_name: str) -> set[int]:
        env = self._exchange.handle("Account/search", user_name, {"onlyActiveAccounts": False})
        return {int(a["id"]) for a in env.get("accounts") or ()}

    def _contract_exists(self, user_name: str, contract_id: str) -> bool:
        """Whether the market streams ``contract_id`` (expired contracts are not streamed)."""
        if contract_id in self._contracts_ok:
            return True
        streamed = getattr(self._market, "contracts", None)
        if streamed is not None:
            ok = contract_id in streamed
        else:
            env = self._exchange.handle(
                "Contract/searchById", user_name, {"contractId": contract_id}
            )
            ok = bool(env.get("success"))
        if ok:
            self._contracts_ok.add(contract_id)
        return ok

    # ----------------------------------------------------------------- fan-out
    def publish_market(self, events: Iterable[tuple[str, str, Any]]) -> int:
        """Send market events ``(target, contract_id, data)`` to their subscribers.

        Returns the number of records queued (an event with two subscribers counts twice).
        """
        subs = self._subs
        queued = 0
        for target, contract_id, data in events:
            conns = subs.get((target, contract_id))
            if not conns:
                continue
            record = _encode_invocation(target, [contract_id, data])
            for conn in conns:
                conn.enqueue(record)
            queued += len(conns)
        return queued

    def on_user_event(self, target: str, account_id: int, argument: Any) -> None:
        """Exchange listener: route one user event, applying duplicate/reorder faults."""
        f = self.user_event_faults
        if f.reorder_window > 0:
            f.held.append((target, account_id, argument))
            if len(f.held) >= f.reorder_window:
                self.release_held_user_events()
            return
        self._route_user(target, account_id, argument)
        if f.duplicate > 0:
            f.duplicate -= 1
            self._route_user(target, account_id, argument)

    def release_held_user_events(self) -> int:
        """Send the events held by a reorder window, newest first; return how many."""
        f = self.user_event_faults
        held, f.held = f.held, []
        f.reorder_window = 0
        for target, account_id, argument in reversed(held):
            self._route_user(target, account_id, argument)
        return len(held)

    def _route_user(self, target: str, account_id: int, argument: Any) -> None:
        conns = self._subs.get((target, account_id))
        if not conns:
            return
        if not self.config.user_event_wrapper and isinstance(argument, dict):
            argument = argument.get("data", argument)
        record = _encode_invocation(target, [argument])
        for conn in conns:
            conn.enqueue(record)

    # ------------------------------------------------------------------ ending
    async def close_expired(self) -> int:
        """With ``close_on_token_expiry``, close sessions whose token is no longer valid."""
        if not self.config.close_on_token_expiry:
            return 0
        stale = [c for c in self._connections if not self._auth.still_valid(c.token)]
        for conn in stale:
            await conn.close("Token expired.")
        return len(stale)

    async def close_token(self, token: TokenInfo, reason: str) -> None:
        """Close (with a Close message) every connection opened with this token."""
        if not self.config.close_on_logout:
            return
        for conn in [c for c in self._connections if c.token_serial == token.serial]:
            await conn.close(reason)

    async def close_all(self, *, close_message: bool = True, reason: str | None = None) -> None:
        """Close every connection (Close message first unless ``close_message`` is false)."""
        for conn in list(self._connections):
            if close_message:
                await conn.close(reason)
            else:
                await conn.close_socket()

    def abort_all(self) -> None:
        """Kill every connection's TCP socket."""
        for conn in list(self._connections):
            conn.abort()
