import asyncio

from projectx import EventType, TradingSuite


async def main() -> None:
    async with await TradingSuite.create("MNQ", timeframes=["1sec", "1min"]) as suite:
        suite.on(EventType.NEW_BAR, lambda e: print("closed", e.data["timeframe"], e.data["bar"]))
        for _ in range(3):
            await suite.wait_for(EventType.NEW_BAR, timeout=10)
        print(suite.data.get_data("1min", bars=5))
        print("top of book:", suite.orderbook.best_bid, suite.orderbook.best_ask)
        print("health:", suite.get_stats()["health"]["score"])


asyncio.run(main())
