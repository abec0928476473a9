"""The replay runner: a strategy, a recording, the simulator's matching engine, a simulated clock.

How it works
------------
* An in-process simulator is built on a :class:`~projectx.sim.clock.ManualClock` set to the
  recording's first message: its market holds no synthetic data (``MarketSimulator.for_replay``)
  and its exchange matches the strategy's orders. It serves REST and the user hub on 127.0.0.1
  exactly as in a live run; the market hub stays silent.
* A normal :class:`~projectx.suite.TradingSuite` connects to it (no warm-up history: the
  recording is the history), then the strategy's ``setup`` runs.
* The recorded messages (rebuilt as SignalR records, :mod:`projectx.replay.source`) are fed to the
  suite's native feed and market dispatcher directly: the same code path as a hub message, minus
  the socket. The engine's market is moved to the same point first, and the ManualClock to the
  messages' time.
* Messages go in chunks that end exactly where the strategy could act: at the message that closes
  a bar (predicted from the bar engines' ``next_close_ns``), before a simulated-clock deadline, and
  one message at a time while an order is working or when the strategy listens to per-message
  events (``TRADE_TICK``, ``QUOTE_UPDATE``, ``MARKET_DEPTH_UPDATE``, ``DATA_UPDATE``). Without
  working orders the engine's market takes a chunk in a few vectorised steps; with one, every
  trade is an engine step the exchange matches against.
* After a chunk that produced events, the runner *settles*: it yields to the event loop until
  the event bus's async handlers are idle, no REST call is in flight and every user-hub event the
  exchange emitted has reached the client (or the remaining work waits on the simulated clock).
  Only then does the market move on, so a strategy's order placed on a bar close is matched
  against the market as it was at that close, whatever the machine's speed.

Limits (honest): the simulated clock moves with the data only; wall-clock waits inside a strategy
(``asyncio.sleep``, ``suite.wait_for``) do not advance it and stall the settle step until they
end (bounded by ``settle_timeout``, counted in ``summary.settle_timeouts``). Sleeps still pending
when the recording ends are cancelled after ``teardown``. Orders never move the recorded market
(no market impact), as in the simulator. A trades-only recording (or bars) has no book: market
orders fill at the last trade price, resting limits at their limit when a trade reaches them (at
most that trade's volume), stops at the trade price that triggered them
(:class:`projectx.sim.replay.ArrayFeeder`).
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import polars as pl

from projectx.client import ProjectX
from projectx.config import ProjectXConfig
from projectx.events import EventType
from projectx.exceptions import ValidationError
from projectx.realtime.client import UserEvent
from projectx.recording.reader import Recording
from projectx.replay.clock import SimulatedClock
from projectx.replay.report import ReplayResult, ReplaySummary, max_drawdown, round_trips
from projectx.replay.source import ReplayData, prepare
from projectx.sim.clock import ManualClock, parse_ts
from projectx.sim.engine import Engine
from projectx.sim.exchange import Exchange
from projectx.sim.hubs import HubConfig
from projectx.sim.market import MarketSimulator
from projectx.sim.ratelimit import RateLimitConfig
from projectx.sim.replay import ArrayFeeder
from projectx.sim.simulator import Simulator
from projectx.strategy import Strategy, load_strategy

__all__ = ["ReplayProgress", "ReplayRunner", "replay"]

log = logging.getLogger(__name__)

_NS = 1_000_000_000
_ACCOUNT_ID = 9001
_PER_RECORD_EVENTS = (
    EventType.TRADE_TICK,
    EventType.QUOTE_UPDATE,
    EventType.MARKET_DEPTH_UPDATE,
    EventType.DATA_UPDATE,
)


@dataclass(frozen=True, slots=True)
class ReplayProgress:
    """A progress snapshot (passed to the ``progress`` callback)."""

    records: int
    total: int
    wall_s: float
    market_s: float  #: simulated seconds replayed so far

    @property
    def records_per_s(self) -> float:
        """Messages per wall second so far."""
        return self.records / self.wall_s if self.wall_s > 0 else 0.0

    @property
    def market_per_wall(self) -> float:
        """Simulated seconds per wall second so far."""
        return self.market_s / self.wall_s if self.wall_s > 0 else 0.0


class _InFlight:
    """A request hook counting the suite's REST calls in flight (the settle step waits for them)."""

    def __init__(self) -> None:
        self.count = 0

    def on_request(self, endpoint: str) -> None:
        """One more call in flight."""
        self.count += 1

    def on_response(self, endpoint: str, status: int | None) -> None:
        """One call fewer in flight."""
        self.count -= 1


def _bus_busy(bus: Any) -> bool:
    """Any async handler with queued events or still running."""
    return bool(bus.busy)


class ReplayRunner:
    """One replay (see the module docstring); :func:`replay` is the convenient entry point."""

    def __init__(
        self,
        data: ReplayData,
        strategy: Strategy,
        *,
        timeframes: Sequence[str],
        balance: float = 50_000.0,
        features: Sequence[str] = ("orderbook",),
        settle_timeout: float = 10.0,
        progress: Callable[[ReplayProgress], None] | None = None,
        progress_interval: float = 0.25,
    ) -> None:
        if not timeframes:
            raise ValidationError("at least one timeframe is needed")
        if balance <= 0:
            raise ValidationError(f"balance must be > 0, got {balance}")
        if settle_timeout <= 0:
            raise ValidationError(f"settle_timeout must be > 0, got {settle_timeout}")
        self.data = data
        self.strategy = strategy
        self.timeframes = list(timeframes)
        self.balance = float(balance)
        self.features = tuple(features)
        self.settle_timeout = settle_timeout
        self.progress = progress
        self.progress_interval = progress_interval
        start = int(data.rec_ts.min()) if data.n_records else 0
        start -= start % 1000
        self.manual = ManualClock(start)
        self.clock = SimulatedClock(self.manual)
        self.market = MarketSimulator.for_replay(
            data.specs, clock=self.manual, first_ticks=data.first_ticks
        )
        self.exchange = Exchange(self.market, self.manual)
        self.feeder = ArrayFeeder(self.market, data.touch_only)
        self.engine = Engine(
            clock=self.manual,
            market=self.market,
            exchange=self.exchange,
            contract_ids=[s.id for s in data.specs],
        )
        self.sim: Simulator | None = None
        self.suite: Any = None
        self.client: ProjectX | None = None
        self._calls = _InFlight()
        self.user_expected = 0
        self.user_received = 0
        self.settle_timeouts = 0
        self.settles = 0
        self._equity_ts: list[int] = []
        self._equity: list[float] = []
        self.records_done = 0
        self.wall_s = 0.0
        self.loop_s = 0.0
        self._has_depth = bool(np.any(data.rec_event == 1))

    # -- set-up ---------------------------------------------------------------------------------
    async def _start(self) -> None:
        from projectx.suite import TradingSuite

        accounts = (
            {
                "id": _ACCOUNT_ID,
                "name": "REPLAY",
                "balance": self.balance,
                "canTrade": True,
                "isVisible": True,
                "simulated": True,
            },
        )
        self.sim = Simulator(
            engine=self.engine,
            accounts=accounts,
            rate_limits=RateLimitConfig(enabled=False),
            hub=HubConfig(depth_snapshot=False, quote_snapshot=False, keepalive_s=None),
        )
        self.exchange.add_user_event_listener(self._on_exchange_event)
        await self.sim.start_server()
        config = ProjectXConfig.for_simulator(
            self.sim,
            account_name="REPLAY",
            general_limit=1_000_000,
            bars_limit=1_000_000,
        )
        self.client = ProjectX(config)
        self.client.add_request_hook(self._calls)
        await self.client.connect()
        suite = TradingSuite(
            self.data.symbols,
            timeframes=self.timeframes,
            features=self.features,
            initial_days=0,
            client=self.client,
            stale_after=None,
        )
        self.suite = suite
        await suite.connect()
        assert suite.realtime is not None
        suite.realtime.on_user_event(self._on_client_event)
        for ctx in suite.contexts.values():
            # the recording is the whole history: no coverage gap to repair from REST
            ctx.data.clear_gaps()
        suite.clock = self.clock

    def _on_exchange_event(self, target: str, account_id: int, argument: Any) -> None:
        self.user_expected += 1

    def _on_client_event(self, event: UserEvent) -> None:
        self.user_received += 1

    async def _stop(self) -> None:
        if self.suite is not None:
            await self.suite.disconnect()
        if self.client is not None:
            await self.client.close()
        if self.sim is not None:
            await self.sim.close()

    # -- settle ---------------------------------------------------------------------------------
    async def _settle(self) -> None:
        """Yield until the strategy's reaction to what was just fed is complete."""
        self.settles += 1
        bus = self.suite.bus
        client = self.client
        assert client is not None
        clock = self.clock
        started = time.monotonic()
        previous: tuple[int, ...] | None = None
        stable = 0
        while True:
            await asyncio.sleep(0)
            fingerprint = (
                bus.emitted,
                client.stats.requests,
                self._calls.count,
                self.user_expected,
                self.user_received,
                len(clock._timers),
            )
            delivering = self._calls.count > 0 or self.user_received < self.user_expected
            busy = delivering or _bus_busy(bus)
            if fingerprint == previous:
                stable += 1
                if not busy and stable >= 3:
                    return
                if not delivering and clock.pending and stable >= 20:
                    return  # what is left waits on the simulated clock
            else:
                stable = 0
            previous = fingerprint
            if delivering and stable > 50:
                await asyncio.sleep(0.0005)  # a socket round trip: let the loop poll
            if time.monotonic() - started > self.settle_timeout:
                self.settle_timeouts += 1
                log.warning(
                    "replay: strategy work did not settle within %.1f s (wall-clock wait?)",
                    self.settle_timeout,
                )
                return

    # -- equity ---------------------------------------------------------------------------------
    def _equity_now(self) -> float:
        acct = self.exchange.accounts[_ACCOUNT_ID]
        value = float(acct.balance)
        for (account_id, cid), pos in self.exchange.positions.items():
            if account_id != _ACCOUNT_ID or not pos.size:
                continue
            spec = pos.spec
            m = self.market.markets.get(cid)
            if m is None:
                continue
            diff_ticks = (m.last_ticks * pos.avg_den - pos.avg_num) / pos.avg_den
            value += diff_ticks * pos.size * spec.tick_value
        return round(value, 2)

    def _sample(self, ts_ns: int) -> None:
        self._equity_ts.append(ts_ns)
        self._equity.append(self._equity_now())

    # -- main loop ------------------------------------------------------------------------------
    def _working(self) -> bool:
        return self.exchange.has_working_orders()

    def _per_record(self) -> bool:
        bus = self.suite.bus
        return any(bus.wants(e) for e in _PER_RECORD_EVENTS)

    def _apply_engine(self, pos: int, end: int, step: bool) -> None:
        d = self.data
        feeder = self.feeder
        ids = [s.id for s in d.specs]
        if step:
            # one market step (records of one contract and one time): the book changes first,
            # then the exchange matches against each trade (or once if there was none), as the
            # simulator does for a step of its own market
            cid = ids[int(d.rec_cidx[pos])]
            ts = int(d.rec_ts[pos])
            self.clock.advance_to(ts)
            depth = [k for k in range(pos, end) if d.rec_event[k] == 1]
            trades = [k for k in range(pos, end) if d.rec_event[k] == 0]
            for i, k in enumerate(depth):
                a, b = int(d.rec_row0[k]), int(d.rec_row1[k])
                feeder.depth(
                    cid,
                    ts,
                    d.row_type[a:b],
                    d.row_ticks[a:b],
                    d.row_volume[a:b],
                    step=not trades and i == len(depth) - 1,
                )
            for k in trades:
                a, b = int(d.rec_row0[k]), int(d.rec_row1[k])
                feeder.trades(cid, d.row_ts[a:b], d.row_ticks[a:b], d.row_volume[a:b], step=True)
            return
        r0, r1 = int(d.rec_row0[pos]), int(d.rec_row1[end - 1])
        ev = d.row_event[r0:r1]
        if len(ids) == 1 and not self._has_depth:
            trade_rows = ev == 0
            if trade_rows.all():
                feeder.trades(
                    ids[0], d.row_ts[r0:r1], d.row_ticks[r0:r1], d.row_volume[r0:r1], step=False
                )
            else:
                feeder.trades(
                    ids[0],
                    d.row_ts[r0:r1][trade_rows],
                    d.row_ticks[r0:r1][trade_rows],
                    d.row_volume[r0:r1][trade_rows],
                    step=False,
                )
            return
        cidx = d.row_cidx[r0:r1]
        for c, cid in enumerate(ids):
            m = (ev == 0) & (cidx == c)
            if m.any():
                feeder.trades(
                    cid,
                    d.row_ts[r0:r1][m],
                    d.row_ticks[r0:r1][m],
                    d.row_volume[r0:r1][m],
                    step=False,
                )
        if self._has_depth:
            for k in np.flatnonzero(d.rec_event[pos:end] == 1).tolist():
                k += pos
                a, b = int(d.rec_row0[k]), int(d.rec_row1[k])
                feeder.depth(
                    ids[int(d.rec_cidx[k])],
                    int(d.rec_ts[k]),
                    d.row_type[a:b],
                    d.row_ticks[a:b],
                    d.row_volume[a:b],
                    step=False,
                )

    async def run(self) -> ReplayResult:
        """Set up, play every message, tear down; return the result."""
        started = time.monotonic()
        try:
            await self._start()
            await self.strategy.setup(self.suite, self.clock)
            await self._settle()
            self._sample(self.clock.now_ns())
            loop_started = time.monotonic()
            await self._loop()
            self.loop_s = time.monotonic() - loop_started
            await self.strategy.teardown(self.suite)
            await self._settle()
            for _, _, fut in self.clock._timers:
                fut.cancel()
            await asyncio.sleep(0)
            self._sample(self.clock.now_ns())
            self.wall_s = time.monotonic() - started
            return self._result()
        finally:
            await self._stop()

    async def _loop(self) -> None:
        d = self.data
        n = d.n_records
        if n == 0:
            return
        suite = self.suite
        feed = suite.feed
        on_native = suite.dispatcher.on_native
        bus = suite.bus
        clock = self.clock
        wire = d.wire
        off = d.rec_off
        mono = np.maximum.accumulate(d.rec_ts)
        ids = [s.id for s in d.specs]
        engines = [feed.bars(cid) for cid in ids]
        tfs = self.timeframes
        trade_idx = [
            np.flatnonzero((d.rec_event == 0) & (d.rec_cidx == c)) for c in range(len(ids))
        ]
        trade_ts = [mono[idx] for idx in trade_idx]
        span = int(mono[-1] - mono[0])
        sample_every = max(_NS, span // 5000)
        next_sample = int(mono[0]) + sample_every
        last_report = time.monotonic()
        t0 = last_report
        start_ns = int(mono[0])
        exchange_fills = self._fill_count()
        pos = 0
        while pos < n:
            deadline = clock.next_deadline()
            if deadline is not None and mono[pos] > deadline:
                clock.fire_due(deadline)
                await self._settle()
                continue
            if self._working() or self._per_record():
                end = pos + 1
                ts, c = d.rec_ts[pos], d.rec_cidx[pos]
                while end < n and d.rec_ts[end] == ts and d.rec_cidx[end] == c:
                    end += 1
                step = True
            else:
                step = False
                end = n
                for c, eng in enumerate(engines):
                    idx = trade_idx[c]
                    k0 = int(np.searchsorted(idx, pos))
                    if k0 >= len(idx):
                        continue
                    nc: int | None = None
                    if eng is not None:
                        for tf in tfs:
                            v = eng.next_close_ns(tf)
                            if v is not None and (nc is None or v < nc):
                                nc = v
                    k = k0 if nc is None else k0 + int(np.searchsorted(trade_ts[c][k0:], nc))
                    if k < len(idx):
                        end = min(end, int(idx[k]) + 1)
                if deadline is not None:
                    end = min(end, max(pos + 1, int(np.searchsorted(mono, deadline, "right"))))
                # messages stamped with the same time as the chunk's last one happened together
                # (one market step): the strategy sees the market after all of them
                last = d.rec_ts[end - 1]
                while end < n and d.rec_ts[end] == last:
                    end += 1
            self.clock.advance_to(int(mono[end - 1]) if not step else int(mono[pos]))
            self._apply_engine(pos, end, step)
            emitted = bus.emitted
            user = self.user_expected
            nrec = feed.feed(wire[off[pos] : off[end]])
            native = nrec - len(feed.others)
            if native:
                on_native(feed, native)
            pos = end
            self.records_done = pos
            if bus.emitted != emitted or self.user_expected != user or self.client_busy():
                await self._settle()
            fills = self._fill_count()
            now = int(mono[pos - 1])
            if fills != exchange_fills or now >= next_sample:
                exchange_fills = fills
                self._sample(now)
                while next_sample <= now:
                    next_sample += sample_every
            if self.progress is not None:
                wall = time.monotonic()
                if wall - last_report >= self.progress_interval:
                    last_report = wall
                    self.progress(ReplayProgress(pos, n, wall - t0, (now - start_ns) / _NS))
        if self.progress is not None:
            wall = time.monotonic()
            self.progress(ReplayProgress(n, n, wall - t0, (int(mono[-1]) - start_ns) / _NS))

    def client_busy(self) -> bool:
        """REST calls in flight (a strategy task started one during the last chunk)."""
        return self.client is not None and self._calls.count > 0

    def _fill_count(self) -> int:
        return self.exchange.account_trade_count(_ACCOUNT_ID)

    # -- result ---------------------------------------------------------------------------------
    def _result(self) -> ReplayResult:
        d = self.data
        trades = [t for _, t in self.exchange.account_trades(_ACCOUNT_ID)]
        fills = pl.DataFrame(
            {
                "ts_ns": [parse_ts(t["creationTimestamp"]) for t in trades],
                "trade_id": [int(t["id"]) for t in trades],
                "order_id": [int(t["orderId"]) for t in trades],
                "contract_id": [str(t["contractId"]) for t in trades],
                "side": [int(t["side"]) for t in trades],
                "size": [int(t["size"]) for t in trades],
                "price": [float(t["price"]) for t in trades],
                "pnl": [t["profitAndLoss"] for t in trades],
                "fees": [float(t["fees"]) for t in trades],
            },
            schema={
                "ts_ns": pl.Int64,
                "trade_id": pl.Int64,
                "order_id": pl.Int64,
                "contract_id": pl.Utf8,
                "side": pl.Int8,
                "size": pl.Int64,
                "price": pl.Float64,
                "pnl": pl.Float64,
                "fees": pl.Float64,
            },
        )
        point = {s.id: s.tick_value / s.tick_size for s in d.specs}
        rt = round_trips(fills, point)
        equity = pl.DataFrame(
            {"ts_ns": self._equity_ts, "equity": self._equity},
            schema={"ts_ns": pl.Int64, "equity": pl.Float64},
        )
        gross = round(float(fills["pnl"].fill_null(0.0).sum()), 2)
        fees = round(float(fills["fees"].sum()), 2)
        end_balance = float(self.exchange.accounts[_ACCOUNT_ID].balance)
        open_pos = sum(
            pos.size for (a, _), pos in self.exchange.positions.items() if a == _ACCOUNT_ID
        )
        summary = ReplaySummary(
            strategy=self.strategy.name,
            symbols=list(d.symbols),
            timeframes=list(self.timeframes),
            records=self.records_done,
            rows=int(d.rec_row1[self.records_done - 1]) if self.records_done else 0,
            start_ns=int(d.rec_ts.min()) if d.n_records else 0,
            end_ns=int(d.rec_ts.max()) if d.n_records else 0,
            wall_s=self.wall_s,
            loop_s=self.loop_s,
            fills=fills.height,
            round_trips=rt.height,
            winners=int((rt["pnl"] > 0).sum()),
            gross_pnl=gross,
            fees=fees,
            net_pnl=round(end_balance - self.balance, 2),
            start_balance=self.balance,
            end_balance=end_balance,
            max_drawdown=max_drawdown(self._equity),
            open_position=int(open_pos),
            settle_timeouts=self.settle_timeouts,
        )
        return ReplayResult(summary, fills, rt, equity)


async def replay(
    recording: Recording | pl.DataFrame | str | os.PathLike[str] | ReplayData,
    strategy: Strategy | str | os.PathLike[str] | ModuleType,
    *,
    timeframes: Sequence[str] | None = None,
    symbols: Sequence[str] | None = None,
    balance: float = 50_000.0,
    out_dir: str | os.PathLike[str] | None = None,
    chart: bool = True,
    progress: Callable[[ReplayProgress], None] | None = None,
    settle_timeout: float = 10.0,
    features: Sequence[str] | None = None,
) -> ReplayResult:
    """Run ``strategy`` over ``recording`` through the simulator's matching engine.

    ``recording``: a recording directory or Parquet file, a loaded
    :class:`~projectx.recording.Recording`, a DataFrame in the recording format (for example
    from :func:`~projectx.replay.source.bars_to_trades`), or prepared :class:`ReplayData`.
    ``strategy``: a strategy file path, module name, module or :class:`Strategy` (contract:
    :mod:`projectx.strategy`). ``timeframes``/``symbols`` default to the strategy's
    ``TIMEFRAMES``/``SYMBOLS``, then to ``["1min"]`` and every recorded contract; ``features``
    (suite features) to the strategy's ``FEATURES``, then to ``["orderbook"]``. With
    ``out_dir`` the fills, round trips, equity curve, summary and chart are written there.
    """
    strat = load_strategy(strategy if not isinstance(strategy, os.PathLike) else str(strategy))
    syms = list(symbols) if symbols else (list(strat.symbols) if strat.symbols else None)
    data = recording if isinstance(recording, ReplayData) else prepare(recording, symbols=syms)
    tfs = list(timeframes) if timeframes else list(strat.timeframes or ("1min",))
    runner = ReplayRunner(
        data,
        strat,
        timeframes=tfs,
        balance=balance,
        features=features
        if features is not None
        else (strat.features if strat.features is not None else ("orderbook",)),
        settle_timeout=settle_timeout,
        progress=progress,
    )
    result = await runner.run()
    if out_dir is not None:
        result.write(Path(out_dir), chart=chart)
    return result
