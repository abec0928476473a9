"""P&L arithmetic of one net position (spec §6.2, §9.7): average-cost realisation and round trips.

The Gateway realises P&L on a reducing fill as ``(fill - avgEntry) * qty * tickValue / tickSize``
(mirrored for shorts) against the *average* entry price of the net position; a fill larger than
the position flips it, the remainder opening a new position at the fill price. :class:`FillLedger`
replays our fills with that rule so the Gateway's ``profitAndLoss`` can be cross-checked, and
cuts the fills into round trips (flat -> open -> flat) for the closed-trade analytics.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["FillLedger", "FillResult", "RoundTrip", "unrealized_pnl"]


def unrealized_pnl(
    signed_size: int, average_price: float, price: float, point_value: float
) -> float:
    """Open P&L of ``signed_size`` contracts (negative = short) bought/sold at
    ``average_price``, marked at ``price``; ``point_value = tick_value / tick_size``."""
    return (price - average_price) * signed_size * point_value


@dataclass(frozen=True, slots=True)
class RoundTrip:
    """A position from flat back to flat: the unit of win rate, profit factor and Sharpe.

    ``pnl`` is gross realised P&L (the Gateway's ``profitAndLoss`` of the closing fills),
    ``fees`` the fees and commissions of all its fills (a flipping fill's charges are split
    between the trip it closes and the one it opens in proportion to the contracts).
    """

    contract_id: str
    long: bool
    max_size: int
    entry_price: float
    exit_price: float
    pnl: float
    fees: float
    opened_ns: int | None
    closed_ns: int | None

    @property
    def net_pnl(self) -> float:
        """``pnl - fees``."""
        return self.pnl - self.fees


@dataclass(frozen=True, slots=True)
class FillResult:
    """What one fill did to the ledger."""

    realized: float | None
    """P&L realised by the fill by our own average-cost computation (None: pure opening fill)."""
    closed: RoundTrip | None
    """The round trip this fill completed, if it went flat (or flipped)."""


class FillLedger:
    """Net position of one contract rebuilt from fills (average cost, Gateway rule)."""

    __slots__ = (
        "_closed_qty",
        "_exit_value",
        "_trip_entry_qty",
        "_trip_entry_value",
        "_trip_fees",
        "_trip_max",
        "_trip_opened_ns",
        "_trip_pnl",
        "average_price",
        "contract_id",
        "point_value",
        "size",
    )

    def __init__(
        self,
        contract_id: str,
        point_value: float,
        *,
        size: int = 0,
        average_price: float = 0.0,
        opened_ns: int | None = None,
    ) -> None:
        self.contract_id = contract_id
        self.point_value = point_value
        self.size = 0
        self.average_price = 0.0
        self._reset_trip(None)
        if size:
            self.seed(size, average_price, opened_ns)

    def _reset_trip(self, opened_ns: int | None) -> None:
        self._trip_pnl = 0.0
        self._trip_fees = 0.0
        self._trip_max = 0
        self._trip_entry_qty = 0
        self._trip_entry_value = 0.0
        self._closed_qty = 0
        self._exit_value = 0.0
        self._trip_opened_ns = opened_ns

    def seed(self, size: int, average_price: float, opened_ns: int | None = None) -> None:
        """Start from a known position (REST at start-up or after a reconnect)."""
        self.size = size
        self.average_price = average_price if size else 0.0
        self._reset_trip(opened_ns)
        if size:
            self._trip_max = abs(size)
            self._trip_entry_qty = abs(size)
            self._trip_entry_value = abs(size) * average_price

    def apply(
        self,
        signed_qty: int,
        price: float,
        *,
        fees: float = 0.0,
        gateway_pnl: float | None = None,
        ts_ns: int | None = None,
    ) -> FillResult:
        """Apply one fill (``signed_qty`` > 0 buy, < 0 sell). ``gateway_pnl`` (the trade's
        ``profitAndLoss``) is what the round trip books; our own figure is returned beside it."""
        if signed_qty == 0:
            return FillResult(None, None)
        size = self.size
        qty = abs(signed_qty)
        if size == 0 or (size > 0) == (signed_qty > 0):
            if size == 0:
                self._reset_trip(ts_ns)
            new = size + signed_qty
            self.average_price = (abs(size) * self.average_price + qty * price) / abs(new)
            self.size = new
            self._trip_fees += fees
            self._trip_entry_qty += qty
            self._trip_entry_value += qty * price
            self._trip_max = max(self._trip_max, abs(new))
            return FillResult(None, None)
        close_q = min(qty, abs(size))
        diff = price - self.average_price if size > 0 else self.average_price - price
        realized = diff * close_q * self.point_value
        share = close_q / qty
        self._trip_fees += fees * share
        self._trip_pnl += gateway_pnl if gateway_pnl is not None else realized
        self._closed_qty += close_q
        self._exit_value += close_q * price
        remaining = size + (signed_qty if qty <= abs(size) else -size)
        self.size = remaining
        closed: RoundTrip | None = None
        if remaining == 0:
            closed = RoundTrip(
                contract_id=self.contract_id,
                long=size > 0,
                max_size=self._trip_max,
                entry_price=self._trip_entry_value / max(1, self._trip_entry_qty),
                exit_price=self._exit_value / max(1, self._closed_qty),
                pnl=self._trip_pnl,
                fees=self._trip_fees,
                opened_ns=self._trip_opened_ns,
                closed_ns=ts_ns,
            )
            self.average_price = 0.0
            opened = qty - close_q
            if opened:
                self._reset_trip(ts_ns)
                self.size = opened if signed_qty > 0 else -opened
                self.average_price = price
                self._trip_fees = fees * (1.0 - share)
                self._trip_max = opened
                self._trip_entry_qty = opened
                self._trip_entry_value = opened * price
        return FillResult(realized, closed)
