"""07 — Brackets (entry + protective stop + target) and OCO pairs. Ends flat.

A bracket uses native Gateway brackets when the account allows them, else a client-side OCO
that places the stop first as soon as the entry fills. Needs a running `projectx sim` and the
PROJECT_X_* variables (see 01_connection_and_accounts.py).
"""

import asyncio

from projectx import EventType, InstrumentContext, OrderSide, TradingSuite
from projectx.orders import OrderSpec


async def wait_flat(ctx: InstrumentContext, seconds: float = 10.0) -> None:
    """Wait (bounded) until ``ctx`` has no position and no working order."""
    for _ in range(int(seconds / 0.05)):
        if not ctx.orders.open_orders(ctx.contract_id) and not ctx.positions.get_position(
            ctx.contract
        ):
            return
        await asyncio.sleep(0.05)
    raise TimeoutError(f"{ctx.symbol} still has orders or a position after {seconds} s")


async def main() -> None:
    async with await TradingSuite.create("MNQ", timeframes=["1sec"]) as suite:
        ctx = suite["MNQ"]
        orders, positions, contract = ctx.orders, ctx.positions, ctx.contract
        tick = contract.tick_size
        assert tick, "every Gateway contract has a tick size"
        suite.on(
            EventType.ORDER_FILLED,
            lambda e: print(f"  filled {e.data['role']} {e.data['order_id']}"),
        )
        await suite.wait_for(EventType.NEW_BAR, timeout=10)

        # 1. Market entry, stop 10 ticks and target 20 ticks from the fill.
        bracket = await orders.place_bracket_order(
            contract, OrderSide.BUY, 1, stop_loss_ticks=10, take_profit_ticks=20
        )
        stop = await bracket.wait_protected(timeout=10)  # the stop is working
        print(
            f"bracket: entry {bracket.entry.order_id} filled at "
            f"{bracket.entry.average_fill_price}, native={bracket.native}"
        )
        print(f"  stop {stop.order_id} at {stop.stop_price}")
        for _ in range(100):  # the target follows the stop (client-side brackets: stop first)
            if bracket.target is not None and bracket.target.order_id is not None:
                break
            await asyncio.sleep(0.05)
        if bracket.target is not None:
            print(f"  target {bracket.target.order_id} at {bracket.target.limit_price}")
        print("position:", positions.get_position(contract))

        # Flatten: cancel the protective legs, close the position at market.
        await orders.cancel_all_orders(contract)
        await positions.close_position(contract)
        await wait_flat(ctx)
        print("bracket closed by hand; position flat")

        # 2. The same with the fluent chain builder: a limit entry far below the market
        #    (it will not fill), protected once it does; here we just cancel it.
        chain = await (
            orders.chain(contract)
            .limit(OrderSide.BUY, 1, ctx.orderbook.best_bid - 40 * tick)
            .stop_loss(ticks=8)
            .take_profit(ticks=16)
            .submit()
        )
        print(f"chain entry {chain.entry.order_id} working at {chain.entry.limit_price}")
        await orders.cancel_order(chain.entry)

        # 3. OCO: a buy limit under the market and a buy stop over it; whichever fills (or is
        #    cancelled) first cancels the other.
        bid, ask = ctx.orderbook.best_bid, ctx.orderbook.best_ask
        oco = await orders.place_oco_order(
            contract,
            OrderSpec(OrderSide.BUY, 1, "limit", limit_price=bid - 30 * tick),
            OrderSpec(OrderSide.BUY, 1, "stop", stop_price=ask + 30 * tick),
        )
        first, second = oco.first, oco.second
        print(f"oco: limit {first.order_id} + stop {second.order_id}")
        await orders.cancel_order(first)  # cancelling one leg cancels its sibling
        async with orders.track(second) as t:
            await t.wait_for_status("cancelled", timeout=10)
        print(f"oco sibling {second.order_id} is {second.state.value}")

        await wait_flat(ctx)
        flat = positions.get_position(contract) is None
        print(
            f"working orders: {len(orders.open_orders(contract))}, "
            f"position: {'flat' if flat else 'open'}"
        )


asyncio.run(main())
