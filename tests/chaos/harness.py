"""One chaos run: a trading session against the simulator under a seeded fault schedule, then
quiescence (faults cleared, market frozen, hubs reset, reconciliation) and the invariants."""

from __future__ import annotations

import asyncio
import dataclasses
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from projectx.config import ProjectXConfig
from projectx.events import Event, EventType
from projectx.realtime.hub import HubState, ReconnectPolicy
from projectx.sim import Simulator
from projectx.sim.ratelimit import RateLimitConfig
from projectx.suite import TradingSuite
from tests.chaos.clock import FreezableClock
from tests.chaos.driver import Driver
from tests.chaos.faults import KINDS, FaultInjector, SlowConsumer
from tests.chaos.invariants import INVARIANTS, EventRecorder, Truth, check_all
from tests.suite.conftest import config_for

__all__ = ["ChaosConfig", "ChaosResult", "format_table", "run_chaos"]

SYMBOL = "MNQ"
TIMEFRAMES = ["1sec", "5sec", "1min"]
_LIVE = (HubState.CONNECTED, HubState.RECONNECTED)


@dataclass(frozen=True)
class ChaosConfig:
    """What one run does: ``faults`` faults about ``interval_s`` apart, seeded by ``seed``."""

    seed: int = 1
    faults: int = 100
    interval_s: float = 0.15
    order_interval_s: float = 0.08
    rate: float = 60.0
    kinds: tuple[str, ...] = KINDS
    truncate_market: bool = True


@dataclass
class ChaosResult:
    """Faults injected by kind, violations by invariant and what happened around them."""

    config: ChaosConfig
    faults: Counter[str]
    violations: dict[str, list[str]]
    actions: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    facts: dict[str, Any] = field(default_factory=dict)
    timeline: list[tuple[int, str, str | None]] = field(default_factory=list)

    @property
    def total_violations(self) -> int:
        """Violations of every invariant together."""
        return sum(len(v) for v in self.violations.values())


async def _eventually(predicate: Callable[[], bool], timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"quiescence: {what} not reached in {timeout_s:.0f}s")
        await asyncio.sleep(0.02)


# the default policy's times, compressed like the schedule: a storm opens the circuit for a
# second, not a minute, and a connection is healthy (the backoff resets) after one second
RECONNECT = ReconnectPolicy(
    base_delay=0.05, max_delay=0.5, circuit_cooldown=1.0, healthy_after=1.0, storm_window=5.0
)


def _client_config(sim: Simulator) -> ProjectXConfig:
    # fast retries so that 5xx/429 storms are ridden out in the compressed schedule; the
    # client-side request budget (200/min, the Gateway's) is lifted: time is compressed here
    return dataclasses.replace(
        config_for(sim),
        general_limit=1_000_000,
        request_timeout_s=5.0,
        backoff_base_s=0.05,
        backoff_max_s=0.5,
        max_retry_after_s=2.0,
    )


def _record_place_requests(sim: Simulator, log: list[tuple[int | None, str | None]]) -> None:
    """Log every ``Order/place`` the engine receives (account, tag), server side."""
    handle = sim.exchange.handle

    def logged(endpoint: str, user_name: str, body: dict[str, Any]) -> dict[str, Any]:
        if endpoint.strip("/").lower() == "order/place":
            log.append((body.get("accountId"), body.get("customTag")))
        return handle(endpoint, user_name, body)

    sim.exchange.handle = logged


async def _quiesce(
    suite: TradingSuite, sim: Simulator, clock: FreezableClock, slow: SlowConsumer
) -> dict[str, Any]:
    """Clear every fault, freeze the market, reset both hubs, reconcile until nothing moves."""
    f = sim.faults
    f.clear()
    await f.start_server()
    slow.delay_s = 0.0
    rt = suite.realtime
    assert rt is not None
    t0 = time.monotonic()
    await _eventually(lambda: rt.user.state in _LIVE and rt.market.state in _LIVE, 60, "hubs up")
    steps = {"hubs_up_s": round(time.monotonic() - t0, 1)}
    # with the market still trading, the chaos phase's last gap closes and is repaired: its
    # repair starts once the bar in which trades flowed again has closed (under back-to-back
    # reconnects a gap keeps growing, so its bars may all still be provisional here)
    data = suite[SYMBOL].data
    await _eventually(
        lambda: all(data.provisional_from(tf) is None for tf in TIMEFRAMES[:-1]),
        30,
        f"the chaos phase's {'/'.join(TIMEFRAMES[:-1])} bars repaired",
    )
    steps["gaps_closed_s"] = round(time.monotonic() - t0, 1)
    clock.freeze()
    # the next reset: both hubs reconnect (book snapshot, bar repair, reconciliation)
    before = (rt.user.stats.connects, rt.market.stats.connects)
    await f.drop_connections(None, mode="close_message")
    await _eventually(
        lambda: (
            rt.user.stats.connects > before[0]
            and rt.market.stats.connects > before[1]
            and rt.user.state in _LIVE
            and rt.market.state in _LIVE
        ),
        60,
        "hubs reconnected after the final reset",
    )
    steps["reset_s"] = round(time.monotonic() - t0, 1)
    user = sim.credentials.user_name
    account = suite.account
    assert account is not None
    stable = 0
    last: tuple[int, ...] = ()
    rounds = 0
    while stable < 3:
        rounds += 1
        await suite.orders.reconcile()
        await suite.positions.reconcile()
        await asyncio.sleep(0.3)
        orders = sim.exchange.handle("Order/search", user, {"accountId": account.id})["orders"]
        now = (len(orders), sum(o["status"] for o in orders), len(suite.orders._tasks))
        stable = stable + 1 if now == last and not suite.orders._tasks else 0
        last = now
        if rounds > 60:
            raise AssertionError("quiescence: orders still changing after 60 rounds")
    steps["settled_s"] = round(time.monotonic() - t0, 1)
    await suite[SYMBOL].data.wait_repaired(30)
    await asyncio.sleep(0.2)
    steps["repaired_s"] = round(time.monotonic() - t0, 1)
    return {"settle_rounds": rounds, **steps}


async def run_chaos(
    cfg: ChaosConfig, *, on_inject: Callable[[str], None] | None = None
) -> ChaosResult:
    """Run one chaos session and check every invariant."""
    rng = random.Random(cfg.seed)
    clock = FreezableClock()
    place_log: list[tuple[int | None, str | None]] = []
    async with Simulator(
        symbols=[SYMBOL],
        seed=cfg.seed,
        rate=cfg.rate,
        clock=clock,
        rate_limits=RateLimitConfig(enabled=False),
    ) as sim:
        _record_place_requests(sim, place_log)
        suite = TradingSuite(
            SYMBOL,
            timeframes=TIMEFRAMES,
            initial_days=0.01,
            config=_client_config(sim),
            reconnect=RECONNECT,
        )
        rec = EventRecorder()
        rec.attach(suite)
        slow = SlowConsumer()
        suite.on(EventType.NEW_BAR, slow)
        suite.on(EventType.TRADE_TICK, slow)
        suite.on(EventType.ORDER_FILLED, slow)
        conn_events: Counter[str] = Counter()

        def count(event: Event) -> None:
            conn_events[f"{event.type}:{event.data.get('hub')}"] += 1

        for etype in (EventType.RECONNECTED, EventType.DISCONNECTED, EventType.FEED_STALE):
            suite.on(etype, count)
        t0 = time.monotonic()
        await suite.connect()
        connect_s = time.monotonic() - t0
        live_from_ns = clock.now_ns()  # bars opened from here on were streamed
        try:
            driver = Driver(
                suite, SYMBOL, random.Random(rng.random()), interval_s=cfg.order_interval_s
            )
            injector = FaultInjector(
                sim,
                random.Random(rng.random()),
                interval_s=cfg.interval_s,
                slow=slow,
                kinds=cfg.kinds,
                on_inject=on_inject,
                truncate_market=cfg.truncate_market,
            )
            assert suite.account is not None
            injector.account_id = suite.account.id
            started = time.monotonic()
            driving = asyncio.create_task(driver.run())
            await injector.run(cfg.faults)
            chaos_s = time.monotonic() - started
            driver.stop()
            t0 = time.monotonic()
            await driving
            facts_stop = round(time.monotonic() - t0, 1)
            t0 = time.monotonic()
            facts = await _quiesce(suite, sim, clock, slow)
            facts["quiesce_s"] = round(time.monotonic() - t0, 1)
            facts["connect_s"] = round(connect_s, 1)
            facts["driver_stop_s"] = facts_stop
            account = suite.account
            assert account is not None
            mine = [tag for aid, tag in place_log if aid == account.id]
            truth = Truth.read(sim, account.id, mine)
            violations = check_all(
                suite, sim, truth, rec, slow.bar_labels, SYMBOL, TIMEFRAMES, live_from_ns
            )
            stats = suite.get_stats()
            facts.update(
                chaos_s=round(chaos_s, 1),
                sim_orders=len(truth.orders),
                sim_fills=len(truth.trades),
                place_requests=truth.place_requests,
                connection_events=dict(conn_events),
                bus_dropped=stats["events"]["dropped"],
                slow_consumer_events=slow.seen,
                order_stats={
                    k: v
                    for k, v in stats["managers"]["orders"].items()
                    if k in ("placed", "filled", "cancelled", "rejected", "uncertain", "recovered")
                    or k.startswith("illegal")
                },
                malformed_records={
                    h: stats["hubs"][h]["malformed_records"] for h in ("user", "market")
                },
                oversized_records={
                    h: stats["hubs"][h]["oversized_records"] for h in ("user", "market")
                },
                error_events=len(rec.errors),
            )
            result = ChaosResult(
                cfg, injector.counts, violations, driver.actions, driver.errors, facts
            )
            result.timeline = injector.timeline
            return result
        finally:
            await suite.disconnect()


def format_table(results: list[ChaosResult]) -> str:
    """Faults injected by kind, invariants checked and their violations, as a text table."""
    faults: Counter[str] = Counter()
    for r in results:
        faults.update(r.faults)
    lines = ["chaos: faults injected by kind", f"  {'kind':<28}{'injected':>9}"]
    for kind in KINDS:
        lines.append(f"  {kind:<28}{faults.get(kind, 0):>9}")
    lines.append(f"  {'TOTAL':<28}{sum(faults.values()):>9}")
    lines.append(f"chaos: invariants checked ({len(results)} run(s))")
    lines.append(f"  {'invariant':<28}{'checked':>9}{'violations':>12}")
    for name in INVARIANTS:
        bad = sum(len(r.violations.get(name, [])) for r in results)
        lines.append(f"  {name:<28}{len(results):>9}{bad:>12}")
    total = sum(r.total_violations for r in results)
    lines.append(f"  {'TOTAL':<28}{len(results) * len(INVARIANTS):>9}{total:>12}")
    for r in results:
        lines.append(f"run seed={r.config.seed}: actions {dict(r.actions)} errors {dict(r.errors)}")
        lines.append(f"  facts {r.facts}")
        for name, msgs in r.violations.items():
            for msg in msgs[:10]:
                lines.append(f"  VIOLATION {name}: {msg}")
    return "\n".join(lines)
