"""06 — Every order type: market, limit, stop, stop-limit, trailing stop, join bid/ask;
modify and cancel. Ends flat with no working order.

Prices must be on the contract's tick grid (or pass ``snap=True``); a buy stop must be above the
market and a sell stop below, or the order is refused before anything is sent.
Needs a running `projectx sim` and the PROJECT_X_* variables (see 01_connection_and_accounts.py).
"""

import asyncio

from projectx import EventType, OrderSide, TradingSuite


async def main() -> None:
    async with await TradingSuite.create("MNQ", timeframes=["1sec"]) as suite:
        ctx = suite["MNQ"]
        orders, contract = ctx.orders, ctx.contract
        tick = contract.tick_size
        assert tick, "every Gateway contract has a tick size"
        suite.on(EventType.ORDER_PLACED, lambda e: print("  event: placed", e.data["order_id"]))
        await suite.wait_for(EventType.NEW_BAR, timeout=10)  # a live price is known
        bid, ask = ctx.orderbook.best_bid, ctx.orderbook.best_ask
        print(f"market: bid {bid} ask {ask}")

        # Limit buy 20 ticks under the bid: rests (working) until we move or cancel it.
        limit = await orders.place_limit_order(contract, OrderSide.BUY, 1, bid - 20 * tick)
        print(f"limit order {limit.order_id} {limit.state.value} at {limit.limit_price}")
        await orders.modify_order(limit, limit_price=bid - 25 * tick)
        print(f"modified limit {limit.order_id} to {limit.limit_price}")

        # Stop buy 20 ticks over the ask (a breakout entry), then moved further away.
        stop = await orders.place_stop_order(contract, OrderSide.BUY, 1, ask + 20 * tick)
        await orders.modify_order(stop, stop_price=ask + 30 * tick)
        print(f"stop order {stop.order_id} at {stop.stop_price}")

        # Trailing stop (server-side): sell stop trailing 40 ticks under the last trade.
        trail = await orders.place_trailing_stop_order(contract, OrderSide.SELL, 1, trail_ticks=40)
        print(f"trailing stop {trail.order_id} trail level {trail.trail_price}")

        # Stop-limit: the Gateway's type 3 is not documented as placeable, so emulate it:
        # the limit is sent when a trade prints through the stop.
        stop_limit = await orders.place_stop_limit_order(
            contract, OrderSide.BUY, 1, ask + 40 * tick, ask + 41 * tick, emulate=True
        )
        print(f"stop-limit (emulated={stop_limit.emulated}) {stop_limit.state.value}")

        # Join the bid / the ask: limit orders priced by the Gateway at the touch.
        join_bid = await orders.place_join_bid_order(contract, OrderSide.BUY, 1)
        join_ask = await orders.place_join_ask_order(contract, OrderSide.SELL, 1)
        print(f"join bid {join_bid.order_id}, join ask {join_ask.order_id}")

        # Cancel one explicitly, then everything still working on this contract.
        print("cancel limit:", await orders.cancel_order(limit))
        cancelled = await orders.cancel_all_orders(contract)
        print(f"cancel_all_orders accepted {cancelled} cancels")

        # A market order round trip: buy 1, wait for the fill, sell 1.
        async with orders.track(await orders.place_market_order(contract, OrderSide.BUY, 1)) as t:
            filled = await t.wait_for_fill(timeout=10)
        print(f"market buy {filled.order_id} filled at {filled.average_fill_price}")
        exit_ = await orders.place_market_order(contract, OrderSide.SELL, 1)
        await orders.track(exit_).wait_for_fill(timeout=10)
        print(f"market sell {exit_.order_id} filled at {exit_.average_fill_price}")

        # Join orders may have filled against the simulated market: flatten what is left.
        await orders.cancel_all_orders(contract)
        if ctx.positions.get_position(contract) is not None:
            await ctx.positions.close_position(contract)
        for _ in range(100):
            if not orders.open_orders(contract) and ctx.positions.get_position(contract) is None:
                break
            await asyncio.sleep(0.05)
        states = sorted({r.state.value for r in orders.tracked()})
        print("states seen:", states)
        # an order at the touch can fill before its cancel arrives: then that cancel is refused
        joined_filled = sum(r.state.value == "filled" for r in (join_bid, join_ask))
        print(f"join orders filled before the cancel: {joined_filled}")
        working = len(orders.open_orders(contract))
        flat = ctx.positions.get_position(contract) is None
        print(f"working orders: {working}, position: {'flat' if flat else 'open'}")


asyncio.run(main())
