"""04 — Multi-timeframe analysis: every timeframe is built at once from the same trades.

History is warmed up from REST (``initial_days``), then live trades continue the bars.
Needs a running `projectx sim` and the PROJECT_X_* variables (see 01_connection_and_accounts.py).
"""

import asyncio

import polars as pl

from projectx import EventType, TradingSuite

TIMEFRAMES = ["5sec", "1min", "5min", "15min"]


def trend(frame: pl.DataFrame, fast: int = 5, slow: int = 20) -> str:
    """'up' when the fast SMA of the closes is above the slow one, else 'down'."""
    if frame.height < slow:
        return "n/a"
    closes = frame["close"]
    return "up" if closes.tail(fast).mean() > closes.tail(slow).mean() else "down"  # type: ignore[operator]


async def main() -> None:
    async with await TradingSuite.create("MNQ", timeframes=TIMEFRAMES, initial_days=1) as suite:
        data = suite.data
        await suite.wait_for(EventType.NEW_BAR, timeout=15)  # at least one live bar closed

        # get_mtf_data: the latest N closed bars of several timeframes in one call.
        frames = data.get_mtf_data(bars=50)
        for tf, frame in frames.items():
            print(
                f"{tf:>5}: {frame.height:3d} bars, last close {frame['close'][-1]}, "
                f"trend {trend(frame)}"
            )

        # The bars currently forming (partial), e.g. for an intrabar check.
        for tf in TIMEFRAMES:
            bar = data.get_forming_bar(tf)
            print(f"forming {tf:>5}:", None if bar is None else (bar.open, bar.close, bar.volume))

        # include_forming=True appends the forming bar as the last row.
        with_forming = data.get_data("1min", bars=3, include_forming=True)
        print(with_forming)

        votes = [trend(frame) for frame in frames.values()]
        aligned = len(set(votes)) == 1 and votes[0] != "n/a"
        print("timeframes aligned:", aligned, votes)
        print("range of the last 20 one-minute bars:", data.get_price_range(20, "1min"))


asyncio.run(main())
