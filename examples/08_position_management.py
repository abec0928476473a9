"""08 — Positions: open, live P&L, alerts, partial close, full close, round-trip analytics.

Ends flat. Needs a running `projectx sim` and the PROJECT_X_* variables (see
01_connection_and_accounts.py).
"""

import asyncio

from projectx import Event, EventType, InstrumentContext, OrderSide, TradingSuite


async def wait_size(ctx: InstrumentContext, size: int, seconds: float = 10.0) -> None:
    """Wait (bounded) until the position of ``ctx`` has ``size`` contracts (0 = flat)."""
    for _ in range(int(seconds / 0.05)):
        if ctx.positions.signed_size(ctx.contract_id) == size:
            return
        await asyncio.sleep(0.05)
    raise TimeoutError(f"{ctx.symbol}: position is not {size} after {seconds} s")


async def main() -> None:
    async with await TradingSuite.create("MNQ", timeframes=["1sec"]) as suite:
        ctx = suite["MNQ"]
        positions, contract = ctx.positions, ctx.contract
        pnl_updates = 0

        def on_pnl(event: Event) -> None:
            nonlocal pnl_updates
            pnl_updates += 1

        suite.on(EventType.POSITION_PNL_UPDATE, on_pnl)  # every re-mark of an open position
        suite.on(EventType.POSITION_OPENED, lambda e: print("  event: opened", e.data["size"]))
        suite.on(
            EventType.POSITION_CLOSED, lambda e: print("  event: closed", e.data["closed_size"])
        )
        await suite.wait_for(EventType.NEW_BAR, timeout=10)

        # Open 3 long at market.
        await ctx.orders.place_market_order(contract, OrderSide.BUY, 3)
        await wait_size(ctx, 3)
        pos = positions.get_position(contract)
        print(
            f"position: {pos.size} @ {pos.average_price} ({pos.side.name}), "
            f"exposure ${pos.exposure:,.0f}"
        )

        # An alert fires once (RISK_LIMIT_WARNING, rule "position_alert") when the unrealised
        # P&L crosses a level.
        positions.add_position_alert(contract, max_loss=500.0, max_gain=500.0)

        # Watch the P&L move for a couple of seconds of market.
        for _ in range(2):
            await suite.wait_for(EventType.NEW_BAR, timeout=10)
            pos = positions.get_position(contract)
            print(f"  last {pos.last_price} unrealised {pos.unrealized_pnl:+.2f}")
        print("P&L updates so far:", pnl_updates)

        # Take one contract off (Position/partialCloseContract), then close the rest.
        await positions.partially_close_position(contract, 1)
        await wait_size(ctx, 2)
        print("after partial close:", positions.get_position(contract).size)
        await positions.close_position(contract)
        await wait_size(ctx, 0)

        pnl = positions.get_portfolio_pnl()
        print(
            f"realised {pnl['realized_pnl']:+.2f} fees {pnl['fees']:.2f} "
            f"net {pnl['net_realized_pnl']:+.2f}"
        )
        trips = positions.round_trips
        if trips:
            last = trips[-1]
            print(
                f"last round trip: {last.max_size} lots {last.entry_price} -> "
                f"{last.exit_price}, pnl {last.pnl:+.2f}"
            )
        stats = positions.get_analytics()
        print(f"round trips: {stats['trades']}, win rate {stats['win_rate']}")
        flat = positions.get_position(contract) is None
        print(
            f"position: {'flat' if flat else 'open'}, "
            f"working orders: {len(ctx.orders.open_orders(contract))}"
        )


asyncio.run(main())
