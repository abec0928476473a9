"""Decoding what the native parser hands back: lost records, Python-decoded records, Close.

The parser (``FrameParser``, or ``MarketFeed`` around one) applies market records natively
and returns everything else as raw records, with a ``FeedResult`` counting what one message
held; these helpers account for what it lost and decode the rest for ``HubConnection``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import aiohttp
import orjson

from projectx._native.frames import FeedResult
from projectx.exceptions import redact
from projectx.realtime.protocol import MessageType
from projectx.realtime.transport import MARKET_TARGETS, HubInvocationError, HubStats

__all__ = [
    "ParserTotals",
    "apply_close",
    "count_lost",
    "count_socket_error",
    "decode_record",
    "dispatch_record",
    "settle_completion",
]

log = logging.getLogger("projectx.realtime.hub")


class ParserTotals:
    """A hub's per-message counters, read from its parser's running totals (``FeedResult``)
    plus what was counted before this parser (``stats`` at the start)."""

    __slots__ = ("_base", "_totals")

    def __init__(self, totals: FeedResult, stats: HubStats) -> None:
        self._totals = totals
        self._base = (
            stats.messages - totals.messages_total,
            stats.bytes - totals.chars_total,
            stats.records - totals.records_total,
            stats.native_records - totals.native_total,
        )

    def sync(self, stats: HubStats) -> HubStats:
        """Bring the totals into ``stats`` (the times only forward: the hub sets them too)."""
        totals, base = self._totals, self._base
        stats.messages = base[0] + totals.messages_total
        stats.bytes = base[1] + totals.chars_total
        stats.records = base[2] + totals.records_total
        stats.native_records = base[3] + totals.native_total
        if totals.last_message_monotonic > stats.last_message_monotonic:
            stats.last_message_monotonic = totals.last_message_monotonic
        if totals.last_market_monotonic > stats.last_market_monotonic:
            stats.last_market_monotonic = totals.last_market_monotonic
        return stats


def count_lost(result: FeedResult, stats: HubStats, name: str) -> None:
    """Count and log the records one message lost (``result`` of the parser's ``receive``)."""
    if result.truncated:  # a partial record whose rest never came: dropped, the next one kept
        stats.malformed_records += result.truncated
        log.warning("%s hub: %d truncated record(s) discarded", name, result.truncated)
    if result.oversized:
        stats.oversized_records += result.oversized
        log.warning("%s hub: %d oversized record(s) discarded", name, result.oversized)


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


def dispatch_record(
    message: dict[str, Any],
    handlers: Mapping[str, Sequence[Callable[[list[Any]], None]]],
    pending: dict[str, asyncio.Future[Any]],
    stats: HubStats,
    name: str,
) -> bool | None:
    """Act on one decoded record: call the target's handlers (an Invocation), settle a
    Completion, count a Ping or a malformed record. None to go on; for a Close, whether it
    forbids reconnecting (the connection ends either way)."""
    kind = message.get("type")
    if isinstance(kind, bool) or not isinstance(kind, int | float):
        stats.protocol_errors += 1  # a JSON number is a type; true/false are not 1/0
        return None
    if kind == MessageType.INVOCATION:
        target = message.get("target")
        arguments = message.get("arguments")
        if not isinstance(target, str) or not isinstance(arguments, list):
            stats.protocol_errors += 1
            return None
        if target in MARKET_TARGETS:  # decoded here: the native feed did not take it
            stats.fallback_records += 1
            stats.last_market_monotonic = time.monotonic()
        for handler in handlers.get(target, ()):
            try:
                handler(arguments)
            except Exception:
                stats.handler_errors += 1
                log.exception("%s hub: handler for %s failed", name, target)
    elif kind == MessageType.COMPLETION:
        settle_completion(message, pending, stats)
    elif kind == MessageType.PING:
        stats.control_records += 1
    elif kind == MessageType.CLOSE:
        return apply_close(message, stats, name)
    else:
        stats.protocol_errors += 1
    return None
