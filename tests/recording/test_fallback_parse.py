"""Records the native parser leaves to the generic path are recorded with the same values the
native parser would have produced (the native parser is the oracle)."""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from projectx._native.frames import KIND_DEPTH, KIND_QUOTE, KIND_TRADE, FrameParser
from projectx.recording.recorder import _records_from_json

CID = "CON.F.US.MNQ.Z26"
_TS = st.integers(1_700_000_000, 1_900_000_000).map(
    lambda s: time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(s)) + ".123456+00:00"
)
_PRICE = st.integers(1, 200_000).map(lambda t: t * 0.25)

_trade = st.fixed_dictionaries(
    {
        "symbolId": st.just("F.US.MNQ"),
        "price": _PRICE,
        "timestamp": _TS,
        "type": st.integers(0, 1),
        "volume": st.integers(1, 500),
    }
)
_depth = st.fixed_dictionaries(
    {
        "timestamp": _TS,
        "type": st.integers(0, 10),
        "price": _PRICE,
        "volume": st.integers(0, 500),
        "currentVolume": st.integers(0, 500),
    }
)
_quote = st.fixed_dictionaries(
    {"symbol": st.just("F.US.MNQ"), "timestamp": _TS},
    optional={
        "lastPrice": _PRICE,
        "bestBid": _PRICE,
        "bestAsk": _PRICE,
        "change": st.integers(-400, 400).map(lambda t: t * 0.25),
        "open": _PRICE,
        "high": _PRICE,
        "low": _PRICE,
        "volume": st.integers(0, 10**6),
        "lastUpdated": _TS,
    },
)

_COMPARED = ("kind", "type", "fields", "ts_ns", "price", "volume", "current_volume", "bid", "ask")


def _native(target: str, data: Any) -> np.ndarray:
    p = FrameParser()
    p.register_contract(CID)
    record = {"type": 1, "target": target, "arguments": [CID, data]}
    p.feed(orjson.dumps(record) + b"\x1e")
    assert not p.others, "the native parser should take this record"
    return p.records()


@settings(max_examples=150, deadline=None)
@given(
    st.one_of(
        st.tuples(st.just(("GatewayTrade", KIND_TRADE)), st.lists(_trade, min_size=1, max_size=4)),
        st.tuples(st.just(("GatewayDepth", KIND_DEPTH)), st.lists(_depth, min_size=1, max_size=6)),
        st.tuples(st.just(("GatewayQuote", KIND_QUOTE)), _quote),
    )
)
def test_fallback_records_equal_the_native_parse(case: Any) -> None:
    (target, kind), data = case
    native = _native(target, data)
    cid, fallback = _records_from_json(kind, [CID, data])
    assert cid == CID
    assert len(fallback) == len(native)
    for name in _COMPARED:
        assert fallback[name].tolist() == native[name].tolist(), name
    if kind == KIND_QUOTE:
        for name in ("change", "open", "high", "low", "session_volume", "updated_ns"):
            assert fallback[name].tolist() == native[name].tolist(), name
