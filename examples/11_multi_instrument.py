"""11 — Several instruments in one suite: per-instrument contexts, one account, one event bus.

``suite["MNQ"]`` and ``suite["MES"]`` each have their own bars and order book; orders and
positions are the account's (shared). This example runs a tiny pair trade (long MNQ, short MES)
and flattens it. It needs a simulator that lists both contracts:

    projectx sim --port 8765 --symbols MNQ,MES

and the PROJECT_X_* variables (see 01_connection_and_accounts.py).
"""

import asyncio
from collections import Counter

import polars as pl

from projectx import Event, EventType, OrderSide, TradingSuite

SYMBOLS = ["MNQ", "MES"]


async def main() -> None:
    async with await TradingSuite.create(SYMBOLS, timeframes=["1sec", "1min"]) as suite:
        bars: Counter[str] = Counter()
        for ctx in suite:  # iterating a suite gives its InstrumentContexts
            # ctx.on sees only this instrument's market events.
            ctx.on(EventType.NEW_BAR, lambda e, s=ctx.symbol: bars.update([s]))
        fills: list[str] = []

        def on_fill(event: Event) -> None:
            fills.append(event.data["contract_id"])

        suite.on(EventType.ORDER_FILLED, on_fill)  # account-wide: every instrument's fills

        await suite.wait_for(EventType.NEW_BAR, timeout=10)
        await suite.wait_for(EventType.NEW_BAR, timeout=10)
        for ctx in suite:
            book = ctx.orderbook
            print(
                f"{ctx.symbol} ({ctx.contract_id}): last {ctx.data.get_current_price()} "
                f"bid {book.best_bid} ask {book.best_ask}"
            )

        # Relative value from the two closes, aligned on the bar timestamps.
        mnq = suite["MNQ"].data.get_data("1min", bars=60).select("ts", pl.col("close").alias("mnq"))
        mes = suite["MES"].data.get_data("1min", bars=60).select("ts", pl.col("close").alias("mes"))
        pair = mnq.join(mes, on="ts").with_columns(ratio=pl.col("mnq") / pl.col("mes"))
        ratios = pair["ratio"].to_list()
        print(
            f"MNQ/MES ratio over {len(ratios)} minutes: last {ratios[-1]:.4f}, "
            f"mean {sum(ratios) / len(ratios):.4f}"
        )

        # Pair trade: both legs at market, the fills tracked.
        orders = suite.orders
        legs = await asyncio.gather(
            orders.place_market_order(suite["MNQ"].contract, OrderSide.BUY, 1),
            orders.place_market_order(suite["MES"].contract, OrderSide.SELL, 1),
        )
        for leg in legs:
            await orders.track(leg).wait_for_fill(timeout=10)
        positions = suite.positions
        for pos in positions.get_all_positions():
            print(f"  {pos.contract_id}: {pos.size:+d} @ {pos.average_price}")
        print("net exposure:", round(positions.get_risk_metrics()["net_exposure"], 2))

        closed = await positions.close_all_positions()
        for _ in range(200):
            if positions.open_position_count() == 0 and not orders.open_orders():
                break
            await asyncio.sleep(0.05)
        pnl = positions.get_portfolio_pnl()
        for cid, row in pnl["by_instrument"].items():
            print(f"  {cid}: realised {row['realized_pnl']:+.2f}, fees {row['fees']:.2f}")
        print(
            f"closed {closed} positions; fills seen: {len(fills)}; bars per instrument: "
            f"{dict(bars)}"
        )
        flat = positions.open_position_count() == 0
        print(
            f"positions: {'flat' if flat else 'open'}, working orders: {len(orders.open_orders())}"
        )


asyncio.run(main())
