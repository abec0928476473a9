# project-x-py 4.4.1 README, "Session Filtering" -- only the import changed.
import asyncio
from projectx.compat import TradingSuite, SessionConfig, SessionType

async def session_example():
    # RTH-only trading (9:30 AM - 4:00 PM ET)
    rth_suite = await TradingSuite.create(
        ["MNQ"],  # v3.5.0: Use list notation
        timeframes=["1min", "5min"],
        session_config=SessionConfig(session_type=SessionType.RTH)
    )

    # ETH trading (24-hour excluding maintenance breaks)
    eth_suite = await TradingSuite.create(
        ["MNQ"],  # v3.5.0: Use list notation
        timeframes=["1min", "5min"],
        session_config=SessionConfig(session_type=SessionType.ETH)
    )

    # session_type defaults to session_config; pass it to override
    rth_data = await rth_suite["MNQ"].data.get_session_data("1min", SessionType.RTH)
    eth_data = await eth_suite["MNQ"].data.get_session_data("1min", SessionType.ETH)

    print(f"RTH bars: {len(rth_data):,}")  # ~390 bars per day
    print(f"ETH bars: {len(eth_data):,}")  # ~1,410 bars per day (366% more)

    await rth_suite.disconnect()
    await eth_suite.disconnect()

if __name__ == "__main__":
    asyncio.run(session_example())
