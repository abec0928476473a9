# project-x-py 4.4.1 README, "Event Handling Best Practices" -- only the import changed; the
# README's fragment needs a suite and a moment for a bar to close (the two lines marked SETUP).
import asyncio
from projectx.compat import TradingSuite, EventType


async def main():
    suite = await TradingSuite.create("MNQ", timeframes=["5sec", "5min"])  # SETUP

    # Best: Use event data directly
    async def on_new_bar(event):
        # Bar data is provided in the event
        bar = event.data['data']
        print(f"Close: {bar['close']}, Volume: {bar['volume']}")

    # Register the handler
    await suite.on(EventType.NEW_BAR, on_new_bar)

    # Also OK (v3.1.6+): Access data methods if needed
    async def on_new_bar_with_context(event):
        # Safe in v3.1.6+, but slightly slower
        current_price = await suite.data.get_current_price()
        historical = await suite.data.get_data("5min", bars=20)
        print(f"Context: {current_price} {len(historical)}")

    await suite.on(EventType.NEW_BAR, on_new_bar_with_context)

    await asyncio.sleep(12)  # SETUP
    await suite.disconnect()


if __name__ == "__main__":
    asyncio.run(main())
