"""Execution in the simulator's exchange: fills applied, the §9.5 events, bracket bookkeeping.

Each market step of a contract (:meth:`Execution._on_step`) asks that contract's
:class:`~projectx.sim.exchange.matching.MatchingCore` what fills; every fill goes through
:meth:`Execution._execute` (order, position, fees, balance, the §9.5 event sequence) and then
the bracket bookkeeping (:meth:`Execution._after_fill`): Auto-OCO children activated when the
parent fills, a sibling reduced or cancelled, open children cancelled when the position is flat.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from projectx.sim.clock import format_ts
from projectx.sim.exchange.matching import fills_for
from projectx.sim.exchange.positions import Positions
from projectx.sim.market import ContractMarket
from projectx.sim.orders import (
    CANCELLED,
    FILLED,
    LIMIT,
    OPEN,
    PENDING,
    SUSPENDED,
    TRAIL,
    Order,
    book_fills,
)

__all__ = ["Execution"]


class Execution(Positions):
    """Fills of working and market orders applied to the account (see the module docstring)."""

    def has_working_orders(self) -> bool:
        """True while any order of any account rests on a book."""
        return any(core.orders for core in self._working.values())

    # ============================================================= matching
    def _on_step(self, cid: str, ts_ns: int, trade_ticks: int, volume: int) -> None:
        core = self._working.get(cid)
        if core is not None and core.orders:
            for o, fills in core.match(self.market.markets[cid], trade_ticks, volume):
                self._execute(o, fills, ts_ns, market_style=False)

    def _match_one(self, o: Order, m: ContractMarket, ts_ns: int) -> None:
        """Check one new, modified or just activated order against the current book."""
        if o.status == OPEN:
            fills = fills_for(o, m, -1, 0)
            if fills:
                self._execute(o, fills, ts_ns, market_style=False)

    def _execute(
        self, o: Order, fills: list[tuple[int, int]], ts_ns: int, *, market_style: bool
    ) -> None:
        """Apply fills to order, position and balance; emit the §9.5 event sequence."""
        acct = self.accounts[o.account_id]
        spec = o.spec
        trades: list[dict[str, Any]] = []
        reemits: list[dict[str, Any]] = []
        pos_events: list[dict[str, Any]] = []
        emit = bool(self._listeners)
        went_flat = False
        filled = 0
        for ticks, q in fills:
            if q <= 0:
                continue
            q = min(q, o.remaining)
            if q <= 0:
                break
            o.fill_volume += q
            o.fill_cost += ticks * q
            pnl, opened, pos, matched, flat, pev = self._apply_position(
                acct, spec, o.side, ticks, q, ts_ns
            )
            went_flat = went_flat or flat
            fee = round(spec.fee * q, 2)
            comm = round(spec.commission * q, 2)
            trade: dict[str, Any] = {
                "id": self._next_trade_id,
                "accountId": acct.id,
                "contractId": spec.id,
                "creationTimestamp": format_ts(ts_ns),
                "price": spec.price(ticks),
                "profitAndLoss": pnl,
                "fees": fee if self.extended else round(fee + comm, 2),
                "side": o.side,
                "size": q,
                "voided": False,
                "orderId": o.id,
            }
            if self.extended:
                trade["commissions"] = comm
            self._next_trade_id += 1
            acct.balance = round(acct.balance + (pnl or 0.0) - fee - comm, 2)
            self._trades[acct.id].append((ts_ns, trade))
            trades.append(trade)
            if opened and pos is not None:
                pos.lots.append([trade, opened])
            if self.emit_matched_open_trade:
                reemits.extend(matched)
            pos_events.extend(pev)
            filled += q
        o.updated_ns = ts_ns
        if o.fill_volume >= o.size:
            o.status = FILLED
            self._working[spec.id].remove(o.id)
        elif market_style:
            # remaining size beyond the displayed depth: filled at the worst level (book_fills)
            o.status = OPEN
        if emit:
            if not market_style:
                self._emit_order(o)
            for tr in trades:
                self._emit("GatewayUserTrade", acct.id, 0, tr)
            for tr in reemits:
                self._emit("GatewayUserTrade", acct.id, 1, tr)
            if market_style:
                self._emit_order(o)
            for pe in pos_events:
                self._emit("GatewayUserPosition", acct.id, 1, pe, True)
            self._emit_account(acct)
        self._after_fill(o, filled, ts_ns, went_flat)

    def _after_fill(self, o: Order, filled: int, ts_ns: int, went_flat: bool) -> None:
        """Bracket bookkeeping after ``o`` filled ``filled`` more contracts."""
        if o.child_ids and o.status == FILLED:
            self._activate_children(o, ts_ns)
        if o.parent_id is not None and o.linked_id is not None and filled:
            sib = self.orders.get(o.linked_id)
            if sib is not None and sib.status in (OPEN, SUSPENDED):
                if o.status == FILLED or sib.remaining - filled <= 0:
                    self._cancel(sib, ts_ns)
                else:
                    sib.size -= filled
                    sib.updated_ns = ts_ns
                    self._emit_order(sib)
        if went_flat:
            for c in list(self._working[o.spec.id].orders.values()):
                if (
                    c.account_id == o.account_id
                    and c.parent_id is not None
                    and c.status == OPEN
                    and c.id != o.id
                ):
                    self._cancel(c, ts_ns)

    def _activate_children(self, parent: Order, ts_ns: int) -> None:
        avg = round(Fraction(parent.fill_cost, parent.fill_volume))
        for bracket in (parent.sl, parent.tp):
            if bracket is None:
                continue
            ticks, cid = bracket
            c = self.orders[cid]
            if c.status != SUSPENDED:
                continue
            level = avg + ticks
            c.size = parent.fill_volume
            if c.type == TRAIL:
                c.trail_dist = abs(ticks)
                c.extreme = avg
                c.stop = level
            elif c.type == LIMIT:
                c.limit = level
            else:
                c.stop = level
            c.status = OPEN
            c.updated_ns = ts_ns
            self._working[c.spec.id].add(c)
            self._emit_order(c)
        m = self._mkt(parent.spec.id)
        if m is not None:
            for cid in parent.child_ids:
                self._match_one(self.orders[cid], m, ts_ns)

    def _cancel(self, o: Order, now: int) -> None:
        o.status = CANCELLED
        o.updated_ns = now
        self._working[o.spec.id].remove(o.id)
        self._emit_order(o)

    def _run_market_order(self, o: Order, m: ContractMarket) -> None:
        self._store(o)
        o.status = PENDING
        self._emit_order(o)
        self._execute(o, book_fills(m, o.side, o.size, None), o.created_ns, market_style=True)
