"""FillBook on its own: once per id, voids (kept and forgotten fills), fills held for a
contract's point value, REST corrections, and the round trips it cuts."""

from __future__ import annotations

from typing import Any

import pytest

from projectx.models import Trade
from projectx.positions.fills import FillBook

CID = "CON.F.US.MNQ.Z26"
PV = 2.0  # MNQ: tick value 0.5 / tick size 0.25


def fill(tid: int, side: int, size: int, price: float, **kw: Any) -> Trade:
    data = {
        "id": tid,
        "accountId": 1,
        "contractId": CID,
        "creationTimestamp": "2026-11-24T15:00:00+00:00",
        "price": price,
        "fees": 0.5,
        "side": side,
        "size": size,
        "voided": False,
        "orderId": 1,
        **kw,
    }
    return Trade.from_wire(data)


def book(limit: int = 1_000, pv: float | None = PV) -> FillBook:
    return FillBook(history_limit=limit, point_value=lambda _cid: pv)


def test_a_fill_counts_once_and_its_late_void_is_taken_out() -> None:
    b = book()
    seen: list[int] = []
    b.add_listener(lambda t: seen.append(t.id))
    assert b.ingest(fill(1, 0, 1, 100.0))
    assert b.ingest(fill(2, 1, 1, 101.0, profitAndLoss=2.0))
    assert not b.ingest(fill(2, 1, 1, 101.0, profitAndLoss=2.0))
    assert seen == [1, 2]
    assert b.realized(CID) == pytest.approx(2.0)
    assert b.fees() == pytest.approx(1.0)
    assert [t.net_pnl for t in b.round_trips] == pytest.approx([1.0])
    assert not b.ingest(fill(2, 1, 1, 101.0, profitAndLoss=2.0, voided=True))
    assert b.realized() == pytest.approx(0.0)
    assert b.fees(CID) == pytest.approx(0.5)
    assert (b.counted, b.kept, b.round_trips_total, b.mismatches) == (2, 2, 1, 0)


def test_a_forgotten_fill_is_not_counted_again_and_its_void_counts_once() -> None:
    b = book(limit=1_000)
    for tid in range(1, 1_002):  # one more than the limit: fill 1 is forgotten
        b.ingest(fill(tid, 0, 1, 100.0, fees=0.0))
    assert b.kept == 1_000 and b.counted == 1_001
    assert not b.is_new(fill(1, 0, 1, 100.0))
    assert not b.ingest(fill(1, 0, 1, 100.0, fees=1.0))
    assert b.fees() == pytest.approx(0.0)
    voided = fill(1, 0, 1, 100.0, fees=0.0, profitAndLoss=3.0, voided=True)
    b.ingest(voided)
    b.ingest(voided)
    assert b.realized() == pytest.approx(-3.0)


def test_fills_wait_for_the_point_value_then_replay_in_order() -> None:
    b = book(pv=None)
    b.ingest(fill(1, 0, 2, 100.0))
    b.ingest(fill(2, 1, 2, 100.5, profitAndLoss=2.0))
    assert b.round_trips == [] and b.realized() == pytest.approx(2.0)
    b.contract_resolved(CID, PV)
    (trip,) = b.round_trips
    assert (trip.long, trip.max_size, trip.pnl) == (True, 2, pytest.approx(2.0))
    assert b.mismatches == 0


def test_rest_corrects_a_fill_booked_differently() -> None:
    b = book()
    b.ingest(fill(1, 0, 1, 100.0, fees=0.5))
    fixed = fill(1, 0, 1, 100.0, fees=0.75)
    (pair,) = b.correct([fixed, fill(9, 0, 1, 100.0)])
    assert pair[1] is fixed and pair[0].fees == pytest.approx(0.5)
    assert b.fees() == pytest.approx(0.75)
    assert b.trades(CID) == [fixed]
    assert b.correct([fixed]) == []
