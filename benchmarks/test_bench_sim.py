"""Simulator streaming throughput: market messages per second delivered to one raw WebSocket
client on loopback (issue 3 target: >= 100k msg/s).

* ``burst``: realistic pre-generated market events (from the engine) published through the hub
  fan-out (encode once, buffer, batch into frames) and read by a raw aiohttp client in the same
  process, which splits every record on 0x1E.
* ``burst_client_process``: the same with the raw client in a subprocess (trade events only);
* ``pump``: the engine generates the events too (manual clock advanced by 0.1 s of market
  time per pump at a high rate), i.e. engine + server + client end to end.

``extra_info["msgs_per_s"]`` is N / median round time. Run:
``PYTHONPATH=src python -m pytest benchmarks/test_bench_sim.py -p no:cacheprovider``.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Iterator
from typing import Any

import aiohttp
import pytest

from projectx.sim import Simulator
from projectx.sim.ratelimit import RateLimitConfig

N_MESSAGES = 200_000
CHUNK = 2_000


class _Harness:
    """A simulator and one raw client subscribed to all market streams of one contract."""

    def __init__(self, **sim_kwargs: Any) -> None:
        self.loop = asyncio.new_event_loop()
        self.sim = Simulator(rate_limits=RateLimitConfig(enabled=False), **sim_kwargs)
        self.http: aiohttp.ClientSession | None = None
        self.ws: aiohttp.ClientWebSocketResponse | None = None

    def run(self, coro: Any) -> Any:
        return self.loop.run_until_complete(coro)

    async def setup(self) -> None:
        sim = self.sim
        await sim.start()
        if sim._pump_task is not None:  # the benchmark drives the market itself
            sim._pump_task.cancel()
        self.http = aiohttp.ClientSession()
        c = sim.credentials
        async with self.http.post(
            sim.api_url + "/Auth/loginKey", json={"userName": c.user_name, "apiKey": c.api_key}
        ) as resp:
            token = (await resp.json())["token"]
        url = sim.market_hub_url.replace("http://", "ws://") + f"?access_token={token}"
        self.ws = await self.http.ws_connect(url, max_msg_size=0)
        await self.ws.send_str('{"protocol":"json","version":1}\x1e')
        cid = sim.contract_ids[0]
        for i, method in enumerate(
            ("SubscribeContractTrades", "SubscribeContractQuotes", "SubscribeContractMarketDepth")
        ):
            await self.ws.send_str(
                f'{{"type":1,"invocationId":"{i}","target":"{method}","arguments":["{cid}"]}}\x1e'
            )
        await self.read(5)  # handshake, 3 completions, 2 snapshots (at least 5 records)
        await asyncio.sleep(0.1)
        await self.drain()

    async def read(self, n: int) -> int:
        """Read frames until ``n`` records have arrived; return the count."""
        assert self.ws is not None
        got = 0
        while got < n:
            msg = await self.ws.receive()
            if msg.type is not aiohttp.WSMsgType.TEXT:
                raise ConnectionError(f"stream ended: {msg.type}")
            got += msg.data.count("\x1e")
        return got

    async def drain(self) -> None:
        assert self.ws is not None
        while True:
            try:
                await self.ws.receive(timeout=0.05)
            except TimeoutError:
                return

    async def teardown(self) -> None:
        if self.ws is not None:
            await self.ws.close()
        if self.http is not None:
            await self.http.close()
        await self.sim.close()

    def close(self) -> None:
        self.run(self.teardown())
        self.loop.close()


def _market_events(sim: Simulator, n: int) -> list[tuple[str, str, Any]]:
    """At least ``n`` engine events for the first contract (cycled if the window is short)."""
    cid = sim.contract_ids[0]
    start = sim.clock.now_ns()
    events: list[tuple[str, str, Any]] = []
    step = 60 * 10**9
    horizon = start
    while len(events) < n and horizon - start < 3600 * 10**9:
        horizon += step
        events.extend(e for e in sim.market.advance(horizon) if e[1] == cid)
    if not events:
        raise RuntimeError("the market produced no events")
    cycle: Iterator[tuple[str, str, Any]] = itertools.cycle(events)
    return [next(cycle) for _ in range(n)]


def _record_rate(benchmark: Any, messages: int) -> None:
    """Store msgs/s from the median round (skipped under ``--benchmark-disable``)."""
    stats = getattr(benchmark, "stats", None)
    if stats is None:
        return
    benchmark.extra_info["messages"] = messages
    benchmark.extra_info["msgs_per_s"] = round(messages / stats.stats.median)


@pytest.fixture
def burst_harness() -> Iterator[_Harness]:
    """A simulator (MNQ, market pump stopped) and one subscribed raw client."""
    h = _Harness(symbols=["MNQ"], seed=11, rate=1000.0)
    h.run(h.setup())
    yield h
    h.close()


def test_bench_stream_burst(benchmark, burst_harness):
    """200,000 pre-generated MNQ market events published in 2,000-event chunks and read by a raw
    in-process WebSocket client until all records arrive; set-up and event generation untimed.
    Target: >= 100k msgs/s."""
    h = burst_harness
    events = _market_events(h.sim, N_MESSAGES)

    async def one_round() -> int:
        reader = asyncio.ensure_future(h.read(N_MESSAGES))
        for i in range(0, N_MESSAGES, CHUNK):
            h.sim.publish_market(events[i : i + CHUNK])
            await asyncio.sleep(0)
        return await reader

    got = benchmark.pedantic(lambda: h.run(one_round()), rounds=5, iterations=1, warmup_rounds=1)
    assert got >= N_MESSAGES
    _record_rate(benchmark, N_MESSAGES)


@pytest.fixture
def pump_harness() -> Iterator[_Harness]:
    """As ``burst_harness`` but 20,000 events/s on a manual clock the benchmark advances."""
    from projectx.sim.clock import ManualClock

    h = _Harness(symbols=["MNQ"], seed=12, rate=20_000.0, clock=ManualClock(1_764_000_000 * 10**9))
    h.run(h.setup())
    yield h
    h.close()


def test_bench_stream_pump(benchmark, pump_harness):
    """Engine + hub + client: ``pump_once`` after each 0.1 s of manual-clock market time at
    20,000 events/s until >= 50,000 records are queued, then read by the raw client (all timed)."""
    h = pump_harness
    clock = h.sim.clock

    async def one_round() -> int:
        published = 0
        reader_total = 0
        target = N_MESSAGES // 4
        while published < target:
            clock.advance(100_000_000)  # 0.1 s of market time per pump
            published += h.sim.pump_once()
            await asyncio.sleep(0)
        reader_total = await h.read(published)
        return reader_total

    got = benchmark.pedantic(lambda: h.run(one_round()), rounds=5, iterations=1, warmup_rounds=1)
    assert got > 0
    _record_rate(benchmark, got)


_CLIENT = r"""
import asyncio, sys, aiohttp
async def main(url, cid):
    async with aiohttp.ClientSession() as http:
        ws = await http.ws_connect(url, max_msg_size=0)
        await ws.send_str('{"protocol":"json","version":1}\x1e')
        await ws.send_str('{"type":1,"invocationId":"0","target":"SubscribeContractTrades",'
                          '"arguments":["' + cid + '"]}\x1e')
        got = 0
        while got < 2:  # handshake + completion
            got += (await ws.receive()).data.count("\x1e")
        print("ready", flush=True)
        loop = asyncio.get_running_loop()
        reader = asyncio.StreamReader()
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
        while line := await reader.readline():
            n = int(line)
            got = 0
            while got < n:
                msg = await ws.receive()
                got += msg.data.count("\x1e")
            print("done", got, flush=True)
asyncio.run(main(sys.argv[1], sys.argv[2]))
"""


def test_bench_stream_burst_client_process(benchmark, burst_harness):
    """Same burst, the raw client in its own process (its own core on this 2-core machine)."""
    import sys

    h = burst_harness
    cid = h.sim.contract_ids[0]
    events = [e for e in _market_events(h.sim, N_MESSAGES * 3) if e[0] == "GatewayTrade"]
    events = events[:N_MESSAGES]

    async def start() -> asyncio.subprocess.Process:
        c = h.sim.credentials
        assert h.http is not None
        async with h.http.post(
            h.sim.api_url + "/Auth/loginKey", json={"userName": c.user_name, "apiKey": c.api_key}
        ) as resp:
            token = (await resp.json())["token"]
        url = h.sim.market_hub_url.replace("http://", "ws://") + f"?access_token={token}"
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            _CLIENT,
            url,
            cid,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        assert proc.stdout is not None
        assert (await proc.stdout.readline()).strip() == b"ready"
        return proc

    proc = h.run(start())

    async def one_round() -> int:
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.write(f"{len(events)}\n".encode())
        await proc.stdin.drain()
        for i in range(0, len(events), CHUNK):
            h.sim.publish_market(events[i : i + CHUNK])
            await asyncio.sleep(0)
        line = (await proc.stdout.readline()).split()
        return int(line[1])

    try:
        got = benchmark.pedantic(
            lambda: h.run(one_round()), rounds=5, iterations=1, warmup_rounds=1
        )
    finally:
        proc.kill()
        h.run(proc.wait())
    assert got >= len(events)
    _record_rate(benchmark, len(events))
