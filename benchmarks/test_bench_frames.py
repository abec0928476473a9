"""Frame parsing and timestamp benchmarks, each beside its reference in the same run.

Run: ``pytest benchmarks/test_bench_frames.py --benchmark-only``.
"""

from __future__ import annotations

from datetime import datetime

import orjson
import pytest

from projectx._native.frames import FrameParser
from projectx._native.isotime import parse_iso, parse_iso_list

RS = "\x1e"
CID = "CON.F.US.MNQ.Z25"
TRADE_MSG = (
    '{"type":1,"target":"GatewayTrade","arguments":["CON.F.US.MNQ.Z25",[{"symbolId":"F.US.MNQ",'
    '"price":21021.75,"timestamp":"2025-11-24T14:12:30.548123+00:00","type":0,"volume":2}]]}' + RS
)
DEPTH10_MSG = (
    '{"type":1,"target":"GatewayDepth","arguments":["CON.F.US.MNQ.Z25",['
    + ",".join(
        f'{{"timestamp":"2025-11-24T14:12:30.549123+00:00","type":{1 if i % 2 else 2},'
        f'"price":{21021.5 + (i // 2 + 1) * 0.25 * (1 if i % 2 else -1)},"volume":{5 + i},'
        f'"currentVolume":{5 + i}}}'
        for i in range(10)
    )
    + "]]}"
    + RS
)
STAMP = "2025-11-24T14:12:30.5481234+00:00"


@pytest.fixture
def parser() -> FrameParser:
    """A ``FrameParser`` with the benchmark contract registered."""
    p = FrameParser()
    p.register_contract(CID)
    return p


def test_trade_frame_native_parse(benchmark, parser: FrameParser) -> None:
    """One GatewayTrade text message (1 record) -> native record: parse only, incl. the call."""
    benchmark(parser.feed, TRADE_MSG)
    assert parser.n_records == 1


def test_trade_frame_orjson_reference(benchmark) -> None:
    """Reference: the same message split on 0x1E, orjson.loads, fields mapped + timestamp parsed."""

    def reference() -> tuple[float, int, datetime]:
        out = None
        for record in TRADE_MSG.split(RS)[:-1]:
            msg = orjson.loads(record)
            item = msg["arguments"][1][0]
            out = (item["price"], item["volume"], datetime.fromisoformat(item["timestamp"]))
        assert out is not None
        return out

    benchmark(reference)


def test_depth10_frame_native_parse(benchmark, parser: FrameParser) -> None:
    """One GatewayDepth message with 10 level entries -> 10 native records."""
    benchmark(parser.feed, DEPTH10_MSG)
    assert parser.n_records == 10


def test_depth10_frame_orjson_reference(benchmark) -> None:
    """Reference: orjson.loads of the 10-level depth message + per-entry field mapping."""

    def reference() -> list[tuple[int, float, int]]:
        msg = orjson.loads(DEPTH10_MSG[:-1])
        return [
            (e["type"], e["price"], e["volume"], datetime.fromisoformat(e["timestamp"]))
            for e in msg["arguments"][1]
        ]

    benchmark(reference)


def test_iso_parse_single_call(benchmark) -> None:
    """One ISO-8601 timestamp (7 fractional digits) -> int64 ns, from Python (includes the call)."""
    assert benchmark(parse_iso, STAMP) > 0


def test_iso_parse_per_item_in_a_list(benchmark) -> None:
    """10,000 ISO timestamps -> int64 array; divide the median by 10,000 for the C cost per item."""
    stamps = [STAMP] * 10_000
    benchmark(parse_iso_list, stamps)


def test_iso_parse_datetime_reference(benchmark) -> None:
    """Reference: datetime.fromisoformat on 10,000 timestamps (6 digits: its own limit in 3.11)."""
    stamps = [STAMP[:26] + STAMP[27:]] * 10_000
    benchmark(lambda: [datetime.fromisoformat(s) for s in stamps])
