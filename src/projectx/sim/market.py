"""Synthetic, seeded market data for the simulator (spec §7.7.2, §9.9).

Per contract a :class:`ContractMarket` holds a consistent L2 book in integer ticks: ``levels``
contiguous price levels on each side (bids ``bb, bb-1, ...``, asks ``ba, ba+1, ...``, always
``bb < ba``), a last price and session statistics. It evolves in *steps*; each step is one of

* a **trade** (about 45 % of steps): a random aggressor hits the best level on the other side
  and takes part or all of it (trades always print at a displayed book price); an emptied level
  moves the best price one tick away (``NewBestBid``/``NewBestAsk``) and a new far level keeps the
  ladder ``levels`` deep;
* a **gap fill** when the spread is wider than one tick: one side steps into the gap (so the
  price performs a symmetric random walk in whole ticks);
* a **size change** of one level (more likely near the top).

Steps arrive as a Markov-modulated Poisson process (bursts at 3x the mean rate for ~1 s, quiet
spells at 0.5x for ~4 s), so the long-run mean is ``rate_per_s`` steps per second *per contract*.
Every step emits one ``GatewayDepth`` batch; a trade also emits one ``GatewayTrade`` (array of
one item) and every step that changes the last price, the best bid/ask or the session volume
emits one full ``GatewayQuote``.

Determinism: each contract has its own ``random.Random`` seeded from ``(seed, contract id)`` and
steps are merged across contracts by time, so the output depends only on the seed, the start
time and the ``until_ns`` values reached - not on how :meth:`MarketSimulator.advance` calls are
chunked. Step times are whole microseconds (the wire precision), so bars rebuilt from streamed
trade timestamps equal the bars served by ``History/retrieveBars``.

User orders never consume the simulated book (spec §9.9 default): the exchange reads it.

Replay of a recorded Parquet file instead of the random walk:
:func:`projectx.sim.replay.market_from_recording` (format and rules there).
"""

from __future__ import annotations

import heapq
import math
import random
from collections.abc import Callable, Iterable
from typing import Any, Protocol

from projectx.enums import DomType, TradeLogType
from projectx.sim.bars import TradeHistory
from projectx.sim.clock import NS_PER_S, NS_PER_US, SimClock, format_ts
from projectx.sim.contracts import ContractSpec

__all__ = ["ContractMarket", "MarketEvent", "MarketSimulator"]

MarketEvent = tuple[str, str, Any]
TradeListener = Callable[[str, int, float, int], None]
StepListener = Callable[[str, int, int, int], None]

_P_TRADE = 0.45
_P_SWEEP = 0.25  # a trade takes the whole best level
_BURST_FACTOR = 3.0
_QUIET_FACTOR = 0.5
_BURST_DWELL_S = 1.0
_QUIET_DWELL_S = 4.0  # => mean rate = (3*1 + 0.5*4) / 5 = 1.0 x rate

_ASK, _BID = int(DomType.ASK), int(DomType.BID)
_BEST_ASK, _BEST_BID = int(DomType.BEST_ASK), int(DomType.BEST_BID)
_NEW_BEST_ASK, _NEW_BEST_BID = int(DomType.NEW_BEST_ASK), int(DomType.NEW_BEST_BID)
_RESET = int(DomType.RESET)
_BUY, _SELL = int(TradeLogType.BUY), int(TradeLogType.SELL)


class ContractMarket:
    """Book, last price, session stats and arrival process of one contract (ticks inside)."""

    def __init__(
        self, spec: ContractSpec, *, seed: int, rate_per_s: float, start_ns: int, levels: int
    ) -> None:
        self.spec = spec
        self.contract_id = spec.id
        self.symbol_id = spec.symbol_id
        self.rng = random.Random(f"projectx-sim:{seed}:{spec.id}")
        self.levels = levels
        self.contiguous = True  # levels are bb, bb-1, ... / ba, ba+1, ... without gaps
        start = spec.start_ticks
        self.bb = start
        self.ba = start + 1
        self.bids: dict[int, int] = {}
        self.asks: dict[int, int] = {}
        for i in range(levels):
            self.bids[start - i] = self._new_size(i)
            self.asks[start + 1 + i] = self._new_size(i)
        self.last_ticks: int = start
        self.open_ticks = start
        self.high_ticks = start
        self.low_ticks = start
        self.session_volume = 0
        self.prev_close_ticks = start - self.rng.randint(-200, 200)
        self.last_ns = start_ns
        self.rate = float(rate_per_s)
        self.burst = False
        self.regime_end_ns = start_ns + self._dwell_ns()
        self.next_ns = self._next_arrival(start_ns)

    # ------------------------------------------------------------------ process
    def _new_size(self, depth_index: int) -> int:
        return self.rng.randint(1, 8 + 3 * depth_index)

    def _dwell_ns(self) -> int:
        mean = _BURST_DWELL_S if self.burst else _QUIET_DWELL_S
        return max(NS_PER_US, int(self.rng.expovariate(1.0 / mean) * NS_PER_S))

    def _next_arrival(self, after_ns: int) -> int:
        """Next step time after ``after_ns`` (whole microseconds); ``inf`` sentinel if rate 0."""
        if self.rate <= 0:
            return 2**62
        t = after_ns
        while True:
            rate = self.rate * (_BURST_FACTOR if self.burst else _QUIET_FACTOR)
            t_next = t + int(self.rng.expovariate(rate) * NS_PER_S)
            if t_next <= self.regime_end_ns:
                t_next -= t_next % NS_PER_US
                return max(t_next, after_ns)
            t = self.regime_end_ns
            self.burst = not self.burst
            self.regime_end_ns = t + self._dwell_ns()

    def step(self, ts_ns: int, out: list[MarketEvent]) -> tuple[int, int]:
        """Apply one step at ``ts_ns``; append events; return (trade ticks or -1, volume)."""
        rng = self.rng
        ts = format_ts(ts_ns)
        depth: list[dict[str, Any]] = []
        price = self.spec.price
        cid = self.contract_id
        trade_ticks, trade_vol = -1, 0
        quote = False
        if rng.random() < _P_TRADE:
            buy = rng.random() < 0.5
            book = self.asks if buy else self.bids
            best = self.ba if buy else self.bb
            avail = book[best]
            vol = avail if rng.random() < _P_SWEEP else min(avail, 1 + int(rng.expovariate(0.7)))
            left = avail - vol
            trade_ticks, trade_vol = best, vol
            out.append(
                (
                    "GatewayTrade",
                    cid,
                    [
                        {
                            "symbolId": self.symbol_id,
                            "price": price(best),
                            "timestamp": ts,
                            "type": _BUY if buy else _SELL,
                            "volume": vol,
                        }
                    ],
                )
            )
            self.last_ticks = best
            if best > self.high_ticks:
                self.high_ticks = best
            if best < self.low_ticks:
                self.low_ticks = best
            self.session_volume += vol
            quote = True
            if not left and not buy and best - self.levels < 1:
                left = self._new_size(0)  # the price floor: the bid level is replenished
            if left:
                book[best] = left
                depth.append(_entry(ts, _BEST_ASK if buy else _BEST_BID, price(best), left))
            else:
                del book[best]
                depth.append(_entry(ts, _ASK if buy else _BID, price(best), 0))
                if buy:
                    self.ba = nb = best + 1
                    far = nb + self.levels - 1
                    depth.append(_entry(ts, _NEW_BEST_ASK, price(nb), book[nb]))
                    kind = _ASK
                else:
                    self.bb = nb = best - 1
                    far = nb - self.levels + 1
                    depth.append(_entry(ts, _NEW_BEST_BID, price(nb), book[nb]))
                    kind = _BID
                size = self._new_size(self.levels - 1)
                book[far] = size
                depth.append(_entry(ts, kind, price(far), size))
        elif self.ba - self.bb > 1:
            size = self._new_size(0)
            if rng.random() < 0.5:
                self.bb += 1
                self.bids[self.bb] = size
                gone = self.bb - self.levels
                del self.bids[gone]
                depth.append(_entry(ts, _NEW_BEST_BID, price(self.bb), size))
                depth.append(_entry(ts, _BID, price(gone), 0))
            else:
                self.ba -= 1
                self.asks[self.ba] = size
                gone = self.ba + self.levels
                del self.asks[gone]
                depth.append(_entry(ts, _NEW_BEST_ASK, price(self.ba), size))
                depth.append(_entry(ts, _ASK, price(gone), 0))
            quote = True
        else:
            bid_side = rng.random() < 0.5
            i = min(self.levels - 1, int(rng.expovariate(0.35)))
            lvl = self.bb - i if bid_side else self.ba + i
            book = self.bids if bid_side else self.asks
            size = book[lvl]
            size = size + rng.randint(1, 10) if rng.random() < 0.55 else max(1, size // 2)
            book[lvl] = size
            kind = (
                (_BEST_BID if bid_side else _BEST_ASK) if i == 0 else (_BID if bid_side else _ASK)
            )
            depth.append(_entry(ts, kind, price(lvl), size))
        out.append(("GatewayDepth", cid, depth))
        if quote:
            out.append(("GatewayQuote", cid, self._quote(ts)))
        self.last_ns = ts_ns
        return trade_ticks, trade_vol

    # ----------------------------------------------------------------- snapshots
    def _quote(self, ts: str) -> dict[str, Any]:
        p = self.spec.price
        change_ticks = self.last_ticks - self.prev_close_ticks
        prev = p(self.prev_close_ticks)
        change = p(change_ticks)
        return {
            "symbol": self.symbol_id,
            "symbolName": "/" + self.spec.ticker,
            "lastPrice": p(self.last_ticks),
            "bestBid": p(self.bb),
            "bestAsk": p(self.ba),
            "change": change,
            "changePercent": round(change / prev * 100.0, 2) if prev else 0.0,
            "open": p(self.open_ticks),
            "high": p(self.high_ticks),
            "low": p(self.low_ticks),
            "volume": self.session_volume,
            "lastUpdated": ts,
            "timestamp": ts,
        }

    def full_quote(self) -> dict[str, Any]:
        """The complete current quote."""
        return self._quote(format_ts(self.last_ns))

    def depth_snapshot(self) -> list[dict[str, Any]]:
        """``[Reset, bids (type 2, best first), asks (type 1, best first)]``."""
        ts = format_ts(self.last_ns)
        p = self.spec.price
        out = [_entry(ts, _RESET, 0, 0)]
        out.extend(_entry(ts, _BID, p(t), self.bids[t]) for t in sorted(self.bids, reverse=True))
        out.extend(_entry(ts, _ASK, p(t), self.asks[t]) for t in sorted(self.asks))
        return out

    def levels_ticks(self, side: int) -> list[tuple[int, int]]:
        """Book side as ``[(ticks, size), ...]`` best first; side 0 = bids, 1 = asks."""
        if side == 0:
            return [(t, self.bids[t]) for t in sorted(self.bids, reverse=True)]
        return [(t, self.asks[t]) for t in sorted(self.asks)]


def _entry(ts: str, kind: int, price: float, volume: int) -> dict[str, Any]:
    return {
        "timestamp": ts,
        "type": kind,
        "price": price,
        "volume": volume,
        "currentVolume": volume,
    }


class MarketPlayer(Protocol):
    """Something that produces a market's steps (a recording's replay)."""

    def play(self, sim: MarketSimulator, until_ns: int, out: list[MarketEvent]) -> None:
        """Apply every step due at or before ``until_ns``, publishing into ``out``."""
        ...


class MarketSimulator:
    """Seeded synthetic market for several contracts; see the module docstring.

    ``rate_per_s`` is the mean number of steps per second per contract (0 freezes the market).
    ``history_days`` of seeded trades before the start feed ``History/retrieveBars`` warm-up.
    """

    def __init__(
        self,
        contracts: Iterable[ContractSpec],
        *,
        seed: int,
        rate_per_s: float,
        clock: SimClock,
        levels: int = 10,
        history_days: float = 10.0,
        history_interval_s: float = 5.0,
    ) -> None:
        specs = list(contracts)
        if not specs:
            raise ValueError("MarketSimulator needs at least one contract")
        if not math.isfinite(rate_per_s) or rate_per_s < 0:
            raise ValueError(f"rate_per_s must be finite and >= 0, got {rate_per_s!r}")
        if levels < 2:
            raise ValueError(f"levels must be >= 2, got {levels!r}")
        self.clock = clock
        self.seed = int(seed)
        self.rate_per_s = float(rate_per_s)
        start_ns = clock.now_ns()
        start_ns -= start_ns % NS_PER_US
        self.start_ns = start_ns
        self.contracts: dict[str, ContractSpec] = {}
        self.markets: dict[str, ContractMarket] = {}
        for spec in specs:
            if spec.id in self.contracts:
                raise ValueError(f"duplicate contract {spec.id}")
            self.contracts[spec.id] = spec
            self.markets[spec.id] = ContractMarket(
                spec, seed=self.seed, rate_per_s=rate_per_s, start_ns=start_ns, levels=levels
            )
        self.history = TradeHistory(
            self.contracts,
            seed=self.seed,
            end_ns=start_ns,
            days=history_days,
            interval_s=history_interval_s,
        )
        self._ids = list(self.markets)
        self._heap: list[tuple[int, int]] = [
            (m.next_ns, i) for i, m in enumerate(self.markets.values())
        ]
        heapq.heapify(self._heap)
        self._pending: list[MarketEvent] = []
        self._trade_listeners: list[TradeListener] = []
        self._step_listeners: list[StepListener] = []
        self.steps = 0
        self.synced_ns = start_ns
        self._player: MarketPlayer | None = None

    # ---------------------------------------------------------------- listeners
    def add_trade_listener(self, cb: TradeListener) -> None:
        """Call ``cb(contract_id, ts_ns, price, volume)`` for every market trade."""
        self._trade_listeners.append(cb)

    def add_step_listener(self, cb: StepListener) -> None:
        """Call ``cb(contract_id, ts_ns, trade_ticks, volume)`` after every step.

        ``trade_ticks`` is -1 (and ``volume`` 0) when the step was a book-only change. The
        exchange uses this to trigger and fill resting orders.
        """
        self._step_listeners.append(cb)

    @classmethod
    def for_replay(
        cls,
        contracts: Iterable[ContractSpec],
        *,
        clock: SimClock,
        first_ticks: dict[str, int] | None = None,
        seed: int = 0,
    ) -> MarketSimulator:
        """A market with empty books, no synthetic steps and no pre-generated history.

        Something else feeds it recorded data
        (:func:`~projectx.sim.replay.market_from_recording`, or
        :class:`projectx.sim.replay.ArrayFeeder` for the replay runner). ``first_ticks``
        (contract id -> ticks) sets the opening last price of each contract.
        """
        sim = cls(list(contracts), seed=seed, rate_per_s=0.0, clock=clock, history_days=0.0)
        first = first_ticks or {}
        for cid, m in sim.markets.items():
            m.bids.clear()
            m.asks.clear()
            m.contiguous = False
            start = first.get(cid, m.last_ticks)
            m.last_ticks = m.open_ticks = m.high_ticks = m.low_ticks = start
            m.prev_close_ticks = start
        return sim

    @property
    def step_listeners(self) -> list[StepListener]:
        """The step listeners, in registration order (a replay feeder calls them)."""
        return self._step_listeners

    def attach_player(self, player: MarketPlayer) -> None:
        """Let ``player`` produce the market's steps instead of the synthetic generator (a
        recorded market: :func:`projectx.sim.replay.market_from_recording`)."""
        self._player = player

    def apply_replayed_trade(
        self, m: ContractMarket, ts_ns: int, ts: str, ticks: int, volume: int, kind: int
    ) -> None:
        """A recorded trade of ``m``'s contract: update the market, publish it, notify."""
        cid = m.contract_id
        m.last_ticks = ticks
        m.high_ticks = max(m.high_ticks, ticks)
        m.low_ticks = min(m.low_ticks, ticks)
        m.session_volume += volume
        px = m.spec.price(ticks)
        item = {"symbolId": m.symbol_id, "price": px, "timestamp": ts, "type": kind}
        item["volume"] = volume
        self._pending.append(("GatewayTrade", cid, [item]))
        self.history.record(cid, ts_ns, ticks, volume)
        self.steps += 1
        for cb in self._trade_listeners:
            cb(cid, ts_ns, px, volume)
        for scb in self._step_listeners:
            scb(cid, ts_ns, ticks, volume)

    def notify_step(self, contract_id: str, ts_ns: int) -> None:
        """A book-only step of ``contract_id``: let the step listeners re-check orders."""
        self.steps += 1
        for scb in self._step_listeners:
            scb(contract_id, ts_ns, -1, 0)

    # ------------------------------------------------------------------ driving
    def sync(self, until_ns: int) -> None:
        """Generate every step due at or before ``until_ns`` into the pending buffer."""
        if self._player is not None:
            self._player.play(self, until_ns, self._pending)
            if until_ns > self.synced_ns:
                self.synced_ns = until_ns
            return
        heap = self._heap
        if not heap or heap[0][0] > until_ns:
            if until_ns > self.synced_ns:
                self.synced_ns = until_ns
            return
        markets = list(self.markets.values())
        ids = self._ids
        pending = self._pending
        record = self.history.record
        trade_listeners = self._trade_listeners
        step_listeners = self._step_listeners
        while heap and heap[0][0] <= until_ns:
            ts_ns, i = heap[0]
            m = markets[i]
            ticks, vol = m.step(ts_ns, pending)
            self.steps += 1
            cid = ids[i]
            if ticks >= 0:
                record(cid, ts_ns, ticks, vol)
                if trade_listeners:
                    px = m.spec.price(ticks)
                    for cb in trade_listeners:
                        cb(cid, ts_ns, px, vol)
            for scb in step_listeners:
                scb(cid, ts_ns, ticks, vol)
            m.next_ns = m._next_arrival(ts_ns)
            heapq.heapreplace(heap, (m.next_ns, i))
        if until_ns > self.synced_ns:
            self.synced_ns = until_ns

    def advance(self, until_ns: int) -> list[MarketEvent]:
        """Generate everything due up to ``until_ns``; return and clear the pending events.

        Events are ``(target, contract_id, data)`` with target ``GatewayQuote`` (one dict),
        ``GatewayTrade`` or ``GatewayDepth`` (lists of dicts), in time order.
        """
        self.sync(until_ns)
        out, self._pending = self._pending, []
        return out

    # ----------------------------------------------------------- scenario hooks
    def set_book(
        self,
        contract_id: str,
        *,
        bid: float,
        ask: float,
        sizes: int | Iterable[int] = 10,
        last: float | None = None,
    ) -> None:
        """Scenario/test hook: rebuild the book of ``contract_id`` at the clock's time.

        ``levels`` contiguous levels each side from ``bid`` down and ``ask`` up; ``sizes`` is one
        size for every level or a best-first list (the last value repeats). Publishes a depth
        snapshot (Reset + levels) and a quote, then lets listeners re-check resting orders.
        """
        m = self.markets[contract_id]
        spec = m.spec
        bb, ba = spec.to_ticks(bid), spec.to_ticks(ask)
        if bb >= ba:
            raise ValueError(f"bid {bid} must be below ask {ask}")
        seq = [sizes] * m.levels if isinstance(sizes, int) else list(sizes)
        if not seq or any(s <= 0 for s in seq):
            raise ValueError("sizes must be positive")
        seq = (seq + [seq[-1]] * m.levels)[: m.levels]
        now = self.clock.now_ns()
        now -= now % NS_PER_US
        self.sync(now)
        m.bb, m.ba = bb, ba
        m.bids = {bb - i: seq[i] for i in range(m.levels)}
        m.asks = {ba + i: seq[i] for i in range(m.levels)}
        if last is not None:
            m.last_ticks = spec.to_ticks(last)
        m.last_ns = max(m.last_ns, now)
        self._pending.append(("GatewayDepth", contract_id, m.depth_snapshot()))
        self._pending.append(("GatewayQuote", contract_id, m.full_quote()))
        for scb in self._step_listeners:
            scb(contract_id, now, -1, 0)

    def print_trade(
        self, contract_id: str, price: float, volume: int, *, aggressor: int = 0
    ) -> None:
        """Scenario/test hook: a market trade at ``price`` now (need not be at the book).

        Recorded in the history (so bars see it), published as GatewayTrade + GatewayQuote, and
        passed to the trade and step listeners (so stops and limits react).
        """
        if volume <= 0:
            raise ValueError("volume must be > 0")
        m = self.markets[contract_id]
        ticks = m.spec.to_ticks(price)
        now = self.clock.now_ns()
        now -= now % NS_PER_US
        self.sync(now)
        ts = format_ts(now)
        m.last_ticks = ticks
        m.high_ticks = max(m.high_ticks, ticks)
        m.low_ticks = min(m.low_ticks, ticks)
        m.session_volume += volume
        m.last_ns = max(m.last_ns, now)
        item = {
            "symbolId": m.symbol_id,
            "price": m.spec.price(ticks),
            "timestamp": ts,
            "type": int(aggressor),
            "volume": int(volume),
        }
        self._pending.append(("GatewayTrade", contract_id, [item]))
        self._pending.append(("GatewayQuote", contract_id, m._quote(ts)))
        self.history.record(contract_id, now, ticks, int(volume))
        for cb in self._trade_listeners:
            cb(contract_id, now, m.spec.price(ticks), int(volume))
        for scb in self._step_listeners:
            scb(contract_id, now, ticks, int(volume))

    # ---------------------------------------------------------------- accessors
    def market(self, contract_id: str) -> ContractMarket:
        """The per-contract state; ``KeyError`` for an unknown contract."""
        return self.markets[contract_id]

    def depth_snapshot(self, contract_id: str) -> list[dict[str, Any]]:
        """On-subscribe depth batch: ``[Reset, all bids (type 2), all asks (type 1)]``."""
        return self.markets[contract_id].depth_snapshot()

    def full_quote(self, contract_id: str) -> dict[str, Any]:
        """On-subscribe quote: every field of §7.7.2."""
        return self.markets[contract_id].full_quote()

    def last_price(self, contract_id: str) -> float | None:
        """Last trade price (the start price until the first simulated trade)."""
        m = self.markets[contract_id]
        return m.spec.price(m.last_ticks)

    def best_bid(self, contract_id: str) -> float | None:
        """Best bid price."""
        m = self.markets[contract_id]
        return m.spec.price(m.bb) if m.bids else None

    def best_ask(self, contract_id: str) -> float | None:
        """Best ask price."""
        m = self.markets[contract_id]
        return m.spec.price(m.ba) if m.asks else None

    def book_levels(self, contract_id: str, side: int) -> list[tuple[float, int]]:
        """``[(price, size), ...]`` best first; side 0 = bids, 1 = asks."""
        m = self.markets[contract_id]
        return [(m.spec.price(t), s) for t, s in m.levels_ticks(side)]
