"""Small stand-ins for the risk unit tests: a clock, a positions view, order requests, fills."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from projectx.enums import OrderSide
from projectx.models import Contract, Trade

NY = ZoneInfo("America/New_York")
MNQ = Contract(id="CON.F.US.MNQ.Z26", tick_size=0.25, tick_value=0.5, symbol_id="F.US.MNQ")
ES = Contract(id="CON.F.US.EP.Z26", tick_size=0.25, tick_value=12.5, symbol_id="F.US.EP")

_ids = itertools.count(2_555_000_000)


@dataclass
class Clock:
    """A settable aware clock."""

    now: datetime = field(default_factory=lambda: datetime(2026, 11, 24, 10, 0, tzinfo=NY))

    def __call__(self) -> datetime:
        return self.now.astimezone(UTC)


@dataclass
class FakePositions:
    """A positions view with fixed sizes and open P&L."""

    sizes: dict[str, int] = field(default_factory=dict)
    unrealized: float = 0.0

    def signed_size(self, contract_id: str) -> int:
        return self.sizes.get(contract_id, 0)

    def open_position_count(self) -> int:
        return sum(1 for v in self.sizes.values() if v)

    def total_unrealized_pnl(self) -> float:
        return self.unrealized


@dataclass(frozen=True)
class Req:
    """An order request as the gate sees it."""

    contract: Contract
    side: OrderSide
    size: int
    limit_price: float | None = None
    stop_price: float | None = None
    stop_loss_price: float | None = None
    reference_price: float | None = None
    role: str = "order"


def fill(
    pnl: float | None,
    fees: float = 0.74,
    *,
    when: datetime | None = None,
    trade_id: int | None = None,
    contract: Contract = MNQ,
) -> Trade:
    """A fill of ``contract`` at ``when`` (default: the default clock's time)."""
    moment = when if when is not None else Clock().now
    ns = int(moment.timestamp()) * 1_000_000_000
    return Trade(
        id=trade_id if trade_id is not None else next(_ids),
        account_id=1,
        contract_id=contract.id,
        created_ns=ns,
        price=21000.0,
        profit_and_loss=pnl,
        fees=fees,
        side=OrderSide.SELL,
        size=1,
        voided=False,
        order_id=1,
    )
