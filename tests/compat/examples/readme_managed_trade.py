# project-x-py 4.4.1 README, "RiskManager" managed trade -- only the import changed (plus the
# suite and current_price the fragment assumes).
import asyncio
from projectx.compat import TradingSuite


async def main():
    # Enable risk manager in features
    suite = await TradingSuite.create("MNQ", features=["risk_manager"])
    current_price = await suite.data.get_current_price()

    # Use managed trades for automatic risk management
    async with suite.managed_trade(max_risk_percent=0.01) as trade:
        # Market price fetched automatically (v3.1.11+)
        result = await trade.enter_long(
            stop_loss=current_price - 50,
            take_profit=current_price + 100
        )
        print(f"result={result}")

    await suite.disconnect()


if __name__ == "__main__":
    asyncio.run(main())
