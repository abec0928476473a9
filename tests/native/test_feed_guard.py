"""MarketFeed's guard: every record is refused, held or applied by one rule, counted by reason,
and no record can make ``feed()`` raise or cost the records around it."""

from __future__ import annotations

import math

import orjson
import pytest

from projectx._native.feed import ANOMALY_REASONS, MarketFeed
from projectx._native.isotime import format_iso, parse_iso

RS = "\x1e"
MNQ = "CON.F.US.MNQ.Z25"
T0 = parse_iso("2025-11-24T14:00:00Z")
S = 1_000_000_000
CALENDAR = ["1sec", "1min", "1day", "1week", "1month"]


def trades(items: list[dict[str, object]], contract: str = MNQ, *extra: object) -> str:
    return (
        orjson.dumps(
            {"type": 1, "target": "GatewayTrade", "arguments": [contract, items, *extra]}
        ).decode()
        + RS
    )


def trade(ts: int, price: float, volume: object = 1, **over: object) -> dict[str, object]:
    item: dict[str, object] = {
        "symbolId": "F.US.MNQ",
        "price": price,
        "timestamp": format_iso(ts, 7),
        "type": 0,
        "volume": volume,
    }
    item.update(over)
    return item


@pytest.fixture
def feed() -> MarketFeed:
    f = MarketFeed()
    f.add_contract(MNQ, 0.25, CALENDAR)
    return f


def applied(feed: MarketFeed) -> list[tuple[float, int, int]]:
    return [(p, v, ts) for _c, p, v, _t, ts in feed.last_trades()]


def test_reason_names_cover_every_code() -> None:
    assert ANOMALY_REASONS[0] == "none" and len(set(ANOMALY_REASONS)) == len(ANOMALY_REASONS)


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        ({"volume": -1}, "bad_volume"),
        ({"volume": 0}, "bad_volume"),
        ({"volume": 10**17}, "bad_volume"),
        ({"price": 0}, "bad_price"),
        ({"price": -21000.0}, "bad_price"),
        ({"timestamp": "1677-09-21T00:12:43.145224+00:00"}, "bad_time"),
        ({"timestamp": "2262-04-11T23:47:16.854775+00:00"}, "bad_time"),
        ({"timestamp": "9999-12-31T23:59:59+00:00"}, "bad_time"),
        ({"timestamp": "2025-02-30T10:00:00+00:00"}, "bad_time"),
        ({"timestamp": "2025-11-24T14:00:01"}, "bad_time"),
        ({"price": "21000.25"}, "bad_price"),
        ({"volume": 1.5}, "bad_volume"),
        ({"volume": True}, "bad_volume"),
    ],
)
def test_a_bad_trade_is_refused_counted_and_costs_no_neighbour(
    feed: MarketFeed, bad: dict[str, object], reason: str
) -> None:
    good_before = trade(T0, 21000.0, 2)
    good_after = trade(T0 + S // 2, 21000.25, 3)
    broken = {**trade(T0 + S // 4, 21000.0), **bad}
    feed.feed(trades([good_before, broken, good_after]))
    assert applied(feed) == [(21000.0, 2, T0), (21000.25, 3, T0 + S // 2)]
    assert feed.anomalies() == {reason: 1} and feed.anomalies_last == 1
    engine = feed.bars(MNQ)
    assert engine is not None and engine.trades == 2
    feed.feed(trades([trade(T0 + 2 * S, 21000.5, 1)]))  # the feed goes on
    assert applied(feed) == [(21000.5, 1, T0 + 2 * S)] and feed.anomalies_last == 0


def test_spec_shapes_beyond_the_fast_path_are_parsed(feed: MarketFeed) -> None:
    feed.feed(
        trades(
            [
                trade(T0, 21000.0, 2.0),
                {**trade(0, 21000.25), "timestamp": "2025-11-24T14:00:00.1234567891+00:00"},
                {**trade(0, 21000.5), "timestamp": "2016-12-31T23:59:60.5+00:00"},
            ]
        )
    )
    # parsed (the last nanosecond of its minute), then refused: 9 years behind this stream
    assert applied(feed) == [(21000.0, 2, T0), (21000.25, 1, T0 + 123456789)]
    assert feed.anomalies() == {"late_time": 1} and feed.quarantined() == []
    assert feed.fallback_records == 1
    feed2 = MarketFeed()
    feed2.add_contract(MNQ, 0.25, ["1sec"])
    feed2.feed(trades([{**trade(0, 21000.5), "timestamp": "2016-12-31T23:59:60.5+00:00"}]))
    assert applied(feed2) == [(21000.5, 1, parse_iso("2016-12-31T23:59:59.999999999Z"))]


def test_a_third_argument_is_counted_and_the_trades_applied(feed: MarketFeed) -> None:
    feed.feed(trades([trade(T0, 21000.0)], MNQ, {"extra": 1}))
    assert applied(feed) == [(21000.0, 1, T0)]
    assert feed.anomalies() == {"extra_arguments": 1}


def test_wrong_typed_quote_fields_are_refused(feed: MarketFeed) -> None:
    msg = {"type": 1, "target": "GatewayQuote", "arguments": [MNQ, {"bestBid": "x"}]}
    feed.feed(orjson.dumps(msg).decode() + RS)
    msg = {"type": 1, "target": "GatewayQuote", "arguments": [MNQ, {"bestBid": -1.0}]}
    feed.feed(orjson.dumps(msg).decode() + RS)
    assert feed.anomalies() == {"bad_quote": 2}
    assert feed.quote(MNQ) == {"updates": 0}


def test_an_off_market_print_is_held_then_refused_when_the_market_does_not_follow(
    feed: MarketFeed,
) -> None:
    feed.feed(trades([trade(T0, 21000.0)]))
    feed.feed(trades([trade(T0 + S, 10500.0, 5)]))  # half the market
    assert applied(feed) == [] and feed.quarantined()[0][4] == "off_market"
    feed.feed(trades([trade(T0 + 2 * S, 21000.25)]))
    assert applied(feed) == [(21000.25, 1, T0 + 2 * S)]
    assert feed.quarantined() == [] and feed.held_refused == 1 and feed.corroborated == 0
    engine = feed.bars(MNQ)
    assert engine is not None and engine.trades == 2


def test_a_real_move_is_corroborated_and_applied_in_wire_order(feed: MarketFeed) -> None:
    feed.feed(trades([trade(T0, 21000.0)]))
    feed.feed(trades([trade(T0 + S, 22000.0, 4)]))  # 4.8 % away: held
    feed.feed(trades([trade(T0 + 2 * S, 22000.25, 2)]))  # the market did move
    assert applied(feed) == [(22000.0, 4, T0 + S), (22000.25, 2, T0 + 2 * S)]
    assert feed.corroborated == 1 and feed.quarantined() == []
    assert feed.last_prices() == [(MNQ, 22000.25)]


def test_a_trade_years_ahead_never_freezes_the_bars(feed: MarketFeed) -> None:
    feed.wall_clock = False  # the stream alone is the reference (replays)
    feed.feed(trades([trade(T0, 21000.0)]))
    feed.feed(trades([trade(T0 + 3 * 365 * 86400 * S, 21000.0)]))
    feed.feed(trades([trade(T0 + S, 21000.25), trade(T0 + 2 * S, 21000.5)]))
    assert feed.quarantined() == []
    assert feed.anomalies() == {"future_time": 1} and feed.held_refused == 1
    engine = feed.bars(MNQ)
    assert engine is not None and engine.late_trades == 0
    closed = engine.closed("1sec")
    assert list(closed["ts"]) == [T0, T0 + S]  # bars go on closing


def test_a_trade_ahead_of_the_wall_clock_is_held() -> None:
    import time

    feed = MarketFeed()
    feed.add_contract(MNQ, 0.25, ["1sec"])
    now = time.time_ns()
    feed.feed(trades([trade(now + 3600 * S, 21000.0)]))
    assert applied(feed) == [] and feed.anomalies() == {"future_time": 1}


def test_off_grid_trades_are_refused_and_never_corroborate_each_other(
    feed: MarketFeed,
) -> None:
    feed.feed(trades([trade(T0, 21000.0), trade(T0 + 100, 21000.1), trade(T0 + 200, 21000.1)]))
    feed.feed(trades([trade(T0 + 300, 21000.25)]))
    assert applied(feed) == [(21000.25, 1, T0 + 300)]
    assert feed.anomalies() == {"off_tick_grid": 2} and feed.corroborated == 0


def test_an_off_market_print_and_an_off_grid_one_do_not_corroborate(feed: MarketFeed) -> None:
    feed.feed(trades([trade(T0, 21000.0), trade(T0 + 100, 23000.0), trade(T0 + 200, 23000.1)]))
    assert applied(feed) == [(21000.0, 1, T0)]
    assert feed.anomalies() == {"off_market": 1, "off_tick_grid": 1}
    assert feed.quarantined()[0][1] == 23000.0  # still held: the off-grid print decided nothing


def test_prints_far_ahead_of_the_wall_clock_are_refused_not_corroborated() -> None:
    import time

    feed = MarketFeed()
    feed.add_contract(MNQ, 0.25, ["1sec"])
    now = (time.time_ns() // S - 5) * S
    far = now + 60 * 365 * 86_400 * S
    feed.feed(trades([trade(now, 21000.0), trade(far, 21000.0), trade(far + S, 21000.25)]))
    feed.feed(trades([trade(now + S, 21000.5), trade(now + 2 * S, 21000.75)]))
    assert [t[2] for t in applied(feed)] == [now + S, now + 2 * S]
    assert feed.anomalies() == {"future_time": 2} and feed.corroborated == 0
    engine = feed.bars(MNQ)
    assert engine is not None and engine.late_trades == 0


def test_a_burst_of_corroborating_moves_is_applied_in_wire_order(feed: MarketFeed) -> None:
    """Every other trade jumps 5 % and the next confirms it: each pair is held, then released
    in order (one pass over the message: nothing is inserted into the parsed records)."""
    items, want = [], []
    for k in range(2_000):
        price = 21000.0 if (k // 2) % 2 == 0 else 22050.0
        items.append(trade(T0 + k * 1000, price))
        want.append((price, 1, T0 + k * 1000))
    feed.feed(trades(items))
    assert applied(feed) == want
    assert feed.corroborated == 999 and feed.quarantined() == []


def test_one_broken_record_costs_no_other_rescued_record(feed: MarketFeed) -> None:
    """Review finding: a target that is not a string made the fallback raise, and the records
    after it in the message were lost uncounted; an escaped target skipped the fallback."""
    ten_digits = "2025-11-24T14:00:00.0000010001+00:00"  # only the fallback takes 10 digits
    rescued = trades([{**trade(0, 21000.0), "timestamp": ten_digits}])
    broken = '{"type":1,"target":["GatewayTrade"],"arguments":["' + MNQ + '",[]]}' + RS
    escaped = rescued.replace("GatewayTrade", "\\u0047atewayTrade").replace("21000.0", "21000.25")
    feed.feed(rescued + broken + escaped + trades([trade(T0 + 2000, 21000.5)]))
    assert applied(feed) == [
        (21000.0, 1, T0 + 1000),
        (21000.25, 1, T0 + 1000),
        (21000.5, 1, T0 + 2000),
    ]
    assert feed.others == [broken[:-1].encode()] and feed.fallback_records == 2


def test_flagged_records_are_counted_but_not_faults(feed: MarketFeed) -> None:
    feed.feed(trades([trade(T0, 21000.0, type=7)], MNQ, "extra"))
    assert feed.anomalies() == {"unknown_side": 1, "extra_arguments": 1}
    assert feed.anomalies_last == 0 and feed.flags_last == 2


def test_an_undefined_side_is_applied_without_a_side(feed: MarketFeed) -> None:
    feed.feed(trades([trade(T0, 21000.0, type=7)]))
    assert [t[3] for t in feed.last_trades()] == [-1]
    assert feed.anomalies() == {"unknown_side": 1}


@pytest.mark.parametrize(
    ("entry", "reason"),
    [
        ({"type": 42, "price": 21000.0, "volume": 1}, "bad_type"),
        ({"type": 1, "price": -1.0, "volume": 1}, "bad_price"),
        ({"type": 2, "price": 21000.0, "volume": -5}, "bad_volume"),
        ({"type": 2, "price": 21000.1, "volume": 5}, "off_tick_grid"),
    ],
)
def test_a_bad_depth_entry_is_refused_and_counted(
    feed: MarketFeed, entry: dict[str, object], reason: str
) -> None:
    good = {"timestamp": format_iso(T0), "type": 2, "price": 20999.75, "volume": 3}
    msg = {
        "type": 1,
        "target": "GatewayDepth",
        "arguments": [MNQ, [{**entry, "timestamp": format_iso(T0)}, good]],
    }
    feed.feed(orjson.dumps(msg).decode() + RS)
    assert feed.anomalies() == {reason: 1}
    book = feed.book(MNQ)
    assert book is not None and book.best_bid == 20999.75


def test_the_result_does_not_depend_on_how_the_message_is_split() -> None:
    message = trades(
        [
            trade(T0, 21000.0),
            trade(T0 + 100, 21000.0, -1),
            trade(T0 + 200, 21000.25, 2.0),
            trade(T0 + 300, 10.0),
            trade(T0 + 400, 21000.5),
        ]
    )
    message += '{"type":1,"target":"GatewayTrade","arguments":["x"]}{"type":6}' + RS
    whole = MarketFeed()
    whole.add_contract(MNQ, 0.25, ["1sec"])
    whole.feed(message)
    expected = (applied(whole), whole.anomalies(), list(whole.others))
    data = message.encode()
    for cut in range(1, len(data)):
        split = MarketFeed()
        split.add_contract(MNQ, 0.25, ["1sec"])
        split.feed(data[:cut])
        first = (applied(split), split.anomalies(), list(split.others))
        split.feed(data[cut:])
        second = (applied(split), split.anomalies(), list(split.others))
        merged = (first[0] + second[0], second[1], first[2] + second[2])
        assert merged == expected, cut


def test_a_reset_carries_no_level_whatever_its_fields_say(feed: MarketFeed) -> None:
    """Fuzz finding: a Reset with volume -1 or a null price was applied with those values."""
    level = {"timestamp": format_iso(T0), "type": 2, "price": 20999.75, "volume": 3}
    reset = {"timestamp": format_iso(T0), "type": 6, "price": None, "volume": -1}
    msg = {"type": 1, "target": "GatewayDepth", "arguments": [MNQ, [level, reset]]}
    feed.feed(orjson.dumps(msg).decode() + RS)
    assert feed.last_depth()[-1] == (MNQ, 6, 0.0, 0, T0)
    book = feed.book(MNQ)
    assert book is not None and math.isnan(book.best_bid)  # the Reset cleared the book
    assert feed.anomalies() == {}


def test_an_unknown_dom_type_is_validated_like_a_level(feed: MarketFeed) -> None:
    """Fuzz finding: DomType 0 (Unknown, ignored) skipped the price and size checks."""
    entry = {"timestamp": format_iso(T0), "type": 0, "price": 21000.0, "volume": -1}
    msg = {"type": 1, "target": "GatewayDepth", "arguments": [MNQ, [entry]]}
    feed.feed(orjson.dumps(msg).decode() + RS)
    assert feed.last_depth() == [] and feed.anomalies() == {"bad_volume": 1}
