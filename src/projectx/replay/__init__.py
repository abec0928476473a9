"""Replay a strategy over a recording (or bars) through the simulator's matching engine.

    result = await replay("rec/", "my_strategy.py", timeframes=["1min", "5min"], out_dir="out")
    print("\\n".join(result.summary.lines()))

See :mod:`projectx.replay.runner` for how it works and its limits, :mod:`projectx.strategy` for
the strategy contract, :mod:`projectx.replay.source` for inputs (recordings, bars). Over bars::

    async with ProjectX.from_env() as client:
        trades = await fetch_bars_as_trades(client, "MNQ", "5min", days=5)
    result = await replay(trades, "my_strategy.py", timeframes=["5min"])
"""

from projectx.replay.clock import SimulatedClock
from projectx.replay.report import ReplayResult, ReplaySummary, round_trips
from projectx.replay.runner import ReplayProgress, ReplayRunner, replay
from projectx.replay.source import (
    ReplayData,
    ReplaySourceError,
    bars_to_trades,
    fetch_bars_as_trades,
    prepare,
)

__all__ = [
    "ReplayData",
    "ReplayProgress",
    "ReplayResult",
    "ReplayRunner",
    "ReplaySourceError",
    "ReplaySummary",
    "SimulatedClock",
    "bars_to_trades",
    "fetch_bars_as_trades",
    "prepare",
    "replay",
    "round_trips",
]
