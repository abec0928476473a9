"""project-x-py's README examples, with only the import changed, against the simulator.

Each example runs as a user would run it (``python example.py``, configured by environment
variables) and what it prints is checked against the core SDK's view of the same simulator.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from projectx import ProjectX
from projectx.config import ProjectXConfig
from projectx.enums import OrderStatus
from tests.compat.examples_harness import SimThread, run_example

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture
def sim() -> Iterator[SimThread]:
    with SimThread(symbols=["MNQ", "ES", "MGC"]) as s:
        yield s


def _core(sim: SimThread) -> ProjectX:
    assert sim.sim is not None
    return ProjectX(ProjectXConfig.for_simulator(sim.sim))


def _reference(sim: SimThread, query: Any) -> Any:
    async def run() -> Any:
        async with _core(sim) as px:
            return await query(px)

    return asyncio.run(run())


def _value(pattern: str, text: str) -> str:
    match = re.search(pattern, text)
    assert match, f"{pattern!r} not in the output:\n{text}"
    return match.group(1)


def test_basic_usage(sim: SimThread, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    out = run_example("readme_basic_usage", sim, monkeypatch, tmp_path)

    async def facts(px: ProjectX) -> tuple[str, Any, int]:
        account = await px.select_account()
        contract = await px.resolve_contract("MNQ")
        end = datetime.now(UTC)
        bars = await px.get_bars(
            "MNQ", "5min", start=end - timedelta(days=5), end=end, include_partial=True
        )
        return account.name or "", contract, len(bars)

    account, contract, n_bars = _reference(sim, facts)
    assert _value(r"Connected to account: (.+)", out) == account
    assert f"Trading {contract.name} - Tick size: ${contract.tick_size}" in out
    # the example and the reference ask for "the last 5 days" a moment apart: one 5-minute
    # bar may have opened in between
    assert 0 <= n_bars - int(_value(r"Retrieved (\d+) bars", out)) <= 1
    assert "Position:" not in out  # a fresh account holds nothing
    health = float(_value(r"System Health: ([\d.]+)/100", out))
    assert 0.0 <= health <= 100.0
    assert int(_value(r"Total API Calls: (\d+)", out)) >= 3  # login, accounts, contract, bars
    assert float(_value(r"Memory Usage: ([\d.]+) MB", out)) > 1.0


def test_multi_instrument(sim: SimThread, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    out = run_example("readme_multi_instrument", sim, monkeypatch, tmp_path)
    assert "Managing 3 instruments: ['MNQ', 'ES', 'MGC']" in out
    prices: dict[str, float] = {}
    for symbol, tick in (("MNQ", 0.25), ("ES", 0.25), ("MGC", 0.1)):
        price = float(re.search(rf"^{symbol}: \$([\d.]+)$", out, re.M).group(1))  # type: ignore[union-attr]
        assert price > 0
        assert abs(price / tick - round(price / tick)) < 1e-6, (symbol, price)
        prices[symbol] = price
    spread = float(_value(r"ES/MNQ Spread: \$(-?[\d.,]+)", out).replace(",", ""))

    async def last_closes(px: ProjectX) -> dict[str, float]:
        end = datetime.now(UTC)
        out: dict[str, float] = {}
        for symbol in ("ES", "MNQ"):
            bars = await px.get_bars(symbol, "5min", start=end - timedelta(days=2), end=end)
            out[symbol] = float(bars["close"][-1])
        return out

    closes = _reference(sim, last_closes)
    # the spread uses the last 5-minute bar's close of each; the reference allows one more
    # bar to have formed since, so compare with the price grid's precision
    assert abs(spread - (closes["ES"] * 50 - closes["MNQ"] * 20)) < 0.25 * 50 * 40
    assert "Total Portfolio Exposure: $0.00" in out


def test_realtime_trading_bracket(
    sim: SimThread, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    out = run_example("readme_realtime_trading", sim, monkeypatch, tmp_path, max_sleep_s=3.0)
    ticks = re.findall(r"^MNQ Price: \$([\d.]+)$", out, re.M)
    assert ticks, out
    assert all(abs(float(p) / 0.25 - round(float(p) / 0.25)) < 1e-6 for p in ticks)
    response = _value(r"Order placed: (BracketOrderResponse\(.*\))", out)
    assert "success=True" in response
    entry = float(_value(r"entry_price=([\d.]+)", response))
    stop = float(_value(r"stop_loss_price=([\d.]+)", response))
    target = float(_value(r"take_profit_price=([\d.]+)", response))
    assert (stop, target) == (entry - 10, entry + 15)
    entry_id = int(_value(r"entry_order_id=(\d+)", response))

    async def orders(px: ProjectX) -> list[Any]:
        return await px.search_orders(start=datetime.now(UTC) - timedelta(hours=1))

    seen = {o.id: o for o in _reference(sim, orders)}
    assert entry_id in seen
    assert seen[entry_id].limit_price == entry
    assert seen[entry_id].status in (OrderStatus.OPEN, OrderStatus.FILLED, OrderStatus.CANCELLED)
