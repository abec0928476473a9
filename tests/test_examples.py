"""Every script in examples/ runs as written against one `projectx sim` (a separate process).

The simulator is started once for the module (``--symbols MNQ,MES`` for the multi-instrument
example); the examples run one after the other, each as its own subprocess with a timeout. Each
test checks the exit code and lines of output that only a working run prints, and, for the
examples that trade, that the account is left flat with no working order (read back from the
simulator over REST, not from the example's own output).
"""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from projectx.models import Order, Position
from tests.test_readme_example import _free_port, _wait_http

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
API_KEY = "examples-test-key"


def _int(pattern: str, out: str) -> int:
    match = re.search(pattern, out, re.M)
    assert match, f"no line matching {pattern!r} in:\n{out[-3000:]}"
    return int(match.group(1).replace(",", ""))


def _has(pattern: str, out: str) -> None:
    assert re.search(pattern, out, re.M), f"no line matching {pattern!r} in:\n{out[-3000:]}"


def check_01(out: str) -> None:
    _has(r"^gateway reachable: True$", out)
    _has(r"^account \d+ '\S+' balance=\d", out)
    _has(r"^selected account: \S+", out)
    _has(r"^contract CON\.F\.US\.MNQ\.\w+: .* tick 0\.25", out)


def check_02(out: str) -> None:
    assert _int(r"1min bars: (\d+) rows", out) == 120
    assert _int(r"5min bars over 6 hours: (\d+)", out) > 0
    _has(r"^last close: \d+\.\d+$", out)


def check_03(out: str) -> None:
    assert len(re.findall(r"^closed +1sec MNQ o=", out, re.M)) >= 1
    _has(r"^a 5sec bar closed at \d{19}$", out)
    _has(r"^last price: \d+\.\d+$", out)
    _has(r"^events seen: \{.*'trade_tick': \d+", out)


def check_04(out: str) -> None:
    for tf in ("5sec", "1min", "5min", "15min"):
        assert _int(rf"^ *{tf}: +(\d+) bars", out) > 0, tf
    _has(r"^timeframes aligned: (True|False)", out)


def check_05(out: str) -> None:
    _has(r"^best bid \d+\.\d+ x \d+ +best ask \d+\.\d+ x \d+", out)
    _has(r"^market buy 50: avg \d+\.\d+", out)
    assert _int(r"cumulative delta -?\d+ over (\d+) trades", out) > 0
    assert _int(r"book updates applied: (\d+)", out) > 0


def check_06(out: str) -> None:
    _has(r"^limit order \d+ \w+ at \d+\.\d+", out)
    _has(r"^stop-limit \(emulated=True\) pending", out)
    accepted = _int(r"cancel_all_orders accepted (\d+) cancels", out)
    # the stop, the trailing stop and the emulated stop-limit rest far from the market: always
    # cancelled; each join order at the touch is cancelled unless it filled first
    joined_filled = _int(r"^join orders filled before the cancel: (\d+)", out)
    assert accepted == 5 - joined_filled >= 3, (accepted, joined_filled)
    _has(r"^market buy \d+ filled at \d+\.\d+", out)
    _has(r"^market sell \d+ filled at \d+\.\d+", out)
    _has(r"^working orders: 0, position: flat$", out)


def check_07(out: str) -> None:
    _has(r"^bracket: entry \d+ filled at \d+\.\d+", out)
    _has(r"^ +stop \d+ at \d+\.\d+", out)
    _has(r"^ +target \d+ at \d+\.\d+", out)
    _has(r"^chain entry \d+ working at \d+\.\d+", out)
    _has(r"^oco sibling \d+ is cancelled$", out)
    _has(r"^working orders: 0, position: flat$", out)


def check_08(out: str) -> None:
    _has(r"^position: 3 @ \d+\.\d+ \(LONG\)", out)
    _has(r"^after partial close: 2$", out)
    _has(r"^P&L updates so far: \d+$", out)
    _has(r"^position: flat, working orders: 0$", out)


def check_09(out: str) -> None:
    _has(r"^refused by rule 'max_position_size'", out)
    size = _int(r"managed entry: (\d+) contracts", out)
    assert 1 < size <= 5  # sized from the risk budget, capped by max_position_size
    _has(r"^managed trade done, position size: 0$", out)
    _has(r"^position: flat, working orders: 0$", out)


def check_10(out: str) -> None:
    assert _int(r"^(\d+) indicators", out) > 50
    _has(r"^live RSI warmed on \d+ bars: \d+\.\d+", out)
    assert len(re.findall(r"^bar \d+\.\d+: RSI \d+\.\d+ MACD hist", out, re.M)) >= 3
    assert _int(r"live RSI updates: (\d+)", out) >= 3


def check_11(out: str) -> None:
    _has(r"^MNQ \(CON\.F\.US\.MNQ\.\w+\): last \d+\.\d+", out)
    _has(r"^MES \(CON\.F\.US\.MES\.\w+\): last \d+\.\d+", out)
    _has(r"^ +CON\.F\.US\.MNQ\.\w+: \+1 @", out)
    _has(r"^ +CON\.F\.US\.MES\.\w+: -1 @", out)
    _has(r"^closed 2 positions; fills seen: [4-9]", out)
    _has(r"^positions: flat, working orders: 0$", out)


def check_12(out: str) -> None:
    assert _int(r"recorded: .*messages (\d+)", out) > 0
    _has(r"^manifest: \d+ part\(s\), contracts \['MNQ'\]", out)
    _has(r"^strategy +buy2-sell4 on MNQ", out)
    _has(r"^fills +2 +round trips 1", out)
    _has(r"^strategy +ema-cross-1min on MNQ", out)
    assert _int(r"fills +(\d+) +round trips \d+ +winners", out.split("ema-cross-1min")[1]) > 0
    assert len(re.findall(r"^open position +0$", out, re.M)) == 2


def check_13(out: str) -> None:
    assert 0 < _int(r"health score: (\d+)", out) <= 100
    _has(r"^market hub connected: \d+ messages", out)
    assert _int(r"prometheus: (\d+) samples", out) > 10
    _has(r"^ +projectx_connected 1", out)
    _has(r"^connected after disconnect: False$", out)


CASES: dict[str, tuple[Callable[[str], None], bool]] = {
    # script: (output check, trades -> the account must be flat afterwards)
    "01_connection_and_accounts.py": (check_01, False),
    "02_historical_bars.py": (check_02, False),
    "03_live_bars_and_events.py": (check_03, False),
    "04_multi_timeframe.py": (check_04, False),
    "05_orderbook_analytics.py": (check_05, False),
    "06_order_types.py": (check_06, True),
    "07_brackets_and_oco.py": (check_07, True),
    "08_position_management.py": (check_08, True),
    "09_risk_managed_trade.py": (check_09, True),
    "10_indicators.py": (check_10, False),
    "11_multi_instrument.py": (check_11, True),
    "12_record_and_replay.py": (check_12, False),
    "13_stats_and_health.py": (check_13, False),
}


def test_every_example_script_has_a_case() -> None:
    scripts = {p.name for p in EXAMPLES.glob("[0-9]*.py")} - {"00_quickstart.py"}
    assert scripts == set(CASES)


@pytest.fixture(scope="module")
def sim_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    port = _free_port()
    env = {
        **os.environ,
        "PROJECT_X_ENVIRONMENT": "local",
        "PROJECT_X_BASE_URL": f"http://127.0.0.1:{port}",
        "PROJECT_X_USERNAME": "sim.trader",
        "PROJECT_X_API_KEY": API_KEY,
        "PYTHONPATH": os.pathsep.join(
            p for p in (str(ROOT / "src"), os.environ.get("PYTHONPATH", "")) if p
        ),
    }
    workdir = tmp_path_factory.mktemp("sim")
    log = workdir / "sim.log"  # a file, not a pipe: nobody drains a pipe while examples run
    with log.open("wb") as out:
        sim = subprocess.Popen(
            [sys.executable, "-m", "projectx", "sim", "--port", str(port), "--rate", "50",
             "--symbols", "MNQ,MES"],
            env=env,
            cwd=workdir,
            stdout=out,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        _wait_http(f"http://127.0.0.1:{port}/api/Status/ping", sim, log)
        yield env
    finally:
        sim.terminate()
        sim.wait(timeout=15)


async def _open_orders_and_positions() -> tuple[list[Order], list[Position]]:
    from projectx import ProjectX

    async with ProjectX.from_env() as client:
        await client.select_account()
        return await client.search_open_orders(), await client.search_open_positions()


def _account_state(env: dict[str, str]) -> tuple[list[Order], list[Position]]:
    keys = (
        "PROJECT_X_ENVIRONMENT",
        "PROJECT_X_BASE_URL",
        "PROJECT_X_USERNAME",
        "PROJECT_X_API_KEY",
    )
    saved = {k: os.environ.get(k) for k in keys}
    os.environ.update({k: env[k] for k in keys})
    try:
        return asyncio.run(_open_orders_and_positions())
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@pytest.mark.parametrize("script", list(CASES))
def test_example_runs_against_projectx_sim(
    script: str, sim_env: dict[str, str], tmp_path: Path
) -> None:
    check, trades = CASES[script]
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / script)],
        env=sim_env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    check(done.stdout)
    assert API_KEY not in done.stdout + done.stderr
    assert list(tmp_path.iterdir()) == []  # the example left no file behind
    if trades:
        orders, positions = _account_state(sim_env)
        assert orders == [], f"{script} left working orders: {orders}"
        assert positions == [], f"{script} left open positions: {positions}"


# -- the docs stay in step with the code ---------------------------------------------------------


def test_cli_page_documents_every_subcommand_and_option() -> None:
    import argparse

    from projectx.cli import build_parser

    page = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    # one section per subcommand: "## `projectx NAME ...`" up to the next "## "
    sections = {
        m.group(1): m.group(0)
        for m in re.finditer(r"^## `projectx (\w+)[^\n]*\n(?:(?!^## ).*\n?)*", page, re.M)
    }
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    assert sub.choices, "the CLI has no subcommands"
    for name, parser in sub.choices.items():
        assert name in sections, f"docs/cli.md has no section for {name}"
        for action in parser._actions:
            for flag in action.option_strings:
                if flag.startswith("--") and flag != "--help":
                    assert f"`{flag}" in sections[name], f"docs/cli.md: {name} lacks {flag}"


def test_suite_page_documents_every_event_type() -> None:
    from projectx import EventType

    page = (ROOT / "docs" / "suite.md").read_text(encoding="utf-8")
    missing = [e.name for e in EventType if f"`{e.name}`" not in page]
    assert missing == [], f"docs/suite.md does not list {missing}"
