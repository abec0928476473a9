"""Fixtures for the simulator server tests: a running Simulator, an HTTP session, a login, and
``RawHub``, a minimal SignalR JSON-protocol client written from spec §7 (not the SDK's)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp
import orjson
import pytest

from projectx.sim import Simulator
from projectx.sim.ratelimit import RateLimitConfig

RS = b"\x1e"
WAIT_S = 10.0  # upper bound for anything that should happen "soon" (never a timing assertion)


class RawHub:
    """A SignalR JSON-protocol client over a raw aiohttp WebSocket (spec §7.2-7.5)."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.frames: list[bytes] = []  # every TEXT frame received, raw
        self._buf = b""
        self._records: list[bytes] = []
        self.closed = False
        self.close_type: aiohttp.WSMsgType | None = None
        self._next_id = 0

    @classmethod
    async def connect(
        cls,
        session: aiohttp.ClientSession,
        hub_url: str,
        token: str,
        *,
        negotiate: int | None = 0,
        token_in: str = "query",
        handshake: bool = True,
    ) -> RawHub:
        """Negotiate (``negotiate`` = version, or ``None`` to skip), upgrade, handshake."""
        headers: dict[str, str] = {}
        query = ""
        if token_in == "query":
            query = f"access_token={token}"
        elif token_in == "bearer":
            headers["Authorization"] = f"Bearer {token}"
        elif token_in == "raw":
            headers["Authorization"] = token
        if negotiate is not None:
            url = f"{hub_url}/negotiate?negotiateVersion={negotiate}" + (
                f"&{query}" if query else ""
            )
            async with session.post(url, headers=headers) as resp:
                assert resp.status == 200, resp.status
                body = await resp.json()
            ws_id = body["connectionToken"] if negotiate >= 1 else body["connectionId"]
            query = f"{query}&id={ws_id}" if query else f"id={ws_id}"
        ws_url = hub_url.replace("http://", "ws://", 1) + (f"?{query}" if query else "")
        ws = await session.ws_connect(ws_url, headers=headers, autoping=True, max_msg_size=0)
        hub = cls(ws)
        if handshake:
            await hub.send_raw(b'{"protocol":"json","version":1}' + RS)
            first = await hub.next_record()
            assert first == {}, first
        return hub

    async def send_raw(self, data: bytes) -> None:
        """Send bytes as one TEXT frame, exactly as given."""
        await self.ws.send_str(data.decode())

    async def send(self, message: dict[str, Any]) -> None:
        await self.send_raw(orjson.dumps(message) + RS)

    async def invoke(self, target: str, *args: Any) -> dict[str, Any]:
        """Invoke with an invocationId and return the Completion (other records are kept)."""
        self._next_id += 1
        inv_id = str(self._next_id)
        await self.send({"type": 1, "invocationId": inv_id, "target": target, "arguments": args})
        return await self.wait_for(lambda m: m.get("type") == 3 and m.get("invocationId") == inv_id)

    async def _fill(self, limit_s: float) -> bool:
        """Receive one frame into the buffer; False when the socket is closed."""
        if self.closed:
            return False
        msg = await self.ws.receive(timeout=limit_s)
        if msg.type is aiohttp.WSMsgType.TEXT:
            data = msg.data.encode()
        elif msg.type is aiohttp.WSMsgType.BINARY:
            data = msg.data
        else:
            self.closed = True
            self.close_type = msg.type
            return False
        self.frames.append(data)
        self._buf += data
        *records, self._buf = self._buf.split(RS)
        self._records.extend(records)
        return True

    async def next_record(self, limit_s: float = WAIT_S) -> Any:
        """Next complete record, parsed."""
        async with asyncio.timeout(limit_s):
            while not self._records:
                if not await self._fill(limit_s):
                    raise ConnectionError(f"hub closed ({self.close_type})")
        return orjson.loads(self._records.pop(0))

    async def next_raw_record(self, limit_s: float = WAIT_S) -> bytes:
        """Next complete record, unparsed."""
        async with asyncio.timeout(limit_s):
            while not self._records:
                if not await self._fill(limit_s):
                    raise ConnectionError(f"hub closed ({self.close_type})")
        return self._records.pop(0)

    async def wait_for(
        self, predicate: Callable[[dict[str, Any]], bool], limit_s: float = WAIT_S
    ) -> dict[str, Any]:
        """Skip records until one matches ``predicate`` (pings and events are skipped)."""
        async with asyncio.timeout(limit_s):
            while True:
                msg = await self.next_record(limit_s)
                if isinstance(msg, dict) and predicate(msg):
                    return msg

    async def wait_closed(self, limit_s: float = WAIT_S) -> list[Any]:
        """Read until the socket closes; return the records seen meanwhile."""
        seen: list[Any] = []
        async with asyncio.timeout(limit_s):
            while True:
                try:
                    seen.append(await self.next_record(limit_s))
                except ConnectionError:
                    return seen

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await self.ws.close()


async def wait_until(predicate: Callable[[], bool], limit_s: float = WAIT_S) -> None:
    """Poll ``predicate`` until true (for server-side state changes)."""
    async with asyncio.timeout(limit_s):
        while not predicate():  # noqa: ASYNC110 - polls server state, no event to wait on
            await asyncio.sleep(0.01)


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    async with Simulator(
        symbols=["MNQ", "ES"],
        seed=7,
        rate=50.0,
        rate_limits=RateLimitConfig(enabled=False),
    ) as s:
        yield s


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def login(http: aiohttp.ClientSession, sim: Simulator) -> str:
    """``Auth/loginKey`` with the simulator's credentials; returns the token."""
    c = sim.credentials
    async with http.post(
        sim.api_url + "/Auth/loginKey", json={"userName": c.user_name, "apiKey": c.api_key}
    ) as resp:
        assert resp.status == 200
        body = await resp.json()
    assert body["success"] is True, body
    return str(body["token"])


@pytest.fixture
async def token(http: aiohttp.ClientSession, sim: Simulator) -> str:
    return await login(http, sim)


async def post(
    http: aiohttp.ClientSession,
    sim: Simulator,
    path: str,
    body: Any = None,
    token: str | None = None,
    *,
    raw: bytes | None = None,
) -> tuple[int, Any]:
    """POST to ``/api/<path>``; return (status, parsed JSON or text or None)."""
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    data = raw if raw is not None else (orjson.dumps(body) if body is not None else b"")
    async with http.post(f"{sim.api_url}/{path}", data=data, headers=headers) as resp:
        text = await resp.read()
        if not text:
            return resp.status, None
        try:
            return resp.status, orjson.loads(text)
        except orjson.JSONDecodeError:
            return resp.status, text.decode()


async def account_ids(http: aiohttp.ClientSession, sim: Simulator, token: str) -> list[int]:
    status, body = await post(http, sim, "Account/search", {"onlyActiveAccounts": False}, token)
    assert status == 200 and body["success"], body
    return [a["id"] for a in body["accounts"]]
