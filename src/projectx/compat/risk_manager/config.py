"""project-x-py's ``RiskConfig`` (fractions: ``max_risk_per_trade=0.01`` is 1 %) and its
conversion to and from the core :class:`projectx.risk.RiskConfig` (percents and amounts)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import time
from decimal import Decimal
from typing import Any

from projectx.compat.exceptions import ProjectXError
from projectx.risk import RiskConfig as CoreRiskConfig

__all__ = ["RiskConfig"]


def _hhmm(text: str) -> time:
    try:
        hours, minutes = str(text).split(":")
        return time(int(hours), int(minutes))
    except ValueError:
        raise ProjectXError(f"trading hours must be 'HH:MM', got {text!r}") from None


@dataclass
class RiskConfig:
    """project-x-py's risk settings. Per-trade and daily limits are fractions of the balance
    (``Decimal("0.01")`` = 1 %) or amounts (``*_amount``)."""

    max_risk_per_trade: Decimal = Decimal("0.01")
    max_risk_per_trade_amount: Decimal | None = None
    max_daily_loss: Decimal = Decimal("0.03")
    max_daily_loss_amount: Decimal | None = None
    max_daily_trades: int = 10
    max_position_size: int = 10
    max_positions: int = 3
    max_portfolio_risk: Decimal = Decimal("0.05")
    use_stop_loss: bool = True
    stop_loss_type: str = "fixed"
    default_stop_distance: Decimal = Decimal("50")
    default_stop_atr_multiplier: Decimal = Decimal("2.0")
    use_take_profit: bool = True
    default_risk_reward_ratio: Decimal = Decimal("2.0")
    use_trailing_stops: bool = True
    trailing_stop_distance: Decimal = Decimal("20")
    trailing_stop_trigger: Decimal = Decimal("30")
    scale_in_enabled: bool = False
    scale_out_enabled: bool = True
    martingale_enabled: bool = False
    restrict_trading_hours: bool = False
    allowed_trading_hours: list[tuple[str, str]] = field(
        default_factory=lambda: [("09:30", "16:00")]
    )
    avoid_news_events: bool = True
    news_blackout_minutes: int = 30
    max_correlated_positions: int = 2
    correlation_threshold: Decimal = Decimal("0.7")
    use_kelly_criterion: bool = False
    kelly_fraction: Decimal = Decimal("0.25")
    min_trades_for_kelly: int = 30

    def to_dict(self) -> dict[str, Any]:
        """Every field by name."""
        return {k: v for k, v in self.__dict__.items() if not k.startswith("_")}

    def to_core(self, balance: float | None = None) -> CoreRiskConfig:
        """The core config enforcing these limits: the per-trade fraction as a percent, the
        daily loss as an amount (the fraction of ``balance`` when no amount is set and a
        balance is known), the first allowed trading-hours window (New York time)."""
        fraction = float(self.max_risk_per_trade)
        if not 0 < fraction <= 1:
            raise ProjectXError(
                f"max_risk_per_trade is a fraction in (0, 1] (0.01 = 1%), got {fraction!r}"
            )
        daily: float | None = None
        if self.max_daily_loss_amount is not None:
            daily = float(self.max_daily_loss_amount)
        elif balance:
            daily = float(self.max_daily_loss) * balance
        hours = None
        if self.restrict_trading_hours and self.allowed_trading_hours:
            start, end = self.allowed_trading_hours[0]
            hours = (_hhmm(start), _hhmm(end))
        amount = self.max_risk_per_trade_amount
        return CoreRiskConfig(
            risk_per_trade_percent=fraction * 100.0,
            max_risk_per_trade=float(amount) if amount is not None else None,
            max_daily_loss=daily,
            max_daily_trades=self.max_daily_trades,
            max_position_size=self.max_position_size,
            max_open_positions=self.max_positions,
            trading_hours=hours,
        )

    @classmethod
    def from_core(cls, core: CoreRiskConfig) -> RiskConfig:
        """project-x-py's view of a core config (unset core limits keep project-x-py's
        defaults here, but only the core's limits are enforced)."""
        config = cls(
            max_risk_per_trade=Decimal(str(core.risk_per_trade_percent)) / 100,
            max_risk_per_trade_amount=(
                Decimal(str(core.max_risk_per_trade))
                if core.max_risk_per_trade is not None
                else None
            ),
            max_daily_loss_amount=(
                Decimal(str(core.max_daily_loss)) if core.max_daily_loss is not None else None
            ),
        )
        if core.max_daily_trades is not None:
            config.max_daily_trades = core.max_daily_trades
        if core.max_position_size is not None:
            config.max_position_size = core.max_position_size
        if core.max_open_positions is not None:
            config.max_positions = core.max_open_positions
        if core.trading_hours is not None:
            config.restrict_trading_hours = True
            start, end = core.trading_hours
            config.allowed_trading_hours = [(start.strftime("%H:%M"), end.strftime("%H:%M"))]
        return config
