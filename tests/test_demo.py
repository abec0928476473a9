"""``projectx demo`` streams the embedded simulator through the native core end to end."""

from __future__ import annotations

import io

from projectx.cli import main
from projectx.demo import run_demo


async def test_demo_builds_bars_from_streamed_trades_for_every_symbol() -> None:
    out = io.StringIO()
    trades = await run_demo(["MNQ", "ES"], duration=1.5, out=out, rate=100.0, seed=5)
    text = out.getvalue()
    assert len(trades) == 2 and all(n > 0 for n in trades.values())
    assert "warm-up: " in text and " 0 malformed" in text
    for cid in trades:
        assert f"] {cid} last " in text


def test_demo_rejects_a_bad_duration(capsys) -> None:  # type: ignore[no-untyped-def]
    try:
        main(["demo", "--duration", "-1"])
    except SystemExit as exc:
        assert exc.code == 2
    else:
        raise AssertionError("argparse accepted a negative duration")
    assert "must be > 0" in capsys.readouterr().err
