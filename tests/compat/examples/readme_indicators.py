# project-x-py 4.4.1 README, "Technical Indicators" -- only the import changed (plus the
# client the README leaves implicit, opened the README's way: ProjectX.from_env(), and prints).
import asyncio
import polars as pl
from projectx.compat import ProjectX
from projectx.compat.indicators import RSI, SMA, MACD, FVG, ORDERBLOCK, WAE


async def main():
    async with ProjectX.from_env() as client:
        await client.authenticate()
        # Get data - multiple ways
        data = await client.get_bars("ES", days=30)  # Last 30 days

        # Or use specific time range (v3.1.5+)
        from datetime import datetime
        start = datetime(2025, 1, 1, 9, 30)
        end = datetime(2025, 1, 10, 16, 0)
        ranged = await client.get_bars("ES", start_time=start, end_time=end)
        print(f"Ranged bars: {len(ranged)}")

        # Apply traditional indicators
        data = data.pipe(SMA, period=20).pipe(RSI, period=14)
        print(f"Last bar: {data['timestamp'][-1].isoformat()}")
        print(f"Closed RSI: {data['rsi_14'][-2]!r}")
        print(f"Closed SMA: {data['sma_20'][-2]!r}")

        # Apply pattern recognition indicators
        data_with_fvg = FVG(data, min_gap_size=0.001, check_mitigation=True)
        data_with_ob = ORDERBLOCK(data, min_volume_percentile=70)
        data_with_wae = WAE(data, sensitivity=150)

        # Or use class-based interface
        from projectx.compat.indicators import OrderBlock, FVG, WAE
        ob = OrderBlock()
        data_with_ob = ob.calculate(data, use_wicks=True)
        print(f"Columns: {data_with_ob.columns}")


if __name__ == "__main__":
    asyncio.run(main())
