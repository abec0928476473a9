"""SignalR JSON hub protocol records (spec §7.3-§7.5): what the client writes, and message types."""

from __future__ import annotations

from enum import IntEnum
from typing import Any

import orjson

RECORD_SEPARATOR = b"\x1e"
HANDSHAKE_REQUEST = b'{"protocol":"json","version":1}' + RECORD_SEPARATOR
PING_RECORD = b'{"type":6}' + RECORD_SEPARATOR


class MessageType(IntEnum):
    """Hub protocol message types (§7.5)."""

    INVOCATION = 1
    STREAM_ITEM = 2
    COMPLETION = 3
    STREAM_INVOCATION = 4
    CANCEL_INVOCATION = 5
    PING = 6
    CLOSE = 7


def invocation_record(target: str, arguments: tuple[Any, ...], invocation_id: str | None) -> bytes:
    """Encode an Invocation; without ``invocation_id`` the server sends no completion."""
    message: dict[str, Any] = {"type": 1, "target": target, "arguments": list(arguments)}
    if invocation_id is not None:
        message["invocationId"] = invocation_id
    return orjson.dumps(message) + RECORD_SEPARATOR
