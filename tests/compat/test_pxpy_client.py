"""The unmodified project-x-py 4.4.1 client (its own Python 3.12 venv) against our simulator.

``pxpy_client_script.py`` runs once per module under the project-x-py venv's python
(``PROJECTX_PXPY_PYTHON``, default ``.venv-pxpy/bin/python``; made by ``.ci/pxpy_venv``) and
prints one JSON line per step; each step is one test here, checked against the simulator's
own state. Without that venv the module is skipped, unless ``PROJECTX_REQUIRE_PXPY`` is set.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from projectx.sim import Simulator
from projectx.sim.ratelimit import RateLimitConfig

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).with_name("pxpy_client_script.py")
SYMBOL = "MNQ"
ACCOUNT_NAME_KEYS = ("id", "name", "canTrade", "isVisible", "simulated")  # balance moves with fees


def _pxpy_python() -> Path:
    given = os.environ.get("PROJECTX_PXPY_PYTHON")
    return Path(given) if given else ROOT / ".venv-pxpy" / "bin" / "python"


@dataclass
class Run:
    sim: Simulator
    steps: dict[str, dict[str, Any]]
    stderr: str
    front: str
    sim_state: dict[str, Any] = field(default_factory=dict)


async def _sim_rest(sim: Simulator, path: str, body: dict[str, Any]) -> dict[str, Any]:
    creds = sim.credentials
    async with aiohttp.ClientSession() as s:
        r = await s.post(
            sim.api_url + "/Auth/loginKey",
            json={"userName": creds.user_name, "apiKey": creds.api_key},
        )
        token = (await r.json())["token"]
        r = await s.post(
            sim.api_url + path, json=body, headers={"Authorization": f"Bearer {token}"}
        )
        data: dict[str, Any] = await r.json()
        return data


@pytest.fixture(scope="module")
def run() -> Iterator[Run]:
    python = _pxpy_python()
    if not python.exists():
        if os.environ.get("PROJECTX_REQUIRE_PXPY"):
            pytest.fail(f"PROJECTX_REQUIRE_PXPY is set but {python} does not exist")
        pytest.skip(f"no project-x-py venv at {python} (make one with: bash .ci/pxpy_venv)")
    loop = asyncio.new_event_loop()
    sim = Simulator(symbols=[SYMBOL], seed=3, rate=20.0, rate_limits=RateLimitConfig(enabled=False))
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
        creds = sim.credentials
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PROJECT_X", "PROJECTX"))}
        proc = subprocess.run(
            [
                str(python),
                str(SCRIPT),
                *(sim.api_url, sim.user_hub_url, sim.market_hub_url),
                *(creds.user_name, creds.api_key, SYMBOL),
            ],
            capture_output=True,
            text=True,
            timeout=240,
            env=env,
            check=False,
        )
        steps: dict[str, dict[str, Any]] = {}
        for line in proc.stdout.splitlines():
            try:
                rec = json.loads(line)
            except ValueError:
                continue
            if isinstance(rec, dict) and "step" in rec:
                steps[rec["step"]] = rec
        front = sim.contract_ids[0]

        def call(path: str, body: dict[str, Any]) -> dict[str, Any]:
            fut = asyncio.run_coroutine_threadsafe(_sim_rest(sim, path, body), loop)
            return fut.result(30)

        now = datetime.now(UTC)
        bars = call(
            "/History/retrieveBars",
            {
                "contractId": front,
                "live": False,
                "startTime": (now - timedelta(days=3)).isoformat(),
                "endTime": (now + timedelta(minutes=5)).isoformat(),
                "unit": 2,
                "unitNumber": 1,
                "limit": 20000,
                "includePartialBar": True,
            },
        )
        r = Run(sim, steps, proc.stderr[-4000:], front)
        r.sim_state["bars"] = sorted(
            bars.get("bars") or [], key=lambda b: _utc(b["t"])
        )  # oldest first
        r.sim_state["accounts"] = call("/Account/search", {"onlyActiveAccounts": True})
        acct = steps.get("login", {}).get("detail", {}).get("account", {}).get("id", 0)
        r.sim_state["orders"] = call(
            "/Order/search",
            {"accountId": acct, "startTimestamp": (now - timedelta(days=1)).isoformat()},
        )
        r.sim_state["trades"] = call(
            "/Trade/search",
            {"accountId": acct, "startTimestamp": (now - timedelta(days=1)).isoformat()},
        )
        r.sim_state["positions"] = call("/Position/searchOpen", {"accountId": acct})
        yield r
    finally:
        loop.call_soon_threadsafe(stop.set)
        thread.join(15)
        loop.close()


def _step(run: Run, name: str) -> dict[str, Any]:
    rec = run.steps.get(name)
    assert rec is not None, f"step {name} did not report; stderr tail:\n{run.stderr}"
    assert rec["ok"], f"step {name} failed: {rec['detail']}"
    detail: dict[str, Any] = rec["detail"]
    return detail


def test_login(run: Run) -> None:
    d = _step(run, "login")
    assert d["token_len"] > 0
    assert d["account"]["id"] in {a["id"] for a in run.sim_state["accounts"]["accounts"]}


def test_accounts(run: Run) -> None:
    d = _step(run, "accounts")
    ours = [{k: a[k] for k in ACCOUNT_NAME_KEYS} for a in run.sim_state["accounts"]["accounts"]]
    theirs = [{k: a[k] for k in ACCOUNT_NAME_KEYS} for a in d["accounts"]]
    assert theirs == ours


def test_instrument(run: Run) -> None:
    inst = _step(run, "instrument")["instrument"]
    spec = run.sim.exchange.contracts[run.front]
    assert inst["tickSize"] == spec.tick_size
    assert inst["id"] == run.front, "the front month, as the Gateway's search gives it"
    assert inst["activeContract"] is True


def _utc(ts: str) -> datetime:
    return datetime.fromisoformat(ts).astimezone(UTC)


def test_bars(run: Run) -> None:
    d = _step(run, "bars")
    assert d["count"] > 0
    sim_bars = {_utc(b["t"]): b for b in run.sim_state["bars"]}
    # the last bar may still have been forming when the client fetched it (the simulator's copy
    # is read later): only its open is final
    last = sim_bars.get(_utc(str(d["last"]["timestamp"])))
    if last is not None:
        assert d["last"]["open"] == last["o"]
    row = d["first"]
    sb = sim_bars.get(_utc(str(row["timestamp"])))
    if sb is not None:
        assert (row["open"], row["high"], row["low"]) == (sb["o"], sb["h"], sb["l"])
    first = sim_bars.get(_utc(str(d["first"]["timestamp"])))
    assert first is not None, "the first bar is one of the simulator's"
    assert d["first"]["close"] == first["c"]


def test_suite_connect(run: Run) -> None:
    d = _step(run, "suite_connect")
    assert d["user_connected"] and d["market_connected"] and d["is_connected"]


def test_market_order(run: Run) -> None:
    d = _step(run, "market_order")
    order_id = d["response"]["orderId"]
    assert d["response"]["success"] is True
    orders = {o["id"]: o for o in run.sim_state["orders"]["orders"]}
    assert order_id in orders, "the order reached the simulator's exchange"
    assert orders[order_id]["contractId"] == run.front
    assert orders[order_id]["status"] == 2, "filled"
    assert any(t["orderId"] == order_id for t in run.sim_state["trades"]["trades"])


def test_positions(run: Run) -> None:
    d = _step(run, "positions")
    assert len(d["rest"]) == 1
    p = d["rest"][0]
    assert (p["contractId"], p["size"], p["type"]) == (run.front, 1, 1)
    assert d["tracked"] and d["tracked"][0]["contractId"] == run.front
    fills = [t for t in run.sim_state["trades"]["trades"] if t.get("profitAndLoss") is None]
    assert fills and p["averagePrice"] == fills[0]["price"]


def test_close_position(run: Run) -> None:
    d = _step(run, "close_position")
    assert d["response"] is not None and d["response"]["success"] is True
    assert d["after"] == []
    assert run.sim_state["positions"]["positions"] == [], "flat in the simulator too"


def test_live_ticks(run: Run) -> None:
    d = _step(run, "live_ticks")
    assert d["count"] > 0 and d["prices"]
    bars = run.sim_state["bars"]
    lo = min(b["l"] for b in bars[-30:])
    hi = max(b["h"] for b in bars[-30:])
    assert all(lo <= p <= hi for p in d["prices"]), (lo, hi, d["prices"][:10])


def test_disconnect(run: Run) -> None:
    _step(run, "disconnect")
