"""12 — Record the feed, then replay a strategy over the recording (and over REST bars).

1. ``Recorder`` subscribes to quotes, trades and depth and writes them losslessly to rotating
   Parquet parts plus ``manifest.json`` (what ``projectx record MNQ --out DIR`` does).
2. ``replay()`` runs a strategy - the same ``setup(suite[, clock])`` code that runs live against
   a ``TradingSuite`` - over the recording, through the simulator's matching engine, with a
   simulated clock, as fast as the machine allows (``projectx replay DIR --strategy FILE``).
3. The same over bars from ``get_bars`` (four synthetic trades per bar), here with the packaged
   EMA-cross strategy that ``projectx demo`` runs.

Everything is written to a temporary directory. Needs a running `projectx sim` and the
PROJECT_X_* variables (see 01_connection_and_accounts.py).
"""

import asyncio
import tempfile
from pathlib import Path
from typing import Any

from projectx import Event, EventType, OrderSide, ProjectX
from projectx.recording import Recorder, read_manifest
from projectx.replay import fetch_bars_as_trades, replay
from projectx.strategies import ema_cross
from projectx.strategy import Strategy, StrategyClock


# -- a tiny strategy: buy on the 2nd closed 1sec bar, sell on the 4th --------------------------
async def setup(suite: Any, clock: StrategyClock) -> None:
    ctx = suite["MNQ"]
    seen = {"bars": 0}

    async def on_bar(event: Event) -> None:
        if event.data["timeframe"] != "1sec":
            return
        seen["bars"] += 1
        if seen["bars"] == 2:
            await ctx.orders.place_market_order(ctx.contract, OrderSide.BUY, 1)
            print(f"  [strategy] buy at market time {clock.now():%H:%M:%S}")
        elif seen["bars"] == 4:
            await ctx.orders.place_market_order(ctx.contract, OrderSide.SELL, 1)
            print(f"  [strategy] sell at market time {clock.now():%H:%M:%S}")

    ctx.on(EventType.NEW_BAR, on_bar)


async def teardown(suite: Any) -> None:
    await suite.positions.close_all_positions()  # end flat whatever happened


STRATEGY = Strategy.from_functions(setup, teardown, name="buy2-sell4", timeframes=["1sec"])


# -- the demo's EMA cross (projectx/strategies/ema_cross.py) on one-minute bars ------------------
async def ema_setup(suite: Any) -> None:
    await ema_cross.setup(suite, timeframe="1min", fast=5, slow=20)


EMA_CROSS = Strategy.from_functions(
    ema_setup, ema_cross.teardown, name="ema-cross-1min", timeframes=["1min"]
)


async def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        rec_dir = Path(tmp) / "recording"
        async with ProjectX.from_env() as client:
            # 1. Record 6 seconds of MNQ.
            async with Recorder(client, ["MNQ"], rec_dir) as recorder:
                await recorder.run(duration=6.0)
            print("recorded:", recorder.stats().line())
            manifest = read_manifest(rec_dir)
            print(
                f"manifest: {len(manifest.parts)} part(s), contracts "
                f"{[c.symbol for c in manifest.contracts]}"
            )

            # Bars for step 3, fetched while the client is open.
            bar_trades = await fetch_bars_as_trades(client, "MNQ", "1min", days=1)

        # 2. Replay the recording through the matching engine.
        result = await replay(rec_dir, STRATEGY, out_dir=Path(tmp) / "out", chart=False)
        print("\n".join(result.summary.lines()))
        print("replay fills:", result.fills.height, "files:", sorted(result.files))

        # 3. Replay one day of 1min bars with the demo's EMA-cross bracket strategy.
        result = await replay(bar_trades, EMA_CROSS)
        print("\n".join(result.summary.lines()))


asyncio.run(main())
