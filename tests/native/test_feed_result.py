"""``FeedResult``: what one message held, read in one go; ``MarketFeed.apply_trade`` is the
one-trade message without the text.

The per-message counts add up to what the parser counts cumulatively (nothing lost silently),
``receive()`` keeps the running totals a hub reads, and a trade applied natively leaves the same
state (records, bars, guard counters) as the same trade sent as a ``GatewayTrade`` frame.
"""

from __future__ import annotations

import time

import numpy as np
import orjson
import pytest

from projectx._native.feed import MarketFeed
from projectx._native.frames import FrameParser
from projectx._native.isotime import format_iso

CID = "CON.F.US.MNQ.Z26"
S = 1_000_000_000
T0 = (time.time_ns() // S - 30) * S  # recent: inside the guard's time window


def trade_frame(price: float, volume: int, ts_ns: int, side: int = 0, cid: str = CID) -> str:
    item = {
        "symbolId": "F.US.MNQ",
        "price": price,
        "timestamp": format_iso(ts_ns, 6),
        "type": side,
        "volume": volume,
    }
    msg = {"type": 1, "target": "GatewayTrade", "arguments": [cid, [item]]}
    return orjson.dumps(msg).decode() + "\x1e"


def depth_frame(price: float, volume: int, ts_ns: int, dom_type: int = 1) -> str:
    item = {"timestamp": format_iso(ts_ns, 6), "type": dom_type, "price": price, "volume": volume}
    msg = {"type": 1, "target": "GatewayDepth", "arguments": [CID, [item]]}
    return orjson.dumps(msg).decode() + "\x1e"


PING = '{"type":6}\x1e'


def new_feed() -> MarketFeed:
    feed = MarketFeed()
    feed.add_contract(CID, 0.25, ["1sec"])
    return feed


def test_a_message_result_counts_each_kind_of_record() -> None:
    feed = new_feed()
    message = (
        trade_frame(21000.0, 1, T0)
        + depth_frame(20999.75, 5, T0 + 1)
        + PING
        + trade_frame(21000.25, 2, T0 + 2)
        + trade_frame(21000.1, 1, T0 + 3)  # off the tick grid: refused
    )
    result = feed.receive(message)
    assert result is feed.result
    assert (result.records, result.native, result.others) == (5, 4, 1)
    assert (result.trades, result.depth, result.quotes) == (2, 1, 0)
    assert (result.anomalies, result.flags, result.lost, result.handback) == (1, 0, 0, 1)
    assert result.attention  # the refused trade
    # the next message rewrites it
    result = feed.receive(trade_frame(21000.5, 1, T0 + 4))
    assert (result.records, result.native, result.others, result.trades) == (1, 1, 0, 1)
    assert not result.attention and result.handback == 0


def test_lost_records_are_counted_in_the_message_that_lost_them() -> None:
    parser = FrameParser(max_record_bytes=64)
    result = parser.receive('{"type":6')  # a partial record: kept for the next message
    assert (result.records, result.lost) == (0, 0)
    result = parser.receive('{"type":6}\x1e')  # a new record instead of the rest
    assert (result.truncated, result.lost, result.records, result.others) == (1, 1, 1, 1)
    result = parser.receive('{"x":"' + "a" * 100)  # a partial record over the bound
    assert (result.oversized, result.lost, result.records, result.handback) == (1, 1, 0, 1)
    result = parser.receive('"}\x1e' + PING)  # its rest is skipped, the ping kept
    assert (result.oversized, result.records, result.others, result.handback) == (0, 1, 1, 1)
    assert parser.records_truncated == 1 and parser.records_oversized == 1


def test_receive_keeps_running_totals_and_feed_does_not() -> None:
    feed = new_feed()
    before = time.monotonic()
    feed.receive(trade_frame(21000.0, 1, T0) + PING)
    feed.receive(PING)
    feed.feed(trade_frame(21000.25, 1, T0 + 1))  # not through receive(): not in the totals
    result = feed.result
    assert result.messages_total == 2
    assert result.chars_total == len(trade_frame(21000.0, 1, T0) + PING) + len(PING)
    assert (result.records_total, result.native_total) == (3, 1)
    assert before <= result.last_market_monotonic <= result.last_message_monotonic
    assert result.last_message_monotonic <= time.monotonic()


@pytest.mark.parametrize(
    "ticks",
    [
        [(21000.0, 1, 0, 0), (21000.25, 2, 1, 1), (21001.0, 3, 1200, 0)],  # a 1sec close
        [(21000.0, 1, 0, 0), (30000.0, 1, 1, 1), (21000.25, 1, 2, 0)],  # held, then refused
        [(21000.0, 1, 0, 0), (30000.0, 1, 1, 1), (30000.25, 1, 2, 0)],  # held, corroborated
        [(21000.0, 1, 0, 0), (21000.0, 1, -120_000, 1)],  # far behind the stream: refused
        [(21000.0, 1, 0, 0), (21000.25, 1, 5, 7)],  # an undefined side: applied, flagged
    ],
)
def test_apply_trade_leaves_the_state_a_trade_frame_leaves(
    ticks: list[tuple[float, int, int, int]],
) -> None:
    wire, native = new_feed(), new_feed()
    for price, volume, offset_ms, side in ticks:
        ts = T0 + offset_ms * 1_000_000
        a = wire.receive(trade_frame(price, volume, ts, side))
        got = (a.records, a.native, a.trades, a.anomalies, a.flags, a.n_closes, a.attention)
        b = native.apply_trade(CID, price, volume, ts, side)
        assert (b.records, b.native, b.trades, b.anomalies, b.flags, b.n_closes, b.attention) == got
        assert np.array_equal(wire.records(), native.records())
        assert wire.closes() == native.closes()
    for name in ("trades", "messages", "held", "corroborated", "held_refused", "last_ts_ns"):
        assert getattr(wire, name) == getattr(native, name), name
    assert wire.anomalies() == native.anomalies()
    assert wire.last_price(CID) == native.last_price(CID)
    assert wire.bars(CID).forming("1sec") == native.bars(CID).forming("1sec")
    assert wire.bars(CID).last_closed("1sec") == native.bars(CID).last_closed("1sec")


def test_last_price_is_the_last_applied_trade_of_the_contract() -> None:
    feed = new_feed()
    assert feed.last_price(CID) is None
    feed.set_reference_price(CID, 20990.0)  # a reference is not a trade
    assert feed.last_price(CID) is None
    feed.receive(trade_frame(21000.0, 1, T0) + trade_frame(21000.5, 1, T0 + 1))
    assert feed.last_price(CID) == 21000.5
    feed.receive(trade_frame(30000.0, 1, T0 + 2))  # held: not applied
    assert feed.last_price(CID) == 21000.5
    with pytest.raises(KeyError):
        feed.last_price("CON.F.US.XXX.Z26")
    with pytest.raises(KeyError):
        feed.apply_trade("CON.F.US.XXX.Z26", 1.0, 1, T0, 0)


def test_a_bare_parser_wakes_its_handlers_for_every_message_with_native_records() -> None:
    parser = FrameParser()
    parser.register_contract(CID)
    assert parser.receive(trade_frame(21000.0, 1, T0)).wake
    assert not parser.receive(PING).wake  # nothing native: nothing for a native handler


def test_a_feed_wakes_for_every_native_message_until_its_owner_says_what_it_wants() -> None:
    feed = new_feed()
    other = "CON.F.US.MES.Z26"
    feed.add_contract(other, 0.25, ["1min"])
    assert feed.wake_every  # the default: as a bare parser
    assert feed.receive(trade_frame(21000.0, 1, T0)).wake
    feed.wake_every = False
    assert not feed.receive(trade_frame(21000.25, 1, T0 + 1)).wake
    assert not feed.receive(depth_frame(20999.75, 5, T0 + 2)).wake
    feed.want_prices(CID, True)
    assert feed.receive(trade_frame(21000.0, 1, T0 + 3)).wake
    assert not feed.receive(depth_frame(20999.75, 6, T0 + 4)).wake  # prices: trades only
    assert not feed.receive(trade_frame(5000.0, 1, T0 + 5, cid=other)).wake
    both = trade_frame(5000.25, 1, T0 + 6, cid=other) + trade_frame(21000.25, 1, T0 + 7)
    assert feed.receive(both).wake  # one wanted trade among others wakes the message
    feed.want_prices(CID, False)
    assert not feed.receive(trade_frame(21000.5, 1, T0 + 8)).wake
    # what needs attention always wakes: a refused record, a bar close
    refused = feed.receive(trade_frame(21000.1, 1, T0 + 9))
    assert refused.anomalies == 1 and refused.wake
    closing = feed.receive(trade_frame(21000.5, 1, T0 + 2 * S))
    assert closing.n_closes == 1 and closing.wake
    assert not feed.apply_trade(CID, 21000.75, 1, T0 + 2 * S + 1).wake
    feed.want_prices(CID, True)
    assert feed.apply_trade(CID, 21001.0, 1, T0 + 2 * S + 2).wake
    with pytest.raises(KeyError, match="not tracked"):
        feed.want_prices("CON.F.US.NOPE.Z26", True)
