"""``RealtimeDataManager``: live multi-timeframe bars of one instrument over the native engine.

Bars are built natively from every trade (``projectx._native.bars``); this class owns the warm-up
from REST, the NEW_BAR events, and the repair of bars that overlap a coverage gap (the warm-up
boundary and every market-hub reconnect): such bars are re-fetched from REST when they close and
spliced into the ring, never filled with synthetic bars. Their NEW_BAR is emitted after the
repair (flag ``repaired``), keeping NEW_BAR order per timeframe; every other NEW_BAR is emitted
synchronously while the closing trade's message is processed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

from projectx._native.bars import Bar, BarEngine
from projectx._native.feed import MarketFeed
from projectx._native.latency import LatencyHistogram
from projectx.circuit import CircuitBreakerOpenError
from projectx.data import queries
from projectx.data.history import fetch_bars
from projectx.data.live_indicator import LiveIndicator
from projectx.data.splice import splice_closed
from projectx.events import EventBus, EventType
from projectx.exceptions import ValidationError
from projectx.sessions import Session, filter_session
from projectx.timeframes import Timeframe, calendar_period, parse_timeframe
from projectx.validation import check_aware, check_price, check_size

if TYPE_CHECKING:
    from projectx.client import ProjectX
    from projectx.models import Contract

__all__ = ["RealtimeDataManager"]

log = logging.getLogger(__name__)

_NS = 1_000_000_000
REPAIR_ATTEMPTS = 9
"""REST attempts for one gap repair (backoff 0.25 s doubling, capped at 5 s: ~24 s in all)."""
REPAIR_DEADLINE_S = 120.0
"""How long a gap's repair may wait for the REST circuit breaker to close again (waiting out an
open circuit is not an attempt: nothing was sent)."""


@dataclass(slots=True)
class _Gap:
    """Bars of one timeframe with open time in ``[from_ns, until_ns]`` may miss trades."""

    from_ns: int
    until_ns: int
    held: list[Bar] = field(default_factory=list)
    task: asyncio.Task[None] | None = None
    followup: _Gap | None = None
    """A gap that opened while this one's repair was in flight (repaired after it)."""
    open: bool = False
    """Trades are not flowing again yet (reconnected, not re-subscribed): no repair starts."""


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class RealtimeDataManager:
    """Live bars for one contract: warm-up, NEW_BAR, gap repair, read helpers."""

    def __init__(
        self,
        client: ProjectX,
        bus: EventBus,
        feed: MarketFeed,
        contract: Contract,
        timeframes: Sequence[str],
        *,
        symbol: str | None = None,
        bar_capacity: int = 10_000,
        book: bool = True,
    ) -> None:
        if not timeframes:
            raise ValidationError("at least one timeframe is needed")
        self.timeframes: tuple[Timeframe, ...] = tuple(parse_timeframe(t) for t in timeframes)
        names = [tf.name for tf in self.timeframes]
        if len(set(names)) != len(names):
            raise ValidationError(f"duplicate timeframes in {list(timeframes)!r}")
        self.client = client
        self.bus = bus
        self.feed = feed
        self.contract = contract
        self.contract_id = contract.id
        self.symbol = symbol or contract.name or contract.id
        self.tick_size = float(contract.tick_size or 0.25)
        #: the contract's index in the feed (bar closes are reported by it)
        self.contract_index: int = feed.add_contract(
            contract.id, self.tick_size, names, bar_capacity=bar_capacity, book=book
        )
        engine = feed.bars(contract.id)
        assert engine is not None
        self.engine: BarEngine = engine
        self._by_name = {tf.name: tf for tf in self.timeframes}
        self._gaps: dict[str, _Gap] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self.new_bar_age = LatencyHistogram(f"{self.symbol}.new_bar_age")
        self.bars_emitted = 0
        self.bars_repaired = 0
        self.repair_failures = 0
        #: live bars a repair kept because the REST answer did not have them
        self.repair_kept_live = 0
        self.warmup_bars: dict[str, int] = {}
        #: the latest repairs: ``(timeframe, from_ns, to_ns, bars from REST)`` (bounded)
        self.repairs: deque[tuple[str, int, int, int]] = deque(maxlen=64)
        self._indicators: dict[str, list[LiveIndicator]] = {}
        self._route: Callable[[int], None] | None = None

    def __repr__(self) -> str:
        return (
            f"RealtimeDataManager({self.symbol!r}, timeframes={[t.name for t in self.timeframes]})"
        )

    # -- lifecycle ----------------------------------------------------------------------------
    async def initialize(self, initial_days: float = 1.0) -> None:
        """Load ``initial_days`` of history for every timeframe (call before subscribing).

        The bar forming now is loaded too (``includePartialBar``) and live trades continue it;
        it and anything else before the subscription is repaired from REST when it closes.
        """
        if initial_days < 0:
            raise ValidationError("initial_days must be >= 0")
        now_ns = time.time_ns()
        start_ns = now_ns - int(initial_days * 86_400 * _NS)
        for tf in self.timeframes:
            first_ns = start_ns
            if tf.is_calendar:  # at least the current period, so the forming bar is complete
                first_ns = min(start_ns, now_ns - 35 * 86_400 * _NS) if initial_days else now_ns
            bars = (
                await fetch_bars(
                    self.client, self.contract, tf, first_ns, now_ns + 1, include_partial=True
                )
                if initial_days > 0
                else None
            )
            if bars is not None and len(bars["ts_ns"]):
                self.engine.load_bars(
                    tf.name,
                    bars["ts_ns"],
                    bars["open"],
                    bars["high"],
                    bars["low"],
                    bars["close"],
                    bars["volume"],
                )
                self.warmup_bars[tf.name] = len(bars["ts_ns"])
                gap_from = int(bars["ts_ns"][-1])
                reference = float(bars["close"][-1])
                if reference > 0 and math.isfinite(reference):
                    # the feed's band starts from the market as history left it
                    self.feed.set_reference_price(self.contract_id, reference)
            else:
                self.warmup_bars[tf.name] = 0
                gap_from = _period_label(tf, now_ns)
            self._gaps[tf.name] = _Gap(gap_from, now_ns)

    def mark_subscribed(self) -> None:
        """Live data flows from now on: bars opened before this instant need repair."""
        now_ns = time.time_ns()
        for tf in self.timeframes:
            gap = self._gaps.get(tf.name)
            if gap is None:
                self._gaps[tf.name] = _Gap(_period_label(tf, now_ns), now_ns)
            else:
                gap.until_ns = max(gap.until_ns, now_ns)

    def clear_gaps(self) -> None:
        """Forget pending coverage gaps (the caller guarantees every trade was fed, e.g. a
        replay feeding a whole recording)."""
        self._gaps.clear()

    def mark_gap(self, last_seen_ns: int) -> None:
        """The market hub reconnected: bars from the one holding ``last_seen_ns`` on miss
        trades until :meth:`mark_resubscribed`; they are re-fetched once the bar in which
        trades flowed again has closed."""
        now_ns = time.time_ns()
        for tf in self.timeframes:
            forming = self.engine.forming(tf.name)
            start = forming.ts_ns if forming is not None else last_seen_ns
            gap = self._gaps.get(tf.name)
            if gap is None:
                self._gaps[tf.name] = _Gap(start, now_ns, open=True)
                continue
            if gap.task is not None:  # its repair is fetching already: queue a second one
                if gap.followup is None:
                    gap.followup = _Gap(start, now_ns, open=True)
                    continue
                gap = gap.followup
            gap.from_ns = min(gap.from_ns, start)
            gap.until_ns = max(gap.until_ns, now_ns)
            gap.open = True

    def mark_resubscribed(self) -> None:
        """The market hub restored its subscriptions: trades flow again from now on, so the
        latest gap ends now (its repair starts once the bar holding this instant closes)."""
        now_ns = time.time_ns()
        for name, current in list(self._gaps.items()):
            gap = current.followup if current.followup is not None else current
            if not gap.open:
                continue
            gap.open = False
            gap.until_ns = max(gap.until_ns, now_ns)
            if gap is current:
                self._maybe_repair(name, gap)

    async def close(self) -> None:
        """Cancel pending repairs."""
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    # -- live path (called by the suite's market dispatcher) ----------------------------------
    def attach_router(self, route: Callable[[int], None]) -> None:
        """``route(n)`` handles the feed's last message of ``n`` records (the suite's market
        dispatcher registers itself here, so :meth:`process_tick` reaches every listener)."""
        self._route = route

    def process_tick(
        self,
        price: float,
        volume: int = 1,
        *,
        timestamp: datetime | None = None,
        side: int = 0,
    ) -> bool:
        """Apply one trade of this contract as if the market hub had delivered it.

        It goes through the native feed's guard (the same checks as a wire trade: on the tick
        grid, within the band, not too far in the past or the future), updates the bars and the
        tape, and, inside a suite, reaches every listener (NEW_BAR, TRADE_TICK, P&L). Returns
        True when the trade was applied, False when the guard refused or held it (counted and
        reported like a wire record). ``timestamp`` defaults to now; ``side`` is the
        ``TradeLogType`` (0 buy, 1 sell). Bad arguments raise :class:`ValidationError`.
        """
        px = check_price(price, "price", self.contract)
        size = check_size(volume, "volume")
        if isinstance(side, bool) or side not in (0, 1):
            raise ValidationError(f"side must be 0 (buy) or 1 (sell), got {side!r}")
        if timestamp is None:  # microseconds, as a wire timestamp carries them
            now_ns = time.time_ns()
            ts_ns = now_ns - now_ns % 1_000
        else:
            moment = check_aware(timestamp, "timestamp")
            ts_ns = (moment - _EPOCH) // timedelta(microseconds=1) * 1_000
        feed = self.feed
        result = feed.apply_trade(self.contract_id, px, size, ts_ns, side)
        applied = result.trades > 0 and not result.anomalies
        if self._route is not None:
            self._route(result.records)
        elif feed.n_closes:
            self.on_closes([mask for idx, mask in feed.closes() if idx == self.contract_index])
        return applied

    def on_closes(self, masks: Sequence[int]) -> None:
        """Bars closed during the last message, as the feed reports them (a mask per closing
        trade, bit i for timeframe i): emit them, or hold them for repair when they overlap a
        coverage gap. A mask naming no timeframe of this manager is refused (``ValidationError``)
        before any bar is emitted."""
        engine = self.engine
        n = len(self.timeframes)
        if any(isinstance(m, bool) or not isinstance(m, int) or not 0 < m < 1 << n for m in masks):
            raise ValidationError(f"close masks must be ints in [1, {(1 << n) - 1}]: {masks!r}")
        counts = [sum(1 for m in masks if m >> i & 1) for i in range(n)]
        for tf, k in zip(self.timeframes, counts, strict=True):
            if not k:
                continue
            name = tf.name
            if k == 1:
                bar = engine.last_closed(name)
                bars = [] if bar is None else [bar]
            else:
                closed = engine.closed(name, k)
                bars = [_bar_at(closed, i) for i in range(len(closed["ts"]))]
            gap = self._gaps.get(name)
            for bar in bars:
                if gap is None or bar.ts_ns < gap.from_ns:
                    self._emit_bar(name, bar, repaired=False)
                else:
                    gap.held.append(bar)
            if gap is not None:
                self._maybe_repair(name, gap)

    def _maybe_repair(self, name: str, gap: _Gap) -> None:
        """Start ``gap``'s repair once every bar it covers has closed."""
        if gap.task is not None or not gap.held or gap.open:
            return
        forming = self.engine.forming(name)
        if forming is None or forming.ts_ns > gap.until_ns:
            gap.task = asyncio.get_running_loop().create_task(
                self._repair(name, gap), name=f"projectx-repair-{self.symbol}-{name}"
            )
            self._tasks.add(gap.task)
            gap.task.add_done_callback(self._tasks.discard)

    def _emit_bar(self, name: str, bar: Bar, *, repaired: bool) -> None:
        self.bars_emitted += 1
        for live in self._indicators.get(name, ()):
            live.on_bar(bar)
        last_ts = self.feed.last_ts_ns
        if last_ts:
            self.new_bar_age.record(time.time_ns() - last_ts)
        if self.bus.wants(EventType.NEW_BAR):
            self.bus.emit(
                EventType.NEW_BAR,
                {
                    "timeframe": name,
                    "bar": bar,
                    "contract_id": self.contract_id,
                    "symbol": self.symbol,
                    "repaired": repaired,
                },
                self.symbol,
            )

    async def _repair(self, name: str, gap: _Gap) -> None:
        """Re-fetch the gap's bars from REST, splice them in, then emit the held NEW_BARs."""
        tf = self._by_name[name]
        forming = self.engine.forming(name)
        to_ns = forming.ts_ns if forming is not None else time.time_ns()
        try:
            attempt = 0
            deadline = time.monotonic() + REPAIR_DEADLINE_S
            while True:
                try:
                    rest = await fetch_bars(self.client, self.contract, tf, gap.from_ns, to_ns)
                    break
                except CircuitBreakerOpenError as exc:
                    # nothing was sent: wait the circuit out (not an attempt), within the deadline
                    if time.monotonic() + exc.retry_after > deadline:
                        raise
                    await asyncio.sleep(max(0.05, exc.retry_after))
                except Exception as exc:  # REST down, 5xx, 429: the Gateway may be restarting
                    attempt += 1
                    if attempt >= REPAIR_ATTEMPTS:
                        raise
                    log.warning("%s %s: bar repair failed (%s), retrying", self.symbol, name, exc)
                    await asyncio.sleep(min(5.0, 0.25 * 2 ** (attempt - 1)))
            ring = self.engine.ring(name)
            _written, kept = splice_closed(ring, rest, gap.from_ns, to_ns)
            if kept:
                self.repair_kept_live += kept
                log.warning(
                    "%s %s: REST lacked %d live bar(s) of the repaired range; kept them",
                    self.symbol,
                    name,
                    kept,
                )
            self.repairs.append((name, gap.from_ns, to_ns, len(rest["ts_ns"])))
            self.bars_repaired += len(rest["ts_ns"])
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self.repair_failures += 1
            log.error("%s %s: bars of a gap could not be repaired: %s", self.symbol, name, exc)
            if self.bus.wants(EventType.ERROR):
                self.bus.emit(
                    EventType.ERROR,
                    {"source": "bar_repair", "timeframe": name, "error": exc},
                    self.symbol,
                )
            rest = None
        finally:
            nxt = gap.followup
            if self._gaps.get(name) is gap:
                if nxt is None:
                    del self._gaps[name]
                else:
                    self._gaps[name] = nxt
        if rest is not None:
            closed = self.engine.closed(name)
            ts = np.asarray(closed["ts"], dtype=np.int64)
            window = (ts >= gap.from_ns) & (ts < to_ns)
            for i in np.flatnonzero(window).tolist():
                self._emit_bar(name, _bar_at(closed, i), repaired=True)
        else:
            for bar in gap.held:
                if bar.ts_ns < to_ns:
                    self._emit_bar(name, bar, repaired=False)
        # bars that closed while the repair was in flight come last, in order — or wait for the
        # next repair when a gap opened meanwhile
        closed = self.engine.closed(name)
        later = np.flatnonzero(np.asarray(closed["ts"], dtype=np.int64) >= to_ns).tolist()
        for i in later:
            bar = _bar_at(closed, i)
            if nxt is not None and bar.ts_ns >= nxt.from_ns:
                nxt.held.append(bar)
            else:
                self._emit_bar(name, bar, repaired=False)
        if nxt is not None:
            self._maybe_repair(name, nxt)

    @property
    def repairing(self) -> bool:
        """True while bars of some timeframe wait for a REST repair."""
        return any(g.task is not None and not g.task.done() for g in self._gaps.values())

    def provisional_from(self, timeframe: str = "1min") -> int | None:
        """Open time (ns) from which ``timeframe``'s closed bars are provisional: they overlap a
        coverage gap (warm-up boundary or reconnect) and wait for its REST repair, which starts
        once the gap's last bar has closed; their NEW_BAR comes after it. None: all are final."""
        gap = self._gaps.get(self._tf(timeframe))
        return None if gap is None else gap.from_ns

    async def wait_repaired(self, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        """Wait until no repair is in flight (a gap whose last bar is still forming is not
        repaired yet: see :meth:`provisional_from`)."""
        async with asyncio.timeout(timeout):
            while self.repairing:
                tasks = [g.task for g in self._gaps.values() if g.task is not None]
                await asyncio.gather(*tasks, return_exceptions=True)

    # -- indicators -----------------------------------------------------------------------------
    def indicator(self, timeframe: str, spec: Any) -> LiveIndicator:
        """Keep a streaming indicator current on ``timeframe``'s closed bars.

        ``spec`` is an indicator called without a frame, e.g. ``RSI(period=14)``; it is warmed on
        the final bars held now (warm-up history and emitted bars; provisional bars held for a
        gap repair come later, through their NEW_BAR) and then updated (O(1)) on every closed
        bar, before NEW_BAR handlers run.
        ``live.forming_value(manager.get_forming_bar(tf))`` previews the forming bar.
        """
        name = self._tf(timeframe)
        history = self.get_data(name)
        gap = self._gaps.get(name)
        if gap is not None:  # closed bars from the gap on are pending: their NEW_BAR updates it
            history = history.filter(pl.col("ts").cast(pl.Int64) < gap.from_ns)
        live = LiveIndicator.create(name, spec, history)
        self._indicators.setdefault(name, []).append(live)
        return live

    # -- reads ----------------------------------------------------------------------------------
    def _tf(self, timeframe: str) -> str:
        if timeframe not in self._by_name:
            name = parse_timeframe(timeframe).name
            if name not in self._by_name:
                raise ValidationError(
                    f"timeframe {timeframe!r} is not tracked; tracked: {list(self._by_name)}"
                )
            return name
        return timeframe

    def get_data(
        self, timeframe: str = "1min", bars: int | None = None, *, include_forming: bool = False
    ) -> pl.DataFrame:
        """The latest ``bars`` closed bars (all when None) as polars, oldest first; with
        ``include_forming`` the forming bar is the last row. Zero-copy when contiguous."""
        if bars is not None and bars < 1:
            raise ValidationError("bars must be >= 1")
        return self.engine.get_data(self._tf(timeframe), bars, include_forming=include_forming)

    def get_session_data(
        self, timeframe: str = "1min", session: Session = "RTH", bars: int | None = None
    ) -> pl.DataFrame:
        """Closed bars opened inside ``session`` (RTH/ETH of this product, holidays and
        early closes applied); ``bars`` limits the rows looked at (latest first)."""
        return filter_session(self.get_data(timeframe, bars), session, self.contract_id)

    def get_mtf_data(
        self, timeframes: Sequence[str] | None = None, bars: int | None = None
    ) -> dict[str, pl.DataFrame]:
        """``get_data`` for several timeframes (default: all tracked)."""
        names = [self._tf(t) for t in timeframes] if timeframes else list(self._by_name)
        return {name: self.get_data(name, bars) for name in names}

    def get_latest_bars(self, count: int = 1, timeframe: str = "1min") -> pl.DataFrame:
        """The latest ``count`` closed bars."""
        return self.get_data(timeframe, count)

    def get_forming_bar(self, timeframe: str = "1min") -> Bar | None:
        """The bar being built now (None before the first trade of its period)."""
        return self.engine.forming(self._tf(timeframe))

    def get_last_closed_bar(self, timeframe: str = "1min") -> Bar | None:
        """The most recently closed bar."""
        return self.engine.last_closed(self._tf(timeframe))

    def get_current_price(self) -> float | None:
        """Last trade price (the close of the smallest timeframe's forming bar)."""
        smallest = min(self.timeframes, key=lambda t: (t.is_calendar, t.length_ns))
        bar = self.engine.forming(smallest.name) or self.engine.last_closed(smallest.name)
        return None if bar is None else float(bar.close)

    get_latest_price = get_current_price

    def get_price_range(self, bars: int = 20, timeframe: str = "1min") -> dict[str, float] | None:
        """High, low and range over the latest ``bars`` closed bars (None without bars)."""
        frame = self.get_data(timeframe, bars)
        if frame.height == 0:
            return None
        high = float(frame["high"].max())  # type: ignore[arg-type]
        low = float(frame["low"].min())  # type: ignore[arg-type]
        return {"high": high, "low": low, "range": high - low}

    def get_volume_stats(self, bars: int = 20, timeframe: str = "1min") -> dict[str, float] | None:
        """Total, mean and latest volume over the latest ``bars`` closed bars."""
        frame = self.get_data(timeframe, bars)
        if frame.height == 0:
            return None
        volume = frame["volume"]
        return {
            "total": float(volume.sum()),
            "average": float(volume.mean()),  # type: ignore[arg-type]
            "current": float(volume[-1]),
        }

    def is_data_ready(
        self, min_bars: int = 20, timeframe: str | None = None, *, include_forming: bool = False
    ) -> bool:
        """Whether ``timeframe`` (every tracked one when None) holds at least ``min_bars``
        closed bars (with ``include_forming``, the forming bar counts too)."""
        if isinstance(min_bars, bool) or not isinstance(min_bars, int) or min_bars < 0:
            raise ValidationError(f"min_bars must be an int >= 0, got {min_bars!r}")
        names = [self._tf(timeframe)] if timeframe is not None else list(self._by_name)
        for name in names:
            held = len(self.engine.ring(name))
            if include_forming and self.engine.forming(name) is not None:
                held += 1
            if held < min_bars:
                return False
        return True

    def get_bars_since(
        self, since: datetime, timeframe: str = "1min", *, include_forming: bool = False
    ) -> pl.DataFrame:
        """Bars of ``timeframe`` opened at or after the aware moment ``since``, oldest first
        (the forming bar last with ``include_forming``)."""
        frame = self.get_data(timeframe, include_forming=include_forming)
        return queries.bars_since(frame, since)

    def get_range_stats(
        self, bars: int = 20, timeframe: str = "1min", *, include_forming: bool = False
    ) -> queries.RangeStats | None:
        """High, low, range and mean bar range of the latest ``bars`` bars (None without
        bars); see :func:`projectx.data.queries.range_stats`."""
        return queries.range_stats(self.get_data(timeframe, bars, include_forming=include_forming))

    def get_volume_summary(
        self, bars: int = 20, timeframe: str = "1min", *, include_forming: bool = False
    ) -> queries.VolumeSummary | None:
        """Total, mean, last and relative volume of the latest ``bars`` bars (None without
        bars); see :func:`projectx.data.queries.volume_summary`."""
        frame = self.get_data(timeframe, bars, include_forming=include_forming)
        return queries.volume_summary(frame)

    def get_bar_count(self, timeframe: str = "1min") -> int:
        """Closed bars held for ``timeframe``."""
        return len(self.engine.ring(self._tf(timeframe)))

    def stats(self) -> dict[str, Any]:
        """Counters: bars emitted/repaired, warm-up sizes, engine stats, NEW_BAR age."""
        return {
            "symbol": self.symbol,
            "contract_id": self.contract_id,
            "bars_emitted": self.bars_emitted,
            "bars_repaired": self.bars_repaired,
            "repair_failures": self.repair_failures,
            "repair_kept_live": self.repair_kept_live,
            "pending_repairs": sorted(self._gaps),
            "warmup_bars": dict(self.warmup_bars),
            "engine": self.engine.stats(),
            "new_bar_age": self.new_bar_age.snapshot(),
        }


def _bar_at(closed: dict[str, Any], i: int) -> Bar:
    return Bar(
        int(closed["ts"][i]),
        float(closed["open"][i]),
        float(closed["high"][i]),
        float(closed["low"][i]),
        float(closed["close"][i]),
        int(closed["volume"][i]),
        int(closed["trades"][i]),
    )


def _period_label(tf: Timeframe, ts_ns: int) -> int:
    """Open time of the ``tf`` bar containing ``ts_ns``."""
    if tf.is_calendar:
        return calendar_period(int(tf.kind), ts_ns)[1]
    return ts_ns - ts_ns % tf.length_ns
