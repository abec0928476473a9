"""``projectx sim``: argument parsing, the banner, serving until stopped, Ctrl-C."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import aiohttp
import pytest

from projectx import cli
from projectx.sim import Simulator
from tests.sim.conftest import WAIT_S, wait_until

SRC = str(Path(__file__).resolve().parents[2] / "src")


def test_sim_defaults():
    args = cli.build_parser().parse_args(["sim"])
    assert args.host == "127.0.0.1" and args.port == 0
    assert args.symbols == ("MNQ",) and args.seed == 1 and args.profile == "legacy"
    assert args.token_lifetime == 86_400.0 and args.replay is None
    assert args.func is cli._run_sim


def test_sim_options_are_parsed():
    argv = ["sim", "--host", "0.0.0.0", "--port", "8123", "--symbols", "mnq,ES,,nq"]
    argv += ["--rate", "250", "--seed", "9", "--profile", "extended"]
    argv += ["--token-lifetime", "30", "--no-rate-limits"]
    args = cli.build_parser().parse_args(argv)
    assert (args.host, args.port, args.rate, args.seed) == ("0.0.0.0", 8123, 250.0, 9)
    assert args.symbols == ("MNQ", "ES", "NQ")
    assert args.profile == "extended" and args.token_lifetime == 30.0 and args.no_rate_limits


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["sim", "--port", "70000"],
        ["sim", "--port", "x"],
        ["sim", "--symbols", ","],
        ["sim", "--profile", "modern"],
        ["sim", "--rate", "-1"],
        ["sim", "--token-lifetime", "0"],
        ["sim", "extra"],
    ],
)
def test_bad_arguments_exit_with_usage_error(argv, capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(argv)
    assert info.value.code == 2
    assert "usage:" in capsys.readouterr().err


async def test_serve_prints_urls_and_credentials_and_stops(capsys):
    sim = Simulator(symbols=["MNQ"], seed=2)
    stop = asyncio.Event()
    task = asyncio.create_task(cli._serve(sim, stop))
    await wait_until(lambda: sim._running)
    out = capsys.readouterr().out
    assert "Press Ctrl-C" in out and out == _banner_text(sim)
    for value in (sim.api_url, sim.user_hub_url, sim.market_hub_url, sim.credentials.api_key):
        assert value in out
    async with aiohttp.ClientSession() as http, http.get(sim.api_url + "/Status/ping") as resp:
        assert await resp.text() == "pong"
    stop.set()
    await asyncio.wait_for(task, WAIT_S)
    assert sim._runner is None and sim._pump_task is None


def _banner_text(sim: Simulator) -> str:
    import io

    buf = io.StringIO()
    cli._banner(sim, buf)
    return buf.getvalue()


def test_projectx_sim_serves_until_ctrl_c():
    env = dict(os.environ, PYTHONPATH=SRC + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.Popen(
        [sys.executable, "-m", "projectx", "sim", "--symbols", "MNQ,ES", "--seed", "4"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert proc.stdout is not None
        lines: list[str] = []
        for line in proc.stdout:
            lines.append(line)
            if "Press Ctrl-C" in line:
                break
        text = "".join(lines)
        match = re.search(r"api_url\s+(http://127\.0\.0\.1:\d+/api)", text)
        assert match, text
        assert re.search(r"apiKey\s+\S+", text) and "user_hub_url" in text
        assert "CON.F.US.MNQ." in text

        async def ping() -> str:
            async with (
                aiohttp.ClientSession() as http,
                http.get(match.group(1) + "/Status/ping") as resp,
            ):
                return await resp.text()

        assert asyncio.run(ping()) == "pong"
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=WAIT_S)
        assert proc.returncode == 0, err
        assert "simulator stopped" in out
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
