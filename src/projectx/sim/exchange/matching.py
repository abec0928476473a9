"""The matching engine of the simulator's exchange: working orders, triggers, fills, brackets.

Each market step of a contract (:meth:`Matching._on_step`) checks the working orders of that
contract against the displayed book and the printed trade; fills go through
:meth:`Matching._execute` (order, position, fees, balance, the §9.5 event sequence) and then
the bracket bookkeeping (:meth:`Matching._after_fill`).

Matching (spec §9.6, [INFERRED] rules implemented as the spec suggests):

* user orders match the simulated market's displayed book and never consume it (§9.9 default);
* market: walks the opposite side level by level (one fill per level); any size beyond the
  displayed depth fills at the worst displayed level [INFERRED];
* limit (and join bid/ask, a limit at the best bid/ask at receipt): marketable on entry -> fills
  at the displayed levels up to the limit (price improvement), the rest rests; resting, it fills
  against displayed levels when the opposite best crosses it, or for ``min(remaining, volume)`` at
  the limit when a market trade prints at or through it (partial fills);
* stop: triggers when a market trade prints at or through it, or when the best price on its own
  side of the touch reaches it (buy: best ask >= stop, sell: best bid <= stop), then fills as a
  market order; a stop already through the market on entry triggers at once [INFERRED];
* stop-limit (type 3): only on accounts with the ``stopLimit`` capability (off by default; then
  rejected with errorCode 2 ``Unsupported order type.``); triggers like a stop, then works as a
  limit at ``limitPrice``;
* trailing stop: ``dist = |last - trailPrice|`` ticks at receipt (§9.6, rejections of §3.3); a
  sell trails the highest trade since acceptance by ``dist``, a buy the lowest; ``stopPrice``
  shows the current level; read-back ``trailPrice = dist * tickSize`` and ``trailDistance``
  (extended profile);
* native Auto-OCO brackets (§9.8): children get ids parent+2 / parent+3, start Suspended (8), turn
  Open (1) at ``round(parent avg fill) + ticks`` when the parent fills; a fill of one child reduces
  / cancels the other; a flat position cancels open children; cancelling an unfilled parent
  cancels its children.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from projectx.sim.clock import format_ts
from projectx.sim.exchange.positions import Positions
from projectx.sim.market import ContractMarket
from projectx.sim.orders import (
    CANCELLED,
    FILLED,
    LIMIT,
    OPEN,
    PENDING,
    STOP,
    STOP_LIMIT,
    SUSPENDED,
    TRAIL,
    Order,
    book_fills,
)

__all__ = ["Matching"]


class Matching(Positions):
    """Working orders per contract, matched after every market step (see the module docstring)."""

    def has_working_orders(self) -> bool:
        """True while any order of any account rests on a book."""
        return any(self._working.values())

    # ============================================================= matching
    def _on_step(self, cid: str, ts_ns: int, trade_ticks: int, volume: int) -> None:
        working = self._working.get(cid)
        if working:
            self._match(cid, self.market.markets[cid], ts_ns, trade_ticks, volume)

    def _match(self, cid: str, m: ContractMarket, ts_ns: int, trade: int, vol: int) -> None:
        """Trigger and fill the working orders of ``cid`` after a market step.

        Skipped when there was no trade and the top of book (prices and sizes) is unchanged
        since the last check: nothing a resting order looks at has moved.
        """
        top = (m.bb, m.ba, m.bids.get(m.bb), m.asks.get(m.ba))
        if trade < 0 and self._tops.get(cid) == top:
            return
        self._tops[cid] = top
        working = self._working[cid]
        for o in list(working.values()):
            if o.status != OPEN:
                working.pop(o.id, None)
                continue
            fills = self._fills_for(o, m, trade, vol)
            if fills:
                self._execute(o, fills, ts_ns, market_style=False)

    def _match_one(self, o: Order, m: ContractMarket, ts_ns: int) -> None:
        """Check one new, modified or just activated order against the current book."""
        if o.status == OPEN:
            fills = self._fills_for(o, m, -1, 0)
            if fills:
                self._execute(o, fills, ts_ns, market_style=False)

    def _fills_for(
        self, o: Order, m: ContractMarket, trade: int, vol: int
    ) -> list[tuple[int, int]] | None:
        t = o.type
        buy = o.side == 0
        if t in (STOP, TRAIL) or (t == STOP_LIMIT and not o.triggered):
            if t == TRAIL and trade >= 0:
                if buy and trade < o.extreme:
                    o.extreme = trade
                    o.stop = trade + (o.trail_dist or 0)
                elif not buy and trade > o.extreme:
                    o.extreme = trade
                    o.stop = trade - (o.trail_dist or 0)
            s = o.stop
            assert s is not None
            if buy:
                hit = (trade >= 0 and trade >= s) or (bool(m.asks) and m.ba >= s)
            else:
                hit = (trade >= 0 and trade <= s) or (bool(m.bids) and m.bb <= s)
            if not hit:
                return None
            if t != STOP_LIMIT:
                return book_fills(m, o.side, o.remaining, None)
            o.triggered = True
        lim = o.limit
        assert lim is not None
        if buy:
            if m.asks and m.ba <= lim:
                return book_fills(m, 0, o.remaining, lim)
            if trade >= 0 and trade <= lim:
                return [(lim, min(o.remaining, vol))]
        else:
            if m.bids and m.bb >= lim:
                return book_fills(m, 1, o.remaining, lim)
            if trade >= 0 and trade >= lim:
                return [(lim, min(o.remaining, vol))]
        return None

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
            self._working[spec.id].pop(o.id, None)
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
            for c in list(self._working[o.spec.id].values()):
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
            self._working[c.spec.id][c.id] = c
            self._emit_order(c)
        m = self._mkt(parent.spec.id)
        if m is not None:
            for cid in parent.child_ids:
                self._match_one(self.orders[cid], m, ts_ns)

    def _cancel(self, o: Order, now: int) -> None:
        o.status = CANCELLED
        o.updated_ns = now
        self._working[o.spec.id].pop(o.id, None)
        self._emit_order(o)

    def _run_market_order(self, o: Order, m: ContractMarket) -> None:
        self._store(o)
        o.status = PENDING
        self._emit_order(o)
        self._execute(o, book_fills(m, o.side, o.size, None), o.created_ns, market_style=True)
