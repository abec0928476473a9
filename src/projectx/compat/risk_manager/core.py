"""project-x-py's ``RiskManager`` over the core :class:`projectx.risk.RiskManager`.

Units are project-x-py's at this boundary: ``risk_percent`` is a fraction of the balance
(0.01 = 1 %), converted to the core's percent; sizes use the instrument's tick value (dollars).
Trade checks are the core gate's rules, asked as a dry run (nothing is counted).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Self

from projectx.compat.exceptions import InvalidOrderParameters, ProjectXError, ProjectXOrderError
from projectx.compat.models import Instrument, Order
from projectx.compat.order_manager._tracker import StatisticsMixin
from projectx.compat.risk_manager.config import RiskConfig
from projectx.risk import RiskManager as CoreRiskManager
from projectx.risk.sizing import risk_per_contract

if TYPE_CHECKING:
    from projectx.compat.client import ProjectX
    from projectx.compat.event_bus import EventBus

__all__ = ["RiskManager"]


@dataclass(frozen=True, slots=True)
class _Contract:
    id: str
    tick_size: float | None
    tick_value: float | None


@dataclass(frozen=True, slots=True)
class _Request:
    """A compat ``Order`` as the core gate's ``TradeRequest``."""

    contract: _Contract
    side: int
    size: int
    limit_price: float | None
    stop_price: float | None
    stop_loss_price: float | None
    reference_price: float | None
    role: str = "entry"


def _fraction(value: object, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidOrderParameters(f"{name} must be a number, got {value!r}")
    if not 0 < value <= 1:
        raise InvalidOrderParameters(
            f"{name} is a fraction of the balance in (0, 1] (0.01 = 1%), got {value!r}"
        )
    return float(value)


class RiskManager(StatisticsMixin):
    """project-x-py's risk manager (``suite.risk_manager``), built by a compat
    ``TradingSuite`` over its core suite's manager (:meth:`_adopt`)."""

    def __init__(
        self,
        project_x: ProjectX,
        order_manager: Any,
        event_bus: EventBus,
        position_manager: Any = None,
        config: RiskConfig | None = None,
        data_manager: Any = None,
    ) -> None:
        self._setup(project_x, event_bus, config or RiskConfig())
        self.orders = order_manager
        self.positions = position_manager
        self.data_manager = data_manager

    orders: Any
    positions: Any
    data_manager: Any

    def _setup(self, client: ProjectX, events: EventBus, config: RiskConfig) -> None:
        self._init_tracker("risk_manager")
        self.client = client
        self.project_x = client
        self.event_bus = events
        self.config = config
        self._core: CoreRiskManager | None = None
        self.orders = None
        self.positions = None
        self.data_manager = None
        self._instrument_default: Instrument | None = None

    @classmethod
    def _adopt(
        cls,
        core: CoreRiskManager,
        *,
        client: ProjectX,
        events: EventBus,
        instrument: Instrument | None = None,
    ) -> Self:
        """A compat risk manager over an existing core one (its suite keeps the lifecycle);
        ``config`` shows the core's limits in project-x-py's units. ``instrument`` (a
        single-instrument suite's) prices sizing calls that name none."""
        if not isinstance(core, CoreRiskManager):
            raise ProjectXError("_adopt needs a projectx.risk.RiskManager")
        self = cls.__new__(cls)
        self._setup(client, events, RiskConfig.from_core(core.config))
        self._core = core
        self._instrument_default = instrument
        return self

    @property
    def core(self) -> CoreRiskManager:
        """The core :class:`projectx.risk.RiskManager` this one adapts."""
        if self._core is None:
            raise ProjectXError("the risk manager is not attached: use TradingSuite features")
        return self._core

    def set_position_manager(self, position_manager: Any) -> None:
        """The position manager ``validate_trade`` counts positions with."""
        self.positions = position_manager

    def _own_stats(self) -> dict[str, Any]:
        return dict(self.core.stats()) if self._core is not None else {}

    async def _instrument(self, contract_id: str) -> Instrument:
        with self._guard("get_instrument", ProjectXOrderError):
            return Instrument.from_core(await self.client.core.resolve_contract(contract_id))

    # -- sizing -------------------------------------------------------------------------------
    async def calculate_position_size(
        self,
        entry_price: float,
        stop_loss: float,
        risk_amount: float | None = None,
        risk_percent: float | None = None,
        instrument: Instrument | None = None,
        use_kelly: bool | None = None,
    ) -> dict[str, Any]:
        """Contracts whose loss at ``stop_loss`` stays within ``risk_amount`` dollars, else
        ``risk_percent`` (a fraction; default the config's) of the balance, capped by the
        limits. The loss is the instrument's tick value per tick (stop distance rounded to
        whole ticks); ``instrument`` defaults to the suite's when it has one, and without any,
        one dollar per point is assumed, as in project-x-py."""
        core = self.core
        instrument = instrument if instrument is not None else self._instrument_default
        for name, value in (("entry_price", entry_price), ("stop_loss", stop_loss)):
            if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
                raise InvalidOrderParameters(f"{name} must be a price > 0, got {value!r}")
        if entry_price == stop_loss:
            raise InvalidOrderParameters("Entry and stop loss prices cannot be equal")
        percent = None if risk_percent is None else _fraction(risk_percent, "risk_percent") * 100
        tick_size = (
            float(instrument.tickSize) if instrument is not None else abs(entry_price - stop_loss)
        )
        tick_value = float(instrument.tickValue) if instrument is not None else tick_size
        with self._guard("calculate_position_size", InvalidOrderParameters):
            size = core.calculate_position_size(
                entry_price,
                stop_loss,
                tick_size=tick_size,
                tick_value=tick_value,
                risk_percent=percent,
                risk_amount=risk_amount,
            )
            per_contract = risk_per_contract(
                entry_price, stop_loss, tick_size=tick_size, tick_value=tick_value
            )
        balance = core.balance or 0.0
        actual = size * per_contract
        await self.increment("position_size_calculations")
        return {
            "position_size": size,
            "risk_amount": actual,
            "risk_percent": actual / balance if balance else 0.0,
            "entry_price": entry_price,
            "stop_loss": stop_loss,
            "tick_size": float(instrument.tickSize) if instrument is not None else 0.25,
            "account_balance": balance,
            "kelly_fraction": None,
            "max_position_size": core.config.max_position_size or self.config.max_position_size,
            "sizing_method": "fixed_risk",
        }

    # -- the gate -----------------------------------------------------------------------------
    async def validate_trade(
        self, order: Order, current_positions: list[Any] | None = None
    ) -> dict[str, Any]:
        """Whether ``order`` passes the core gate's rules (asked as a dry run): ``is_valid``,
        ``reasons`` (the refusal), ``warnings``, the day's figures and the position count."""
        core = self.core
        if not isinstance(order, Order):
            raise InvalidOrderParameters(
                f"order must be a compat Order, got {type(order).__name__}"
            )
        inst = await self._instrument(order.contractId)
        reference = order.limitPrice if order.limitPrice is not None else order.stopPrice
        request = _Request(
            contract=_Contract(inst.id, inst.tickSize, inst.tickValue),
            side=int(order.side),
            size=order.size,
            limit_price=order.limitPrice,
            stop_price=order.stopPrice,
            stop_loss_price=None,
            reference_price=reference,
        )
        with self._guard("validate_trade", InvalidOrderParameters):
            refusal = core.preview_trade(request)
        positions = current_positions
        if positions is None and self.positions is not None:
            positions = await self.positions.get_all_positions()
        count = (
            len(positions)
            if positions is not None
            else (core.positions.open_position_count() if core.positions is not None else 0)
        )
        await self.increment("trade_validations")
        day = core.state
        return {
            "is_valid": refusal is None,
            "reasons": [] if refusal is None else [str(refusal)],
            "warnings": [],
            "current_risk": 0.0,
            "daily_loss": max(0.0, -day.net_pnl),
            "daily_trades": day.entries,
            "position_count": count,
            "portfolio_risk": 0.0,
        }

    async def check_daily_reset(self) -> None:
        """Start the new trading day's figures when the day changed (the core's rollover)."""
        with self._guard("check_daily_reset", ProjectXError):
            self.core.check_daily_reset()

    async def get_risk_metrics(self) -> dict[str, Any]:
        """The day's figures and limits in project-x-py's keys, from the core."""
        core = self.core
        st = core.stats()
        cfg = core.config
        balance = core.balance or 0.0
        open_count = core.positions.open_position_count() if core.positions is not None else 0
        budget_pct = cfg.risk_per_trade_percent / 100
        return {
            "current_risk": 0.0,
            "max_risk": budget_pct,
            "daily_loss": max(0.0, -st["net_pnl"]),
            "daily_loss_limit": cfg.max_daily_loss or 0.0,
            "position_count": open_count,
            "position_limit": cfg.max_open_positions or 0,
            "daily_trades": st["entries"],
            "daily_trade_limit": cfg.max_daily_trades or 0,
            "win_rate": 0.0,
            "profit_factor": 0.0,
            "sharpe_ratio": 0.0,
            "max_drawdown": 0.0,
            "position_risks": [],
            "risk_per_trade": budget_pct,
            "account_balance": balance,
            "margin_used": 0.0,
            "margin_available": balance,
            "realized_pnl": st["realized_pnl"],
            "net_pnl": st["net_pnl"],
            "halted": st["halted"],
        }

    def get_memory_stats(self) -> dict[str, float]:
        """A small estimate (the core keeps the day's figures only)."""
        return {"total_mb": 0.01, "base_overhead_mb": 0.01}

    async def cleanup(self) -> None:
        """Nothing to release (the suite closes the core manager)."""
