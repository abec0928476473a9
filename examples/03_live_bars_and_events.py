"""03 — Live bars and events: a TradingSuite streams the market hub and emits typed events.

Needs a running `projectx sim` and the PROJECT_X_* variables (see 01_connection_and_accounts.py).
"""

import asyncio
from collections import Counter

from projectx import Event, EventType, TradingSuite


async def main() -> None:
    counts: Counter[str] = Counter()

    # Sync handlers run inline on the event loop (cheapest); keep them short.
    def count(event: Event) -> None:
        counts[event.type.value] += 1

    # Async handlers get their own ordered, bounded queue: a slow one never slows the feed.
    async def on_bar(event: Event) -> None:
        bar = event.data["bar"]  # the bar that just *closed*
        print(
            f"closed {event.data['timeframe']:>4} {event.instrument} "
            f"o={bar.open} h={bar.high} l={bar.low} c={bar.close} v={bar.volume}"
        )

    async with await TradingSuite.create("MNQ", timeframes=["1sec", "5sec"]) as suite:
        # TRADE_TICK and QUOTE_UPDATE cost nothing unless someone listens to them.
        for kind in (EventType.TRADE_TICK, EventType.QUOTE_UPDATE, EventType.DATA_UPDATE):
            suite.on(kind, count)
        suite.on(EventType.NEW_BAR, on_bar)

        # Every wait has a timeout: wait_for raises TimeoutError instead of hanging.
        event = await suite.wait_for(
            EventType.NEW_BAR, timeout=15, predicate=lambda e: e.data["timeframe"] == "5sec"
        )
        print("a 5sec bar closed at", event.data["bar"].ts_ns)

        forming = suite.data.get_forming_bar("5sec")
        print("forming 5sec bar:", forming)
        print("last price:", suite.data.get_current_price())
        print("bars held:", {tf: suite.data.get_bar_count(tf) for tf in suite.timeframes})
        await suite.bus.drain()  # let the async handler print what is queued
        print("events seen:", dict(counts))


asyncio.run(main())
