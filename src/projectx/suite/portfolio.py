"""``calculate_portfolio_risk``: what the account stands to lose if every protective stop fills.

For each open position: the working stop orders on the closing side (STOP, TRAILING_STOP, or a
STOP_LIMIT's stop) cover some of its size; the covered part risks ``|entry - stop| x size x
point value`` (a stop beyond the entry, locking in profit, risks nothing); the uncovered part is
*unprotected*: its loss is unbounded, so it is reported apart (size and the current loss) and
never hidden inside a total. Percentages are of the account balance when it is known.
"""

from __future__ import annotations

from dataclasses import dataclass

from projectx.enums import OrderSide, OrderType
from projectx.orders import OrderManager
from projectx.positions import PositionInfo, PositionManager

__all__ = ["PortfolioRisk", "PositionRisk", "calculate_portfolio_risk"]

_STOPS = (OrderType.STOP, OrderType.TRAILING_STOP, OrderType.STOP_LIMIT)


@dataclass(frozen=True, slots=True)
class PositionRisk:
    """The risk of one open position."""

    contract_id: str
    size: int
    """Signed (negative = short)."""
    average_price: float
    point_value: float | None
    protected_size: int
    """How much of the position working stops would close."""
    worst_stop: float | None
    """The stop farthest from the entry among those covering it."""
    risk_amount: float
    """Loss if the covering stops fill at their prices (the protected part only)."""
    unprotected_size: int
    unrealized_pnl: float | None

    @property
    def unprotected(self) -> bool:
        """Some of the position has no working stop."""
        return self.unprotected_size > 0


@dataclass(frozen=True, slots=True)
class PortfolioRisk:
    """The account's risk over every open position."""

    positions: tuple[PositionRisk, ...]
    total_risk: float
    """Sum of the protected parts' risk (unprotected parts are not in it: see below)."""
    balance: float | None
    unprotected_positions: int
    unknown_point_values: int
    """Positions whose point value is unknown (their risk could not be priced)."""

    @property
    def risk_percent(self) -> float | None:
        """``total_risk`` as a percentage of the balance (None when the balance is unknown)."""
        if not self.balance or self.balance <= 0:
            return None
        return 100.0 * self.total_risk / self.balance


def _position_risk(pos: PositionInfo, orders: OrderManager) -> PositionRisk:
    closing = OrderSide.SELL if pos.size > 0 else OrderSide.BUY
    held = abs(pos.size)
    stops = sorted(
        (
            (o.stop_price, o.size - o.fill_volume)
            for o in orders.open_orders(pos.contract_id)
            if o.side == closing and o.order_type in _STOPS and o.stop_price is not None
        ),
        # farthest from the entry first: the worst case for the size it covers
        key=lambda stop: stop[0] if pos.size > 0 else -stop[0],
    )
    covered = 0
    risk = 0.0
    worst: float | None = None
    pv = pos.point_value
    for price, size in stops:
        take = min(size, held - covered)
        if take <= 0:
            break
        worst = price if worst is None else worst
        loss_per_contract = (
            (pos.average_price - price) if pos.size > 0 else (price - pos.average_price)
        )
        if pv is not None:
            risk += max(0.0, loss_per_contract) * take * pv
        covered += take
    return PositionRisk(
        contract_id=pos.contract_id,
        size=pos.size,
        average_price=pos.average_price,
        point_value=pv,
        protected_size=covered,
        worst_stop=worst,
        risk_amount=risk,
        unprotected_size=held - covered,
        unrealized_pnl=pos.unrealized_pnl,
    )


def calculate_portfolio_risk(positions: PositionManager, orders: OrderManager) -> PortfolioRisk:
    """The risk of every open position of ``positions``, covered by the working stops that
    ``orders`` tracks (see the module docstring)."""
    risks = tuple(_position_risk(p, orders) for p in positions.get_all_positions() if p.size)
    return PortfolioRisk(
        positions=risks,
        total_risk=sum(r.risk_amount for r in risks),
        balance=positions.balance,
        unprotected_positions=sum(1 for r in risks if r.unprotected),
        unknown_point_values=sum(1 for r in risks if r.point_value is None),
    )
