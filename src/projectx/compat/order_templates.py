"""project-x-py's order templates: ready-made brackets sent through
:class:`~projectx.compat.order_tracker.OrderChainBuilder`.

Sizing by risk uses the core's :func:`projectx.risk.sizing.contracts_for_risk` (whole
contracts, the stop distance in whole ticks); ``risk_percent`` is a fraction of the balance
(0.01 = 1 %), as in project-x-py. ATR is the core's :func:`projectx.indicators.ATR`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

from projectx.compat.models import BracketOrderResponse
from projectx.compat.order_tracker import OrderChainBuilder
from projectx.indicators import ATR
from projectx.risk.sizing import contracts_for_risk

__all__ = [
    "TEMPLATES",
    "ATRStopTemplate",
    "BreakoutTemplate",
    "OrderTemplate",
    "RiskRewardTemplate",
    "ScalpingTemplate",
    "get_template",
]


class OrderTemplate(ABC):
    """A recipe that builds and sends one order (usually a bracket) for a suite."""

    @abstractmethod
    async def create_order(
        self, suite: Any, side: int, size: int | None = None, **kwargs: Any
    ) -> BracketOrderResponse:
        """Build and send the order for ``suite`` (``side`` 0 buy, 1 sell)."""


async def _price(suite: Any) -> float:
    price = await suite.data.get_current_price()
    if not price:
        raise ValueError("Cannot get current price")
    return float(price)


def _offset_entry(price: float, side: int, offset: float) -> float:
    return price - offset if side == 0 else price + offset


class RiskRewardTemplate(OrderTemplate):
    """A stop ``stop_distance`` away (default 1 % of the price) and a target
    ``risk_reward_ratio`` times further; a limit entry ``entry_offset`` better than the price,
    or a market entry."""

    def __init__(
        self,
        risk_reward_ratio: float = 2.0,
        stop_distance: float | None = None,
        use_limit_entry: bool = True,
    ) -> None:
        self.risk_reward_ratio = risk_reward_ratio
        self.stop_distance = stop_distance
        self.use_limit_entry = use_limit_entry

    async def create_order(
        self,
        suite: Any,
        side: int,
        size: int | None = None,
        risk_amount: float | None = None,
        risk_percent: float | None = None,
        entry_offset: float = 0,
        **kwargs: Any,
    ) -> BracketOrderResponse:
        """Send the bracket; without ``size`` it is sized so the stop loses at most
        ``risk_amount`` (or ``risk_percent`` of the balance)."""
        price = await _price(suite)
        entry = _offset_entry(price, side, entry_offset) if self.use_limit_entry else price
        stop_dist = self.stop_distance or price * 0.01
        if size is None:
            if not risk_amount and risk_percent:
                account = suite.client.account_info
                if not account:
                    raise ValueError("No account information available")
                risk_amount = float(account.balance) * risk_percent
            if not risk_amount:
                raise ValueError("Must provide size, risk_amount, or risk_percent")
            inst = suite.instrument
            size = contracts_for_risk(
                risk_amount,
                entry,
                entry - stop_dist if side == 0 else entry + stop_dist,
                tick_size=float(inst.tickSize),
                tick_value=float(inst.tickValue),
            )
        builder = OrderChainBuilder(suite)
        if self.use_limit_entry:
            builder.limit_order(size=size, price=entry, side=side)
        else:
            builder.market_order(size=size, side=side)
        builder.with_stop_loss(offset=stop_dist)
        builder.with_take_profit(offset=stop_dist * self.risk_reward_ratio)
        return await builder.execute()


class ATRStopTemplate(OrderTemplate):
    """A stop ``atr_multiplier`` ATRs away and a target ``target_multiplier`` stops away."""

    def __init__(
        self,
        atr_multiplier: float = 2.0,
        atr_period: int = 14,
        target_multiplier: float = 3.0,
        timeframe: str = "5min",
    ) -> None:
        self.atr_multiplier = atr_multiplier
        self.atr_period = atr_period
        self.target_multiplier = target_multiplier
        self.timeframe = timeframe

    async def create_order(
        self,
        suite: Any,
        side: int,
        size: int | None = None,
        use_limit_entry: bool = False,
        entry_offset: float = 0,
        **kwargs: Any,
    ) -> BracketOrderResponse:
        """Send the bracket (``size`` required)."""
        data = await suite.data.get_data(self.timeframe, bars=self.atr_period + 1)
        if data is None or len(data) < self.atr_period + 1:
            raise ValueError("Insufficient data for ATR calculation")
        atr = ATR(data, period=self.atr_period)["atr"][-1]
        if atr is None:
            raise ValueError("Insufficient data for ATR calculation")
        price = await _price(suite)
        stop_dist = float(atr) * self.atr_multiplier
        if size is None:
            raise ValueError("Size is required")
        builder = OrderChainBuilder(suite)
        if use_limit_entry:
            builder.limit_order(
                size=size, price=_offset_entry(price, side, entry_offset), side=side
            )
        else:
            builder.market_order(size=size, side=side)
        builder.with_stop_loss(offset=stop_dist)
        builder.with_take_profit(offset=stop_dist * self.target_multiplier)
        return await builder.execute()


class BreakoutTemplate(OrderTemplate):
    """A stop entry ``breakout_offset`` beyond a level (default: the range of the last
    ``lookback_bars`` 5-minute bars), protected at the level and a range multiple away."""

    def __init__(
        self,
        breakout_offset: float = 2.0,
        stop_at_level: bool = True,
        target_range_multiplier: float = 1.5,
    ) -> None:
        self.breakout_offset = breakout_offset
        self.stop_at_level = stop_at_level
        self.target_range_multiplier = target_range_multiplier

    async def create_order(
        self,
        suite: Any,
        side: int,
        size: int | None = None,
        breakout_level: float | None = None,
        range_size: float | None = None,
        lookback_bars: int = 20,
        **kwargs: Any,
    ) -> BracketOrderResponse:
        """Send the breakout order (``size`` required). A stop entry cannot carry a bracket
        (neither here nor in project-x-py): :class:`ProjectXOrderError` is raised before
        anything is sent."""
        if breakout_level is None:
            stats = await suite.data.get_price_range(bars=lookback_bars, timeframe="5min")
            if not stats:
                raise ValueError("Cannot calculate price range")
            breakout_level = stats["high"] if side == 0 else stats["low"]
            if range_size is None:
                range_size = stats["range"]
        if range_size is None:
            raise ValueError("Range size is required")
        sign = 1 if side == 0 else -1
        entry = breakout_level + sign * self.breakout_offset
        stop = breakout_level if self.stop_at_level else breakout_level - sign * range_size
        target = entry + sign * range_size * self.target_range_multiplier
        if size is None:
            raise ValueError("Size is required")
        builder = (
            OrderChainBuilder(suite)
            .stop_order(size=size, price=entry, side=side)
            .with_stop_loss(price=stop)
            .with_take_profit(price=target)
        )
        return await builder.execute()


class ScalpingTemplate(OrderTemplate):
    """A bracket ``stop_ticks``/``target_ticks`` from the entry, refused when the spread is
    wider than ``max_spread_ticks``."""

    def __init__(
        self,
        stop_ticks: int = 4,
        target_ticks: int = 8,
        use_market_entry: bool = True,
        max_spread_ticks: int = 2,
    ) -> None:
        self.stop_ticks = stop_ticks
        self.target_ticks = target_ticks
        self.use_market_entry = use_market_entry
        self.max_spread_ticks = max_spread_ticks

    async def create_order(
        self,
        suite: Any,
        side: int,
        size: int | None = None,
        check_spread: bool = True,
        **kwargs: Any,
    ) -> BracketOrderResponse:
        """Send the bracket (``size`` required)."""
        inst = suite.instrument
        if not inst:
            raise ValueError("Cannot get instrument details")
        tick = float(inst.tickSize)
        book = getattr(suite, "orderbook", None)
        if check_spread and book is not None:
            spread = await book.get_bid_ask_spread()
            if spread is not None and spread / tick > self.max_spread_ticks:
                raise ValueError(
                    f"Spread too wide: {spread / tick:.1f} ticks (max: {self.max_spread_ticks})"
                )
        if size is None:
            raise ValueError("Size is required")
        builder = OrderChainBuilder(suite)
        if self.use_market_entry:
            builder.market_order(size=size, side=side)
        else:
            builder.limit_order(size=size, price=await _price(suite), side=side)
        builder.with_stop_loss(offset=self.stop_ticks * tick)
        builder.with_take_profit(offset=self.target_ticks * tick)
        return await builder.execute()


TEMPLATES: dict[str, OrderTemplate] = {
    "conservative_rr": RiskRewardTemplate(risk_reward_ratio=1.5, use_limit_entry=True),
    "conservative_atr": ATRStopTemplate(atr_multiplier=1.5, target_multiplier=2.0),
    "standard_rr": RiskRewardTemplate(risk_reward_ratio=2.0, use_limit_entry=True),
    "standard_atr": ATRStopTemplate(atr_multiplier=2.0, target_multiplier=3.0),
    "standard_breakout": BreakoutTemplate(),
    "aggressive_rr": RiskRewardTemplate(risk_reward_ratio=3.0, use_limit_entry=False),
    "aggressive_atr": ATRStopTemplate(atr_multiplier=2.5, target_multiplier=4.0),
    "aggressive_scalp": ScalpingTemplate(stop_ticks=3, target_ticks=9),
    "tight_scalp": ScalpingTemplate(stop_ticks=2, target_ticks=4),
    "normal_scalp": ScalpingTemplate(stop_ticks=4, target_ticks=8),
    "wide_scalp": ScalpingTemplate(stop_ticks=6, target_ticks=12),
}
"""The named templates of :func:`get_template`."""


def get_template(name: str) -> OrderTemplate:
    """The template called ``name`` (``ValueError`` for an unknown name)."""
    if name not in TEMPLATES:
        raise ValueError(f"Unknown template: {name}. Available: {', '.join(TEMPLATES)}")
    return TEMPLATES[name]
