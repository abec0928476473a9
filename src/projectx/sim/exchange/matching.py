"""The matching core of the simulator's exchange: one per contract, its working orders and rules.

:class:`MatchingCore` is shaped like nautilus_trader's ``matching_core.pxd``: queries
(``orders``), commands (:meth:`~MatchingCore.add`, :meth:`~MatchingCore.remove`) and matching
(:meth:`~MatchingCore.match`, :func:`fills_for`). It decides *what* fills; applying a fill to
order, position and balance, the events and the bracket bookkeeping are the exchange's
(:mod:`projectx.sim.exchange.execution`).

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

from collections.abc import Iterator

from projectx.sim.market import ContractMarket
from projectx.sim.orders import OPEN, STOP, STOP_LIMIT, TRAIL, Order, book_fills

__all__ = ["Fill", "MatchingCore", "fills_for"]

#: ``(order, [(price ticks, quantity), ...])``: what one order fills after a market step
Fill = tuple[Order, list[tuple[int, int]]]


class MatchingCore:
    """The working (Open) orders of one contract, matched after every market step."""

    __slots__ = ("_top", "contract_id", "orders")

    def __init__(self, contract_id: str) -> None:
        self.contract_id = contract_id
        #: working orders by id, in the order they started working
        self.orders: dict[int, Order] = {}
        self._top: tuple[int, int, int | None, int | None] | None = None

    # ------------------------------------------------------------------ commands
    def add(self, o: Order) -> None:
        """``o`` starts working (placed, activated bracket child)."""
        self.orders[o.id] = o

    def remove(self, order_id: int) -> None:
        """The order stops working (filled, cancelled); unknown ids are ignored."""
        self.orders.pop(order_id, None)

    # ------------------------------------------------------------------ matching
    def match(self, m: ContractMarket, trade: int, vol: int) -> Iterator[Fill]:
        """Yield ``(order, fills)`` for the working orders that trigger or fill after a step.

        Lazy: the caller applies each order's fills before the next order is looked at (a fill
        may cancel or resize a sibling). Skipped when there was no trade and the top of book
        (prices and sizes) is unchanged since the last check: nothing a resting order looks at
        has moved.
        """
        top = (m.bb, m.ba, m.bids.get(m.bb), m.asks.get(m.ba))
        if trade < 0 and self._top == top:
            return
        self._top = top
        working = self.orders
        for o in list(working.values()):
            if o.status != OPEN:
                working.pop(o.id, None)
                continue
            fills = fills_for(o, m, trade, vol)
            if fills:
                yield o, fills


def fills_for(o: Order, m: ContractMarket, trade: int, vol: int) -> list[tuple[int, int]] | None:
    """Fills for working order ``o`` now (``trade`` -1: no trade printed), or None.

    Moves a trailing stop with the printed trade and marks a stop-limit triggered.
    """
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
