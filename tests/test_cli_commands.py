"""``projectx record / replay / bars / check`` through ``main([...])``: output and exit codes."""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest

from projectx.cli import main
from projectx.sim import Simulator
from projectx.sim.ratelimit import RateLimitConfig

STRATEGY = Path(__file__).parent / "replay" / "ema_strategy.py"


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in list(os.environ):
        if key.startswith("PROJECT_X_"):
            monkeypatch.delenv(key)


@pytest.fixture
def sim_in_thread() -> Iterator[Simulator]:
    """A simulator serving from its own thread and loop (the CLI runs its own loop)."""
    loop = asyncio.new_event_loop()
    sim = Simulator(symbols=["MNQ"], rate=50.0, rate_limits=RateLimitConfig(enabled=False))
    started = threading.Event()
    stop = asyncio.Event()

    async def serve() -> None:
        async with sim:
            started.set()
            await stop.wait()

    thread = threading.Thread(target=loop.run_until_complete, args=(serve(),), daemon=True)
    thread.start()
    assert started.wait(15)
    try:
        yield sim
    finally:
        loop.call_soon_threadsafe(stop.set)
        thread.join(15)
        loop.close()


def test_record_then_replay(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rec = tmp_path / "rec"
    code = main(
        ["record", "MNQ", "--out", str(rec), "--duration", "2", "--sim", "--sim-rate", "100"]
    )
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "recorded" in out and "CON.F.US.MNQ" in out
    assert "records" in err and "rec/s" in err, "progress lines go to stderr"
    assert (rec / "manifest.json").is_file()
    assert list(rec.glob("market-*.parquet"))

    res = tmp_path / "res"
    code = main(
        ["replay", str(rec), "--strategy", str(STRATEGY), "--out", str(res), "--no-progress"]
    )
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "ema_strategy on MNQ" in out
    assert "messages/s" in out and "P&L" in out
    for name in ("fills", "trades", "equity"):
        assert (res / f"{name}.parquet").is_file()
        assert f"wrote {name}" in out

    # with the progress bar (rich, on stderr)
    code = main(["replay", str(rec), "--strategy", str(STRATEGY), "--no-chart"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "msg/s" in err and "market time" in err
    assert "ema_strategy on MNQ" in out


def test_bars_to_files_and_replay_over_bars(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    csv = tmp_path / "b.csv"
    assert (
        main(["bars", "MNQ", "--sim", "--timeframe", "5min", "--days", "1", "--out", str(csv)]) == 0
    )
    out, _ = capsys.readouterr()
    df = pl.read_csv(csv)
    assert f"wrote {df.height:,} 5min bars" in out
    assert df.height > 10
    assert {"contract_id", "timeframe", "ts_ns", "open", "high", "low", "close", "volume"} <= set(
        df.columns
    )
    assert (df["high"] >= df["low"]).all()

    pq = tmp_path / "b.parquet"
    assert main(["bars", "MNQ", "--sim", "--timeframe", "1min", "--out", str(pq)]) == 0
    capsys.readouterr()
    code = main(
        ["replay", str(pq), "--strategy", str(STRATEGY), "--timeframes", "1min", "--no-progress"]
    )
    out, err = capsys.readouterr()
    assert code == 0, err
    bars = pl.read_parquet(pq)
    assert f"({4 * bars.height:,} rows)" in out, "four synthetic trades per bar"

    assert main(["bars", "MNQ", "--sim", "--timeframe", "1hr", "--days", "2"]) == 0
    out, _ = capsys.readouterr()
    assert "1hr bars of CON.F.US.MNQ" in out


def test_check_against_the_embedded_simulator(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--sim"]) == 0
    out, _ = capsys.readouterr()
    for step in ("configuration", "credentials", "login", "ping", "user hub", "market hub"):
        assert step in out
    assert "FAIL" not in out


def test_check_with_environment_credentials_never_prints_them(
    sim_in_thread: Simulator, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    creds = sim_in_thread.credentials
    monkeypatch.setenv("PROJECT_X_USERNAME", creds.user_name)
    monkeypatch.setenv("PROJECT_X_API_KEY", creds.api_key)
    assert main(["check", "--url", sim_in_thread.base_url]) == 0
    out, err = capsys.readouterr()
    assert "market hub" in out and "FAIL" not in out
    assert creds.api_key not in out + err

    monkeypatch.setenv("PROJECT_X_API_KEY", "wrong-key-0123456789")
    assert main(["check", "--url", sim_in_thread.base_url, "--no-hubs"]) == 1
    out, err = capsys.readouterr()
    assert "login" in out and "FAIL" in out
    assert "wrong-key-0123456789" not in out + err


def test_check_reports_missing_credentials_and_unreachable_gateways(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check"]) == 2
    out, err = capsys.readouterr()
    assert "PROJECT_X_USERNAME" in out + err
    monkeypatch.setenv("PROJECT_X_USERNAME", "someone")
    monkeypatch.setenv("PROJECT_X_API_KEY", "k" * 20)
    assert main(["check", "--url", "http://127.0.0.1:9", "--timeout", "5"]) == 1
    out, _ = capsys.readouterr()
    assert "FAIL" in out and "login" in out
    assert "k" * 20 not in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["bars", "MNQ", "--sim", "--out", "bars.txt"], ".parquet or .csv"),
        (["bars", "MNQ", "--sim", "--timeframe", "7parsecs"], "timeframe"),
        (["record", "NOPE", "--out", "x", "--sim", "--duration", "1"], "NOPE"),
        (["replay", "/nonexistent/dir", "--strategy", str(STRATEGY)], "does not exist"),
        (["replay", ".", "--strategy", "/nonexistent/s.py"], "not found"),
    ],
)
def test_bad_input_gives_a_message_and_exit_code_2(
    argv: list[str],
    message: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    _, err = capsys.readouterr()
    assert message in err


def test_replay_of_a_directory_that_is_not_a_recording(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["replay", str(tmp_path), "--strategy", str(STRATEGY)]) == 2
    _, err = capsys.readouterr()
    assert "manifest" in err


@pytest.mark.parametrize(
    "argv",
    [
        ["record", "MNQ"],
        ["record", "MNQ", "--out", "x", "--duration", "-1"],
        ["replay", "x"],
        ["bars"],
        ["bars", "MNQ", "--days", "0"],
    ],
)
def test_malformed_command_lines_exit_2(argv: list[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
