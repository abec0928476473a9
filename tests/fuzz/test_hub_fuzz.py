"""Hypothesis fuzzing of hub message handling (no socket needed).

``HubConnection._on_text`` is the receive loop's handling of one WebSocket text message, so the
fuzzer drives it directly: arbitrary streams of SignalR records -- invocations with odd
argument shapes, unknown types, completions for unknown ids, closes, pings, JSON that is not an
object, and garbage -- cut at arbitrary points into messages. Nothing may raise out of it, and a
reference classifier (written from the protocol, spec §7.5, and the user-event shapes of §7.6.2)
predicts every counter: malformed, protocol errors, closes, completions, and the exact user
events that ``RealtimeClient`` hands to its handlers.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from projectx._native.frames import FrameParser
from projectx.realtime.client import USER_EVENTS, RealtimeClient, UserEvent
from projectx.realtime.hub import HubConnection, HubInvocationError
from tests.native.test_frames import MNQ, _emit, market_records

RS = "\x1e"
SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
PENDING_IDS = ("1", "2")


async def _no_token() -> str:
    raise AssertionError("no connection is opened in these tests")


# ------------------------------------------------------------------------------ strategies
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**64 - 1),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=8),
)
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=8,
)
entities = st.dictionaries(
    st.sampled_from(["id", "status", "accountId", "size", "x"]), json_values, max_size=4
)
user_payloads = st.one_of(
    st.fixed_dictionaries({"action": json_values, "data": st.one_of(entities, json_values)}),
    st.fixed_dictionaries({"data": entities}),
    entities,
    json_values,
)
user_arguments = st.lists(st.one_of(user_payloads, st.lists(user_payloads, max_size=3)), max_size=3)
targets = st.one_of(
    st.sampled_from([*USER_EVENTS, "GatewayQuote", "GatewayTrade", "Unknown", ""]),
    st.text(max_size=10),
    json_values,
)
# JSON numbers equal to a message type, plus values that are not types at all
types = st.one_of(
    st.sampled_from([1, 2, 3, 4, 5, 6, 7, 0, 8, -1, 1.0, 3.0, 7.0, 2**64 - 1, True, False]),
    st.text(max_size=3),
    st.none(),
    st.lists(scalars, max_size=2),
)
messages = st.fixed_dictionaries(
    {"type": types},
    optional={
        "target": targets,
        "arguments": st.one_of(user_arguments, json_values),
        "invocationId": st.one_of(st.sampled_from([*PENDING_IDS, "99", ""]), json_values),
        "error": st.one_of(st.none(), st.text(max_size=8), json_values),
        "result": json_values,
        "headers": st.dictionaries(st.text(max_size=4), st.text(max_size=4), max_size=2),
    },
)
invocations = st.builds(
    lambda target, args: {"type": 1, "target": target, "arguments": args},
    st.sampled_from(USER_EVENTS),
    user_arguments,
)
garbage = st.text(max_size=40).map(lambda t: t.replace(RS, ""))
records = st.one_of(
    messages.map(lambda m: orjson.dumps(m).decode()),
    invocations.map(lambda m: orjson.dumps(m).decode()),
    json_values.map(lambda v: orjson.dumps(v).decode()),
    garbage,
    st.sampled_from(['{"type":6}', '{"type":7}', '{"type":7,"error":"bye"}', "{", "[]", "null"]),
)


@st.composite
def streams(draw: st.DrawFn) -> tuple[list[str], list[str]]:
    """(complete records, the messages that carry them: the joined stream cut anywhere)."""
    recs = draw(st.lists(records, max_size=12))
    stream = "".join(r + RS for r in recs)
    if draw(st.booleans()):
        stream += draw(garbage)  # an unterminated tail, never completed
    cuts = sorted(draw(st.lists(st.integers(0, len(stream)), max_size=4)))
    bounds = [0, *cuts, len(stream)]
    return recs, [stream[a:b] for a, b in itertools.pairwise(bounds)]


# ------------------------------------------------------------------------------- reference
@dataclass
class Expected:
    """What the reference predicts for one stream."""

    malformed: int = 0
    protocol: int = 0
    closes: int = 0
    events: list[UserEvent] = field(default_factory=list)
    malformed_events: int = 0
    completions: dict[str, tuple[str, Any]] = field(default_factory=dict)


def _is_type(value: Any, n: int) -> bool:
    """JSON number equal to ``n`` (``true`` is not a number)."""
    return not isinstance(value, bool) and isinstance(value, int | float) and value == n


def _payload_events(target: str, arguments: list[Any]) -> Iterator[UserEvent | None]:
    for item in arguments:
        for payload in item if isinstance(item, list) else [item]:
            if not isinstance(payload, dict):
                yield None
            elif isinstance(payload.get("data"), dict) and "action" in payload:
                action = payload["action"]
                yield UserEvent(target, action if type(action) is int else None, payload["data"])
            else:
                yield UserEvent(target, None, payload)


def classify(recs: list[str]) -> Expected:
    out = Expected()
    for rec in recs:
        try:
            msg = orjson.loads(rec)
        except orjson.JSONDecodeError:
            out.malformed += 1
            continue
        if not isinstance(msg, dict):
            out.protocol += 1
            continue
        kind = msg.get("type")
        if _is_type(kind, 1):
            target, arguments = msg.get("target"), msg.get("arguments")
            if not isinstance(target, str) or not isinstance(arguments, list):
                out.protocol += 1
            elif target in USER_EVENTS:
                for event in _payload_events(target, arguments):
                    if event is None:
                        out.malformed_events += 1
                    else:
                        out.events.append(event)
        elif _is_type(kind, 3):
            key = str(msg.get("invocationId"))
            if key in PENDING_IDS and key not in out.completions:
                error = msg.get("error")
                out.completions[key] = ("error", error) if error else ("result", msg.get("result"))
        elif _is_type(kind, 7):
            out.closes += 1
        elif not _is_type(kind, 6):
            out.protocol += 1
    return out


# ----------------------------------------------------------------------------------- tests
def _user_client() -> tuple[RealtimeClient, list[UserEvent]]:
    rt = RealtimeClient(_no_token, "http://127.0.0.1:9/hubs/user", "http://127.0.0.1:9/hubs/market")
    events: list[UserEvent] = []
    rt.on_user_event(events.append)
    return rt, events


@SETTINGS
@given(streams())
def test_user_hub_counts_and_events_match_the_reference(
    stream: tuple[list[str], list[str]],
) -> None:
    recs, msgs = stream
    rt, events = _user_client()
    hub = rt.user
    assert isinstance(hub, HubConnection)
    loop = asyncio.new_event_loop()
    try:
        futures = {key: loop.create_future() for key in PENDING_IDS}
        hub._pending.update(futures)
        keep_going = [hub._on_text(m) for m in msgs]
    finally:
        loop.close()
    want = classify(recs)
    stats = hub.stats
    assert stats.messages == len(msgs)
    assert stats.records == len(recs) == stats.decoded_records
    assert stats.native_records == 0 and stats.oversized_records == 0
    assert stats.malformed_records == want.malformed
    assert stats.protocol_errors == want.protocol
    assert stats.close_messages == want.closes
    assert (False in keep_going) == (want.closes > 0)
    assert events == want.events
    assert rt.malformed_user_events == want.malformed_events
    for key, future in futures.items():
        if key not in want.completions:
            assert not future.done()
            continue
        how, value = want.completions[key]
        if how == "error":
            assert isinstance(future.exception(), HubInvocationError)
        else:
            assert future.result() == value
    assert stats.invocation_errors == sum(1 for h, _ in want.completions.values() if h == "error")


@SETTINGS
@given(streams())
def test_user_event_handlers_that_raise_never_break_the_receive_loop(
    stream: tuple[list[str], list[str]],
) -> None:
    recs, msgs = stream
    rt, _ = _user_client()

    def explode(event: UserEvent) -> None:
        raise KeyError(event.target)

    rt.on_user_event(explode)
    for m in msgs:
        rt.user._on_text(m)  # type: ignore[union-attr]
    want = classify(recs)
    invocations_with_events = sum(
        1
        for rec in recs
        if (msg := _loads(rec)) is not None
        and _is_type(msg.get("type"), 1)
        and msg.get("target") in USER_EVENTS
        and isinstance(msg.get("arguments"), list)
        and any(e is not None for e in _payload_events(msg["target"], msg["arguments"]))
    )
    assert rt.user.stats.handler_errors == invocations_with_events
    assert rt.user.stats.malformed_records == want.malformed


def _loads(rec: str) -> dict[str, Any] | None:
    try:
        msg = orjson.loads(rec)
    except orjson.JSONDecodeError:
        return None
    return msg if isinstance(msg, dict) else None


@SETTINGS
@given(
    st.lists(
        st.one_of(
            st.tuples(market_records, st.randoms(use_true_random=False)).map(
                lambda p: _emit({"type": 1, "target": p[0][0], "arguments": [MNQ, p[0][1]]}, p[1])
            ),
            records,
        ),
        max_size=10,
    ),
    st.randoms(use_true_random=False),
)
def test_market_hub_applies_or_counts_every_record_and_never_raises(
    recs: list[str], rnd: random.Random
) -> None:
    rt = RealtimeClient(_no_token, "http://127.0.0.1:9/hubs/user", "http://127.0.0.1:9/hubs/market")
    rt.feed.add_contract(MNQ, 0.25, ["1sec", "1min"])
    hub = rt.market
    assert isinstance(hub, HubConnection)
    stream = "".join(r + RS for r in recs)
    cuts = sorted(rnd.randrange(len(stream) + 1) for _ in range(rnd.randrange(4)))
    bounds = [0, *cuts, len(stream)]
    for a, b in itertools.pairwise(bounds):
        hub._on_text(stream[a:b])
    stats = hub.stats
    assert stats.records == len(recs) == stats.native_records + stats.decoded_records
    handled = (
        stats.malformed_records + stats.protocol_errors + stats.close_messages
    )  # the rest were pings, completions or invocations of other targets
    assert handled + stats.control_records + stats.fallback_records <= stats.decoded_records
    assert rt.feed.trades + rt.feed.quotes + rt.feed.depth_updates >= 0


def test_oversized_fallback_records_are_counted_and_skipped(caplog: pytest.LogCaptureFixture):
    hub = HubConnection(
        "http://127.0.0.1:9/hubs/user", _no_token, FrameParser(), max_record_bytes=64
    )
    got: list[list[Any]] = []
    hub.on("GatewayUserOrder", got.append)
    big = orjson.dumps({"type": 1, "target": "GatewayUserOrder", "arguments": ["x" * 100]})
    small = orjson.dumps({"type": 1, "target": "GatewayUserOrder", "arguments": [1]})
    with caplog.at_level(logging.WARNING):
        assert hub._on_text((big + b"\x1e" + small + b"\x1e").decode())
    assert hub.stats.oversized_records == 1 and got == [[1]]
    assert any("discarded" in r.getMessage() for r in caplog.records)


def test_malformed_user_payloads_are_logged(caplog: pytest.LogCaptureFixture):
    rt, events = _user_client()
    record = orjson.dumps(
        {"type": 1, "target": "GatewayUserOrder", "arguments": [5, [None, {"id": 1}], "x"]}
    )
    with caplog.at_level(logging.WARNING, logger="projectx.realtime.client"):
        rt.user._on_text(record.decode() + RS)  # type: ignore[union-attr]
    assert rt.malformed_user_events == 3 and events == [
        UserEvent("GatewayUserOrder", None, {"id": 1})
    ]
    assert sum("unexpected" in r.getMessage() for r in caplog.records) == 3


def test_a_boolean_type_is_a_protocol_error_not_an_invocation() -> None:
    rt, events = _user_client()
    record = orjson.dumps({"type": True, "target": "GatewayUserOrder", "arguments": [{"id": 1}]})
    rt.user._on_text(record.decode() + RS)  # type: ignore[union-attr]
    assert events == [] and rt.user.stats.protocol_errors == 1


def test_a_boolean_action_is_not_an_action_code() -> None:
    rt, events = _user_client()
    record = orjson.dumps(
        {"type": 1, "target": "GatewayUserOrder", "arguments": [{"action": True, "data": {}}]}
    )
    rt.user._on_text(record.decode() + RS)  # type: ignore[union-attr]
    assert events == [UserEvent("GatewayUserOrder", None, {})]
