"""``InstrumentContext``: everything the suite holds for one instrument (``suite["MNQ"]``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from projectx.data.manager import RealtimeDataManager
from projectx.events import Event, EventBus, EventType, Handler
from projectx.models import Contract
from projectx.orderbook import OrderBook
from projectx.orders import OrderManager
from projectx.positions import PositionManager
from projectx.risk import RiskManager
from projectx.suite.managed_trade import ManagedTrade

__all__ = ["InstrumentContext"]


@dataclass(slots=True, eq=False)
class InstrumentContext:
    """One instrument of a :class:`~projectx.suite.TradingSuite`.

    ``data`` (bars), ``orderbook`` (None without the ``orderbook`` feature), ``orders``,
    ``positions`` and ``risk`` (None without the ``risk`` feature). ``on``/``once``/``off``/
    ``wait_for`` see only this instrument's events.
    """

    symbol: str
    contract: Contract
    data: RealtimeDataManager
    bus: EventBus
    orders: OrderManager
    positions: PositionManager
    risk: RiskManager | None = None
    orderbook: OrderBook | None = None
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def _names(self) -> tuple[str, str]:
        # market events carry the symbol, order/position events the contract id: match both
        return (self.symbol, self.contract.id)

    @property
    def contract_id(self) -> str:
        """The Gateway contract id (``CON.F.US.MNQ.Z26``)."""
        return self.contract.id

    def on(
        self, event: EventType | str, handler: Handler | None = None, *, priority: int = 0
    ) -> Handler | Callable[[Handler], Handler]:
        """``bus.on`` restricted to this instrument (also a decorator)."""
        if handler is None:
            return self.bus.on(event, priority=priority, instrument=self._names)
        return self.bus.on(event, handler, priority=priority, instrument=self._names)

    def once(self, event: EventType | str, handler: Handler, *, priority: int = 0) -> Handler:
        """``bus.once`` restricted to this instrument."""
        return self.bus.once(event, handler, priority=priority, instrument=self._names)

    def off(self, event: EventType | str, handler: Handler | None = None) -> int:
        """Remove a handler (see :meth:`EventBus.off`)."""
        return self.bus.off(event, handler)

    async def wait_for(
        self,
        event: EventType | str,
        timeout: float = 30.0,  # noqa: ASYNC109 - the documented wait_for signature
        predicate: Callable[[Event], bool] | None = None,
    ) -> Event:
        """Next ``event`` of this instrument (see :meth:`EventBus.wait_for`)."""
        return await self.bus.wait_for(event, timeout, predicate, instrument=self._names)

    def managed_trade(
        self,
        *,
        max_risk_percent: float | None = None,
        max_risk_amount: float | None = None,
        fill_timeout: float = 30.0,
    ) -> ManagedTrade:
        """``async with ctx.managed_trade(max_risk_percent=...) as trade`` on this instrument
        (see :class:`~projectx.suite.managed_trade.ManagedTrade`)."""
        return ManagedTrade(
            self.orders,
            self.positions,
            self.risk,
            self.contract,
            max_risk_percent=max_risk_percent,
            max_risk_amount=max_risk_amount,
            fill_timeout=fill_timeout,
        )

    def __repr__(self) -> str:
        return f"InstrumentContext({self.symbol!r}, contract={self.contract.id!r})"
