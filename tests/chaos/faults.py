"""A seeded schedule of faults of every kind, injected through the simulator's fault surface.

Kinds are dealt from a shuffled deck (every kind once per round, order random), so any run of
at least ``len(KINDS)`` faults covers every kind. Each fault that has a duration (a stall, a
delay, a server outage, a reorder window, a slow consumer) is undone by the injector itself
before the next one, so faults never pile up beyond what the schedule says.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from collections.abc import Callable

from projectx.sim import Simulator
from tests.hostile.records import hostile_market_records

__all__ = ["KINDS", "FaultInjector", "SlowConsumer"]

KINDS: tuple[str, ...] = (
    "socket_kill_close_message",
    "socket_kill_close_frame",
    "socket_kill_abort",
    "server_restart",
    "hub_stall",
    "hub_delay",
    "slow_resubscribe",
    "suppress_pings",
    "frame_malformed",
    "frame_truncated",
    "frame_split",
    "frame_oversized",
    "frame_not_object",
    "frame_no_type",
    "market_record_hostile",
    "market_print_off_market",
    "hub_handshake_then_close",
    "message_huge",
    "user_event_hostile",
    "rest_answer_hostile",
    "user_events_duplicated",
    "user_events_reordered",
    "rest_5xx",
    "rest_429",
    "rest_delay",
    "token_expiry",
    "order_rejected",
    "slow_consumer",
)
"""Every fault kind the chaos suite injects (the table lists each)."""

_HUBS = ("user", "market", None)  # None: both hubs


class SlowConsumer:
    """An async event handler that sleeps ``delay_s`` per event (0 when not slowed down)."""

    def __init__(self) -> None:
        self.delay_s = 0.0
        self.seen = 0
        self.bar_labels: dict[str, list[int]] = {}

    async def __call__(self, event: object) -> None:
        self.seen += 1
        data = getattr(event, "data", None)
        if isinstance(data, dict) and "timeframe" in data and "bar" in data:
            self.bar_labels.setdefault(data["timeframe"], []).append(data["bar"].ts_ns)
        if self.delay_s > 0:
            await asyncio.sleep(self.delay_s)


class FaultInjector:
    """Inject ``n`` faults, one every ``interval_s`` (jittered), chosen from a seeded deck.

    ``truncate_market=False`` sends truncated frames to the user hub only: on the market hub
    they lose the next trade for good (a known SDK bug, see the xfail test).
    """

    def __init__(
        self,
        sim: Simulator,
        rng: random.Random,
        *,
        interval_s: float,
        slow: SlowConsumer,
        kinds: tuple[str, ...] = KINDS,
        on_inject: Callable[[str], None] | None = None,
        truncate_market: bool = True,
    ) -> None:
        if interval_s <= 0:
            raise ValueError("interval_s must be > 0")
        self.sim = sim
        self.rng = rng
        self.interval_s = interval_s
        self.slow = slow
        self.kinds = kinds
        self.counts: Counter[str] = Counter()
        self.on_inject = on_inject
        self.truncate_market = truncate_market
        self._deck: list[str] = []
        self.timeline: list[tuple[int, str, str | None]] = []
        """(wall ns at injection, kind, hub) of every fault, for diagnosing a violation."""

    account_id: int | None = None
    """The suite's account (set once connected): hostile user events are sent to it."""

    def next_kind(self) -> str:
        """The next kind from the shuffled deck."""
        if not self._deck:
            self._deck = list(self.kinds)
            self.rng.shuffle(self._deck)
        return self._deck.pop()

    async def run(self, n: int) -> Counter[str]:
        """Inject ``n`` faults; return the count by kind."""
        for _ in range(n):
            kind = self.next_kind()
            await self.inject(kind)
            self.counts[kind] += 1
            if self.on_inject is not None:
                self.on_inject(kind)
            await asyncio.sleep(self.interval_s * self.rng.uniform(0.5, 1.5))
        return self.counts

    async def _hold(self, lo: float, hi: float) -> None:
        await asyncio.sleep(self.rng.uniform(lo, hi))

    def _send_hostile_market_record(self, *, off_market: bool) -> None:
        cid = self.rng.choice(self.sim.contract_ids)
        market = self.sim.market.last_price(cid)
        if market is None:
            return
        records = hostile_market_records(cid, market)
        if off_market:
            records = [r for r in records if r[1] == {"off_market"}]
        record, _reasons = self.rng.choice(records)
        self.sim.faults.send_frame("market", kind="raw", data=record)

    def _send_hostile_user_event(self) -> None:
        """One user event the client must refuse (and reconcile after), never book."""
        if self.account_id is None:
            return
        cid = self.rng.choice(self.sim.contract_ids)
        order = {"id": 2_999_999_999, "contractId": cid, "status": 1, "type": 1, "side": 0,
                 "size": 1, "limitPrice": 1.0, "fillVolume": 0}  # fmt: skip
        target, data = self.rng.choice(
            [
                ("GatewayUserOrder", order),  # no account id
                (
                    "GatewayUserPosition",
                    {
                        "id": 7,
                        "accountId": self.account_id,
                        "contractId": cid,
                        "type": 1,
                        "size": -3,
                        "averagePrice": 1.0,
                    },
                ),
                ("GatewayUserOrder", {**order, "accountId": self.account_id, "size": -1}),
                (
                    "GatewayUserTrade",
                    {
                        "id": 1,
                        "accountId": self.account_id,
                        "contractId": cid,
                        "price": "x",
                        "size": 1,
                        "side": 0,
                        "orderId": 5,
                        "fees": 0.37,
                    },
                ),
            ]
        )
        self.sim.faults.send_user_event(target, data, account_id=self.account_id)

    def _answer_hostile_rest(self) -> None:
        """The next answer of a read or of a processed placement is implausible."""
        f = self.sim.faults
        choice = self.rng.randrange(3)
        if choice == 0:  # placed, but the answer's id is nonsense: uncertain, found by tag
            body = {"orderId": -5, "success": True, "errorCode": 0, "errorMessage": None}
            f.answer_next("Order/place", body, process=True)
        elif choice == 1:
            body = {"positions": [{"id": 1, "accountId": self.account_id, "size": -2}],
                    "success": True, "errorCode": 0, "errorMessage": None}  # fmt: skip
            f.answer_next("Position/searchOpen", body)
        else:
            f.answer_next("Order/searchOpen", "{not json")

    async def inject(self, kind: str) -> None:
        """Inject one fault of ``kind`` (and undo it after its duration, if it has one)."""
        f = self.sim.faults
        rng = self.rng
        hub = rng.choice(_HUBS)
        self.timeline.append((time.time_ns(), kind, hub))
        if kind.startswith("socket_kill_"):
            mode = kind.removeprefix("socket_kill_")
            await f.drop_connections(hub, mode=mode)  # type: ignore[arg-type]
        elif kind == "server_restart":
            await f.restart_server(down_s=rng.uniform(0.1, 0.6))
        elif kind == "hub_stall":
            f.stall_hub(hub)
            await self._hold(0.1, 0.5)
            f.resume_hub(hub)
        elif kind == "hub_delay":
            f.delay_hub(hub, rng.uniform(0.02, 0.15))
            await self._hold(0.2, 0.6)
            f.delay_hub(hub, 0.0)
        elif kind == "slow_resubscribe":  # a slow server: the reconnect's subscriptions lag
            f.delay_invocations(hub, rng.uniform(0.1, 0.5))
            await f.drop_connections(hub, mode="abort")
            await self._hold(0.5, 1.5)
            f.delay_invocations(hub, 0.0)
        elif kind == "suppress_pings":
            f.suppress_pings(hub, True)
            await self._hold(0.3, 1.0)
            f.suppress_pings(hub, False)
        elif kind.startswith("frame_"):
            frame = kind.removeprefix("frame_")
            if frame == "truncated" and not self.truncate_market:
                hub = "user"
            size = rng.choice((80_000, 3_000_000, 17_000_000))  # the client drops > 16 MiB
            f.send_frame(hub, kind=frame, size=size)  # type: ignore[arg-type]
        elif kind.startswith("market_"):  # records the guard must refuse or hold, never apply
            self._send_hostile_market_record(off_market=kind == "market_print_off_market")
        elif kind == "hub_handshake_then_close":  # a short storm: accepted, then closed
            f.handshake_then_close(hub, n=rng.randint(1, 4))
            await f.drop_connections(hub, mode="abort")
            await self._hold(0.3, 1.0)
        elif kind == "message_huge":  # past the client's 8 MiB cap: refused at the socket
            size = rng.choice((9, 24)) * 1024 * 1024
            f.send_huge_message(hub, size=size, fragment_bytes=rng.choice((None, 1 << 20)))
        elif kind == "user_event_hostile":
            self._send_hostile_user_event()
        elif kind == "rest_answer_hostile":
            self._answer_hostile_rest()
        elif kind == "user_events_duplicated":
            f.duplicate_user_events(rng.randint(1, 6))
        elif kind == "user_events_reordered":
            f.reorder_user_events(rng.randint(2, 4))
            await self._hold(0.2, 0.6)
            f.release_user_events()
        elif kind == "rest_5xx":
            path = rng.choice((None, "Order/place", "Order/cancel", "Order/searchOpen"))
            f.fail_next(rng.randint(1, 3), status=rng.choice((500, 502, 503, 504)), path=path)
        elif kind == "rest_429":
            path = rng.choice((None, "Order/place", "Trade/search"))
            f.rate_limit_next(rng.randint(1, 3), path=path, retry_after_s=1)
        elif kind == "rest_delay":
            f.delay_rest(rng.uniform(0.05, 0.3))
            await self._hold(0.2, 0.6)
            f.delay_rest(0.0)
        elif kind == "token_expiry":
            f.expire_tokens()
        elif kind == "order_rejected":
            f.reject_next_order(rng.choice((2, 3)), "Rejected by the chaos suite.")
        elif kind == "slow_consumer":
            self.slow.delay_s = rng.uniform(0.02, 0.1)
            await self._hold(0.3, 1.0)
            self.slow.delay_s = 0.0
        else:
            raise ValueError(f"unknown fault kind {kind!r}")
