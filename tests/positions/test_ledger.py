"""The average-cost fill ledger against cash-flow identities (independent of the method)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from projectx.positions import FillLedger, unrealized_pnl

TICK, POINT_VALUE = 0.25, 2.0  # MNQ: tick value 0.5 / tick size 0.25

fills = st.lists(
    st.tuples(st.integers(-6, 6).filter(bool), st.integers(80_000, 80_040)), max_size=60
)


@settings(max_examples=200, deadline=None)
@given(fills, st.integers(80_000, 80_040))
def test_realised_plus_open_pnl_equals_the_cash_flow_at_any_mark(
    seq: list[tuple[int, int]], mark_ticks: int
) -> None:
    ledger = FillLedger("C", POINT_VALUE)
    realized = 0.0
    cash = 0.0  # price x contracts: paid for buys, received for sells
    size = 0
    trips_pnl = 0.0
    for qty, ticks in seq:
        price = ticks * TICK
        result = ledger.apply(qty, price)
        realized += result.realized or 0.0
        if result.closed is not None:
            trips_pnl += result.closed.pnl
        cash -= qty * price
        size += qty
        assert ledger.size == size
        if result.realized is None:
            # pure opening fill: the position grew (or started) in the fill's direction
            assert abs(ledger.size) >= abs(qty) and (ledger.size > 0) == (qty > 0)
    mark = mark_ticks * TICK
    open_pnl = unrealized_pnl(ledger.size, ledger.average_price, mark, POINT_VALUE)
    assert abs((realized + open_pnl) - (cash + size * mark) * POINT_VALUE) < 1e-6
    if ledger.size == 0:
        assert abs(trips_pnl - realized) < 1e-6


def test_a_flip_closes_one_trip_and_opens_the_next_at_the_fill_price() -> None:
    ledger = FillLedger("C", POINT_VALUE)
    ledger.apply(2, 100.0, fees=1.0, ts_ns=1)
    ledger.apply(1, 101.0, fees=0.5, ts_ns=2)  # avg 100.333..
    result = ledger.apply(-5, 103.0, fees=2.5, ts_ns=3)  # closes 3, opens 2 short
    assert result.realized is not None
    assert abs(result.realized - (3 * 103.0 - (2 * 100.0 + 101.0)) * POINT_VALUE) < 1e-9
    trip = result.closed
    assert trip is not None and trip.long and trip.max_size == 3
    assert abs(trip.fees - (1.0 + 0.5 + 2.5 * 3 / 5)) < 1e-9
    assert trip.exit_price == 103.0 and trip.opened_ns == 1 and trip.closed_ns == 3
    assert ledger.size == -2 and ledger.average_price == 103.0
    back = ledger.apply(2, 102.0, fees=1.0, ts_ns=4)
    assert back.closed is not None and not back.closed.long
    assert abs(back.closed.pnl - 2 * 1.0 * POINT_VALUE) < 1e-9
    assert abs(back.closed.fees - (2.5 * 2 / 5 + 1.0)) < 1e-9


def test_the_gateways_pnl_is_what_a_trip_books() -> None:
    ledger = FillLedger("C", POINT_VALUE)
    ledger.apply(1, 100.0)
    result = ledger.apply(-1, 101.0, gateway_pnl=1.99)
    assert result.realized == 2.0 and result.closed is not None and result.closed.pnl == 1.99
