"""The REST-answer boundary: entity checks, Order/place order ids, bar plausibility."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from projectx.client.answers import (
    ImplausibleAnswerError,
    checked_order,
    checked_position,
    parse_entities,
    place_order_id,
)
from projectx.client.bars import decode_bars
from projectx.enums import OrderSide, PositionType
from projectx.exceptions import APIError
from projectx.models import Order, Position, Trade
from projectx.plausibility import (
    AnomalyError,
    AnomalyLog,
    check_order,
    check_position,
    check_trade,
    decode_user_entity,
)

ORDER = {
    "id": 2_900_000_114,
    "accountId": 7001,
    "contractId": "CON.F.US.MNQ.Z25",
    "status": 1,
    "type": 4,
    "side": 1,
    "size": 2,
    "stopPrice": 20990.0,
    "fillVolume": 0,
}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (2_900_000_120, (2_900_000_120, None)),
        (None, (None, None)),
        (-5, (None, "order_id_not_positive")),
        (0, (None, "order_id_not_positive")),
        (2**63, (None, "order_id_out_of_range")),
        ("2900000120", (None, "order_id_wrong_type")),
        (True, (None, "order_id_wrong_type")),
        (12.0, (None, "order_id_wrong_type")),
    ],
)
def test_place_order_ids_that_cannot_be_real_are_named(value: Any, expected: Any) -> None:
    assert place_order_id(value) == expected


def test_a_plausible_order_passes_unchanged() -> None:
    order = checked_order(ORDER)
    assert order.id == ORDER["id"] and check_order(order) is order


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"accountId": None}, "missing_account_id"),
        ({"id": -1}, "id_not_positive"),
        ({"status": 77}, "unknown_status"),
        ({"fillVolume": 3}, "fill_volume_above_size"),
        ({"size": 0}, "size_out_of_range"),
        ({"contractId": " "}, "missing_contract_id"),
        ({"parentOrderId": 0}, "id_not_positive"),
    ],
)
def test_implausible_orders_are_refused_with_their_reason(change: dict[str, Any], reason: str):
    with pytest.raises(AnomalyError) as err:
        checked_order({**ORDER, **change})
    assert err.value.reason == reason


def test_position_direction_lives_in_type_and_size_is_never_negative() -> None:
    base = {"id": 1, "accountId": 7001, "contractId": "C", "type": 1, "averagePrice": 1.0}
    assert checked_position({**base, "size": 3}).signed_size == 3
    assert checked_position({**base, "size": 0, "type": 0}).size == 0  # flat: any type
    for change, reason in (
        ({"size": -3}, "position_negative_size"),
        ({"size": 3, "type": 0}, "position_type_invalid"),
        ({"size": 3, "averagePrice": None}, "missing_average_price"),
        ({"size": 3, "averagePrice": -100.0}, "price_not_positive"),
        ({"size": 3, "averagePrice": 0.0}, "price_not_positive"),
    ):
        with pytest.raises(AnomalyError) as err:
            checked_position({**base, **change})
        assert err.value.reason == reason
    pos = Position(id=1, account_id=7001, contract_id="C", type=PositionType.SHORT, size=-1)
    with pytest.raises(AnomalyError):
        check_position(pos)


def test_fills_need_an_order_a_positive_size_and_no_negative_fees() -> None:
    trade = Trade(
        id=1, account_id=7001, contract_id="C", price=1.0, side=OrderSide.BUY, size=1, order_id=9
    )
    assert check_trade(trade) is trade
    for kw, reason in (
        ({"order_id": None}, "missing_order_id"),
        ({"size": 0}, "size_out_of_range"),
        ({"fees": -0.01}, "negative_fees"),
        ({"side": 2}, "unknown_side"),
        ({"price": -5.0}, "price_not_positive"),
        ({"price": 0.0}, "price_not_positive"),
        ({"price": float("inf")}, "price_not_positive"),
    ):
        bad = Trade(**{**_fields(trade), **kw})
        with pytest.raises(AnomalyError) as err:
            check_trade(bad)
        assert err.value.reason == reason


def _fields(trade: Trade) -> dict[str, Any]:
    return {name: getattr(trade, name) for name in Trade.__slots__}


def test_user_entities_decode_once_and_type_errors_are_malformed() -> None:
    assert isinstance(decode_user_entity("GatewayUserOrder", ORDER), Order)
    with pytest.raises(AnomalyError) as err:
        decode_user_entity("GatewayUserOrder", {**ORDER, "size": "two"})
    assert err.value.reason == "malformed"
    with pytest.raises(AnomalyError) as err:
        decode_user_entity("GatewayUserSomething", ORDER)
    assert err.value.reason == "unknown_target"


def test_one_implausible_item_refuses_the_whole_answer_and_is_counted() -> None:
    log = AnomalyLog("rest")
    seen: list[str] = []
    log.subscribe(lambda a: seen.append(a.reason))
    env = {"orders": [ORDER, {**ORDER, "id": 0}]}
    with pytest.raises(ImplausibleAnswerError) as err:
        parse_entities(env, "orders", checked_order, "Order/searchOpen", log, account_id=7001)
    assert err.value.reason == "id_not_positive" and isinstance(err.value, APIError)
    with pytest.raises(ImplausibleAnswerError):
        parse_entities(
            {"orders": [ORDER]}, "orders", checked_order, "Order/search", log, account_id=1
        )
    assert seen == ["id_not_positive", "foreign_account"]
    assert log.snapshot()["recent"] == 2 and log.by_reason["foreign_account"] == 1


def test_a_failing_listener_does_not_fail_the_report() -> None:
    log = AnomalyLog("rest")

    def boom(_: Any) -> None:
        raise RuntimeError("listener bug")

    log.subscribe(boom)
    log.report("X", "why")
    assert log.total == 1


T0 = datetime(2026, 1, 5, 15, tzinfo=UTC)


def _bar(m: int, o: Any = 10.0, h: Any = 11.0, lo: Any = 9.0, c: Any = 10.5, v: Any = 5) -> Any:
    return {"t": (T0 + timedelta(minutes=m)).isoformat(), "o": o, "h": h, "l": lo, "c": c, "v": v}


def test_implausible_bars_are_dropped_and_counted_by_reason() -> None:
    frame, dropped, oldest = decode_bars(
        [
            _bar(9),
            _bar(8, o="NaN"),
            _bar(7, c=float("inf")),
            _bar(6, v=-1),
            _bar(5, v=2.5),
            _bar(4, h=8.0),
            _bar(3, c=12.0),
            _bar(2, o=10**400),
            _bar(1, v=2**70),
            _bar(0, o="10.25", v=3.0),
        ]
    )
    assert frame.height == 2 and frame["open"].to_list() == [10.0, 10.25]
    assert frame["volume"].to_list() == [5, 3]
    assert dict(dropped) == {
        "bar_non_finite": 4,
        "bar_negative_volume": 1,
        "bar_fractional_volume": 1,
        "bar_high_below_low": 1,
        "bar_open_close_outside_range": 1,
    }
    assert oldest == int(T0.timestamp()) * 10**9  # dropped bars still move the paging on


@pytest.mark.parametrize(
    "bad",
    [_bar(0, o=None), _bar(0, v="x"), _bar(0, o=True), {"t": "yesterday", "o": 1}, "not a bar"],
)
def test_bars_of_the_wrong_types_make_the_answer_malformed(bad: Any) -> None:
    with pytest.raises(APIError):
        decode_bars([_bar(1), bad])
