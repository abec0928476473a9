"""Record -> replay round trip: the same strategy file, run live against the simulator while
recording and then replayed over that recording, makes the same decisions and gets the same
fills.

"Same" here: the live run is made deterministic by stepping a seeded simulator on a ManualClock
one market step at a time and letting the strategy finish reacting (its market order filled)
before the next step. Then the live and the replayed run must agree on every signal (the 1sec
bar it was taken on, its side, the bar close) and on every fill (time, side, size, price), and
on the final balance.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from projectx.replay import replay
from projectx.sim.clock import parse_ts
from projectx.strategy import load_strategy

from .harness import live_run

HERE = Path(__file__).parent


def _fills(rows: list[dict]) -> list[tuple[int, int, int, float]]:
    return [(parse_ts(t["creationTimestamp"]), t["side"], t["size"], t["price"]) for t in rows]


@pytest.mark.parametrize(
    ("strategy_file", "seconds"),
    [
        ("ema_strategy.py", 90.0),  # market orders, always in the market
        ("bracket_strategy.py", 40.0),  # resting take-profit limits and stop losses, cancels
    ],
)
async def test_replay_of_a_recorded_live_run_gives_the_same_signals_and_fills(
    tmp_path: Path, strategy_file: str, seconds: float
) -> None:
    path = HERE / strategy_file
    live_strategy = load_strategy(path)
    live = await live_run(live_strategy, tmp_path / "rec", seconds=seconds)
    assert live_strategy.module is not None
    live_signals = list(live_strategy.module.SIGNALS)
    assert not live_strategy.module.ERRORS
    assert len(live_signals) >= 3, "the scenario should trade a few times"
    assert len(live["fills"]) >= 4

    replay_strategy = load_strategy(path)  # a fresh module: its own state
    result = await replay(tmp_path / "rec", replay_strategy)
    assert replay_strategy.module is not None
    assert not replay_strategy.module.ERRORS
    assert live_signals == replay_strategy.module.SIGNALS

    replayed = list(
        zip(
            result.fills["ts_ns"].to_list(),
            result.fills["side"].to_list(),
            result.fills["size"].to_list(),
            result.fills["price"].to_list(),
            strict=True,
        )
    )
    assert replayed == _fills(live["fills"])
    assert result.summary.end_balance == live["balance"]
    assert result.summary.open_position == 0
    assert result.summary.settle_timeouts == 0
