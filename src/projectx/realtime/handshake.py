"""Opening a SignalR connection: negotiation (spec §7.2) and the JSON-protocol handshake (§7.4).

Every failure is a typed, redacted ``ConnectionError``: the access token travels in the URL
and must never reach an error text.
"""

from __future__ import annotations

import aiohttp
import orjson
from yarl import URL

from projectx.exceptions import ConnectionError as ProjectXConnectionError
from projectx.exceptions import redact
from projectx.realtime.protocol import HANDSHAKE_REQUEST

__all__ = ["UNAUTHORIZED", "handshake", "negotiate", "upgrade"]

UNAUTHORIZED = "refused the connection: HTTP 401"
"""What :func:`upgrade` returns when the server refused the token (the very object)."""


async def negotiate(session: aiohttp.ClientSession, url: URL, name: str) -> URL:
    """POST ``<hub>/negotiate`` and return ``url`` with the connection id (``id=``) added."""
    negotiate_url = url.with_path(url.path + "/negotiate").with_query(url.query)
    async with session.post(negotiate_url) as resp:
        if resp.status != 200:
            raise ProjectXConnectionError(f"{name} negotiate failed: HTTP {resp.status}")
        body = orjson.loads(await resp.read())
        conn_id = body.get("connectionToken") or body.get("connectionId")
        if not conn_id:
            raise ProjectXConnectionError(f"{name} negotiate: no connection id")
        return url.update_query(id=conn_id)


async def upgrade(
    session: aiohttp.ClientSession, url: URL, name: str, max_message: int
) -> aiohttp.ClientWebSocketResponse | str:
    """The WebSocket upgrade; on failure returns why (``UNAUTHORIZED`` for HTTP 401).

    The reason is returned, not raised: aiohttp's exception carries the request URL with the
    access token, and must not survive even as a suppressed ``__context__``.
    """
    try:
        # max_msg_size bounds a message at the socket: aiohttp (>= 3.14) refuses a data frame
        # from its header when its length (plus the fragments before it) reaches the limit,
        # before buffering its payload; the connection then ends with MESSAGE_TOO_BIG
        return await session.ws_connect(
            url,
            autoping=True,
            max_msg_size=max_message,
            timeout=aiohttp.ClientWSTimeout(ws_close=1.0),
        )
    except aiohttp.WSServerHandshakeError as exc:
        if exc.status == 401:
            return UNAUTHORIZED
        return f"refused the connection: HTTP {exc.status}"
    except (aiohttp.ClientError, OSError) as exc:
        return f"unreachable: {type(exc).__name__}"


async def handshake(ws: aiohttp.ClientWebSocketResponse, name: str, timeout: float) -> str:  # noqa: ASYNC109
    """Send the handshake and read its answer; returns the records after it. Every way it
    can fail (no answer in time, a close, no separator, not JSON, an error) is a typed
    ``ConnectionError`` whose text is redacted."""
    await ws.send_str(HANDSHAKE_REQUEST.decode())
    try:
        msg = await ws.receive(timeout=timeout)
    except TimeoutError:
        raise ProjectXConnectionError(f"{name} handshake: no answer within {timeout:g}s") from None
    if msg.type != aiohttp.WSMsgType.TEXT:
        raise ProjectXConnectionError(f"{name} handshake: connection closed")
    text: str = msg.data
    head, sep, rest = text.partition("\x1e")
    if not sep:
        raise ProjectXConnectionError(f"{name} handshake: no record separator")
    try:
        answer = orjson.loads(head)
    except orjson.JSONDecodeError:
        raise ProjectXConnectionError(f"{name} handshake: the answer is not JSON") from None
    if not isinstance(answer, dict) or answer.get("error"):
        raise ProjectXConnectionError(f"{name} handshake refused: {redact(str(answer))}")
    return rest
