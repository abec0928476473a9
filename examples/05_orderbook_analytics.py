"""05 — Level-2 order book analytics: depth, imbalance, market impact, flow, volume profile.

The native book applies every GatewayDepth entry in O(1); the analytics below read its arrays
with NumPy only when asked. Needs a running `projectx sim` and the PROJECT_X_* variables (see
01_connection_and_accounts.py).
"""

import asyncio

from projectx import EventType, OrderSide, TradingSuite


async def main() -> None:
    features = ["orderbook", "orderbook_heuristics"]  # heuristics: iceberg / spoofing tracking
    async with await TradingSuite.create("MNQ", timeframes=["1sec"], features=features) as suite:
        book = suite.orderbook
        # Let the book fill and some trades print (bounded waits).
        for _ in range(3):
            await suite.wait_for(EventType.NEW_BAR, timeout=10)

        print(
            f"best bid {book.best_bid} x {book.best_bid_size}  "
            f"best ask {book.best_ask} x {book.best_ask_size}  spread {book.spread_ticks} ticks"
        )
        print("bids:\n", book.get_orderbook_bids(levels=5))
        print("asks:\n", book.get_orderbook_asks(levels=5))

        imb = book.get_market_imbalance(levels=10)
        print(
            f"imbalance {imb['imbalance']:+.3f} (bid {imb['bid_volume']} / ask {imb['ask_volume']})"
        )

        # What would a 50-lot market buy cost? (walks the asks)
        impact = book.market_impact(50, OrderSide.BUY)
        print(
            f"market buy 50: avg {impact['average_price']} slippage "
            f"{impact['slippage_ticks']:.2f} ticks over {impact['levels_consumed']} levels"
        )

        depth = book.get_orderbook_depth(price_range=2.0)
        print(f"within 2 points of mid: bid {depth['bid_volume']} ask {depth['ask_volume']}")
        print("largest resting levels:\n", book.get_liquidity_levels(min_volume=1, top_k=3))

        # Trade flow from the market hub's trades.
        delta = book.get_cumulative_delta()
        print(f"cumulative delta {delta['cumulative_delta']} over {delta['trades']} trades")
        vp = book.get_volume_profile(ticks_per_bin=2)
        print(
            f"volume profile: POC {vp['point_of_control']} "
            f"value area {vp['value_area_low']}..{vp['value_area_high']}"
        )
        sr = book.get_support_resistance_levels(levels=3)
        print(
            "support:",
            [lvl["price"] for lvl in sr["support"]],
            "resistance:",
            [lvl["price"] for lvl in sr["resistance"]],
        )

        # Heuristics (flagged as such): patterns, not certainties.
        print("iceberg candidates:", len(book.detect_iceberg_orders(min_refills=3)))
        print("spoofing candidates:", len(book.detect_spoofing(min_occurrences=2)))
        stats = book.get_statistics()
        print(
            f"book updates applied: {stats['applied']}, crossed resyncs {stats['crossed_resyncs']}"
        )


asyncio.run(main())
