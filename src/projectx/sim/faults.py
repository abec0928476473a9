"""Fault injection (spec §9.10, §9.11): a Python API and a loopback-only admin endpoint.

Python: ``sim.faults.fail_next(2, status=503)``, ``await sim.faults.drop_connections("user")``...
HTTP: ``POST /_sim/faults/<method>`` with a JSON object of keyword arguments, e.g.
``POST /_sim/faults/fail_next {"n": 2, "status": 503, "path": "Order/place"}``; the answer is
``{"ok": true, "result": ...}``. ``GET /_sim/faults`` lists the methods, ``GET /_sim/status``
reports live hub connections. The admin routes answer 404 to any non-loopback peer and refuse
requests without the per-run admin token, with a foreign Host or Origin, or a non-JSON POST
(:mod:`projectx.sim.admin`).
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import ipaddress
import logging
from collections.abc import Callable
from typing import Any, Literal, Protocol

import orjson
from aiohttp import web

from projectx.sim.admin import admin_refusal
from projectx.sim.auth import TokenAuthority
from projectx.sim.hubs import RS, HubConnection, HubKind, HubServer
from projectx.sim.rest import AnswerRule, FailRule, RestFaultState

__all__ = ["ADMIN_METHODS", "Faults", "FrameKind", "admin_handler"]

log = logging.getLogger(__name__)

FrameKind = Literal["malformed", "truncated", "split", "oversized", "not_object", "no_type", "raw"]
DropMode = Literal["close_message", "close_frame", "abort"]


class _ServerControl(Protocol):
    async def stop_server(self) -> None: ...

    async def start_server(self) -> None: ...


class _OrderRejecter(Protocol):
    def reject_next_order(self, error_code: int, message: str | None = None) -> None: ...


def _kinds(hub: str | HubKind | None) -> list[HubKind]:
    if hub is None or hub == "both":
        return [HubKind.USER, HubKind.MARKET]
    return [HubKind(hub)]


class Faults:
    """The fault surface of one :class:`~projectx.sim.simulator.Simulator`."""

    def __init__(
        self,
        *,
        hubs: HubServer,
        rest: RestFaultState,
        auth: TokenAuthority,
        exchange: _OrderRejecter,
        server: _ServerControl,
    ) -> None:
        self._hubs = hubs
        self._rest = rest
        self._auth = auth
        self._exchange = exchange
        self._server = server
        self._tasks: set[asyncio.Task[Any]] = set()

    def __repr__(self) -> str:
        return f"Faults(rest_rules={len(self._rest.rules)})"

    # ------------------------------------------------------------------- REST
    def fail_next(
        self,
        n: int = 1,
        *,
        status: int = 500,
        path: str | None = None,
        error_code: int | None = None,
        message: str | None = None,
        retry_after_s: int = 1,
    ) -> None:
        """Answer the next ``n`` REST requests (for ``path`` only, if given) with ``status``.

        ``status`` 5xx/4xx: empty body; 429: ``Retry-After`` header; 200: a failure envelope
        with ``error_code`` and ``message``.
        """
        if n <= 0:
            raise ValueError(f"n must be > 0, got {n}")
        if not 200 <= status <= 599:
            raise ValueError(f"status must be an HTTP status, got {status}")
        self._rest.rules.append(FailRule(n, status, path, error_code, message, retry_after_s))

    def answer_next(
        self,
        path: str,
        body: Any,
        *,
        n: int = 1,
        status: int = 200,
        process: bool = False,
    ) -> None:
        """Answer the next ``n`` requests of ``path`` (e.g. ``Order/place``) with ``body``: any
        JSON value, or a ``str`` sent byte for byte (``NaN`` tokens, broken JSON). With
        ``process`` the request is served first (the engine acts on it: an order is placed)
        and only the answer the client sees is replaced."""
        if n <= 0:
            raise ValueError(f"n must be > 0, got {n}")
        if not 200 <= status <= 599:
            raise ValueError(f"status must be an HTTP status, got {status}")
        if not isinstance(path, str) or not path.strip("/"):
            raise ValueError("path must name an endpoint, e.g. 'Order/place'")
        self._rest.answers.append(AnswerRule(n, path, body, status, process))

    def rate_limit_next(
        self, n: int = 1, *, path: str | None = None, retry_after_s: int = 1
    ) -> None:
        """Answer the next ``n`` REST requests with 429 and ``Retry-After``."""
        self.fail_next(n, status=429, path=path, retry_after_s=retry_after_s)

    def delay_rest(self, seconds: float) -> None:
        """Delay every REST answer by ``seconds`` (0 to stop)."""
        if seconds < 0:
            raise ValueError("delay must be >= 0")
        self._rest.delay_s = float(seconds)

    # ----------------------------------------------------------------- tokens
    def expire_tokens(self) -> int:
        """Expire every token issued so far (REST 401, hub upgrade 401); return how many."""
        return self._auth.expire_all()

    # ------------------------------------------------------------------- hubs
    async def drop_connections(
        self,
        hub: str | HubKind | None = None,
        *,
        mode: DropMode = "close_message",
        error: str | None = "Connection dropped by the simulator.",
        allow_reconnect: bool = True,
    ) -> int:
        """End live hub connections; return how many.

        ``mode``: ``close_message`` (SignalR Close record, then WebSocket close),
        ``close_frame`` (WebSocket close frame only) or ``abort`` (TCP reset, nothing sent).
        """
        conns = [c for k in _kinds(hub) for c in self._hubs.connections(k)]
        for conn in conns:
            if mode == "close_message":
                await conn.close(error, allow_reconnect)
            elif mode == "close_frame":
                await conn.close_socket()
            elif mode == "abort":
                conn.abort()
            else:
                raise ValueError(f"unknown drop mode {mode!r}")
        return len(conns)

    def handshake_then_close(
        self,
        hub: str | HubKind | None = None,
        n: int | None = None,
        *,
        mode: DropMode = "close_frame",
        allow_reconnect: bool = True,
    ) -> None:
        """End every new connection of ``hub`` right after answering its handshake ``{}``:
        the next ``n`` connections, or every one until :meth:`clear` (``n=None``).

        ``mode`` as in :meth:`drop_connections`; with ``close_message`` the Close record
        carries ``allow_reconnect``. :meth:`sessions_started` counts the attempts it saw.
        """
        if n is not None and n <= 0:
            raise ValueError("n must be > 0 (or None: until cleared)")
        if mode not in ("close_message", "close_frame", "abort"):
            raise ValueError(f"unknown drop mode {mode!r}")
        for kind in _kinds(hub):
            state = self._hubs.faults(kind)
            state.handshake_close = True
            state.handshake_close_left = n
            state.handshake_close_mode = mode
            state.handshake_close_allow_reconnect = allow_reconnect

    def handshake_answer(
        self, hub: str | HubKind | None = None, data: str = "", n: int = 1
    ) -> None:
        """Answer the handshake of the next ``n`` connections of ``hub`` with ``data`` exactly
        as given (text that is not JSON, an object without a separator...) instead of ``{}``,
        or (``data=""``) not at all: the connection stays open, unanswered."""
        if n <= 0:
            raise ValueError("n must be > 0")
        for kind in _kinds(hub):
            state = self._hubs.faults(kind)
            state.handshake_answer = data
            state.handshake_answer_left = n

    def sessions_started(self, hub: str | HubKind | None = None) -> int:
        """WebSocket sessions the hub(s) accepted so far (each client connect or reconnect)."""
        return sum(self._hubs.sessions_started[k] for k in _kinds(hub))

    def drop_after(
        self, hub: str | HubKind, n_records: int, *, close_message: bool = False
    ) -> None:
        """Drop each connection of ``hub`` once about ``n_records`` more records were sent."""
        if n_records <= 0:
            raise ValueError("n_records must be > 0")
        for kind in _kinds(hub):
            state = self._hubs.faults(kind)
            state.drop_after = n_records
            state.drop_close_message = close_message

    def delay_hub(self, hub: str | HubKind | None, seconds: float) -> None:
        """Delay every outbound batch of ``hub`` by ``seconds`` (0 to stop)."""
        if seconds < 0:
            raise ValueError("delay must be >= 0")
        for kind in _kinds(hub):
            self._hubs.faults(kind).delay_s = float(seconds)

    def delay_invocations(self, hub: str | HubKind | None, seconds: float) -> None:
        """Run each client invocation on ``hub`` ``seconds`` late (a slow server: the
        subscription and its completion both come late; events keep flowing; 0 to stop)."""
        if seconds < 0:
            raise ValueError("delay must be >= 0")
        for kind in _kinds(hub):
            self._hubs.faults(kind).invoke_delay_s = float(seconds)

    def refuse_invocations(self, hub: str | HubKind | None, target: str, n: int = 1) -> None:
        """Answer the next ``n`` invocations of ``target`` on ``hub`` with an error completion
        (nothing is run)."""
        if n < 0:
            raise ValueError("n must be >= 0")
        for kind in _kinds(hub):
            self._hubs.faults(kind).refuse[target] = int(n)

    def stall_hub(self, hub: str | HubKind | None) -> None:
        """Stop sending anything (events, completions, pings) on ``hub`` until resumed."""
        for kind in _kinds(hub):
            state = self._hubs.faults(kind)
            state.stalled = True
            state.resumed.clear()

    def resume_hub(self, hub: str | HubKind | None) -> None:
        """Undo :meth:`stall_hub` and :meth:`delay_hub`; buffered records are then sent."""
        for kind in _kinds(hub):
            state = self._hubs.faults(kind)
            state.stalled = False
            state.delay_s = 0.0
            state.invoke_delay_s = 0.0
            state.resumed.set()

    def suppress_pings(self, hub: str | HubKind | None, on: bool = True) -> None:
        """Stop (or restart) the server's keep-alive pings on ``hub``; events still flow."""
        for kind in _kinds(hub):
            self._hubs.faults(kind).no_pings = on

    def send_frame(
        self,
        hub: str | HubKind | None = None,
        *,
        kind: FrameKind = "malformed",
        size: int = 1 << 20,
        data: str | None = None,
    ) -> int:
        """Send a bad or unusual frame to every connection of ``hub``; return how many got it.

        ``malformed``: a record that is not JSON; ``truncated``: the first half of a record,
        no terminator (the rest never comes); ``split``: one valid ping record cut across two
        frames; ``oversized``: one valid invocation of ``size`` bytes (target
        ``SimOversized``); ``not_object``: a JSON array record; ``no_type``: an object without
        ``type``; ``raw``: ``data`` exactly as given.
        """
        frames = _frames(kind, size, data)
        conns = [c for k in _kinds(hub) for c in self._hubs.connections(k) if c.handshaken]
        for conn in conns:
            conn.send_frames(frames)
        return len(conns)

    def send_huge_message(
        self,
        hub: str | HubKind | None = None,
        *,
        size: int = 128 * 1024 * 1024,
        fragment_bytes: int | None = None,
    ) -> int:
        """Send one TEXT message of ``size`` bytes (one valid invocation record, target
        ``SimHuge``) to every connection of ``hub``; return how many got it.

        In one frame (``fragment_bytes=None``), or in frames of ``fragment_bytes``
        (continuation frames). It is streamed from a 64 KiB buffer as the socket drains, so the
        simulator's memory does not grow with ``size``.
        """
        if size < 64:
            raise ValueError("a huge message needs size >= 64")
        if fragment_bytes is not None and fragment_bytes <= 0:
            raise ValueError("fragment_bytes must be > 0")
        conns = [c for k in _kinds(hub) for c in self._hubs.connections(k) if c.handshaken]
        for conn in conns:
            conn.send_huge(size, fragment_bytes)
        return len(conns)

    def connections(self, hub: str | HubKind | None = None) -> list[HubConnection]:
        """Live hub connections (for assertions)."""
        return [c for k in _kinds(hub) for c in self._hubs.connections(k)]

    # ------------------------------------------------------------ user events
    def duplicate_user_events(self, n: int = 1) -> None:
        """Send each of the next ``n`` user-hub events twice."""
        self._hubs.user_event_faults.duplicate = n

    def reorder_user_events(self, window: int = 2) -> None:
        """Hold the next ``window`` user-hub events and send them in reverse order."""
        if window < 2:
            raise ValueError("a reorder window needs at least 2 events")
        self._hubs.user_event_faults.reorder_window = window

    def release_user_events(self) -> int:
        """Send events still held by a reorder window (newest first); return how many."""
        return self._hubs.release_held_user_events()

    def send_user_event(
        self,
        target: str,
        data: Any,
        *,
        account_id: int,
        action: int | None = 1,
        wrap: bool = True,
    ) -> int:
        """Send one user-hub event of ``target`` (``GatewayUserOrder``...) carrying ``data``
        exactly as given (any JSON: wrong types, missing keys, foreign ids) to the connections
        subscribed to that stream of ``account_id``; the engine's state is not touched. With
        ``wrap`` the argument is ``{"action": action, "data": data}`` (spec §7.6.2). Returns
        how many connections were subscribed."""
        argument = {"action": action, "data": data} if wrap else data
        self._hubs.on_user_event(target, account_id, argument)
        return self._hubs.subscriber_count(target, account_id)

    # ----------------------------------------------------------------- server
    async def stop_server(self) -> None:
        """Stop listening and kill every connection (the port stays reserved for a restart)."""
        await self._server.stop_server()

    async def start_server(self) -> None:
        """Listen again on the same host and port."""
        await self._server.start_server()

    async def restart_server(self, down_s: float = 0.0) -> None:
        """Stop the server, wait ``down_s`` seconds, start it again on the same port."""
        await self._server.stop_server()
        if down_s > 0:
            await asyncio.sleep(down_s)
        await self._server.start_server()

    def restart_server_later(self, down_s: float = 0.0) -> None:
        """Schedule :meth:`restart_server` (used by the admin endpoint, which must answer)."""
        task = asyncio.get_running_loop().create_task(self._restart_after_reply(down_s))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _restart_after_reply(self, down_s: float) -> None:
        await asyncio.sleep(0.05)
        await self.restart_server(down_s)

    # ----------------------------------------------------------------- orders
    def reject_next_order(self, error_code: int, message: str | None = None) -> None:
        """Make the engine reject the next ``Order/place`` with this PlaceOrderErrorCode."""
        self._exchange.reject_next_order(error_code, message)

    # ------------------------------------------------------------------ reset
    def clear(self) -> None:
        """Remove every REST, hub and user-event fault (held events are released)."""
        self._rest.rules.clear()
        self._rest.answers.clear()
        self._rest.delay_s = 0.0
        for kind in HubKind:
            state = self._hubs.faults(kind)
            state.drop_after = None
            state.handshake_close = False
            state.handshake_close_left = None
            state.handshake_answer_left = 0
            state.no_pings = False
            state.refuse.clear()
        self.resume_hub(None)
        self._hubs.user_event_faults.duplicate = 0
        self.release_user_events()

    async def aclose(self) -> None:
        """Cancel and await background fault tasks."""
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError):
                await task


def _frames(kind: FrameKind, size: int, data: str | None) -> list[bytes]:
    if kind == "malformed":
        return [b'{"type":1,"target":"GatewayQuote","arguments":[' + RS]
    if kind == "truncated":
        record = b'{"type":1,"target":"GatewayQuote","arguments":["CON.F.US.X",{"symbol":"X"}]}'
        return [record[: len(record) // 2]]
    if kind == "split":
        return [b'{"ty', b'pe":6}' + RS]
    if kind == "oversized":
        if size < 64:
            raise ValueError("oversized frames need size >= 64")
        head = b'{"type":1,"target":"SimOversized","arguments":["'
        tail = b'"]}' + RS
        return [head + b"x" * (size - len(head) - len(tail)) + tail]
    if kind == "not_object":
        return [b"[1,2,3]" + RS]
    if kind == "no_type":
        return [b'{"target":"GatewayQuote","arguments":[]}' + RS]
    if kind == "raw":
        if data is None:
            raise ValueError("kind='raw' needs data")
        return [data.encode("utf-8")]
    raise ValueError(f"unknown frame kind {kind!r}")


ADMIN_METHODS: tuple[str, ...] = (
    "fail_next",
    "rate_limit_next",
    "delay_rest",
    "expire_tokens",
    "drop_connections",
    "handshake_then_close",
    "sessions_started",
    "drop_after",
    "delay_hub",
    "delay_invocations",
    "refuse_invocations",
    "stall_hub",
    "resume_hub",
    "suppress_pings",
    "send_frame",
    "send_huge_message",
    "duplicate_user_events",
    "reorder_user_events",
    "release_user_events",
    "send_user_event",
    "answer_next",
    "restart_server",
    "reject_next_order",
    "clear",
)


def _is_loopback(remote: str | None) -> bool:
    if not remote:
        return False
    try:
        address = ipaddress.ip_address(remote.split("%")[0])
        mapped = getattr(address, "ipv4_mapped", None)  # ::ffff:127.0.0.1 on dual-stack binds
        return bool(address.is_loopback or (mapped is not None and mapped.is_loopback))
    except ValueError:
        return False


async def admin_handler(
    request: web.Request,
    faults: Faults,
    status: Callable[[], dict[str, Any]],
    tail: str,
    *,
    token: str,
) -> web.Response:
    """Serve ``/_sim/<tail>`` to loopback peers that pass :func:`projectx.sim.admin.admin_refusal`
    (loopback ``Host``, no foreign ``Origin``, the admin ``token``, JSON ``POST`` bodies)."""
    refusal = admin_refusal(request, token)
    if refusal is not None:
        return refusal
    parts = [p for p in tail.split("/") if p]
    if parts == ["status"] and request.method == "GET":
        return web.json_response(status(), dumps=lambda o: orjson.dumps(o).decode())
    if parts == ["faults"] and request.method == "GET":
        return web.json_response({"methods": list(ADMIN_METHODS)})
    if len(parts) != 2 or parts[0] != "faults" or parts[1] not in ADMIN_METHODS:
        return web.Response(status=404)
    if request.method != "POST":
        return web.Response(status=405, headers={"Allow": "POST"})
    raw = await request.read()
    try:
        kwargs = orjson.loads(raw) if raw.strip() else {}
    except orjson.JSONDecodeError:
        return web.json_response({"ok": False, "error": "body is not JSON"}, status=400)
    if not isinstance(kwargs, dict):
        return web.json_response({"ok": False, "error": "body must be an object"}, status=400)
    name = parts[1]
    if name == "restart_server":
        try:
            faults.restart_server_later(float(kwargs.get("down_s", 0.0)))
        except (TypeError, ValueError) as exc:
            return web.json_response({"ok": False, "error": str(exc)}, status=400)
        return web.json_response({"ok": True, "result": None})
    method = getattr(faults, name)
    try:
        inspect.signature(method).bind(**kwargs)
        result = method(**kwargs)
        if inspect.isawaitable(result):
            result = await result
    except (TypeError, ValueError) as exc:
        return web.json_response({"ok": False, "error": str(exc)}, status=400)
    if not isinstance(result, int | float | str | bool | type(None)):
        result = None
    log.info("fault injected: %s", name)
    return web.json_response({"ok": True, "result": result})
