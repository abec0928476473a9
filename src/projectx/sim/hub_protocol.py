"""The simulator's SignalR JSON hub protocol: records, hub kinds, timings and fault knobs (§7).

Shared by the per-socket sessions (``projectx.sim.hub_connection``) and the hub server
(``projectx.sim.hubs``). Records are terminated by 0x1E (``RS``).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import orjson

__all__ = [
    "HANDSHAKE_OK",
    "MARKET_TARGETS",
    "PING_RECORD",
    "RS",
    "TRANSPORTS",
    "USER_TARGETS",
    "HubConfig",
    "HubError",
    "HubFaultState",
    "HubKind",
    "HubProtocolError",
    "UserEventFaultState",
    "encode_invocation",
]

RS = b"\x1e"
PING_RECORD = b'{"type":6}' + RS
HANDSHAKE_OK = b"{}" + RS
TRANSPORTS = [{"transport": "WebSockets", "transferFormats": ["Text", "Binary"]}]

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


class HubError(Exception):
    """An invocation failed; the message is the Completion ``error`` text."""


class HubProtocolError(Exception):
    """The client broke the protocol; the connection is closed with an error."""


def encode_invocation(target: str, arguments: list[Any]) -> bytes:
    """One Invocation record (no invocation id: the client sends no completion)."""
    return orjson.dumps({"type": 1, "target": target, "arguments": arguments}) + RS
