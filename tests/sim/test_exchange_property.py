"""Positions, realised P&L and balance of the Exchange against a tiny reference model.

The model works in exact decimal *prices* (``Fraction`` of the price strings) with the formulas
of spec §6.2 and the balance rule of §9.7; the exchange works in integer ticks. Random market
orders are filled at a price chosen by setting the book.
"""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from projectx.sim.clock import ManualClock, parse_ts
from projectx.sim.contracts import resolve_symbols
from projectx.sim.exchange import Exchange
from projectx.sim.market import MarketSimulator

T0 = parse_ts("2026-11-24T14:00:00Z")


class RefPosition:
    """Net position, average price and realised P&L, from the spec's formulas."""

    def __init__(self, tick_size: str, tick_value: str) -> None:
        self.point_value = Fraction(tick_value) / Fraction(tick_size)
        self.size = 0  # signed
        self.avg = Fraction(0)

    def fill(self, buy: bool, qty: int, price: Fraction) -> Fraction | None:
        signed = qty if buy else -qty
        if self.size == 0 or (self.size > 0) == buy:
            n = abs(self.size)
            self.avg = (self.avg * n + price * qty) / (n + qty)
            self.size += signed
            return None
        closing = min(qty, abs(self.size))
        if self.size > 0:
            pnl = (price - self.avg) * closing * self.point_value
        else:
            pnl = (self.avg - price) * closing * self.point_value
        self.size += signed
        if (self.size > 0) == buy and self.size != 0:  # flipped: rest opens at the fill price
            self.avg = price
        return pnl


ops = st.lists(
    st.tuples(st.booleans(), st.integers(1, 12), st.integers(-40, 40)), min_size=1, max_size=25
)


@settings(max_examples=120, deadline=None)
@given(ops=ops, use_zb=st.booleans())
def test_positions_pnl_and_balance_match_the_reference(
    ops: list[tuple[bool, int, int]], use_zb: bool
) -> None:
    clock = ManualClock(T0)
    spec = resolve_symbols(["ZB" if use_zb else "MNQ"], T0)[0]
    market = MarketSimulator([spec], seed=1, rate_per_s=0, clock=clock)
    x = Exchange(market, clock)
    start_balance = 1_000_000.0
    x.add_user("u", "k", [{"id": 1, "name": "A", "balance": start_balance}])
    ref = RefPosition(repr(spec.tick_size), repr(spec.tick_value))
    balance = start_balance
    tick = Fraction(repr(spec.tick_size))
    base = Fraction(repr(spec.start_price))
    position_ids: set[int] = set()
    last_id = None
    for buy, qty, offset in ops:
        price = base + offset * tick
        fp = float(price)
        if buy:
            market.set_book(spec.id, bid=float(price - tick), ask=fp, sizes=1000)
        else:
            market.set_book(spec.id, bid=fp, ask=float(price + tick), sizes=1000)
        env = x.handle(
            "Order/place",
            "u",
            {
                "accountId": 1,
                "contractId": spec.id,
                "type": 2,
                "side": 0 if buy else 1,
                "size": qty,
            },
        )
        assert env["success"], env
        was_flat_or_flip = ref.size == 0
        before = ref.size
        expected_pnl = ref.fill(buy, qty, price)
        flipped = before != 0 and ref.size != 0 and (before > 0) != (ref.size > 0)
        trade = x.handle("Trade/search", "u", {"accountId": 1})["trades"][0]  # newest first
        assert trade["price"] == fp and trade["size"] == qty
        if expected_pnl is None:
            assert trade["profitAndLoss"] is None
        else:
            assert trade["profitAndLoss"] == round(float(expected_pnl), 2)
        fees = round((spec.fee + spec.commission) * qty, 2)
        assert trade["fees"] == fees
        balance = round(balance + round(float(expected_pnl or 0), 2) - fees, 2)
        acct = x.handle("Account/search", "u", {"onlyActiveAccounts": True})["accounts"][0]
        assert abs(acct["balance"] - balance) < 1e-6
        positions = x.handle("Position/searchOpen", "u", {"accountId": 1})["positions"]
        if ref.size == 0:
            assert positions == []
            continue
        (pos,) = positions
        assert pos["size"] == abs(ref.size)
        assert pos["type"] == (1 if ref.size > 0 else 2)
        assert abs(pos["averagePrice"] - float(ref.avg)) < 1e-9
        if was_flat_or_flip or flipped:
            assert pos["id"] not in position_ids  # a new position gets a new id
        else:
            assert pos["id"] == last_id
        position_ids.add(pos["id"])
        last_id = pos["id"]
