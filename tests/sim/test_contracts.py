"""Contract table, front-month ids and decimal-safe tick arithmetic (spec §4.3, §6)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from projectx.sim.clock import ManualClock, format_ts, parse_ts
from projectx.sim.contracts import (
    OffTickError,
    UnknownSymbolError,
    default_contracts,
    front_month,
    previous_contract,
    resolve_symbols,
)

NOW = parse_ts("2026-11-24T14:00:00Z")
SPECS = default_contracts(NOW)


def test_wire_form_has_exactly_the_seven_documented_keys() -> None:
    (mnq,) = resolve_symbols(["MNQ"], NOW)
    assert mnq.to_wire("legacy") == {
        "id": "CON.F.US.MNQ.Z26",
        "name": "MNQZ6",
        "description": "Micro E-mini Nasdaq-100: December 2026",
        "tickSize": 0.25,
        "tickValue": 0.5,
        "activeContract": True,
        "symbolId": "F.US.MNQ",
    }
    assert mnq.to_wire("extended") == mnq.to_wire("legacy")


@pytest.mark.parametrize(
    ("root", "tick_size", "tick_value"),
    [
        ("MNQ", 0.25, 0.5),
        ("ENQ", 0.25, 5.0),
        ("EP", 0.25, 12.5),
        ("MES", 0.25, 1.25),
        ("RTY", 0.1, 5.0),
        ("MYM", 1.0, 0.5),
        ("USA", 0.03125, 31.25),
        ("NQG", 0.005, 12.5),
        ("NQM", 0.025, 12.5),
        ("BP6", 0.0001, 6.25),
        ("CA6", 0.00005, 5.0),
        ("DA6", 0.00005, 5.0),
        ("EU6", 0.00005, 6.25),
    ],
)
def test_tick_table_matches_spec_6_2(root: str, tick_size: float, tick_value: float) -> None:
    spec = next(s for s in SPECS if s.root == root)
    assert (spec.tick_size, spec.tick_value) == (tick_size, tick_value)
    assert spec.symbol_id == f"F.US.{root}"
    assert spec.id.startswith(f"CON.F.US.{root}.")
    assert spec.is_aligned(spec.start_price)


def test_resolve_symbols_accepts_roots_and_cme_tickers() -> None:
    got = resolve_symbols(["es", "NQ", "MNQ", "ZB", "6E", "EP"], NOW)
    assert [s.root for s in got] == ["EP", "ENQ", "MNQ", "USA", "EU6"]  # EP deduplicated
    assert got[0].name == "ESZ6" and got[1].name == "NQZ6"
    with pytest.raises(UnknownSymbolError):
        resolve_symbols(["NOPE"], NOW)
    assert resolve_symbols([], NOW)  # default set


def test_front_month_rolls_before_expiry() -> None:
    assert front_month(parse_ts("2026-11-24T00:00:00Z")) == (2026, 12)
    # third Friday of December 2026 is the 18th; the roll is 8 days earlier
    assert front_month(parse_ts("2026-12-09T00:00:00Z")) == (2026, 12)
    assert front_month(parse_ts("2026-12-10T00:00:00Z")) == (2027, 3)
    assert front_month(parse_ts("2026-01-15T00:00:00Z")) == (2026, 3)
    assert front_month(parse_ts("2026-11-10T00:00:00Z"), monthly=True) == (2026, 12)
    assert front_month(parse_ts("2026-11-24T00:00:00Z"), monthly=True) == (2027, 1)
    assert front_month(parse_ts("2026-12-21T00:00:00Z"), monthly=True) == (2027, 2)


def test_previous_contract_is_inactive_and_one_cycle_earlier() -> None:
    (mnq,) = resolve_symbols(["MNQ"], NOW)
    old = previous_contract(mnq)
    assert old.id == "CON.F.US.MNQ.U26" and old.active is False
    assert old.to_wire()["activeContract"] is False


def test_display_name_has_a_two_digit_year() -> None:
    (mym,) = resolve_symbols(["MYM"], parse_ts("2026-04-01T00:00:00Z"))
    assert mym.display_name == "MYMM26" and mym.name == "MYMM6"


@settings(max_examples=200, deadline=None)
@given(idx=st.integers(0, len(SPECS) - 1), ticks=st.integers(-(10**7), 10**7))
def test_ticks_round_trip_through_prices_exactly(idx: int, ticks: int) -> None:
    spec = SPECS[idx]
    price = spec.price(ticks)
    exact = Decimal(ticks) * Decimal(repr(spec.tick_size))
    assert Decimal(repr(price)) == exact.normalize() or price == float(exact)
    assert spec.to_ticks(price) == ticks
    assert spec.is_aligned(price)


@settings(max_examples=200, deadline=None)
@given(idx=st.integers(0, len(SPECS) - 1), ticks=st.integers(-(10**6), 10**6))
def test_prices_between_ticks_are_rejected(idx: int, ticks: int) -> None:
    spec = SPECS[idx]
    off = float(Decimal(ticks) * Decimal(repr(spec.tick_size)) + Decimal(repr(spec.tick_size)) / 3)
    assert not spec.is_aligned(off)
    with pytest.raises(OffTickError):
        spec.to_ticks(off)


def test_clock_and_timestamps() -> None:
    c = ManualClock(NOW)
    assert c.advance(1_500) == NOW + 1_500
    with pytest.raises(ValueError):
        c.advance(-1)
    with pytest.raises(ValueError):
        c.set(NOW)
    assert format_ts(NOW + 123_456_789) == "2026-11-24T14:00:00.123456+00:00"
    for text in (
        "2026-11-24T14:00:00.123456+00:00",
        "2026-11-24T14:00:00.1234567+00:00",
        "2026-11-24T14:00:00.123456Z",
        "2026-11-24T15:00:00.123456+01:00",
    ):
        assert parse_ts(text) // 1000 == (NOW + 123_456_000) // 1000, text
    assert parse_ts("2026-11-24T14:00:00Z") == NOW
    with pytest.raises(ValueError):
        parse_ts("yesterday")
