"""The chaos checks themselves: each one reports a planted violation (so a clean table means
something), and the fault deck deals every kind once per round."""

from __future__ import annotations

import random
from collections import Counter
from types import SimpleNamespace
from typing import Any

import pytest

from projectx.events import EventType
from tests.chaos.faults import KINDS, FaultInjector, SlowConsumer
from tests.chaos.invariants import (
    EventRecorder,
    Truth,
    check_event_order,
    check_fills,
    check_pnl,
    check_sent_once,
)

pytestmark = pytest.mark.chaos


def _truth(**kw: Any) -> Truth:
    base: dict[str, Any] = {
        "account_id": 1,
        "orders": {},
        "trades": [],
        "positions": {},
        "balance": 100.0,
        "place_tags": Counter(),
        "place_requests": 0,
    }
    base.update(kw)
    return Truth(**base)


def _suite(orders: dict[int, Any] | None = None, **positions: Any) -> Any:
    known = orders or {}
    return SimpleNamespace(
        orders=SimpleNamespace(get_order=known.get),
        positions=SimpleNamespace(
            realized_pnl=lambda: positions.get("pnl", 0.0),
            total_fees=lambda: positions.get("fees", 0.0),
            balance=positions.get("balance", 100.0),
        ),
    )


def test_fills_missing_duplicated_and_phantom_are_reported() -> None:
    rec = EventRecorder()
    rec.trade_ids.update({1: 1, 2: 2, 9: 1})
    truth = _truth(
        trades=[{"id": 1, "orderId": 5}, {"id": 2, "orderId": 5}, {"id": 3, "orderId": 5}]
    )
    order = SimpleNamespace(trades=[SimpleNamespace(id=1), SimpleNamespace(id=2)])
    out = check_fills(_suite({5: order}), truth, rec)
    assert any("fill 2: TRADE_EXECUTED 2 times" in m for m in out)
    assert any("fill 3: TRADE_EXECUTED 0 times" in m for m in out)
    assert any("fill 9" in m and "no such fill" in m for m in out)
    assert any("order 5" in m for m in out)  # its record misses fill 3
    rec_ok = EventRecorder()
    rec_ok.trade_ids.update({1: 1})
    ok_order = SimpleNamespace(trades=[SimpleNamespace(id=1)])
    assert (
        check_fills(_suite({5: ok_order}), _truth(trades=[{"id": 1, "orderId": 5}]), rec_ok) == []
    )


def test_a_tag_placed_twice_and_an_untagged_place_are_reported() -> None:
    assert check_sent_once(_truth(place_tags=Counter({"a": 1, "b": 1}), place_requests=2)) == []
    out = check_sent_once(_truth(place_tags=Counter({"a": 2}), place_requests=3))
    assert any("tag a placed 2 times" in m for m in out)
    assert any("without a client tag" in m for m in out)


def test_pnl_fees_and_balance_differences_are_reported() -> None:
    trades = [
        {"id": 1, "profitAndLoss": None, "fees": 0.5},
        {"id": 2, "profitAndLoss": 12.5, "fees": 0.5},
        {"id": 3, "profitAndLoss": 99.0, "fees": 0.5, "voided": True},
    ]
    truth = _truth(trades=trades, balance=111.5)
    assert check_pnl(_suite(pnl=12.5, fees=1.0, balance=111.5), truth) == []
    assert len(check_pnl(_suite(pnl=111.5, fees=1.5, balance=11.5), truth)) == 3


def test_order_states_going_back_and_bars_out_of_order_are_reported() -> None:
    rec = EventRecorder()
    placed, filled = str(EventType.ORDER_PLACED), str(EventType.ORDER_FILLED)
    cancelled = str(EventType.ORDER_CANCELLED)
    rec.order_states[1] = [(placed, "working"), (filled, "filled")]
    assert check_event_order(rec, {}) == []
    rec.order_states[2] = [(placed, "partially_filled"), (placed, "working")]
    rec.order_states[3] = [(filled, "filled"), (placed, "filled")]
    rec.order_states[4] = [(placed, "working"), (filled, "filled"), (cancelled, "cancelled")]
    rec.bar_labels["1sec"] = [1, 2, 2, 3]
    out = check_event_order(rec, {"1min": [60, 0]})
    assert any("order 2" in m and "went back" in m for m in out)
    assert any("order 2" in m and "ORDER_PLACED 2 times" in m for m in out)
    assert any("order 3" in m and "before ORDER_PLACED" in m for m in out)
    assert any("order 4" in m and "several terminal" in m for m in out)
    assert any("1sec (inline)" in m for m in out)
    assert any("1min (async)" in m for m in out)


@pytest.mark.parametrize("seed", range(5))
def test_every_round_of_the_deck_deals_each_kind_once(seed: int) -> None:
    injector = FaultInjector(
        SimpleNamespace(),  # type: ignore[arg-type]
        random.Random(seed),
        interval_s=0.1,
        slow=SlowConsumer(),
    )
    for _ in range(3):
        dealt = [injector.next_kind() for _ in KINDS]
        assert sorted(dealt) == sorted(KINDS)
