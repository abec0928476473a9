"""The native SignalR frame parser agrees with orjson wherever it accepts input."""

from __future__ import annotations

import math
import random
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from projectx._native import frames
from projectx._native.frames import FrameParser
from tests.reference.frames_model import QUOTE_DOUBLES, QUOTE_TIMES, expected_records

RS = b"\x1e"
MNQ = "CON.F.US.MNQ.Z25"
ES = "CON.F.US.EP.Z25"
CONTRACTS = {MNQ: 0, ES: 1}


def make_parser() -> FrameParser:
    parser = FrameParser(capacity=2)  # tiny on purpose: growth is exercised too
    for cid in CONTRACTS:
        parser.register_contract(cid)
    return parser


def native_dicts(parser: FrameParser) -> list[dict[str, Any]]:
    """The parser's records in the reference model's vocabulary (present fields only)."""
    out = []
    for row in parser.records():
        kind = int(row["kind"])
        rec: dict[str, Any] = {"kind": kind, "contract": int(row["contract"])}
        fields = int(row["fields"])
        if kind == frames.KIND_QUOTE:
            for key, name in {**QUOTE_DOUBLES, **QUOTE_TIMES}.items():
                if fields & frames.QUOTE_FIELDS[key]:
                    rec[name] = row[name].item()
        else:
            rec["ts_ns"] = int(row["ts_ns"])
            rec["type"] = int(row["type"])
            if fields & frames.FIELD_PRICE:
                rec["price"] = float(row["price"])
            if fields & frames.FIELD_VOLUME:
                rec["volume"] = int(row["volume"])
            if kind == frames.KIND_DEPTH:
                rec["current_volume"] = int(row["current_volume"])
        out.append(rec)
    return out


def check_one_record(record: bytes) -> list[dict[str, Any]] | None:
    """Feed one record; assert native == reference when native accepts. Returns native result."""
    parser = make_parser()
    parser.feed(record + RS)
    expected = expected_records(record, CONTRACTS)
    if parser.n_records == 0 and parser.others:
        assert parser.others == [record]
        return None
    got = native_dicts(parser)
    assert expected is not None, f"native accepted what must fall back: {record!r}"
    assert _same(got, expected), (record, got, expected)
    return got


def _same(a: list[dict[str, Any]], b: list[dict[str, Any]]) -> bool:
    if len(a) != len(b):
        return False
    for x, y in zip(a, b, strict=True):
        if x.keys() != y.keys():
            return False
        for key in x:
            vx, vy = x[key], y[key]
            if isinstance(vx, float) or isinstance(vy, float):
                if not (vx == vy or (math.isnan(vx) and math.isnan(vy))):
                    return False
            elif vx != vy:
                return False
    return True


# ---------------------------------------------------------------------------------- examples
TRADE = (
    b'{"type":1,"target":"GatewayTrade","arguments":["CON.F.US.MNQ.Z25",[{"symbolId":"F.US.MNQ",'
    b'"price":21021.75,"timestamp":"2025-11-24T14:12:30.548+00:00","type":0,"volume":2}]]}'
)
DEPTH = (
    b'{"type":1,"target":"GatewayDepth","arguments":["CON.F.US.MNQ.Z25",[{"timestamp":'
    b'"2025-11-24T14:12:30.549+00:00","type":1,"price":21021.75,"volume":7,"currentVolume":7},'
    b'{"timestamp":"2025-11-24T14:12:30.549+00:00","type":2,"price":21021.5,"volume":12,'
    b'"currentVolume":12}]]}'
)
QUOTE = (
    b'{"type":1,"target":"GatewayQuote","arguments":["CON.F.US.MNQ.Z25",{"symbol":"F.US.MNQ",'
    b'"symbolName":"/MNQ","lastPrice":21021.75,"bestBid":21021.5,"bestAsk":21021.75,'
    b'"change":86.25,"changePercent":0.41,"open":20961.0,"high":21044.25,"low":20930.5,'
    b'"volume":281764,"lastUpdated":"2025-11-24T14:12:30.52+00:00",'
    b'"timestamp":"2025-11-24T14:12:30.519+00:00"}]}'
)


def test_spec_examples_parse_natively_with_the_documented_values() -> None:
    parser = make_parser()
    assert parser.feed(TRADE + RS + DEPTH + RS + QUOTE + RS + b'{"type":6}' + RS) == 4
    recs = parser.records()
    assert list(recs["kind"]) == [1, 2, 2, 3]
    assert recs[0]["price"] == 21021.75 and recs[0]["volume"] == 2 and recs[0]["type"] == 0
    assert recs[0]["ts_ns"] == 1763993550548000000
    assert list(recs["volume"][1:3]) == [7, 12] and list(recs["type"][1:3]) == [1, 2]
    assert recs[3]["bid"] == 21021.5 and recs[3]["session_volume"] == 281764.0
    assert parser.others == [b'{"type":6}'] and parser.other_positions() == [4]
    for record in (TRADE, DEPTH, QUOTE):
        assert check_one_record(record) is not None


def test_partial_record_is_kept_across_messages_at_every_split_point() -> None:
    stream = TRADE + RS + b'{"type":6}' + RS + DEPTH + RS
    whole = make_parser()
    whole.feed(stream)
    for cut in range(1, len(stream)):
        parser = make_parser()
        parser.feed(stream[:cut])
        first = parser.records().copy()
        others = list(parser.others)
        parser.feed(stream[cut:])
        combined = list(first) + list(parser.records())
        assert [tuple(r) for r in combined] == [tuple(r) for r in whole.records()]
        assert others + parser.others == [b'{"type":6}']
        assert parser.pending_bytes == 0


def test_str_and_bytes_input_are_equivalent() -> None:
    a, b = make_parser(), make_parser()
    a.feed((TRADE + RS).decode())
    b.feed(TRADE + RS)
    assert a.records().tobytes() == b.records().tobytes()


def test_unregistered_contract_falls_back_untouched() -> None:
    record = TRADE.replace(b"MNQ.Z25", b"NQ.Z25")
    parser = make_parser()
    parser.feed(record + RS)
    assert parser.n_records == 0 and parser.others == [record]
    assert parser.records_fallback == 1


@pytest.mark.parametrize(
    "record",
    [
        TRADE.replace(b'"price":21021.75', b'"price":"21021.75"'),  # string price: no guessing
        TRADE.replace(b'"volume":2', b'"volume":2.5'),  # fractional volume
        TRADE.replace(b'"volume":2', b'"volume":null'),  # required field null
        TRADE.replace(b'+00:00"', b'"'),  # timestamp without offset
        TRADE.replace(b"2025-11-24", b"2025-02-30"),  # impossible date
        TRADE.replace(b'"type":1,', b'"type":3,'),  # a completion, not an invocation
        TRADE[:-1] + b',"x":1]}',  # a third argument
        TRADE + b" x",  # trailing garbage
        TRADE.replace(b"21021.75", b"1e400"),  # overflows a double
        TRADE.replace(b'"volume":2', b'"volume":2,"volume":"two"'),  # last duplicate wins
        TRADE.replace(b"F.US.MNQ", b"F.US.\\ud800"),  # lone surrogate in an unknown value
        TRADE.replace(b"21021.75", b"021021.75"),  # leading zero is not JSON
    ],
)
def test_unmappable_or_invalid_records_fall_back(record: bytes) -> None:
    assert check_one_record(record) is None


@pytest.mark.parametrize(
    ("record", "field", "value"),
    [
        (TRADE.replace(b'"volume":2', b'"volume":2e0'), "volume", 2),
        (TRADE.replace(b'"volume":2', b'"volume":20E-1'), "volume", 2),
        (TRADE.replace(b"21021.75", b"2.102175e4"), "price", 21021.75),
        (TRADE.replace(b"21021.75", b"21021.750000000"), "price", 21021.75),
        (TRADE.replace(b"21021.75", b"0.1000000000000000055511151231257827"), "price", 0.1),
        (
            TRADE.replace(b'"type":0,', b'"type":0,"extra":{"a":[1,{"b":null}],"c":true},'),
            "type",
            0,
        ),
        (TRADE.replace(b'"type":0', b'"type":null'), "type", -1),
        (TRADE.replace(b"2025-11-24", b"\\u0032025-11-24"), "ts_ns", 1763993550548000000),
        (TRADE.replace(b'{"symbolId"', b' \r\n\t{ "symbolId" '), "price", 21021.75),
    ],
)
def test_accepted_variants_agree_with_orjson(record: bytes, field: str, value: Any) -> None:
    got = check_one_record(record)
    assert got is not None and got[0][field] == value


def test_single_object_payload_is_accepted_as_one_item() -> None:
    record = TRADE.replace(b'",[{"symbolId"', b'",{"symbolId"').replace(b"}]]}", b"}]}")
    got = check_one_record(record)
    assert got is not None and len(got) == 1


def test_an_oversized_record_is_dropped_counted_and_skipped_to_its_terminator() -> None:
    parser = FrameParser(max_record_bytes=64)
    parser.feed(b'{"type":1,"target":"' + b"x" * 100)
    assert parser.records_oversized == 1 and parser.pending_bytes == 0
    # the rest of the oversized record is skipped; the records after it are all kept
    parser.feed(b"y" * 50 + RS + b'{"type":6}' + RS + b'{"type":7}' + RS)
    assert parser.others == [b'{"type":6}', b'{"type":7}']
    assert parser.records_oversized == 1


def test_the_limit_applies_to_the_completed_record_not_to_the_whole_message() -> None:
    parser = FrameParser(max_record_bytes=64)
    parser.feed(b'{"type":')
    parser.feed(b"6}" + RS + b'{"type":6}' + RS * 1 + (b'{"type":6}' + RS) * 20)
    assert len(parser.others) == 22 and parser.records_oversized == 0
    # a tail that the next message completes beyond the limit is dropped alone
    parser.feed(b'{"type":1,"target":"' + b"x" * 30)
    parser.feed(b"x" * 40 + b'"}' + RS + b'{"type":7}' + RS)
    assert parser.others == [b'{"type":7}'] and parser.records_oversized == 1


def test_registering_is_idempotent_and_indices_are_stable() -> None:
    parser = FrameParser()
    assert parser.register_contract(MNQ) == 0
    assert parser.register_contract(ES) == 1
    assert parser.register_contract(MNQ) == 0
    assert parser.contracts == [MNQ, ES]


# ---------------------------------------------------------------------------------- properties
finite = st.floats(allow_nan=False, allow_infinity=False, width=64)
prices = st.one_of(
    st.integers(min_value=-(10**6), max_value=10**7).map(lambda t: t * 0.25),
    finite,
    st.integers(min_value=-(2**53), max_value=2**53),
)
volumes = st.one_of(st.integers(min_value=0, max_value=2**40), st.just(0))
stamps = st.tuples(
    st.datetimes(
        min_value=__import__("datetime").datetime(1971, 1, 1),
        max_value=__import__("datetime").datetime(2099, 12, 31),
    ),
    st.integers(min_value=0, max_value=9),
    st.sampled_from(["Z", "+00:00", "-05:00", "+0530", "+01"]),
)


def _stamp(parts: tuple[Any, int, str]) -> str:
    dt, digits, offset = parts
    text = dt.strftime("%Y-%m-%dT%H:%M:%S")
    if digits:
        text += "." + f"{dt.microsecond:06d}{dt.microsecond % 1000:03d}"[:digits]
    return text + offset


def _number_text(value: Any, rnd: random.Random) -> str:
    if isinstance(value, int):
        spellings = [str(value), f"{value}.0", f"{value}e0"]
        if value:
            spellings.append(f"{value}0E-1")
        return rnd.choice(spellings)
    text = orjson.dumps(value).decode()
    return text if rnd.random() < 0.7 else repr(value).replace("inf", "1e999")


def _emit(value: Any, rnd: random.Random) -> str:
    """Serialise with random key order, whitespace, escapes and number spellings."""
    ws = lambda: rnd.choice(["", "", " ", "\n\t ", "\r\n"])  # noqa: E731
    if isinstance(value, dict):
        items = list(value.items())
        rnd.shuffle(items)
        body = ",".join(f"{ws()}{_emit(k, rnd)}{ws()}:{ws()}{_emit(v, rnd)}" for k, v in items)
        return "{" + body + ws() + "}"
    if isinstance(value, list):
        return "[" + ",".join(ws() + _emit(v, rnd) + ws() for v in value) + "]"
    if isinstance(value, str):
        if rnd.random() < 0.2:
            return '"' + "".join(f"\\u{ord(c):04x}" if c.isalnum() else c for c in value) + '"'
        return orjson.dumps(value).decode()
    if isinstance(value, bool) or value is None:
        return orjson.dumps(value).decode()
    return _number_text(value, rnd)


trade_items = st.fixed_dictionaries(
    {
        "symbolId": st.just("F.US.MNQ"),
        "price": prices,
        "timestamp": stamps.map(_stamp),
        "volume": volumes,
    },
    optional={"type": st.sampled_from([0, 1, None]), "extra": st.lists(st.integers(), max_size=3)},
)
depth_items = st.fixed_dictionaries(
    {
        "timestamp": stamps.map(_stamp),
        "type": st.integers(min_value=0, max_value=11),
        "price": prices,
        "volume": volumes,
    },
    optional={"currentVolume": st.one_of(volumes, st.none())},
)
quote_items = st.fixed_dictionaries(
    {"symbol": st.just("F.US.MNQ")},
    optional={
        **{key: st.one_of(prices, st.none()) for key in QUOTE_DOUBLES},
        **{key: stamps.map(_stamp) for key in QUOTE_TIMES},
        "symbolName": st.just("/MNQ"),
    },
)
market_records = st.one_of(
    st.tuples(st.just("GatewayTrade"), st.lists(trade_items, min_size=0, max_size=4)),
    st.tuples(st.just("GatewayDepth"), st.lists(depth_items, min_size=1, max_size=6)),
    st.tuples(st.just("GatewayQuote"), quote_items),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(market_records, st.sampled_from([MNQ, ES]), st.randoms(use_true_random=False))
def test_generated_records_parse_natively_and_agree_with_orjson(
    rec: tuple[str, Any], contract: str, rnd: random.Random
) -> None:
    target, payload = rec
    message = {"type": 1, "target": target, "arguments": [contract, payload]}
    if rnd.random() < 0.3:
        message["headers"] = {}
    record = _emit(message, rnd).encode()
    got = check_one_record(record)
    if not any(isinstance(v, float) and abs(v) > 1e300 for v in _leaves(payload)):
        assert got is not None, f"well-formed record fell back: {record!r}"


def _leaves(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return [x for v in value.values() for x in _leaves(v)]
    if isinstance(value, list):
        return [x for v in value for x in _leaves(v)]
    return [value]


@settings(max_examples=300, deadline=None)
@given(market_records, st.randoms(use_true_random=False), st.data())
def test_mutated_records_never_disagree_with_orjson(
    rec: tuple[str, Any], rnd: random.Random, data: st.DataObject
) -> None:
    target, payload = rec
    record = bytearray(
        _emit({"type": 1, "target": target, "arguments": [MNQ, payload]}, rnd), "utf-8"
    )
    for _ in range(data.draw(st.integers(min_value=1, max_value=4))):
        op = data.draw(st.sampled_from(["truncate", "flip", "insert", "delete"]))
        pos = data.draw(st.integers(min_value=0, max_value=max(len(record) - 1, 0)))
        if op == "truncate":
            del record[pos:]
        elif op == "flip" and record:
            record[pos] = data.draw(
                st.integers(min_value=0, max_value=255).filter(lambda b: b != 0x1E)
            )
        elif op == "insert":
            record[pos:pos] = data.draw(
                st.sampled_from(
                    [
                        b"]",
                        b"}",
                        b",",
                        b'"',
                        b"\\",
                        b"-",
                        b"e",
                        b"0",
                        b"null",
                        b"\xff",
                        b"\xc3\xa9",
                        b" ",
                        b"{}",
                        b"1.",
                        b"\x00",
                    ]
                )
            )
        elif record:
            del record[pos]
    check_one_record(bytes(record))


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=200))
def test_garbage_never_crashes_and_is_handed_back(blob: bytes) -> None:
    parser = make_parser()
    parser.feed(blob)
    pieces = blob.split(RS)
    assert parser.others == [p for p in pieces[:-1] if expected_records(p, CONTRACTS) is None]
    assert parser.pending_bytes == len(pieces[-1])


def test_a_truncated_record_glued_to_the_next_market_record_loses_only_itself() -> None:
    parser = FrameParser()
    parser.register_contract(MNQ)
    partial = b'{"type":1,"target":"GatewayQuote","arguments":["CON.F.US.X",{"sym'
    # the partial record ends a message: the next message completes nothing, it starts anew
    parser.feed(partial)
    assert parser.feed(TRADE + RS) == 2
    assert parser.n_records == 1 and parser.records_truncated == 1 and parser.others == []
    # the partial record and the next record in one message
    assert parser.feed(partial + TRADE + RS) == 2
    assert parser.n_records == 1 and parser.records_truncated == 2 and parser.others == []
    # a split record is still joined
    parser.feed(TRADE[:40])
    assert parser.feed(TRADE[40:] + RS) == 1 and parser.n_records == 1
    assert parser.records_truncated == 2
