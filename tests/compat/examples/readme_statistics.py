# project-x-py 4.4.1 README, "Statistics & Analytics" -- only the import changed (plus the
# suite the fragment assumes).
import asyncio
from projectx.compat import TradingSuite


async def main():
    suite = await TradingSuite.create("MNQ")

    # Get comprehensive system statistics (async-first API)
    stats = await suite.get_stats()

    # Health scoring (0-100) with intelligent monitoring
    print(f"System Health: {stats['health_score']:.1f}/100")

    # Performance metrics with enhanced tracking
    print(f"API Calls: {stats['total_api_calls']}")
    print(f"Successful API Calls: {stats.get('successful_api_calls', 0)}")
    print(f"Memory Usage: {stats['memory_usage_mb']:.1f} MB")

    # Component-specific statistics (all async for consistency)
    order_stats = await suite.orders.get_stats()
    print(f"Fill Rate: {order_stats['fill_rate']:.1%}")
    print(f"Average Fill Time: {order_stats['avg_fill_time_ms']:.0f}ms")

    position_stats = await suite.positions.get_stats()
    print(f"Win Rate: {position_stats.get('win_rate', 0):.1%}")

    # Multi-format export capabilities
    prometheus_metrics = await suite.export_stats("prometheus")
    csv_data = await suite.export_stats("csv")
    datadog_metrics = await suite.export_stats("datadog")
    print(f"Prometheus lines: {len(prometheus_metrics.splitlines())}")
    print(f"CSV rows: {len(csv_data.splitlines())}")
    print(f"Datadog series: {len(datadog_metrics['series'])}")

    # Health lives on the suite stats payload
    stats = await suite.get_stats()
    health_score = stats.get("health_score", 0)
    if health_score < 70:
        print("System health degraded - inspect component stats")
        print(await suite.export_stats("json"))

    await suite.disconnect()


if __name__ == "__main__":
    asyncio.run(main())
