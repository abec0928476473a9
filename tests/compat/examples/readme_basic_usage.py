# project-x-py 4.4.1 README, "Basic Usage" -- only the import changed.
import asyncio
from projectx.compat import TradingSuite

async def main():
    suite = await TradingSuite.create("MNQ")

    print(f"Connected to account: {suite.client.account_info.name}")

    # Get instrument info if needed
    instrument = await suite.client.get_instrument(suite.instrument_id or "MNQ")
    print(f"Trading {instrument.name} - Tick size: ${instrument.tickSize}")

    data = await suite.client.get_bars("MNQ", days=5)
    print(f"Retrieved {len(data)} bars")

    positions = await suite.positions.get_all_positions()
    for position in positions:
        print(f"Position: {position.size} @ ${position.averagePrice}")

    # New v3.3.0: Get comprehensive statistics (async-first API)
    stats = await suite.get_stats()
    print(f"System Health: {stats['health_score']:.1f}/100")
    print(f"Total API Calls: {stats['total_api_calls']}")
    print(f"Memory Usage: {stats['memory_usage_mb']:.1f} MB")

    # Export statistics to multiple formats
    prometheus_metrics = await suite.export_stats("prometheus")
    csv_data = await suite.export_stats("csv")

    await suite.disconnect()

if __name__ == "__main__":
    asyncio.run(main())
