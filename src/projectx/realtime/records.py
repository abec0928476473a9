"""Decoding what the native parser hands back: discard counts, Python-decoded records, Close.

The parser (``FrameParser``, or ``MarketFeed`` around one) applies market records natively
and returns everything else as raw records; these helpers account for what it discarded and
decode the rest for ``HubConnection``.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Protocol, cast

import aiohttp
import orjson

from projectx.exceptions import redact
from projectx.realtime.transport import HubInvocationError, HubStats, RecordParser

__all__ = [
    "DiscardCounter",
    "FrameCounters",
    "apply_close",
    "count_socket_error",
    "decode_record",
    "frame_counters",
    "settle_completion",
]

log = logging.getLogger("projectx.realtime.hub")


class FrameCounters(Protocol):
    """The cumulative discard counters of a ``FrameParser``."""

    @property
    def records_truncated(self) -> int: ...

    @property
    def records_oversized(self) -> int: ...

    @property
    def max_tail(self) -> int: ...


def frame_counters(parser: RecordParser) -> FrameCounters:
    """The ``FrameParser`` behind ``parser``: a ``MarketFeed`` exposes its own as ``.parser``,
    a ``FrameParser`` is its own."""
    return cast("FrameCounters", getattr(parser, "parser", parser))


class DiscardCounter:
    """Turns a parser's cumulative truncated/oversized counters into per-message counts."""

    def __init__(self, frames: FrameCounters) -> None:
        self.frames = frames
        self._truncated_seen = 0
        self._oversized_seen = 0
        self.resync()

    def resync(self) -> None:
        """Take the counters as they are now (after a reset, or on a new parser)."""
        self._truncated_seen = int(getattr(self.frames, "records_truncated", 0))
        self._oversized_seen = int(getattr(self.frames, "records_oversized", 0))

    def truncated(self) -> int:
        """Records dropped as truncated since the last call."""
        new = self.frames.records_truncated - self._truncated_seen
        self._truncated_seen += new
        return new

    def oversized(self) -> int:
        """Records dropped as oversized since the last call."""
        new = self.frames.records_oversized - self._oversized_seen
        self._oversized_seen += new
        return new

    def settle(self, stats: HubStats, name: str) -> int:
        """Count and log what the last message lost; returns how many records that was."""
        frames = self.frames
        if (
            frames.records_truncated == self._truncated_seen
            and frames.records_oversized == self._oversized_seen
        ):
            return 0  # the per-message fast path: nothing was lost
        truncated = self.truncated()
        if truncated:  # a partial record whose rest never came: dropped, the next one kept
            stats.malformed_records += truncated
            log.warning("%s hub: %d truncated record(s) discarded", name, truncated)
        oversized = self.oversized()
        if oversized:
            stats.oversized_records += oversized
            log.warning(
                "%s hub: %d record(s) over %d bytes discarded",
                name,
                oversized,
                self.frames.max_tail,
            )
        return truncated + oversized


def decode_record(raw: bytes, max_record: int, stats: HubStats, name: str) -> dict[str, Any] | None:
    """One raw record as a JSON object, or None (counted: oversized, malformed, not an object)."""
    stats.decoded_records += 1
    if len(raw) > max_record:
        stats.oversized_records += 1
        log.warning("%s hub: record of %d bytes discarded (limit %d)", name, len(raw), max_record)
        return None
    try:
        message = orjson.loads(raw)
    except orjson.JSONDecodeError:
        stats.malformed_records += 1
        return None
    if not isinstance(message, dict):
        stats.protocol_errors += 1
        return None
    return message


def apply_close(message: dict[str, Any], stats: HubStats, name: str) -> bool:
    """Record a Close message in ``stats`` and log it; True when it forbids reconnecting."""
    stats.close_messages += 1
    error = message.get("error")
    stats.last_close_error = redact(str(error)) if error is not None else None
    allow = message.get("allowReconnect")
    stats.last_close_allow_reconnect = allow if isinstance(allow, bool) else None
    if allow is False:  # spec §7.5: only an explicit false forbids reconnecting
        log.error(
            "%s hub: the server closed the connection and does not allow reconnecting (%s)",
            name,
            stats.last_close_error,
        )
        return True
    log.info("%s hub: server closed the connection (%s)", name, stats.last_close_error)
    return False


def settle_completion(
    message: dict[str, Any], pending: dict[str, asyncio.Future[Any]], stats: HubStats
) -> None:
    """Resolve the invocation a Completion answers (its result, or ``HubInvocationError``)."""
    stats.control_records += 1
    future = pending.get(str(message.get("invocationId")))
    if future is not None and not future.done():
        if message.get("error"):
            stats.invocation_errors += 1
            future.set_exception(HubInvocationError(redact(str(message["error"]))))
        else:
            future.set_result(message.get("result"))


def count_socket_error(error: object, stats: HubStats, name: str, max_message: int) -> None:
    """The socket failed; a message over ``max_message`` bytes is counted and reported."""
    if (
        isinstance(error, aiohttp.WebSocketError)
        and error.code == aiohttp.WSCloseCode.MESSAGE_TOO_BIG
    ):
        stats.oversized_messages += 1
        log.error(
            "%s hub: a WebSocket message over %d bytes was refused at the socket; "
            "reconnecting (%s)",
            name,
            max_message,
            redact(str(error)),
        )
    else:
        stats.protocol_errors += 1
        log.warning("%s hub: socket error: %s", name, redact(repr(error)))
