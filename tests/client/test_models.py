"""Models accept both field profiles, ignore unknown keys, keep big ids and parse timestamps."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from projectx.enums import OrderSide, OrderStatus, OrderType, PositionType, TradeLogType
from projectx.exceptions import ValidationError
from projectx.models import (
    Account,
    Bar,
    Contract,
    Instrument,
    MarketTrade,
    Order,
    Position,
    Quote,
    Trade,
    ns_to_datetime,
)

LEGACY_ORDER = {
    "id": 2900000120,
    "accountId": 7001,
    "contractId": "CON.F.US.MNQ.Z25",
    "creationTimestamp": "2025-11-24T14:12:30.531104+00:00",
    "updateTimestamp": None,
    "status": 2,
    "type": 2,
    "side": 0,
    "size": 2,
    "limitPrice": None,
    "stopPrice": None,
    "filledPrice": 21021.75,
    "customTag": "strat-a-000017",
}
EXTENDED_ORDER = {
    **LEGACY_ORDER,
    "symbolId": "F.US.MNQ",
    "updateTimestamp": "2026-05-06T13:36:03.4962794+00:00",
    "fillVolume": 2,
    "trailDistance": 12,
    "trailPrice": 3.0,
    "parentOrderId": 2900000119,
    "linkedOrderId": 2900000122,
    "someFutureField": {"x": 1},
}


def test_order_from_legacy_profile_treats_missing_as_none():
    order = Order.from_wire(LEGACY_ORDER)
    assert order.id == 2900000120
    assert order.status is OrderStatus.FILLED
    assert order.type is OrderType.MARKET
    assert order.side is OrderSide.BUY
    assert order.symbol_id is None
    assert order.fill_volume is None
    assert order.updated_ns is None and order.updated_at is None
    assert order.created_at == datetime(2025, 11, 24, 14, 12, 30, 531104, tzinfo=UTC)


def test_order_from_extended_profile_reads_new_fields_and_ignores_unknown_keys():
    order = Order.from_wire(EXTENDED_ORDER)
    assert order.symbol_id == "F.US.MNQ"
    assert order.fill_volume == 2
    assert order.trail_distance == 12
    assert order.parent_order_id == 2900000119
    assert order.linked_order_id == 2900000122
    # 7 fractional digits: 100 ns resolution is kept in the *_ns field
    assert order.updated_ns is not None and order.updated_ns % 1000 == 400
    assert not hasattr(order, "someFutureField")


def test_hub_payload_without_null_keys_equals_rest_payload_with_nulls():
    with_nulls = Order.from_wire(LEGACY_ORDER)
    without = Order.from_wire({k: v for k, v in LEGACY_ORDER.items() if v is not None})
    assert with_nulls == without


def test_ids_above_int32_and_int64_range_stay_exact():
    big = 2**53 + 1  # not representable as float
    order = Order.from_wire({"id": big})
    assert order.id == big
    trade = Trade.from_wire({"id": 2**40 + 7, "orderId": 2**33 + 5})
    assert (trade.id, trade.order_id) == (2**40 + 7, 2**33 + 5)


def test_unknown_enum_value_is_kept_as_int():
    order = Order.from_wire({"id": 1, "status": 42})
    assert order.status == 42
    assert not isinstance(order.status, OrderStatus)
    assert Order.from_wire({"id": 1, "status": 8}).status is OrderStatus.SUSPENDED
    assert Order.from_wire({"id": 1, "status": "2"}).status is OrderStatus.FILLED
    with pytest.raises(ValidationError, match=r"Order\.status"):
        Order.from_wire({"id": 1, "status": True})


def test_wrong_types_raise_validation_error_naming_the_field():
    with pytest.raises(ValidationError, match=r"Order\.size"):
        Order.from_wire({"id": 1, "size": "two"})
    with pytest.raises(ValidationError, match=r"Order\.creationTimestamp"):
        Order.from_wire({"id": 1, "creationTimestamp": "yesterday"})
    with pytest.raises(ValidationError, match=r"Order\.id"):
        Order.from_wire({"accountId": 1})
    with pytest.raises(ValidationError, match="JSON object"):
        Order.from_wire([1, 2])  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match=r"Account\.canTrade"):
        Account.from_wire({"id": 1, "canTrade": "yes"})


def test_numbers_accept_integral_and_decimal_forms():
    pos = Position.from_wire(
        {"id": 88012, "accountId": 7001, "type": 1, "size": 2, "averagePrice": 49909}
    )
    assert pos.average_price == 49909.0 and isinstance(pos.average_price, float)
    assert pos.type is PositionType.LONG and pos.signed_size == 2
    short = Position.from_wire({"id": 1, "type": 2, "size": 3})
    assert short.signed_size == -3


def test_account_contract_and_trade_round_trip_fields():
    acc = Account.from_wire(
        {
            "id": 7001,
            "name": "PRAC",
            "balance": 50000.0,
            "canTrade": True,
            "isVisible": True,
            "simulated": True,
            "extra": 1,
        }
    )
    assert (acc.id, acc.name, acc.balance, acc.can_trade, acc.simulated) == (
        7001,
        "PRAC",
        50000.0,
        True,
        True,
    )
    c = Contract.from_wire(
        {
            "id": "CON.F.US.MNQ.Z25",
            "name": "MNQZ5",
            "tickSize": 0.25,
            "tickValue": 0.5,
            "activeContract": True,
            "symbolId": "F.US.MNQ",
        }
    )
    assert Instrument is Contract
    assert c.root == "MNQ" and c.point_value == 2.0
    assert Contract.from_wire({"id": "CON.F.US.EP.U25"}).root == "EP"
    t = Trade.from_wire(
        {
            "id": 2555000297,
            "accountId": 7001,
            "contractId": "CON.F.US.MNQ.Z25",
            "creationTimestamp": "2025-11-24T14:12:30.548812+00:00",
            "price": 21021.75,
            "profitAndLoss": None,
            "fees": 0.74,
            "side": 0,
            "size": 2,
            "voided": False,
            "orderId": 2900000120,
            "commissions": 0.5,
        }
    )
    assert t.is_half_turn and t.commissions == 0.5 and t.side is OrderSide.BUY


def test_bar_requires_all_ohlcv_fields_and_ignores_extras():
    bar = Bar.from_wire(
        {
            "t": "2025-11-24T14:15:00+00:00",
            "o": 1,
            "h": 2.5,
            "l": 0.5,
            "c": 2,
            "v": 412,
            "d": "2025-11-24",
            "k": 9,
        }
    )
    assert bar.time == datetime(2025, 11, 24, 14, 15, tzinfo=UTC)
    assert (bar.open, bar.high, bar.low, bar.close, bar.volume) == (1.0, 2.5, 0.5, 2.0, 412)
    with pytest.raises(ValidationError, match="v"):
        Bar.from_wire({"t": "2025-11-24T14:15:00+00:00", "o": 1, "h": 2, "l": 0, "c": 1})


def test_partial_quote_and_market_trade():
    q = Quote.from_wire({"symbol": "F.US.MNQ", "bestBid": 10.0, "bestAsk": 10.5}, "CON.X")
    assert q.contract_id == "CON.X" and q.last_price is None
    assert q.mid == 10.25 and q.spread == 0.5
    assert Quote.from_wire({"symbol": "F.US.MNQ"}).mid is None
    mt = MarketTrade.from_wire(
        {
            "symbolId": "F.US.MNQ",
            "price": 21021.75,
            "timestamp": "2025-11-24T14:12:30.548+00:00",
            "type": 1,
            "volume": 2,
        }
    )
    assert mt.type is TradeLogType.SELL and mt.volume == 2


def test_tick_grid_helpers():
    c = Contract(id="CON.F.US.RTY.Z25", tick_size=0.1, tick_value=5.0)
    assert c.is_on_tick(2000.3)
    assert not c.is_on_tick(2000.35)
    assert c.round_to_tick(2000.34) == 2000.3
    zb = Contract(id="CON.F.US.USA.M26", tick_size=0.03125)
    assert zb.is_on_tick(113.46875) and not zb.is_on_tick(113.47)


@settings(max_examples=200, deadline=None)
@given(
    st.integers(min_value=-(10**6), max_value=10**6),
    st.sampled_from([0.25, 0.1, 1.0, 0.03125, 0.005]),
)
def test_round_to_tick_lands_on_grid(ticks, tick):
    c = Contract(id="x", tick_size=tick)
    price = ticks * tick + tick * 0.3
    rounded = c.round_to_tick(price)
    assert c.is_on_tick(rounded)
    assert abs(rounded - ticks * tick) < tick * 1e-6


@settings(max_examples=200, deadline=None)
@given(st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2100, 1, 1)))
def test_timestamps_parse_to_the_same_instant_as_fromisoformat(moment):
    aware = moment.replace(tzinfo=UTC)
    text = aware.isoformat()
    order = Order.from_wire({"id": 1, "creationTimestamp": text})
    assert order.created_at == datetime.fromisoformat(text)
    assert ns_to_datetime(order.created_ns) == aware


def test_models_are_frozen():
    order = Order.from_wire(LEGACY_ORDER)
    with pytest.raises(AttributeError):
        order.size = 3  # type: ignore[misc]
