# project-x-py 4.4.1 README, "Available Features" and "Component Overview" -- only the import
# changed; the fragments run in one script, in the README's order, and print what they return
# (the suite gets the 15min timeframe the "RealtimeDataManager" fragment reads).
import asyncio
from projectx.compat import TradingSuite


async def main():
    # Enable specific features
    suite = await TradingSuite.create(
        "MNQ",
        features=["orderbook", "risk_manager"],
        timeframes=["5min", "15min"],
    )

    # Access feature-specific components
    if suite.orderbook:  # Only available when orderbook feature is enabled
        spread = await suite.orderbook.get_bid_ask_spread()
        print(f"spread={spread}")

    if suite.risk_manager:  # Only available when risk_manager feature is enabled
        sizing = await suite.risk_manager.calculate_position_size(
            entry_price=100.0,
            stop_loss=99.0
        )
        print(f"sizing={sizing}")

    # OrderManager
    placed = await suite.orders.place_market_order(suite.instrument.id, side=0, size=1)
    print(f"market={placed}")

    # PositionManager
    await asyncio.sleep(1)
    positions = await suite.positions.get_all_positions()
    pnl = await suite.positions.get_portfolio_pnl()
    print(f"positions={[(p.contractId, p.size, p.type) for p in positions]}")
    print(f"pnl={pnl}")
    await suite.orders.close_position(suite.instrument.id)

    # RealtimeDataManager
    data = await suite.data.get_data("15min")
    current_price = await suite.data.get_current_price()
    print(f"bars15={len(data)} price={current_price}")

    # OrderBook
    spread = await suite.orderbook.get_bid_ask_spread()
    imbalance = await suite.orderbook.get_market_imbalance()
    icebergs = await suite.orderbook.detect_iceberg_orders()
    print(f"imbalance={imbalance}")

    # RiskManager
    sizing = await suite.risk_manager.calculate_position_size(
        entry_price=100.0,
        stop_loss=99.0,
        risk_percent=0.02  # Risk 2% of account
    )
    print(f"sizing2={sizing}")

    await suite.disconnect()


if __name__ == "__main__":
    asyncio.run(main())
