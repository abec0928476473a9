"""Invariants of a trading session checked against the simulator's truth after quiescence.

Each check returns a list of violation messages (empty: the invariant holds). The expected
values come from the simulator (its orders, fills, positions, balance, trades and book) and from
simple reference rules written here, never from the SDK's own helpers.
"""

from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from projectx.events import Event, EventType
from projectx.sim import Simulator
from projectx.sim.orders import avg_price
from projectx.suite import TradingSuite
from tests.suite.conftest import reference_bars, stored_bars

__all__ = ["INVARIANTS", "EventRecorder", "Truth", "check_all"]

INVARIANTS: tuple[str, ...] = (
    "fills_seen_exactly_once",
    "positions_equal",
    "pnl_and_balance_equal",
    "no_order_sent_twice",
    "no_order_unknown",
    "bars_equal_trades",
    "book_equal",
    "event_stream_in_order",
    "memory_within_bounds",
)

_ORDER_EVENTS = (
    EventType.ORDER_PLACED,
    EventType.ORDER_MODIFIED,
    EventType.ORDER_PARTIAL_FILL,
    EventType.ORDER_FILLED,
    EventType.ORDER_CANCELLED,
    EventType.ORDER_REJECTED,
    EventType.ORDER_EXPIRED,
)
# reference order of client states: a state may only move to the right (terminal = rank 4)
_RANK = {
    "pending": 0,
    "submitted": 1,
    "working": 2,
    "partially_filled": 3,
    "filled": 4,
    "cancelled": 4,
    "rejected": 4,
    "expired": 4,
}
# Gateway OrderStatus -> the client state an order with that final status must be in
_SIM_STATE = {2: "filled", 3: "cancelled", 4: "expired", 5: "rejected"}


@dataclass
class EventRecorder:
    """Sync handlers recording what the checks need (fills, order states, NEW_BAR labels)."""

    trade_ids: Counter[int] = field(default_factory=Counter)
    order_states: dict[int | str, list[tuple[str, str]]] = field(default_factory=dict)
    bar_labels: dict[str, list[int]] = field(default_factory=dict)
    errors: list[Event] = field(default_factory=list)

    def attach(self, suite: TradingSuite) -> None:
        """Register the handlers on ``suite``'s bus."""
        suite.on(EventType.TRADE_EXECUTED, self._on_trade)
        for etype in _ORDER_EVENTS:
            suite.on(etype, self._on_order)
        suite.on(EventType.NEW_BAR, self._on_bar)
        suite.on(EventType.ERROR, self.errors.append)

    def _on_trade(self, event: Event) -> None:
        self.trade_ids[event.data["trade"].id] += 1

    def _on_order(self, event: Event) -> None:
        rec = event.data["order"]
        key: int | str = rec.order_id if rec.order_id is not None else str(rec.custom_tag)
        self.order_states.setdefault(key, []).append((str(event.type), str(event.data["state"])))

    def _on_bar(self, event: Event) -> None:
        self.bar_labels.setdefault(event.data["timeframe"], []).append(event.data["bar"].ts_ns)


@dataclass
class Truth:
    """What the simulator says, read once the market is frozen."""

    account_id: int
    orders: dict[int, dict[str, Any]]
    trades: list[dict[str, Any]]
    positions: dict[str, tuple[int, float]]
    balance: float
    place_tags: Counter[str]
    place_requests: int

    @classmethod
    def read(cls, sim: Simulator, account_id: int, place_log: list[str | None]) -> Truth:
        """Read orders, fills, positions and balance of ``account_id`` from ``sim``."""
        ex = sim.exchange
        user = sim.credentials.user_name
        orders = ex.handle("Order/search", user, {"accountId": account_id})["orders"]
        trades = ex.handle("Trade/search", user, {"accountId": account_id})["trades"]
        positions: dict[str, tuple[int, float]] = {}
        for (aid, cid), pos in ex.positions.items():
            if aid == account_id and pos.size != 0:
                positions[cid] = (pos.size, avg_price(pos.spec, pos.avg_num, pos.avg_den))
        tags = Counter(t for t in place_log if t is not None)
        return cls(
            account_id=account_id,
            orders={o["id"]: o for o in orders},
            trades=trades,
            positions=positions,
            balance=float(ex.accounts[account_id].balance),
            place_tags=tags,
            place_requests=len(place_log),
        )


def check_fills(suite: TradingSuite, truth: Truth, rec: EventRecorder) -> list[str]:
    """Every simulator fill reached TRADE_EXECUTED exactly once and its order's record once."""
    out: list[str] = []
    sim_ids = {t["id"] for t in truth.trades}
    for tid in sorted(sim_ids):
        n = rec.trade_ids.get(tid, 0)
        if n != 1:
            out.append(f"fill {tid}: TRADE_EXECUTED {n} times")
    for tid in sorted(set(rec.trade_ids) - sim_ids):
        out.append(f"fill {tid}: TRADE_EXECUTED but the simulator has no such fill")
    by_order: dict[int, list[int]] = {}
    for t in truth.trades:
        by_order.setdefault(t["orderId"], []).append(t["id"])
    for oid, ids in sorted(by_order.items()):
        order = suite.orders.get_order(oid)
        if order is None:
            continue  # reported by no_order_unknown
        got = sorted(t.id for t in order.trades)
        if got != sorted(ids):
            out.append(f"order {oid}: fills {got} recorded, simulator has {sorted(ids)}")
    return out


def check_positions(suite: TradingSuite, truth: Truth, contract_ids: list[str]) -> list[str]:
    """Size and average price of every contract's position equal the simulator's."""
    out: list[str] = []
    pm = suite.positions
    for cid in contract_ids:
        want_size, want_avg = truth.positions.get(cid, (0, 0.0))
        got = pm.get_position(cid)
        got_size = 0 if got is None else got.size
        if got_size != want_size:
            out.append(f"{cid}: position {got_size}, simulator {want_size}")
        elif got is not None and abs(got.average_price - want_avg) > 1e-6:
            out.append(f"{cid}: average price {got.average_price}, simulator {want_avg}")
    return out


def check_pnl(suite: TradingSuite, truth: Truth) -> list[str]:
    """Realised P&L and fees equal the sums over the simulator's fills; balance equal."""
    out: list[str] = []
    live = [t for t in truth.trades if not t.get("voided")]
    want_pnl = round(sum(t.get("profitAndLoss") or 0.0 for t in live), 2)
    want_fees = round(sum((t.get("fees") or 0.0) + (t.get("commissions") or 0.0) for t in live), 2)
    pm = suite.positions
    if abs(pm.realized_pnl() - want_pnl) > 0.005:
        out.append(f"realised P&L {pm.realized_pnl():.2f}, simulator {want_pnl:.2f}")
    if abs(pm.total_fees() - want_fees) > 0.005:
        out.append(f"fees {pm.total_fees():.2f}, simulator {want_fees:.2f}")
    if pm.balance is None or abs(pm.balance - truth.balance) > 0.005:
        out.append(f"balance {pm.balance}, simulator {truth.balance}")
    return out


def check_sent_once(truth: Truth) -> list[str]:
    """No client tag reached ``Order/place`` twice (nothing was re-sent)."""
    out = [f"tag {tag} placed {n} times" for tag, n in truth.place_tags.items() if n > 1]
    untagged = truth.place_requests - sum(truth.place_tags.values())
    if untagged:
        out.append(f"{untagged} Order/place request(s) without a client tag")
    return out


def check_orders_known(suite: TradingSuite, truth: Truth) -> list[str]:
    """Every simulator order of the account is tracked, with the simulator's final status."""
    out: list[str] = []
    om = suite.orders
    for oid, order in sorted(truth.orders.items()):
        rec = om.get_order(oid)
        if rec is None:
            out.append(f"order {oid} (tag {order.get('customTag')}): not tracked")
            continue
        status = order["status"]
        fill = order.get("fillVolume") or 0
        want = _SIM_STATE.get(status)
        if want is None:  # open / pending / suspended at the freeze
            want = "partially_filled" if fill else ("working" if status == 1 else "submitted")
        if str(rec.state) != want or rec.fill_volume != fill:
            out.append(
                f"order {oid}: {rec.state}/{rec.fill_volume} filled, simulator "
                f"status {status}/{fill} filled (want {want})"
            )
    sim_tags = {o.get("customTag") for o in truth.orders.values()}
    for rec in om.tracked():
        if rec.order_id is not None and rec.order_id not in truth.orders:
            out.append(f"tracked order {rec.order_id} does not exist in the simulator")
        if rec.order_id is None and rec.custom_tag in sim_tags:
            out.append(f"tag {rec.custom_tag} exists in the simulator but has no order id")
    return out


def check_bars(
    suite: TradingSuite, sim: Simulator, symbol: str, timeframes: list[str], live_from_ns: int
) -> list[str]:
    """Closed bars equal bars rebuilt from the simulator's trades (after repairs); only the
    last gap's bars may still be provisional (at most two), and every timeframe but the
    longest must have had streamed bars to compare."""
    out: list[str] = []
    ctx = suite[symbol]
    cid = ctx.contract_id
    tick = float(ctx.contract.tick_size or 0.25)
    ts, ticks, vol = sim.market.history.trades(cid)
    price = np.round(ticks * tick, 10)
    for tf in timeframes:
        closed = ctx.data.engine.closed(tf)
        n = len(closed["ts"])
        if n == 0:
            out.append(f"{tf}: no closed bar")
            continue
        truth = reference_bars(ts, price, vol, tf)
        first, last = int(closed["ts"][0]), int(closed["ts"][-1])
        # bars of a gap whose last bar is still forming wait for their repair (not final yet):
        # quiescence waits for the chaos phase's gaps (but the longest timeframe's), so only the
        # final reset's may remain: at most the bar of the drop and the bar of the reconnect
        cut = ctx.data.provisional_from(tf)
        if cut is not None:
            pending = sum(1 for t in closed["ts"] if int(t) >= cut)
            if pending > 2:
                out.append(f"{tf}: {pending} closed bars still provisional (from {cut})")
            last = min(last, cut - 1)
        want = {k: v for k, v in truth.items() if first <= k <= last}
        got = stored_bars(closed, hi=last)
        if tf != timeframes[-1] and not any(t >= live_from_ns for t in got):
            out.append(f"{tf}: no streamed bar was final to compare")
        for label in sorted(set(want) | set(got)):
            if got.get(label) != want.get(label):
                near = [
                    r for r in ctx.data.repairs if r[0] == tf and r[1] - 5e9 <= label <= r[2] + 5e9
                ]
                out.append(
                    f"{tf} bar {label}: got {got.get(label)}, trades say {want.get(label)}"
                    f" (repairs near it: {near})"
                )
    return out


def check_book(suite: TradingSuite, sim: Simulator, contract_id: str, depth: int = 10) -> list[str]:
    """The native book's top ``depth`` levels equal the simulator's book."""
    book = suite.feed.book(contract_id)
    if book is None:
        return [f"{contract_id}: no book"]
    bp, bs, ap, az = book.top(depth)
    got_bids = [(float(p), int(s)) for p, s in zip(bp, bs, strict=True) if s > 0]
    got_asks = [(float(p), int(s)) for p, s in zip(ap, az, strict=True) if s > 0]
    want_bids = sim.market.book_levels(contract_id, 0)[:depth]
    want_asks = sim.market.book_levels(contract_id, 1)[:depth]
    out = []
    if got_bids != want_bids:
        out.append(f"bids {got_bids[:3]}..., simulator {want_bids[:3]}...")
    if got_asks != want_asks:
        out.append(f"asks {got_asks[:3]}..., simulator {want_asks[:3]}...")
    return out


def check_event_order(rec: EventRecorder, slow_bar_labels: dict[str, list[int]]) -> list[str]:
    """Per order: ORDER_PLACED first, states never move back, one terminal state; NEW_BAR
    labels strictly increasing per timeframe (inline and through the slow async handler)."""
    out: list[str] = []
    for key, seq in rec.order_states.items():
        kinds = [k for k, _ in seq]
        placed = EventType.ORDER_PLACED in kinds
        if placed and kinds[0] != EventType.ORDER_PLACED and EventType.ORDER_REJECTED not in kinds:
            out.append(f"order {key}: {kinds[0]} before ORDER_PLACED")
        if kinds.count(EventType.ORDER_PLACED) > 1:
            out.append(f"order {key}: ORDER_PLACED {kinds.count(EventType.ORDER_PLACED)} times")
        ranks = [_RANK[s] for _, s in seq]
        if any(b < a for a, b in itertools.pairwise(ranks)):
            out.append(f"order {key}: state went back: {[s for _, s in seq]}")
        terminals = {s for _, s in seq if _RANK[s] == 4}
        if len(terminals) > 1:
            out.append(f"order {key}: several terminal states {sorted(terminals)}")
    for source, labels_by_tf in (("inline", rec.bar_labels), ("async", slow_bar_labels)):
        for tf, labels in labels_by_tf.items():
            bad = sum(1 for a, b in itertools.pairwise(labels) if b <= a)
            if bad:
                out.append(f"NEW_BAR {tf} ({source}): {bad} label(s) not after the previous one")
    return out


def check_memory(suite: TradingSuite, symbol: str) -> list[str]:
    """Every bounded structure is within its bound (sizes, not RSS)."""
    out: list[str] = []
    bus = suite.bus
    for entries in bus._handlers.values():
        for entry in entries:
            worker = getattr(entry, "worker", None)
            if worker is not None and len(worker._queue) > worker.capacity:
                out.append(f"async handler queue {len(worker._queue)} > {worker.capacity}")
    om = suite.orders
    if len(om._orphan_trades) > 10_001:
        out.append(f"orphan trades {len(om._orphan_trades)}")
    finished = sum(1 for r in om.tracked() if r.is_terminal)
    if finished > om.max_finished + len(om.open_orders()):
        out.append(f"{finished} finished orders kept (max {om.max_finished})")
    if len(om._tasks) > 100:
        out.append(f"{len(om._tasks)} order tasks alive")
    data = suite[symbol].data
    for tf in suite.timeframes:
        n = len(data.engine.closed(tf)["ts"])
        if n > suite.bar_capacity:
            out.append(f"{tf}: {n} closed bars > capacity {suite.bar_capacity}")
    if len(suite._tasks) > 10:
        out.append(f"{len(suite._tasks)} suite tasks alive")
    if suite.realtime is not None:
        for hub in (suite.realtime.user, suite.realtime.market):
            pending = getattr(hub, "_pending", {})
            if len(pending) > 64:
                out.append(f"{hub.name} hub: {len(pending)} invocations pending")
    return out


def check_all(
    suite: TradingSuite,
    sim: Simulator,
    truth: Truth,
    rec: EventRecorder,
    slow_bar_labels: dict[str, list[int]],
    symbol: str,
    timeframes: list[str],
    live_from_ns: int,
) -> dict[str, list[str]]:
    """Run every invariant; return its violations by name (in :data:`INVARIANTS` order)."""
    cid = suite[symbol].contract_id
    return {
        "fills_seen_exactly_once": check_fills(suite, truth, rec),
        "positions_equal": check_positions(suite, truth, [cid]),
        "pnl_and_balance_equal": check_pnl(suite, truth),
        "no_order_sent_twice": check_sent_once(truth),
        "no_order_unknown": check_orders_known(suite, truth),
        "bars_equal_trades": check_bars(suite, sim, symbol, timeframes, live_from_ns),
        "book_equal": check_book(suite, sim, cid),
        "event_stream_in_order": check_event_order(rec, slow_bar_labels),
        "memory_within_bounds": check_memory(suite, symbol),
    }
