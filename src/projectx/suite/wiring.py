"""How the suite builds and connects its managers.

Account-wide managers (orders, positions, risk) exist once per suite and are shared by every
instrument context; the order book analytics exist per instrument. The managers never import
each other: this module hands each one the callables it needs (prices, the risk gate, the
flatten action) and routes hub events to them.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from projectx.orderbook import OrderBook
from projectx.orders import OrderManager
from projectx.plausibility import Anomaly, emit_on
from projectx.positions import PositionManager
from projectx.realtime.client import UserEvent
from projectx.risk import RiskConfig, RiskManager
from projectx.risk.managed_trade import ManagedTrade
from projectx.suite.context import InstrumentContext

if TYPE_CHECKING:
    from projectx.suite.suite import TradingSuite

__all__ = [
    "anomaly_stats",
    "attach_instrument",
    "build_account_managers",
    "managed_trade",
    "manager_stats",
    "reconcile",
    "route_user_event",
    "start",
    "stop",
    "watch_anomalies",
]


def price_source(suite: TradingSuite) -> Any:
    """``(bid, ask, last)`` of a contract from the native book and bars (None when unknown)."""

    def prices(contract_id: str) -> tuple[float, float, float] | None:
        book = suite.feed.book(contract_id)
        bid = book.best_bid if book is not None else math.nan
        ask = book.best_ask if book is not None else math.nan
        last = math.nan
        for ctx in suite.contexts.values():
            if ctx.contract_id == contract_id:
                price = ctx.data.get_current_price()
                last = price if price is not None else math.nan
        if math.isnan(bid) and math.isnan(ask) and math.isnan(last):
            return None
        return bid, ask, last

    return prices


def build_account_managers(suite: TradingSuite) -> None:
    """Create the order and position managers of the suite's account."""
    assert suite.account is not None
    suite.order_manager = OrderManager(
        suite.client,
        suite.bus,
        account_id=suite.account.id,
        price_source=price_source(suite),
        watch_trade_ticks=False,  # trade prices come from the dispatcher's price listener
    )
    suite.dispatcher.add_price_listener(suite.order_manager.on_trade_price)
    prices = price_source(suite)

    def last_price(contract_id: str) -> float | None:
        quote = prices(contract_id)
        if quote is None:
            return None
        bid, ask, last = quote
        if not math.isnan(last):
            return float(last)
        mid = (bid + ask) / 2
        return None if math.isnan(mid) else float(mid)

    orders = suite.order_manager
    suite.position_manager = PositionManager(
        suite.client,
        suite.bus,
        account_id=suite.account.id,
        contracts={ctx.contract_id: ctx.contract for ctx in suite.contexts.values()},
        price_source=last_price,
        limit_placer=orders.place_limit_order,
        # a hub fill of an order nobody knows waits for Trade/search before it is booked
        order_known=lambda order_id: orders.get_order(order_id) is not None,
    )
    suite.dispatcher.add_price_listener(suite.position_manager.on_price)
    if "risk" in suite.features:
        positions = suite.position_manager

        async def flatten_all() -> None:
            await suite.order_manager.cancel_all_orders()
            await positions.close_all_positions()

        suite.risk_manager = RiskManager(
            suite.bus,
            suite.risk_config if suite.risk_config is not None else RiskConfig(),
            account_balance_source=lambda: positions.balance,
            state_path=suite.state_path,
            account_id=suite.account.id,
            positions=positions,
            flatten=flatten_all,
        )
        suite.order_manager.risk_gate = suite.risk_manager.validate_trade
        # risk counts the fills the position manager booked (not held or refused ones)
        positions.add_fill_listener(suite.risk_manager.record_fill)


def attach_instrument(suite: TradingSuite, ctx: InstrumentContext) -> None:
    """Give the instrument context its managers."""
    native = suite.feed.book(ctx.contract_id)
    heuristics = "orderbook_heuristics" in suite.features
    if native is not None and ("orderbook" in suite.features or heuristics):
        book = OrderBook(
            native,
            ctx.data.tick_size,
            ctx.contract.tick_value,
            ctx.symbol,
            track_heuristics=heuristics,
            time_source=lambda: suite.feed.last_ts_ns,
        )
        ctx.orderbook = book
        # trade flow reads the GatewayTrade stream from the native tape (MarketFeed records it);
        # the per-record Python hooks are needed only by the iceberg/spoofing heuristics
        if heuristics:
            suite.dispatcher.add_record_hooks(
                ctx.contract_id, trade=book.on_trade, depth=book.on_depth
            )
    ctx.orders = suite.order_manager
    ctx.positions = suite.position_manager
    ctx.risk = suite.risk_manager


async def start(suite: TradingSuite) -> None:
    """Reconcile the managers with the Gateway at start-up."""
    if suite.order_manager is not None:
        await suite.order_manager.start()
    if suite.position_manager is not None:
        await suite.position_manager.start()
    if suite.risk_manager is not None:
        if suite.position_manager is not None:  # today's fills seen before this start
            suite.risk_manager.record_fills(suite.position_manager.trades())
        await suite.risk_manager.start()


async def reconcile(suite: TradingSuite) -> None:
    """Reconcile after a reconnect."""
    if suite.order_manager is not None:
        await suite.order_manager.reconcile()
    if suite.position_manager is not None:
        await suite.position_manager.reconcile()
        if suite.risk_manager is not None:  # fills missed while disconnected
            suite.risk_manager.record_fills(suite.position_manager.trades())


async def stop(suite: TradingSuite) -> None:
    """Stop the managers' background work."""
    if suite.risk_manager is not None:
        await suite.risk_manager.close()
    if suite.order_manager is not None:
        await suite.order_manager.close()
    if suite.position_manager is not None:
        await suite.position_manager.close()


def route_user_event(suite: TradingSuite, event: UserEvent) -> None:
    """Hand one user-hub event to the account managers."""
    if suite.order_manager is not None:
        suite.order_manager.on_user_event(event)
    if suite.position_manager is not None:
        suite.position_manager.on_user_event(event)
    if suite.risk_manager is not None and not (
        event.target == "GatewayUserTrade" and suite.position_manager is not None
    ):
        suite.risk_manager.on_user_event(event)  # fills come through the position manager


def watch_anomalies(suite: TradingSuite) -> None:
    """Anomalies of the REST client and the user hub become ``ANOMALY`` events; a refused
    order, position or fill makes the suite reconcile with REST (REST decides)."""
    assert suite.realtime is not None
    emit = emit_on(suite.bus)
    suite.client.anomalies.subscribe(emit)
    suite.realtime.anomalies.subscribe(emit)

    def reconcile_after(anomaly: Anomaly) -> None:
        if anomaly.source != "GatewayUserAccount" and anomaly.reason != "foreign_account":
            suite._request_reconcile()

    suite.realtime.anomalies.subscribe(reconcile_after)


def anomaly_stats(suite: TradingSuite) -> dict[str, Any]:
    """Anomaly counters per boundary (``rest``, ``user_hub``, ``orders``, ``positions``)."""
    out: dict[str, Any] = {"rest": suite.client.anomalies.snapshot()}
    if suite.realtime is not None:
        out["user_hub"] = suite.realtime.anomalies.snapshot()
    for name, manager in (("orders", suite.order_manager), ("positions", suite.position_manager)):
        if manager is not None:
            out[name] = manager.anomalies.snapshot()
    return out


def manager_stats(suite: TradingSuite) -> dict[str, Any]:
    """Stats of the account managers."""
    out: dict[str, Any] = {}
    if suite.order_manager is not None:
        out["orders"] = suite.order_manager.stats()
    if suite.position_manager is not None:
        out["positions"] = suite.position_manager.stats()
    if suite.risk_manager is not None:
        out["risk"] = suite.risk_manager.stats()
    return out


def managed_trade(ctx: InstrumentContext, **kwargs: Any) -> ManagedTrade:
    """A :class:`ManagedTrade` on the instrument (``async with`` it)."""
    return ManagedTrade(ctx.orders, ctx.positions, ctx.risk, ctx.contract, **kwargs)
