"""``projectx demo``: bars close, the strategy's bracket fills, P&L moves, and it ends flat."""

from __future__ import annotations

import io
import re
from pathlib import Path

from projectx.cli import main
from projectx.demo import run_demo


async def test_demo_closes_bars_fills_a_bracket_and_ends_flat() -> None:
    out = io.StringIO()
    summary = await run_demo(
        ["MNQ"],
        duration=12.0,  # several crosses even on a slow machine (2-4 per 8 s measured loaded)
        out=out,
        rate=100.0,
        seed=5,
        headless=True,
        strategy_params={"fast": 2, "slow": 4, "stop_ticks": 4, "target_ticks": 4},
    )
    text = out.getvalue()
    assert summary["bars_closed"].get("1sec", 0) >= 5
    assert len(re.findall(r"NEW_BAR MNQ +1sec O ", text)) == summary["bars_closed"]["1sec"]
    assert summary["signals"], "the strategy never saw a cross"
    assert summary["fills"] >= 1 and "ORDER_FILLED" in text
    # the bracket: an entry, then a stop and a target placed after the entry's fill
    entry_fill = text.index("ORDER_FILLED")
    assert "STOP_LOSS" in text[entry_fill:] and "TAKE_PROFIT" in text[entry_fill:]
    # the P&L line is printed whenever the position's P&L differs from the last one printed
    # (sampled twice a second; a fast bracket may open and close within one sample)
    assert summary["pnl_changes"] >= 1 and "P&L MNQ: position" in text
    assert summary["flat"] is True
    assert summary["stats"]["health"]["score"] > 0
    assert "done: bars closed" in text


def test_demo_rejects_a_bad_duration(capsys) -> None:  # type: ignore[no-untyped-def]
    try:
        main(["demo", "--duration", "-1"])
    except SystemExit as exc:
        assert exc.code == 2
    else:
        raise AssertionError("argparse accepted a negative duration")
    assert "must be > 0" in capsys.readouterr().err


async def test_the_dashboard_renders_bars_book_orders_and_pnl() -> None:
    out = io.StringIO()
    summary = await run_demo(["MNQ"], duration=3.0, out=out, rate=100.0, seed=2, headless=False)
    text = out.getvalue()
    for title in ("bars", "book", "working orders", "messages/s", "health"):
        assert title in text, f"dashboard lacks {title!r}"
    assert "position" in text and "NEW_BAR age" in text
    assert summary["flat"] is True


async def test_demo_runs_a_user_strategy_file_and_ends_flat() -> None:
    out = io.StringIO()
    strategy = Path(__file__).parent / "replay" / "ema_strategy.py"
    summary = await run_demo(
        ["MNQ"], duration=4.0, out=out, rate=100.0, seed=4, strategy=str(strategy)
    )
    assert summary["signals"] == []  # the built-in strategy did not run
    assert summary["bars_closed"].get("1sec", 0) >= 2
    assert summary["flat"] is True
