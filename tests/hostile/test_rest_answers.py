"""REST answers a broken or hostile Gateway could give (issue #14, item 7), over real sockets.

:meth:`Faults.answer_next` makes the next answer of an endpoint a given body (with
``process=True`` the simulator acts on the request first, so only the answer lies). Each test
asserts: still working (market data flows, an order places and cancels), reported (a counter by
reason plus an ``ANOMALY`` event and a health reason), consistent with the simulator's truth.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from projectx.client.answers import ImplausibleAnswerError, ImplausibleOrderIdError
from projectx.enums import OrderSide
from projectx.exceptions import APIError, OrderSubmissionUncertainError
from projectx.orders import OrderState
from projectx.sim import Simulator
from projectx.suite import TradingSuite
from tests.hostile.conftest import config_for, eventually
from tests.hostile.test_user_events import Session


def ok(**payload: Any) -> dict[str, Any]:
    return {**payload, "success": True, "errorCode": 0, "errorMessage": None}


@pytest.fixture
async def session(sim: Simulator, tmp_path: Path) -> AsyncIterator[Session]:
    suite = TradingSuite(
        "MNQ",
        timeframes=["1min"],
        initial_days=0,
        features=["orderbook", "risk"],
        config=config_for(sim),
        state_path=tmp_path / "risk.json",
    )
    async with suite:
        yield Session(sim, suite)


def _limit_price(s: Session) -> float:
    bid = s.sim.market.best_bid(s.cid)
    assert bid is not None
    return float(bid - 40 * s.suite["MNQ"].data.tick_size)


async def test_place_success_with_a_negative_order_id_is_uncertain_and_ends_lost(
    session: Session,
) -> None:
    s = session
    om = s.suite.orders
    s.sim.faults.answer_next("Order/place", ok(orderId=-5))  # nothing was placed
    with pytest.raises(OrderSubmissionUncertainError) as err:
        await om.place_limit_order(s.suite["MNQ"].contract, OrderSide.BUY, 1, _limit_price(s))
    assert isinstance(err.value, ImplausibleOrderIdError)
    assert err.value.reason == "order_id_not_positive"
    (rec,) = om.lost_orders()
    # an explicit state, never "working" nor "cancelled"; cancel_all does not count it
    assert rec.state is OrderState.LOST and rec.order_id is None
    assert await om.cancel_all_orders() == 0 and rec.state is OrderState.LOST
    assert om.stats()["lost"] == 1 and om.stats()["lost_now"] == 1
    assert s.suite.client.anomalies.by_reason["order_id_not_positive"] == 1
    assert s.reported("order_id_not_positive") and s.reported("order_lost")
    assert any("lost" in r for r in s.health_reasons())
    s.assert_consistent()
    await s.still_working()
    s.assert_consistent()


async def test_place_success_with_a_negative_order_id_is_found_by_tag_when_it_was_placed(
    session: Session,
) -> None:
    s = session
    om = s.suite.orders
    s.sim.faults.answer_next("Order/place", ok(orderId=-5), process=True)  # placed; answer lies
    rec = await om.place_limit_order(s.suite["MNQ"].contract, OrderSide.BUY, 1, _limit_price(s))
    assert rec.order_id is not None and rec.order_id > 0
    assert rec.order_id in s.truth_open_orders()
    assert om.stats()["recovered_by_tag"] == 1 and om.lost_orders() == []
    assert s.reported("order_id_not_positive")
    s.assert_consistent()
    assert await om.cancel_order(rec)
    await eventually(lambda: rec.state is OrderState.CANCELLED)
    s.assert_consistent()
    await s.still_working()


async def test_a_lost_order_that_turns_up_later_is_revived(session: Session) -> None:
    s = session
    om = s.suite.orders
    empty = ok(orders=[])
    s.sim.faults.stall_hub("user")  # the order's hub events (carrying its tag) are held back
    s.sim.faults.answer_next("Order/place", ok(orderId=0), process=True)
    s.sim.faults.answer_next("Order/search", empty, n=om.uncertain_checks)  # tag look-ups fail
    with pytest.raises(OrderSubmissionUncertainError):
        await om.place_limit_order(s.suite["MNQ"].contract, OrderSide.BUY, 1, _limit_price(s))
    (rec,) = om.lost_orders()
    assert s.reported("order_lost")
    await om.reconcile()  # REST tells the truth now
    assert rec.state is OrderState.WORKING and rec.order_id in s.truth_open_orders()
    assert om.stats()["found_after_lost"] == 1 and om.lost_orders() == []
    s.sim.faults.resume_hub("user")  # the late hub events change nothing
    s.assert_consistent()
    assert await om.cancel_all_orders() == 1
    await eventually(lambda: rec.state is OrderState.CANCELLED)
    s.assert_consistent()
    await s.still_working()


async def test_an_open_position_of_negative_size_is_refused(session: Session) -> None:
    s = session
    await s.hold_long(1)
    row = {
        "id": 1,
        "accountId": s.aid,
        "contractId": s.cid,
        "creationTimestamp": "2026-01-05T15:00:00+00:00",
        "type": 1,
        "size": -2,
        "averagePrice": 20000.0,
    }
    s.sim.faults.answer_next("Position/searchOpen", ok(positions=[row]))
    with pytest.raises(ImplausibleAnswerError) as err:
        await s.suite.positions.reconcile()
    assert err.value.reason == "position_negative_size"
    assert s.positions() == {s.cid: 1}  # kept; nothing of the answer was used
    assert s.suite.client.anomalies.by_reason["position_negative_size"] == 1
    assert s.reported("position_negative_size")
    s.assert_consistent()
    await s.suite.positions.reconcile()  # the next, honest answer is used again
    s.assert_consistent()
    await s.still_working()


async def test_open_orders_of_another_account_or_without_one_are_refused(
    session: Session,
) -> None:
    s = session
    om = s.suite.orders
    row = {
        "id": 3_200_000_001,
        "contractId": s.cid,
        "creationTimestamp": "2026-01-05T15:00:00+00:00",
        "status": 1,
        "type": 1,
        "side": 0,
        "size": 1,
        "limitPrice": 19000.0,
        "fillVolume": 0,
    }
    for bad, reason in (({}, "missing_account_id"), ({"accountId": 9999}, "foreign_account")):
        s.sim.faults.answer_next("Order/searchOpen", ok(orders=[{**row, **bad}]))
        with pytest.raises(ImplausibleAnswerError) as err:
            await om.reconcile()
        assert err.value.reason == reason
        assert s.reported(reason)
    assert om.get_order(3_200_000_001) is None  # no phantom adopted order
    s.assert_consistent()
    await s.still_working()


def _bar(t: datetime, o: Any, h: Any, lo: Any, c: Any, v: Any) -> dict[str, Any]:
    return {"t": t.isoformat(), "o": o, "h": h, "l": lo, "c": c, "v": v}


async def test_bars_with_nan_strings_negative_volume_or_high_below_low_are_dropped(
    session: Session,
) -> None:
    s = session
    px = s.suite.client
    end = datetime.now(UTC).replace(second=0, microsecond=0)
    t = [end - timedelta(minutes=m) for m in range(1, 8)]
    bars = [
        _bar(t[0], 10.0, 11.0, 9.0, 10.5, 5),
        _bar(t[1], "NaN", 11.0, 9.0, 10.5, 5),
        _bar(t[2], 10.0, 11.0, 9.0, 10.5, -3),
        _bar(t[3], 10.0, 9.0, 11.0, 10.0, 5),
        _bar(t[4], 10.0, "Infinity", 9.0, 10.5, 5),
        _bar(t[5], 10.0, 11.0, 9.0, 12.0, 5),
        _bar(t[6], "10.25", 11.0, 9.0, 10.5, 4),  # a numeric string is a number (spec §10)
    ]
    s.sim.faults.answer_next("History/retrieveBars", ok(bars=bars))
    frame = await px.get_bars(s.cid, "1min", start=end - timedelta(hours=1), end=end)
    # exactly the plausible bars of the answer, ascending
    assert frame["ts"].to_list() == [t[6], t[0]]
    assert frame["open"].to_list() == [10.25, 10.0]
    assert dict(px.anomalies.by_reason) == {
        "bar_non_finite": 2,
        "bar_negative_volume": 1,
        "bar_high_below_low": 1,
        "bar_open_close_outside_range": 1,
    }
    assert s.reported("bar_non_finite")
    # the next, honest answer is the simulator's bars
    sim_frame = await px.get_bars(s.cid, "1min", limit=5)
    assert sim_frame["volume"].min() >= 0 and px.anomalies.total == 5
    await s.still_working()


async def test_a_bars_answer_that_is_not_json_is_an_api_error_and_counted(
    session: Session,
) -> None:
    s = session
    px = s.suite.client
    raw = '{"bars":[{"t":"2026-01-05T15:00:00+00:00","o":NaN,"h":1,"l":1,"c":1,"v":1}],'
    raw += '"success":true,"errorCode":0,"errorMessage":null}'
    s.sim.faults.answer_next("History/retrieveBars", raw)
    with pytest.raises(APIError):
        await px.get_bars(s.cid, "1min", limit=5)
    assert px.anomalies.by_reason["unreadable_answer"] == 1
    assert s.reported("unreadable_answer")
    await s.still_working()
    s.assert_consistent()


async def test_hostile_fills_in_trade_search_refuse_the_answer(session: Session) -> None:
    s = session
    await s.hold_long(1)
    real = s.truth_trades()[0]
    fees = s.suite.positions.total_fees()
    for bad, reason in (
        ({"fees": -50.0}, "negative_fees"),
        ({"size": 0}, "size_out_of_range"),
        ({"orderId": None}, "missing_order_id"),
        ({"id": 2**63}, "id_out_of_range"),
    ):
        s.sim.faults.answer_next("Trade/search", ok(trades=[{**real, **bad}]))
        with pytest.raises(ImplausibleAnswerError):
            await s.suite.positions.reconcile()
        assert s.suite.client.anomalies.by_reason[reason] == 1
    assert s.suite.positions.total_fees() == fees
    assert s.reported("negative_fees")
    s.assert_consistent()
    await s.still_working()
    s.assert_consistent()
