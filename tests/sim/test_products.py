"""The simulator's product list (issue #17, "Simulator fidelity"): live-only search, expired
contracts through searchById, tick sizes/values, month cycles and rolls, CL/NG market data, and
the refusal of an unknown symbol - over real sockets on 127.0.0.1 where it matters."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import pytest

from projectx.sim import Simulator
from projectx.sim.clock import ManualClock, parse_ts
from projectx.sim.contracts import (
    MONTH_CODES,
    PRODUCTS,
    UnknownSymbolError,
    contract_at,
    previous_contract,
    product,
)
from projectx.sim.ratelimit import RateLimitConfig
from projectx.sim.simulator import SimConfig
from tests.sim.conftest import WAIT_S, RawHub, login, post

SRC = str(Path(__file__).resolve().parents[2] / "src")
NOW = parse_ts("2026-11-24T14:00:00Z")
NS = 1_000_000_000

# ticker -> (ProjectX root, tickSize, tickValue, listed months); CME contract specs
EXPECTED: dict[str, tuple[str, float, float, str]] = {
    "ES": ("EP", 0.25, 12.5, "HMUZ"),
    "MES": ("MES", 0.25, 1.25, "HMUZ"),
    "NQ": ("ENQ", 0.25, 5.0, "HMUZ"),
    "MNQ": ("MNQ", 0.25, 0.5, "HMUZ"),
    "RTY": ("RTY", 0.1, 5.0, "HMUZ"),
    "M2K": ("M2K", 0.1, 0.5, "HMUZ"),
    "YM": ("YM", 1.0, 5.0, "HMUZ"),
    "MYM": ("MYM", 1.0, 0.5, "HMUZ"),
    "EMD": ("EMD", 0.1, 10.0, "HMUZ"),
    "NKD": ("NKD", 5.0, 25.0, "HMUZ"),
    "ZB": ("USA", 0.03125, 31.25, "HMUZ"),
    "UB": ("ULA", 0.03125, 31.25, "HMUZ"),
    "ZN": ("TYA", 0.015625, 15.625, "HMUZ"),
    "ZF": ("FVA", 0.0078125, 7.8125, "HMUZ"),
    "ZT": ("TUA", 0.00390625, 7.8125, "HMUZ"),
    "CL": ("CLE", 0.01, 10.0, MONTH_CODES),
    "MCL": ("MCLE", 0.01, 1.0, MONTH_CODES),
    "QM": ("NQM", 0.025, 12.5, MONTH_CODES),
    "NG": ("NGE", 0.001, 10.0, MONTH_CODES),
    "QG": ("NQG", 0.005, 12.5, MONTH_CODES),
    "MNG": ("MNG", 0.001, 1.0, MONTH_CODES),
    "RB": ("RBE", 0.0001, 4.2, MONTH_CODES),
    "HO": ("HOE", 0.0001, 4.2, MONTH_CODES),
    "GC": ("GCE", 0.1, 10.0, "GJMQVZ"),
    "MGC": ("MGC", 0.1, 1.0, "GJMQVZ"),
    "SI": ("SIE", 0.005, 25.0, "FHKNUZ"),
    "SIL": ("SIL", 0.005, 5.0, "FHKNUZ"),
    "HG": ("HGE", 0.0005, 12.5, "FHKNUZ"),
    "MHG": ("MHG", 0.0005, 1.25, "FHKNUZ"),
    "PL": ("PLE", 0.1, 5.0, "FJNV"),
    "6E": ("EU6", 0.00005, 6.25, "HMUZ"),
    "M6E": ("M6E", 0.0001, 1.25, "HMUZ"),
    "E7": ("EEU", 0.0001, 6.25, "HMUZ"),
    "6J": ("JY6", 0.0000005, 6.25, "HMUZ"),
    "6B": ("BP6", 0.0001, 6.25, "HMUZ"),
    "M6B": ("M6B", 0.0001, 0.625, "HMUZ"),
    "6A": ("DA6", 0.00005, 5.0, "HMUZ"),
    "M6A": ("M6A", 0.0001, 1.0, "HMUZ"),
    "6C": ("CA6", 0.00005, 5.0, "HMUZ"),
    "6S": ("SF6", 0.00005, 6.25, "HMUZ"),
    "ZC": ("ZCE", 0.25, 12.5, "HKNUZ"),
    "ZS": ("ZSE", 0.25, 12.5, "FHKNQUX"),
    "ZW": ("ZWA", 0.25, 12.5, "HKNUZ"),
    "ZL": ("ZLE", 0.01, 6.0, "FHKNQUVZ"),
    "ZM": ("ZME", 0.1, 10.0, "FHKNQUVZ"),
    "HE": ("HE", 0.025, 10.0, "GJKMNQVZ"),
    "LE": ("GLE", 0.025, 10.0, "GJMQVZ"),
}


def test_the_table_is_exactly_the_expected_product_list() -> None:
    assert sorted(p.ticker for p in PRODUCTS) == sorted(EXPECTED)
    assert len({p.root for p in PRODUCTS}) == len(PRODUCTS)


@pytest.mark.parametrize("ticker", sorted(EXPECTED))
def test_every_product_has_its_tick_size_value_and_cycle(ticker: str) -> None:
    root, tick_size, tick_value, cycle = EXPECTED[ticker]
    prod = product(ticker)
    assert product(root) is prod and product(ticker.lower()) is prod
    assert (prod.root, prod.tick_size, prod.tick_value, prod.cycle) == (
        root,
        tick_size,
        tick_value,
        cycle,
    )
    spec = contract_at(ticker, NOW)
    code = spec.id.rsplit(".", 1)[1][0]
    assert code in cycle and spec.active
    assert spec.id == f"CON.F.US.{root}.{code}{spec.year % 100:02d}"
    assert spec.name == f"{ticker}{code}{spec.year % 10}"
    assert spec.display_name == f"{ticker}{code}{spec.year % 100:02d}"
    assert spec.is_aligned(spec.start_price)
    old = previous_contract(spec)
    assert not old.active and old.id != spec.id
    assert MONTH_CODES[old.month - 1] in cycle
    # the previous listed month is the one right before the front in the cycle
    months = [m for m in range(1, 13) if MONTH_CODES[m - 1] in cycle]
    i = months.index(spec.month)
    assert old.month == months[i - 1] and old.year == spec.year - (1 if i == 0 else 0)


@pytest.mark.parametrize(
    ("symbol", "when", "contract_id"),
    [
        # equity index: 8 days before the third Friday (18 Dec 2026 -> roll on the 10th)
        ("ES", "2026-12-09T23:59:59Z", "CON.F.US.EP.Z26"),
        ("ES", "2026-12-10T00:00:00Z", "CON.F.US.EP.H27"),
        ("MNQ", "2026-09-09T12:00:00Z", "CON.F.US.MNQ.U26"),  # third Friday 18 Sep -> roll 10th
        ("MNQ", "2026-09-10T12:00:00Z", "CON.F.US.MNQ.Z26"),
        # energies: the next month until the 20th, then the month after
        ("CL", "2026-11-19T23:59:59Z", "CON.F.US.CLE.Z26"),
        ("CL", "2026-11-20T00:00:00Z", "CON.F.US.CLE.F27"),
        ("NG", "2026-12-19T12:00:00Z", "CON.F.US.NGE.F27"),
        ("NG", "2026-12-20T12:00:00Z", "CON.F.US.NGE.G27"),
        # gold: even months, rolled on the 25th of the month before
        ("GC", "2026-11-24T12:00:00Z", "CON.F.US.GCE.Z26"),
        ("GC", "2026-11-25T00:00:00Z", "CON.F.US.GCE.G27"),
        ("MGC", "2026-12-30T00:00:00Z", "CON.F.US.MGC.G27"),
        ("MGC", "2027-01-25T00:00:00Z", "CON.F.US.MGC.J27"),
        # treasuries: quarterly, rolled on the 25th of the month before
        ("ZN", "2026-11-24T12:00:00Z", "CON.F.US.TYA.Z26"),
        ("ZN", "2026-11-25T00:00:00Z", "CON.F.US.TYA.H27"),
        # grains: corn skips January
        ("ZC", "2026-11-25T00:00:00Z", "CON.F.US.ZCE.H27"),
        ("ZC", "2027-02-25T00:00:00Z", "CON.F.US.ZCE.K27"),
    ],
)
def test_the_roll_rule_around_a_roll(symbol: str, when: str, contract_id: str) -> None:
    assert contract_at(symbol, parse_ts(when)).id == contract_id


def test_an_unknown_symbol_is_a_typed_config_error() -> None:
    with pytest.raises(UnknownSymbolError, match="NOPE"):
        product("NOPE")
    with pytest.raises(UnknownSymbolError, match="XYZ"):
        SimConfig(symbols=("MNQ", "XYZ"))
    with pytest.raises(UnknownSymbolError):
        Simulator(symbols=["NOPE"])
    assert issubclass(UnknownSymbolError, ValueError)


def test_projectx_sim_refuses_an_unknown_symbol_at_startup() -> None:
    env = dict(os.environ, PYTHONPATH=SRC + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run(
        [sys.executable, "-m", "projectx", "sim", "--symbols", "MNQ,NOPE"],
        capture_output=True,
        text=True,
        env=env,
        timeout=WAIT_S * 3,
        check=False,
    )
    assert proc.returncode != 0
    assert "unknown symbol 'NOPE'" in proc.stderr
    assert "Press Ctrl-C" not in proc.stdout


async def test_search_lists_live_contracts_only_and_search_by_id_finds_the_expired() -> None:
    async with (
        aiohttp.ClientSession() as http,
        Simulator(
            symbols=["MNQ", "ES", "NQ", "CL"],
            clock=ManualClock(NOW),
            rate_limits=RateLimitConfig(enabled=False),
        ) as sim,
    ):
        token = await login(http, sim)
        _, env = await post(
            http, sim, "Contract/search", {"searchText": "MNQ", "live": False}, token
        )
        assert env["success"] is True
        assert [c["id"] for c in env["contracts"]] == ["CON.F.US.MNQ.Z26"]
        assert all(c["activeContract"] for c in env["contracts"])
        _, env = await post(http, sim, "Contract/search", {"searchText": "", "live": False}, token)
        ids = {c["id"] for c in env["contracts"]}
        assert ids == {
            "CON.F.US.MNQ.Z26",
            "CON.F.US.EP.Z26",
            "CON.F.US.ENQ.Z26",
            "CON.F.US.CLE.F27",
        }
        for expired in ("CON.F.US.MNQ.U26", "CON.F.US.CLE.Z26"):
            _, env = await post(http, sim, "Contract/searchById", {"contractId": expired}, token)
            assert env["success"] is True, env
            assert env["contract"]["id"] == expired
            assert env["contract"]["activeContract"] is False
        _, env = await post(http, sim, "Contract/available", {"live": False}, token)
        assert {c["id"] for c in env["contracts"]} == ids


def _iso(ns: int) -> str:
    return datetime.fromtimestamp(ns / NS, tz=UTC).isoformat()


@pytest.mark.parametrize(("symbol", "tick"), [("CL", 0.01), ("NG", 0.001)])
async def test_energies_serve_ticks_and_bars(symbol: str, tick: float) -> None:
    clock = ManualClock(NOW)
    async with (
        aiohttp.ClientSession() as http,
        Simulator(
            symbols=[symbol],
            seed=5,
            rate=40.0,
            clock=clock,
            rate_limits=RateLimitConfig(enabled=False),
        ) as sim,
    ):
        (cid,) = sim.contract_ids
        assert cid == contract_at(symbol, NOW).id
        token = await login(http, sim)
        _, env = await post(
            http, sim, "Contract/search", {"searchText": symbol, "live": False}, token
        )
        assert cid in [c["id"] for c in env["contracts"]]
        hub = await RawHub.connect(http, sim.market_hub_url, token)
        assert "result" in await hub.invoke("SubscribeContractTrades", cid)
        queued = 0
        for _ in range(180):
            clock.advance(NS)
            queued += sim.pump_once()
        assert queued > 0
        msg = await hub.wait_for(lambda m: m.get("target") == "GatewayTrade")
        assert msg["arguments"][0] == cid
        prices = [t["price"] for t in msg["arguments"][1]]
        assert prices and all(abs(p / tick - round(p / tick)) < 1e-6 for p in prices)
        await hub.close()
        body = {
            "contractId": cid,
            "live": False,
            "startTime": _iso(NOW),
            "endTime": _iso(clock.now_ns()),
            "unit": 2,
            "unitNumber": 1,
            "limit": 100,
            "includePartialBar": False,
        }
        _, env = await post(http, sim, "History/retrieveBars", body, token)
        assert env["success"] is True, env
        assert len(env["bars"]) >= 2
        assert all(b["l"] <= b["o"] <= b["h"] and b["v"] > 0 for b in env["bars"])
