"""02 — Historical bars from REST (History/retrieveBars) as polars DataFrames.

Needs a running `projectx sim` and the PROJECT_X_* variables (see 01_connection_and_accounts.py).
"""

import asyncio
from datetime import UTC, datetime, timedelta

import polars as pl

from projectx import ProjectX


async def main() -> None:
    async with ProjectX.from_env() as client:
        # The last 120 one-minute bars (`limit` keeps the most recent ones).
        bars = await client.get_bars("MNQ", "1min", limit=120)
        print(f"1min bars: {bars.height} rows, columns {bars.columns}")
        print(bars.tail(3))

        # A time window (tz-aware datetimes); windows above 20,000 bars are paged for you.
        end = datetime.now(UTC)
        five = await client.get_bars("MNQ", "5min", start=end - timedelta(hours=6), end=end)
        print(f"5min bars over 6 hours: {five.height}")

        # It is plain polars from here: e.g. hourly range and volume.
        hourly = five.group_by_dynamic("ts", every="1h").agg(
            (pl.col("high").max() - pl.col("low").min()).alias("range"),
            pl.col("volume").sum(),
        )
        print(hourly.tail(3))
        print("last close:", bars["close"][-1])


asyncio.run(main())
