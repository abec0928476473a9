"""How the suite attaches the per-instrument managers (order book, orders, positions, risk).

Kept apart from ``suite.py`` so the suite's lifecycle reads on its own and the manager
constructors are wired in one place.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from projectx.realtime.client import UserEvent
from projectx.suite.context import InstrumentContext

if TYPE_CHECKING:
    from projectx.suite.suite import TradingSuite

__all__ = [
    "attach_managers",
    "managed_trade",
    "manager_stats",
    "reconcile_managers",
    "route_user_event",
    "start_managers",
    "stop_managers",
]


def attach_managers(suite: TradingSuite, ctx: InstrumentContext) -> None:
    """Create the instrument's managers according to the suite's features."""
    if "orderbook" in suite.features:
        ctx.orderbook = suite.feed.book(ctx.contract_id)


async def start_managers(ctx: InstrumentContext) -> None:
    """Reconcile the managers with the Gateway at start-up."""


async def reconcile_managers(ctx: InstrumentContext) -> None:
    """Reconcile after a reconnect."""


async def stop_managers(ctx: InstrumentContext) -> None:
    """Stop the managers' background work."""


def route_user_event(ctx: InstrumentContext, event: UserEvent) -> None:
    """Hand one user-hub event to the instrument's managers."""


def manager_stats(ctx: InstrumentContext) -> dict[str, Any]:
    """Stats of the instrument's managers."""
    return {}


def managed_trade(ctx: InstrumentContext, **kwargs: Any) -> Any:
    """A ManagedTrade for the instrument."""
    raise NotImplementedError("managed trades arrive with the trading managers")
