"""13 — Statistics and health: one snapshot of every counter, a health score, JSON and
Prometheus export, and the connection events.

``get_stats()`` covers hubs (messages, reconnects, malformed records, process latency),
the feed, events (emitted, dropped, handler errors), REST (requests, retries, 429s, caches),
each instrument's bars and book, the managers, and memory. The health score (0-100) is computed
from those real signals, with a reason for every deduction. Nothing in it is ever a credential.
Needs a running `projectx sim` and the PROJECT_X_* variables (see 01_connection_and_accounts.py).
"""

import asyncio
import json

from projectx import EventType, TradingSuite


async def main() -> None:
    suite = await TradingSuite.create("MNQ", timeframes=["1sec", "1min"])
    # Connection events: CONNECTED was emitted inside create(); these fire on later changes.
    for kind in (
        EventType.DISCONNECTED,
        EventType.RECONNECTING,
        EventType.RECONNECTED,
        EventType.FEED_STALE,
    ):
        suite.on(kind, lambda e: print("connection event:", e.type.value, e.data))
    try:
        for _ in range(3):
            await suite.wait_for(EventType.NEW_BAR, timeout=10)

        stats = suite.get_stats()
        health = stats["health"]
        print(f"health score: {health['score']} reasons: {health['reasons'] or 'none'}")
        market = stats["hubs"]["market"]
        print(
            f"market hub {market['state']}: {market['messages']} messages, "
            f"{market['native_records']} parsed natively, {market['fallback_records']} by "
            f"orjson, {market['reconnects']} reconnects"
        )
        latency = market["process_latency"]
        print("process latency (ns):", {k: latency[k] for k in list(latency)[:5]})
        feed = stats["feed"]
        print(
            f"feed: {feed['trades']} trades, {feed['quotes']} quotes, "
            f"{feed['depth_updates']} depth updates"
        )
        print(f"events emitted {stats['events']['emitted']}, dropped {stats['events']['dropped']}")
        print(
            f"REST requests {stats['rest']['requests']}, memory "
            f"{stats['memory']['rss_bytes'] / 2**20:.0f} MiB"
        )

        # JSON for logs and dashboards...
        as_json = json.loads(suite.export_stats("json"))
        print("json sections:", sorted(as_json))
        # ...and the Prometheus text format (gauges), e.g. for a /metrics endpoint.
        prom = suite.export_stats("prometheus")
        lines = [ln for ln in prom.splitlines() if ln and not ln.startswith("#")]
        print(f"prometheus: {len(lines)} samples, e.g.")
        for line in lines[:3]:
            print("  ", line)
    finally:
        await suite.disconnect()  # what `async with` does on exit
    print("connected after disconnect:", suite.get_stats()["connected"])


asyncio.run(main())
