"""One simulated hub session on one WebSocket: handshake, records in, buffered frames out.

Outbound records are appended to the session's buffer; one writer task per connection sends
whatever is buffered as one or more TEXT frames (or, for fault injection, raw frames and huge
streamed messages). Invocations are handed to the owning server through ``HubHost``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable, Iterator
from typing import Any, Protocol

import orjson
from aiohttp import WSMsgType, web

from projectx.sim.auth import TokenInfo
from projectx.sim.hub_protocol import (
    HANDSHAKE_OK,
    PING_RECORD,
    RS,
    HubConfig,
    HubError,
    HubFaultState,
    HubKind,
    HubProtocolError,
)

__all__ = ["HubConnection", "HubHost"]

log = logging.getLogger("projectx.sim.hubs")


class HubHost(Protocol):
    """What a session needs from the server that accepted it (``HubServer``)."""

    @property
    def config(self) -> HubConfig:
        """Protocol timings and limits."""
        ...

    def faults(self, kind: HubKind) -> HubFaultState:
        """The fault knobs of one hub."""
        ...

    def invoke(self, conn: HubConnection, target: str, args: list[Any]) -> list[bytes]:
        """Run a hub method; returns records to send after its completion."""
        ...

    def _forget(self, conn: HubConnection) -> None: ...


class HubConnection:
    """One hub session on one WebSocket."""

    def __init__(
        self,
        server: HubHost,
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
                    self._out.append(PING_RECORD)
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
                    except HubProtocolError as exc:
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
        self._out.insert(0, HANDSHAKE_OK)
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
        await self._send_now(HANDSHAKE_OK)
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
            raise HubProtocolError("InvalidDataException: invalid JSON record.") from exc
        if not isinstance(msg, dict) or not isinstance(msg.get("type"), int):
            raise HubProtocolError("InvalidDataException: Missing required property 'type'.")
        mtype = msg["type"]
        if mtype == 6 or mtype in (2, 3, 5):  # ping, stream item, completion, cancel: ignored
            return
        if mtype == 7:
            self.closed = True
            with contextlib.suppress(ConnectionError, RuntimeError):
                await self.ws.close()
            return
        if mtype not in (1, 4):
            raise HubProtocolError(f"InvalidDataException: Unknown message type '{mtype}'.")
        invocation_id = msg.get("invocationId")
        if invocation_id is not None and not isinstance(invocation_id, str):
            raise HubProtocolError("InvalidDataException: Expected 'invocationId' to be a String.")
        target = msg.get("target")
        if not isinstance(target, str):
            raise HubProtocolError("InvalidDataException: Missing required property 'target'.")
        args = msg.get("arguments", [])
        if not isinstance(args, list):
            raise HubProtocolError("InvalidDataException: Expected 'arguments' to be an Array.")
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
            except HubError as exc:
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
