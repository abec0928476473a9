"""``FillBook``: the fills of one account, counted once each, and what they realised.

* A fill is told apart by its trade id and counted once; a fill seen again with ``voided`` set
  is taken back out of the realised figures.
* At most ``history_limit`` fills are kept (the oldest go first). A fill with an id at or below
  the highest forgotten one is taken as counted already (Gateway trade ids only grow, and a fill
  arriving ``history_limit`` fills late does not happen), and its void is still taken out once.
* Realised P&L (the Gateway's ``profitAndLoss``) and fees (fees + commissions) are summed per
  contract.
* The fills are replayed through an average-cost ledger per contract
  (:class:`~projectx.positions.pnl.FillLedger`) that cross-checks every ``profitAndLoss``
  (mismatches counted) and cuts round trips (the latest ``history_limit`` kept). A fill whose
  contract's point value is not known yet is held until :meth:`FillBook.contract_resolved`.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from projectx.enums import OrderSide
from projectx.models import Trade
from projectx.plausibility import fill_fingerprint
from projectx.positions.pnl import FillLedger, RoundTrip

__all__ = ["FillBook", "FillListener", "PointValueSource", "charges", "fill_facts"]

log = logging.getLogger(__name__)

_CENT_TOLERANCE = 0.011

FillListener = Callable[[Trade], object]
"""Called with every fill booked (once per id)."""

PointValueSource = Callable[[str], "float | None"]
"""The point value (``tick_value / tick_size``) of a contract id, None while unknown."""


def fill_facts(trade: Trade) -> tuple[Any, ...]:
    """What a fill booked: its identity (order, contract, side, size, price) and its money."""
    return (*fill_fingerprint(trade), trade.profit_and_loss, trade.fees, trade.commissions)


def charges(trade: Trade) -> float:
    """Fees plus commissions of a fill (missing ones count 0)."""
    return (trade.fees or 0.0) + (trade.commissions or 0.0)


class FillBook:
    """Fills counted once per id, realised P&L and fees per contract, and round trips (see the
    module docstring).

    ``point_value(contract_id)`` gives the ledger's point value (None while unknown: the fill is
    held for :meth:`contract_resolved`); ``history_limit`` bounds the fills and round trips kept.
    """

    def __init__(self, *, history_limit: int, point_value: PointValueSource) -> None:
        #: the most fills kept in memory (the oldest are forgotten first)
        self.history_limit = history_limit
        self._point_value = point_value
        self._trades: dict[int, Trade] = {}
        self._forgotten_through = 0  # highest trade id dropped from ``_trades`` by the limit
        self._voided_forgotten: set[int] = set()  # voids of such fills already taken out
        self._counted = 0
        self._realized: dict[str, float] = {}
        self._fees: dict[str, float] = {}
        self._ledgers: dict[str, FillLedger] = {}
        self._last_trade_id: dict[str, int] = {}
        self._pending: dict[str, list[Trade]] = {}
        self._round_trips: deque[RoundTrip] = deque(maxlen=history_limit)
        self._round_trips_total = 0
        self._mismatches = 0
        self._listeners: list[FillListener] = []

    def __repr__(self) -> str:
        return f"FillBook(counted={self._counted}, kept={len(self._trades)})"

    # ================================================================ input
    def add_listener(self, listener: FillListener) -> None:
        """Call ``listener(trade)`` for every fill booked (once per id; errors are logged)."""
        self._listeners.append(listener)

    def is_new(self, trade: Trade) -> bool:
        """Whether ``trade``'s id is neither kept nor at or below the forgotten ones."""
        return trade.id not in self._trades and trade.id > self._forgotten_through

    def ingest(self, trade: Trade, *, replay: bool = False) -> bool:
        """Count one fill (once per trade id); False if already counted (or voided, or of no
        contract). A fill seen again with ``voided`` set is taken back out of the figures.
        ``replay``: a fill older than what its ledger holds is counted but not replayed (the
        caller re-seeds the ledger)."""
        cid = trade.contract_id
        if cid is None:
            return False
        known = self._trades.get(trade.id)
        if known is not None:
            if trade.voided and not known.voided:
                self._trades[trade.id] = trade
                self._book(cid, known, -1.0)
            return False
        if trade.id <= self._forgotten_through:  # counted long ago, no longer kept
            if trade.voided and trade.id not in self._voided_forgotten:
                self._voided_forgotten.add(trade.id)
                self._book(cid, trade, -1.0)
            return False
        self._trades[trade.id] = trade
        self._counted += 1
        if len(self._trades) > self.history_limit:
            oldest = next(iter(self._trades))
            if self._trades.pop(oldest).voided:  # a later void of it must not count again
                self._voided_forgotten.add(oldest)
            self._forgotten_through = max(self._forgotten_through, oldest)
        if trade.voided:
            return False
        self._book(cid, trade, 1.0)
        for listener in self._listeners:
            try:
                listener(trade)
            except Exception:
                log.exception("fill listener failed")
        ledger = self._ledgers.get(cid)
        if ledger is None:
            pv = self._point_value(cid)
            if pv is None:
                self._pending.setdefault(cid, []).append(trade)
                return True
            # the look-up may just have registered the contract and replayed pending fills
            ledger = self._ledgers.get(cid)
            if ledger is None:
                ledger = self._ledgers[cid] = FillLedger(cid, pv)
        if replay and trade.id < self._last_trade_id.get(cid, 0):
            return True  # older than what the ledger holds: reconcile re-seeds it from REST
        self._ledger_apply(trade)
        return True

    def correct(self, rest: Iterable[Trade]) -> list[tuple[Trade, Trade]]:
        """Let REST decide fills booked differently (or voided since): a void is taken out, a
        fill with other facts is re-booked. Returns the re-booked ``(booked, rest)`` pairs."""
        corrected: list[tuple[Trade, Trade]] = []
        for trade in rest:
            known = self._trades.get(trade.id)
            if known is None or known.voided or trade.contract_id is None:
                continue
            if trade.voided:
                self._trades[trade.id] = trade
                self._book(known.contract_id or trade.contract_id, known, -1.0)
                continue
            if fill_facts(known) == fill_facts(trade):
                continue
            self._book(known.contract_id or trade.contract_id, known, -1.0)
            self._trades[trade.id] = trade
            self._book(trade.contract_id, trade, 1.0)
            corrected.append((known, trade))
        return corrected

    def contract_resolved(self, contract_id: str, point_value: float | None) -> None:
        """A contract became known: replay the fills held for its point value (dropped when it
        has none)."""
        pending = self._pending.pop(contract_id, None)
        if pending and point_value is not None:
            self._ledgers[contract_id] = FillLedger(contract_id, point_value)
            for trade in pending:
                self._ledger_apply(trade)

    def align_ledger(
        self, contract_id: str, size: int, average_price: float, opened_ns: int | None
    ) -> None:
        """Re-seed the ledger of ``contract_id`` from the Gateway's position when it differs."""
        ledger = self._ledgers.get(contract_id)
        if ledger is not None and (
            ledger.size != size or abs(ledger.average_price - average_price) > 1e-9
        ):
            ledger.seed(size, average_price, opened_ns)

    def flatten_ledger(self, contract_id: str) -> None:
        """The Gateway holds no position of ``contract_id``: make its ledger flat."""
        ledger = self._ledgers.get(contract_id)
        if ledger is not None and ledger.size != 0:
            ledger.seed(0, 0.0)

    def _book(self, cid: str, trade: Trade, sign: float) -> None:
        """Add (``sign`` 1) or take out (-1, a void) a fill's realised P&L and fees."""
        self._realized[cid] = self._realized.get(cid, 0.0) + sign * (trade.profit_and_loss or 0.0)
        self._fees[cid] = self._fees.get(cid, 0.0) + sign * charges(trade)

    def _ledger_apply(self, trade: Trade) -> None:
        cid = trade.contract_id
        assert cid is not None
        ledger = self._ledgers[cid]
        qty = trade.size or 0
        signed = qty if trade.side == OrderSide.BUY else -qty
        result = ledger.apply(
            signed,
            trade.price or 0.0,
            fees=charges(trade),
            gateway_pnl=trade.profit_and_loss,
            ts_ns=trade.created_ns,
        )
        self._last_trade_id[cid] = max(self._last_trade_id.get(cid, 0), trade.id)
        ours, theirs = result.realized, trade.profit_and_loss
        if (ours is None) != (theirs is None) or (
            ours is not None and theirs is not None and abs(ours - theirs) > _CENT_TOLERANCE
        ):
            self._mismatches += 1
            log.debug("trade %d: Gateway P&L %s, ours %s", trade.id, theirs, ours)
        if result.closed is not None:
            self._round_trips.append(result.closed)
            self._round_trips_total += 1

    # ================================================================ queries
    def realized(self, contract_id: str | None = None) -> float:
        """Gross realised P&L of one contract, or of all."""
        if contract_id is None:
            return sum(self._realized.values())
        return self._realized.get(contract_id, 0.0)

    def fees(self, contract_id: str | None = None) -> float:
        """Fees and commissions of one contract, or of all."""
        if contract_id is None:
            return sum(self._fees.values())
        return self._fees.get(contract_id, 0.0)

    @property
    def realized_by_contract(self) -> Mapping[str, float]:
        """Gross realised P&L per contract id (a live read-only view)."""
        return self._realized

    @property
    def round_trips(self) -> list[RoundTrip]:
        """The kept round trips, oldest first."""
        return list(self._round_trips)

    def net_round_trip_pnls(self) -> list[float]:
        """The kept round trips' P&L net of fees, oldest first."""
        return [t.net_pnl for t in self._round_trips]

    def trades(self, contract_id: str | None = None) -> list[Trade]:
        """The kept fills (of one contract) in trade-id order."""
        return sorted(
            (
                t
                for t in self._trades.values()
                if contract_id is None or t.contract_id == contract_id
            ),
            key=lambda t: t.id,
        )

    @property
    def counted(self) -> int:
        """Fills counted since the start (kept or forgotten)."""
        return self._counted

    @property
    def kept(self) -> int:
        """Fills kept in memory."""
        return len(self._trades)

    @property
    def round_trips_total(self) -> int:
        """Round trips closed since the start (kept or forgotten)."""
        return self._round_trips_total

    @property
    def mismatches(self) -> int:
        """Fills whose ``profitAndLoss`` differed from the ledger's by more than a cent."""
        return self._mismatches
