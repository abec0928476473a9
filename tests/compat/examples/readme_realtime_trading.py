# project-x-py 4.4.1 README, "Real-time Trading Example" -- only the import changed.
import asyncio
from projectx.compat import TradingSuite


async def on_tick(event):
    tick_data = event.data
    symbol = tick_data.get('symbol', 'Unknown')
    print(f"{symbol} Price: ${tick_data['price']}")

async def main():
    # v3.5.0: Use list notation for single or multiple instruments
    suite = await TradingSuite.create(["MNQ"])

    # Get the instrument context
    mnq = suite["MNQ"]

    # Register tick callback on the specific instrument
    await mnq.data.add_callback("tick", on_tick)

    current_price = await mnq.data.get_current_price()

    # Place bracket order using the instrument context
    response = await mnq.orders.place_bracket_order(
        contract_id=mnq.instrument.id,  # v3.5.0: Access via context
        side=0,  # Buy
        size=1,
        entry_price=current_price,
        stop_loss_price=current_price - 10,
        take_profit_price=current_price + 15
    )

    print(f"Order placed: {response}")

    await asyncio.sleep(60)
    await suite.disconnect()

if __name__ == "__main__":
    asyncio.run(main())
