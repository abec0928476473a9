"""09 — Risk management: position sizing, the pre-trade gate, prop-firm rules, ManagedTrade.

``features=["risk"]`` adds a RiskManager that gates every entry (an order that breaks a rule
raises ``RiskViolationError`` and nothing is sent) and watches the account's loss limits live.
Its state (the day's P&L, the peak balance) is persisted to ``state_path``; here a temporary
directory, so the example leaves nothing behind. Ends flat.
Needs a running `projectx sim` and the PROJECT_X_* variables (see 01_connection_and_accounts.py).
"""

import asyncio
import tempfile
from pathlib import Path

from projectx import EventType, OrderSide, TradingSuite
from projectx.risk import RiskConfig, RiskViolationError

RISK = RiskConfig(
    risk_per_trade_percent=0.5,  # size entries to lose at most 0.5 % of the balance at the stop
    max_position_size=5,  # never more than 5 contracts per instrument
    max_daily_trades=50,
    max_daily_loss=1_000.0,  # refuse new entries after a $1,000 realised loss today
    daily_loss_limit=2_000.0,  # prop-firm rule: flatten and lock at -$2,000 (incl. open P&L)
    trailing_max_drawdown=2_500.0,  # prop-firm rule: trailing drawdown from the peak balance
)


async def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        async with await TradingSuite.create(
            "MNQ",
            timeframes=["1sec"],
            features=["orderbook", "risk"],
            risk_config=RISK,
            state_path=Path(tmp) / "risk.json",
        ) as suite:
            ctx = suite["MNQ"]
            contract, risk = ctx.contract, ctx.risk
            tick, tick_value = contract.tick_size, contract.tick_value
            assert tick and tick_value, "every Gateway contract has a tick size and value"
            suite.on(EventType.RISK_LIMIT_WARNING, lambda e: print("  risk warning:", e.data))
            await suite.wait_for(EventType.NEW_BAR, timeout=10)
            print(f"balance {risk.balance}, halted: {risk.halted}")

            # Sizing: how many contracts may I trade with a 20-tick stop?
            entry = ctx.orderbook.best_ask
            stop = entry - 20 * tick
            size = risk.calculate_position_size(entry, stop, tick_size=tick, tick_value=tick_value)
            print(f"size for a 20-tick stop: {size} (capped by max_position_size)")

            # The gate refuses an order that breaks a rule, before anything is sent.
            try:
                await ctx.orders.place_market_order(contract, OrderSide.BUY, 10)
            except RiskViolationError as exc:
                print(f"refused by rule {exc.rule!r}: {exc}")

            # ManagedTrade: sized from the risk budget, entered with a bracket, and never left
            # open without a stop (on exit it cancels unfilled entries and flattens if needed).
            async with ctx.managed_trade(max_risk_percent=0.25) as trade:
                bracket = await trade.enter_long(stop_ticks=20, take_profit_ticks=40)
                print(
                    f"managed entry: {trade.size} contracts at "
                    f"{bracket.entry.average_fill_price}, stop {trade.stop_order.stop_price}"
                )
                await trade.adjust_stop(trade.stop_order.stop_price + 4 * tick)
                print("stop moved to", trade.stop_order.stop_price)
                await trade.exit_partial(1)  # take one contract off
                await trade.close_position()  # and the rest; protective orders are cancelled
            print("managed trade done, position size:", ctx.positions.signed_size(contract.id))

            for status in risk.statuses():
                print(
                    f"  {status.rule}: {status.used:.2f} of {status.limit:.2f} "
                    f"({status.fraction:.1%})"
                )
            print("risk stats:", {k: v for k, v in risk.stats().items() if k != "config"})
            for _ in range(200):  # fills settle within a few hub messages
                if not ctx.orders.open_orders(contract) and not ctx.positions.get_position(
                    contract
                ):
                    break
                await asyncio.sleep(0.05)
            flat = ctx.positions.get_position(contract) is None
            working = len(ctx.orders.open_orders(contract))
            print(f"position: {'flat' if flat else 'open'}, working orders: {working}")


asyncio.run(main())
