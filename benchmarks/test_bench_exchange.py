"""In-process throughput of the simulator engine (issue 3 target: match >= 50k orders/s).

* ``market_orders``: alternating buy/sell market orders through ``Exchange.handle`` - each one
  validates, fills against the book, updates position and balance and builds its user events.
* ``limits_crossed``: resting limit orders placed through ``Exchange.handle``, then the book is
  moved through them so every one fills (matching loop + fills + events).
* ``place_cancel``: resting limit placed and cancelled (two requests, counted as one order).
* ``market_generation``: synthetic market events (quotes, trades, depth) per second.

A no-op user-event listener is registered so event payloads are built as in the server.
``extra_info`` holds the rates computed from the median round. Run:
``PYTHONPATH=src python -m pytest benchmarks/test_bench_exchange.py -p no:cacheprovider``.
"""

from __future__ import annotations

from typing import Any

from projectx.sim.clock import NS_PER_S, ManualClock, parse_ts
from projectx.sim.contracts import resolve_symbols
from projectx.sim.exchange import Exchange
from projectx.sim.market import MarketSimulator

T0 = parse_ts("2026-11-24T14:00:00Z")
N_ORDERS = 5_000


def _exchange() -> tuple[Exchange, MarketSimulator, str]:
    clock = ManualClock(T0)
    spec = resolve_symbols(["MNQ"], T0)[0]
    market = MarketSimulator([spec], seed=1, rate_per_s=0, clock=clock)
    x = Exchange(market, clock)
    x.add_user_event_listener(lambda target, account_id, arg: None)
    x.add_user("bench", "k", [{"id": 1, "name": "BENCH", "balance": 1e12}])
    market.set_book(spec.id, bid=21000.0, ask=21000.25, sizes=10_000)
    return x, market, spec.id


def _rate(benchmark: Any, n: int, key: str) -> None:
    stats = getattr(benchmark, "stats", None)
    if stats is None:  # --benchmark-disable: the body ran once, nothing was timed
        return
    benchmark.extra_info[key] = round(n / stats.stats.median)


def test_bench_market_orders(benchmark: Any) -> None:
    """5,000 alternating buy/sell market orders (1-3 lots) through ``Exchange.handle`` per round;
    fresh exchange and request dicts built in setup (untimed). Target: >= 50k orders/s."""

    def setup() -> tuple[tuple[Exchange, list[dict[str, Any]]], dict[str, Any]]:
        x, _, cid = _exchange()
        bodies = [
            {"accountId": 1, "contractId": cid, "type": 2, "side": i % 2, "size": 1 + i % 3}
            for i in range(N_ORDERS)
        ]
        return (x, bodies), {}

    def run(x: Exchange, bodies: list[dict[str, Any]]) -> None:
        handle = x.handle
        for body in bodies:
            handle("Order/place", "bench", body)

    benchmark.pedantic(run, setup=setup, rounds=7)
    _rate(benchmark, N_ORDERS, "orders_per_s")


def test_bench_limits_crossed(benchmark: Any) -> None:
    """5,000 resting buy limits (20 prices, 20990.00-20994.75) placed, then one ``set_book`` move
    that fills them all; exchange and dicts built in setup (untimed). Target: >= 50k orders/s."""

    def setup() -> tuple[tuple[Exchange, MarketSimulator, str, list[dict[str, Any]]], dict]:
        x, market, cid = _exchange()
        bodies = [
            {
                "accountId": 1,
                "contractId": cid,
                "type": 1,
                "side": 0,
                "size": 1,
                "limitPrice": 20990.0 + 0.25 * (i % 20),
            }
            for i in range(N_ORDERS)
        ]
        return (x, market, cid, bodies), {}

    def run(x: Exchange, market: MarketSimulator, cid: str, bodies: list[dict[str, Any]]) -> None:
        handle = x.handle
        for body in bodies:
            handle("Order/place", "bench", body)
        market.set_book(cid, bid=20980.0, ask=20980.25, sizes=10_000)  # crosses every limit

    benchmark.pedantic(run, setup=setup, rounds=7)
    _rate(benchmark, N_ORDERS, "orders_per_s")


def test_bench_place_cancel(benchmark: Any) -> None:
    """5,000 place + cancel pairs of a resting buy limit at 20990.0 via ``Exchange.handle`` (one
    pair counted as one order); fresh exchange built in setup (untimed). Target: >= 50k orders/s."""

    def setup() -> tuple[tuple[Exchange, str], dict[str, Any]]:
        x, _, cid = _exchange()
        return (x, cid), {}

    def run(x: Exchange, cid: str) -> None:
        handle = x.handle
        body = {"accountId": 1, "contractId": cid, "type": 1, "side": 0, "size": 1}
        for _ in range(N_ORDERS):
            oid = handle("Order/place", "bench", body | {"limitPrice": 20990.0})["orderId"]
            handle("Order/cancel", "bench", {"accountId": 1, "orderId": oid})

    benchmark.pedantic(run, setup=setup, rounds=7)
    _rate(benchmark, N_ORDERS, "orders_per_s")


def test_bench_market_generation(benchmark: Any) -> None:
    """``MarketSimulator.advance`` over 10 s of market time for MNQ, ES and ZB at 2,000 events/s
    (quotes, trades, depth); simulator built in setup (untimed). ``events_per_s`` in extra_info."""
    seconds = 10
    counts: list[int] = []

    def setup() -> tuple[tuple[MarketSimulator], dict[str, Any]]:
        clock = ManualClock(T0)
        specs = resolve_symbols(["MNQ", "ES", "ZB"], T0)
        return (MarketSimulator(specs, seed=1, rate_per_s=2_000, clock=clock),), {}

    def run(market: MarketSimulator) -> None:
        counts.append(len(market.advance(T0 + seconds * NS_PER_S)))

    benchmark.pedantic(run, setup=setup, rounds=7)
    n = sorted(counts)[len(counts) // 2]
    _rate(benchmark, n, "events_per_s")
    benchmark.extra_info["events_per_round"] = n
