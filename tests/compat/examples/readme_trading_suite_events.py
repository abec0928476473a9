# project-x-py 4.4.1 README, "Trading Suite (Enhanced in v3.5.0)" -- only the import changed.
import asyncio
from projectx.compat import TradingSuite, EventType

async def main():
    # v3.5.0: Multi-instrument support
    suite = await TradingSuite.create(
        instruments=["MNQ", "ES"],  # Multiple instruments
        timeframes=["5min", "15min", "1hr"],
        enable_orderbook=True,
        enable_risk_management=True
    )

    # Register event handlers (events are instrument-specific)
    async def on_new_bar(event):
        # Event data includes instrument symbol
        symbol = event.data.get('symbol', 'Unknown')
        timeframe = event.data['timeframe']
        bar_close = event.data['data']['close']
        print(f"New {symbol} {timeframe} bar: ${bar_close}")

    async def on_trade(event):
        symbol = event.data.get('symbol', 'Unknown')
        print(f"{symbol} Trade: {event.data['size']} @ ${event.data['price']}")

    # Register the handlers
    await suite.on(EventType.NEW_BAR, on_new_bar)
    await suite.on(EventType.TRADE_TICK, on_trade)

    # v3.5.0: Access components by instrument
    for symbol, context in suite.items():
        data = await context.data.get_data("5min")
        orderbook = context.orderbook  # Available when enabled
        order_manager = context.orders
        position_manager = context.positions
        print(f"{symbol}: {len(data)} bars loaded")

    # Single instrument access (for backward compatibility)
    if len(suite) == 1:
        # Single instrument - can still access directly with deprecation warning
        single_data = await suite.data.get_data("5min")  # Shows warning

        # Recommended: Use explicit access
        symbol = list(suite.keys())[0]
        single_data = await suite[symbol].data.get_data("5min")

    await suite.disconnect()

if __name__ == "__main__":
    asyncio.run(main())
