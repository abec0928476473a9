# cython: language_level=3
"""Market-hub messages -> per-contract native state, with no Python object per tick.

``MarketFeed.feed(message)`` splits and parses a WebSocket text message (``frames``), then hands
every trade to the contract's ``BarEngine``, every depth entry to its ``OrderBook`` and merges
every quote into its merged quote record, in wire order. What Python needs to see afterwards is
small: the bar closes of this message (``closes()``; usually empty), the parsed records if a
handler wants ticks (``parser.records()``), and the records that are not market events
(``parser.others``: completions, pings, user-hub events) for orjson.
"""

from cpython.mem cimport PyMem_Free, PyMem_Malloc, PyMem_Realloc
from libc.math cimport NAN, fabs, isfinite, rint
from libc.time cimport time
from libc.stdint cimport int32_t, int64_t, uint32_t
from libc.string cimport memcpy, memset

from projectx._native.bars cimport BarEngine
from projectx._native.book cimport OrderBook
from projectx._native.heuristics cimport HeuristicTracker
from projectx._native.frames cimport (
    FeedResult, Q_ASK, Q_BID, Q_CHANGE, Q_CHANGE_PCT, Q_HIGH, Q_LAST, Q_LOW, Q_OPEN, Q_TIMESTAMP, Q_UPDATED,
    Q_VOLUME, REC_DEPTH, REC_QUOTE, REC_TRADE,
)

from projectx._native.bars import BarEngine as _BarEngine
from projectx._native.frames import FIELD_PRICE as _F_PRICE
from projectx._native.frames import FIELD_TIMESTAMP as _F_TIMESTAMP
from projectx._native.frames import FIELD_TYPE as _F_TYPE
from projectx._native.frames import FIELD_VOLUME as _F_VOLUME
from projectx._native.frames import QUOTE_FIELDS
from projectx._native.frames import RECORD_DTYPE as _RECORD_DTYPE

import numpy as np
from projectx._native.book import OrderBook as _OrderBook
from projectx._native.fallback import parse_market_record as _parse_market_record


cdef inline void _merge_quote(MarketRec* q, const MarketRec* r) noexcept nogil:
    """Copy the fields present in the (possibly partial) quote r into the merged quote q."""
    q.fields |= r.fields
    if r.fields & Q_LAST:
        q.price = r.price
    if r.fields & Q_BID:
        q.bid = r.bid
    if r.fields & Q_ASK:
        q.ask = r.ask
    if r.fields & Q_CHANGE:
        q.change = r.change
    if r.fields & Q_CHANGE_PCT:
        q.change_pct = r.change_pct
    if r.fields & Q_OPEN:
        q.open = r.open
    if r.fields & Q_HIGH:
        q.high = r.high
    if r.fields & Q_LOW:
        q.low = r.low
    if r.fields & Q_VOLUME:
        q.session_volume = r.session_volume
    if r.fields & Q_TIMESTAMP:
        q.ts_ns = r.ts_ns
    if r.fields & Q_UPDATED:
        q.updated_ns = r.updated_ns


cdef int64_t MIN_TS_NS = 946684800 * <int64_t>1000000000     # 2000-01-01T00:00:00Z
cdef int64_t MAX_TS_NS = 4102444800 * <int64_t>1000000000    # 2100-01-01T00:00:00Z
cdef int64_t NS = 1000000000
cdef uint32_t _TRADE_FIELDS = _F_PRICE | _F_VOLUME | _F_TYPE | _F_TIMESTAMP

ANOMALY_REASONS = (
    "none", "bad_price", "bad_volume", "bad_time", "bad_type", "bad_quote", "off_tick_grid",
    "off_market", "future_time", "late_time", "engine_error", "bad_item", "bad_arguments",
    "extra_arguments", "unknown_side",
)
"""Anomaly reason names, by code (``MarketFeed.anomalies()`` keys)."""
_REASON_CODES = {name: code for code, name in enumerate(ANOMALY_REASONS)}


cdef inline bint _positive(double x) noexcept nogil:
    return isfinite(x) and x > 0.0


cdef inline bint _on_grid(double price, double tick) noexcept nogil:
    cdef double ticks = price / tick
    return fabs(ticks - rint(ticks)) <= 1e-6 + 1e-12 * fabs(ticks)


cdef class MarketFeed:
    """Per-contract bars, book and quote state, fed by raw market-hub messages.

    ``add_contract(contract_id, tick_size, timeframes=(...), book_levels=...)`` before
    subscribing; messages about other contracts are handed back in ``parser.others``
    (nothing is dropped).

    Every record passes one guard before it touches any state (the same for records the
    native parser read and for those the spec-following fallback rescued):

    - refused, counted by reason: prices not finite or <= 0, trade sizes < 1, depth sizes < 0,
      sizes over ``max_volume``, times outside 2000-2100, DomTypes the spec does not define,
      quotes with non-finite fields, depth prices off the tick grid, a record whose
      application raised;
    - refused too: a trade off the tick grid, more than ``late_ns`` (60 s) behind the newest
      accepted trade, or (with ``wall_clock``) more than ``max_skew_ns`` (60 s) ahead of the
      system clock;
    - held (quarantined), one per contract: a trade outside the band (``band_fraction`` of
      the reference price, at least ``band_min_ticks``) around the last accepted trade, or
      more than ``future_ns`` (10 s) ahead of both the clock and the stream. The next trade of
      the contract decides: if it fits the market as it was, the held one is refused
      (``held_refused``); if it fits the held one, the market really moved and both are
      applied in order (``corroborated``); otherwise it is held in its place. Nothing
      downstream — bars, the tape, prices for P&L and risk — sees a held trade before it is
      corroborated;
    - applied, counted: a trade with an undefined TradeLogType (without a side), a market
      invocation with extra arguments.

    ``anomalies()`` has the counts by reason, ``anomalies_last`` the records refused or held
    by the last ``feed()``, ``flags_last`` those applied but flagged. No record can make
    ``feed()`` raise; no hostile message costs more than one pass over its records.
    """

    def __cinit__(self):
        self.parser = FrameParser(max_record_bytes=16 * 1024 * 1024)
        self._engines = []
        self._books = []
        self._trackers = []
        self._engine_ptrs = NULL
        self._book_ptrs = NULL
        self._tracker_ptrs = NULL
        self._quotes = NULL
        self._quote_updates = NULL
        self._guards = NULL
        self._price_wanted = NULL
        self.wake_every = True
        self._n_contracts = 0
        self._cap_closes = 64
        self._closes = <BarClose*>PyMem_Malloc(self._cap_closes * sizeof(BarClose))
        self._cap_out = 256
        self._out = <MarketRec*>PyMem_Malloc(self._cap_out * sizeof(MarketRec))
        if self._closes == NULL or self._out == NULL:
            raise MemoryError()
        memset(self._anomalies, 0, sizeof(self._anomalies))
        self.band_fraction = 0.02
        self.band_min_ticks = 40
        self.future_ns = 10 * NS
        self.late_ns = 60 * NS
        self.max_skew_ns = 60 * NS
        self.max_volume = 10_000_000
        self.wall_clock = True
        self._fallback_parse = _parse_market_record
        self._contract_index = {}

    def __dealloc__(self):
        PyMem_Free(self._engine_ptrs)
        PyMem_Free(self._book_ptrs)
        PyMem_Free(self._tracker_ptrs)
        PyMem_Free(self._quotes)
        PyMem_Free(self._quote_updates)
        PyMem_Free(self._guards)
        PyMem_Free(self._price_wanted)
        PyMem_Free(self._closes)
        PyMem_Free(self._out)

    def add_contract(self, str contract_id, double tick_size, timeframes=("1min",), *,
                     bar_capacity=10_000, book_levels=4096, bint book=True) -> int:
        """Track a contract: bars for ``timeframes`` (empty: none) and, if ``book``, a depth
        book. Returns the contract's index (records carry it). Adding twice is an error."""
        if contract_id in self.parser.contracts:
            raise ValueError(f"contract {contract_id!r} is already tracked")
        if not (isfinite(tick_size) and tick_size > 0):
            raise ValueError("tick_size must be finite and > 0")
        engine = _BarEngine(list(timeframes), capacity=bar_capacity) if timeframes else None
        order_book = _OrderBook(tick_size, levels=book_levels) if book else None
        idx = self.parser.register_contract(contract_id)
        n = idx + 1
        engine_ptrs = <void**>PyMem_Realloc(self._engine_ptrs, n * sizeof(void*))
        if engine_ptrs == NULL:
            raise MemoryError()
        self._engine_ptrs = engine_ptrs
        book_ptrs = <void**>PyMem_Realloc(self._book_ptrs, n * sizeof(void*))
        if book_ptrs == NULL:
            raise MemoryError()
        self._book_ptrs = book_ptrs
        tracker_ptrs = <void**>PyMem_Realloc(self._tracker_ptrs, n * sizeof(void*))
        if tracker_ptrs == NULL:
            raise MemoryError()
        self._tracker_ptrs = tracker_ptrs
        self._tracker_ptrs[idx] = NULL
        quotes = <MarketRec*>PyMem_Realloc(self._quotes, n * sizeof(MarketRec))
        if quotes == NULL:
            raise MemoryError()
        self._quotes = quotes
        memset(&self._quotes[idx], 0, sizeof(MarketRec))
        updates = <int64_t*>PyMem_Realloc(self._quote_updates, n * sizeof(int64_t))
        if updates == NULL:
            raise MemoryError()
        self._quote_updates = updates
        self._quote_updates[idx] = 0
        guards = <Guard*>PyMem_Realloc(self._guards, n * sizeof(Guard))
        if guards == NULL:
            raise MemoryError()
        self._guards = guards
        memset(&self._guards[idx], 0, sizeof(Guard))
        self._guards[idx].tick_size = tick_size
        self._guards[idx].ref_price = NAN
        self._guards[idx].last_price = NAN
        wanted = <unsigned char*>PyMem_Realloc(self._price_wanted, n * sizeof(unsigned char))
        if wanted == NULL:
            raise MemoryError()
        self._price_wanted = wanted
        self._price_wanted[idx] = 0
        self._engines.append(engine)
        self._books.append(order_book)
        self._trackers.append(None)
        self._engine_ptrs[idx] = <void*>engine if engine is not None else NULL
        self._book_ptrs[idx] = <void*>order_book if order_book is not None else NULL
        self._contract_index[contract_id] = idx
        self._n_contracts = n
        return idx

    def set_reference_price(self, str contract_id, double price) -> None:
        """Seed the band's reference (e.g. the last warm-up close) before the first trade."""
        if not _positive(price):
            raise ValueError("reference price must be finite and > 0")
        self._guards[self._index(contract_id)].ref_price = price

    # -- the guard -------------------------------------------------------------------------
    cdef int _note(self, int reason) except -1:
        self._anomalies[reason] += 1
        if reason == AN_EXTRA_ARGUMENTS or reason == AN_UNKNOWN_SIDE:
            self.flags_last += 1  # applied: what the spec allows, worth a count, not a fault
        else:
            self.anomalies_last += 1
        return 0

    cdef int _hard_trade(self, MarketRec* r) noexcept:
        if not _positive(r.price):
            return AN_BAD_PRICE
        if r.volume < 1 or r.volume > self.max_volume:
            return AN_BAD_VOLUME
        if r.ts_ns < MIN_TS_NS or r.ts_ns >= MAX_TS_NS:
            return AN_BAD_TIME
        return AN_NONE

    cdef int _suspect(self, Guard* g, double ref_price, int64_t ref_ts, MarketRec* r) noexcept:
        """How ``r`` fits a market at (ref_price, ref_ts): AN_NONE; a reason to hold it until
        corroborated (> 0); or minus a reason to refuse it outright (< 0: off the tick grid,
        beyond ``max_skew_ns`` ahead of the wall clock, ``late_ns`` behind the stream)."""
        cdef double band
        cdef int64_t horizon = ref_ts
        if not _on_grid(r.price, g.tick_size):
            return -AN_OFF_TICK_GRID
        if self._now_ns and r.ts_ns > self._now_ns + self.max_skew_ns:
            return -AN_FUTURE_TIME
        if ref_ts and r.ts_ns < ref_ts - self.late_ns:
            return -AN_LATE_TIME
        if isfinite(ref_price):
            band = self.band_fraction * ref_price
            if band < self.band_min_ticks * g.tick_size:
                band = self.band_min_ticks * g.tick_size
            if fabs(r.price - ref_price) > band:
                return AN_OFF_MARKET
        if self._now_ns > horizon:
            horizon = self._now_ns
        if horizon and r.ts_ns > horizon + self.future_ns:
            return AN_FUTURE_TIME
        return AN_NONE

    cdef int _hard_depth(self, Guard* g, MarketRec* r) noexcept:
        if r.type < 0 or r.type > 11:
            return AN_BAD_TYPE
        if r.ts_ns < MIN_TS_NS or r.ts_ns >= MAX_TS_NS:
            return AN_BAD_TIME
        if r.type == 6:  # Reset carries no level: whatever its other fields say
            r.price = 0.0
            r.volume = 0
            r.current_volume = 0
            return AN_NONE
        if not _positive(r.price):
            return AN_BAD_PRICE
        if r.volume < 0 or r.volume > self.max_volume or r.current_volume > self.max_volume:
            return AN_BAD_VOLUME
        if not _on_grid(r.price, g.tick_size):
            return AN_OFF_TICK_GRID
        return AN_NONE

    cdef int _hard_quote(self, MarketRec* r) noexcept:
        cdef uint32_t f = r.fields
        if ((f & Q_LAST and not _positive(r.price)) or (f & Q_BID and not _positive(r.bid))
                or (f & Q_ASK and not _positive(r.ask))
                or (f & Q_OPEN and not _positive(r.open))
                or (f & Q_HIGH and not _positive(r.high))
                or (f & Q_LOW and not _positive(r.low))
                or (f & Q_CHANGE and not isfinite(r.change))
                or (f & Q_CHANGE_PCT and not isfinite(r.change_pct))
                or (f & Q_VOLUME and not (isfinite(r.session_volume)
                                          and r.session_volume >= 0.0))
                or (f & Q_TIMESTAMP and not MIN_TS_NS <= r.ts_ns < MAX_TS_NS)
                or (f & Q_UPDATED and not MIN_TS_NS <= r.updated_ns < MAX_TS_NS)):
            return AN_BAD_QUOTE
        return AN_NONE

    cdef int _emit(self, MarketRec* r) except -1:
        """Append an applied record to this feed's output (what the views show)."""
        cdef MarketRec* grown
        if self.n_out == self._cap_out:
            grown = <MarketRec*>PyMem_Realloc(self._out, 2 * self._cap_out * sizeof(MarketRec))
            if grown == NULL:
                raise MemoryError()
            self._out = grown
            self._cap_out *= 2
        self._out[self.n_out] = r[0]
        self.n_out += 1
        return 0

    cdef int _guard_trade(self, MarketRec* r) except -1:
        """Decide on one trade: refuse it, hold it, or apply it (first releasing a held trade
        it corroborates)."""
        cdef Guard* g = &self._guards[r.contract]
        cdef int reason = self._hard_trade(r)
        cdef int suspect
        cdef MarketRec held
        if reason:
            return self._note(reason)
        if r.type < -1 or r.type > 1:
            self._note(AN_UNKNOWN_SIDE)
            r.type = -1
        suspect = self._suspect(g, g.ref_price, g.ref_ts_ns, r)
        if suspect < 0:  # never a real trade: refused without a hold
            return self._note(-suspect)
        if g.pending_reason != AN_NONE:
            if suspect != AN_NONE and self._suspect(g, g.pending.price, g.pending.ts_ns,
                                                    r) == AN_NONE:
                held = g.pending  # corroborated: the market moved; the held trade first
                g.pending_reason = AN_NONE
                self.corroborated += 1
                self._apply_trade(&held)
                return self._apply_trade(r)
            g.pending_reason = AN_NONE  # the market did not follow the held trade
            self.held_refused += 1
        if suspect != AN_NONE:
            self._note(suspect)
            self.held += 1
            g.pending = r[0]
            g.pending_reason = suspect
            return 0
        return self._apply_trade(r)

    cdef int _apply_trade(self, MarketRec* r) except -1:
        cdef Guard* g = &self._guards[r.contract]
        cdef int64_t mask = 0
        cdef BarClose* grown
        if self._engine_ptrs[r.contract] != NULL:  # first: if it raises, nothing is applied
            mask = (<BarEngine>self._engine_ptrs[r.contract]).on_trade(
                r.ts_ns, r.price, r.volume)
        if self._book_ptrs[r.contract] != NULL:  # the trade tape, for flow analytics
            (<OrderBook>self._book_ptrs[r.contract]).record_trade(
                r.price, r.volume, r.type, r.ts_ns)
            if self._tracker_ptrs[r.contract] != NULL:  # the heuristics read the book as taped
                (<HeuristicTracker>self._tracker_ptrs[r.contract])._book_trade(
                    <OrderBook>self._book_ptrs[r.contract], r.price, r.volume, r.type, r.ts_ns)
        g.ref_price = r.price
        g.last_price = r.price
        if r.ts_ns > g.ref_ts_ns:
            g.ref_ts_ns = r.ts_ns
        if r.ts_ns > self.last_ts_ns:
            self.last_ts_ns = r.ts_ns
        self.trades += 1
        self.trades_last += 1
        if self._price_wanted[r.contract]:
            self._wanted_trades += 1
        self._emit(r)
        if mask:
            if self._n_closes == self._cap_closes:
                grown = <BarClose*>PyMem_Realloc(
                    self._closes, 2 * self._cap_closes * sizeof(BarClose))
                if grown == NULL:
                    raise MemoryError()
                self._closes = grown
                self._cap_closes *= 2
            self._closes[self._n_closes].contract = r.contract
            self._closes[self._n_closes].rec = <int32_t>(self.n_out - 1)
            self._closes[self._n_closes].mask = mask
            self._n_closes += 1
        return 0

    cdef bint _refused(self, int reason, MarketRec* r) except -1:
        """Refuse ``r`` (counted by ``reason``) or, with AN_NONE, note its event time."""
        if reason:
            self._note(reason)
            return True
        if r.ts_ns > self.last_ts_ns:
            self.last_ts_ns = r.ts_ns
        return False

    cdef Py_ssize_t _dispatch_from(self, Py_ssize_t start) except -1:
        """Guard and apply parsed records ``start..`` in wire order, appending what is
        applied to the output; ``_cursor`` is the record being decided."""
        cdef Py_ssize_t i = start
        cdef MarketRec* r
        while i < self.parser.n_recs:
            self._cursor = i
            r = &self.parser.recs[i]
            if r.kind == REC_TRADE:
                self._guard_trade(r)
            elif r.kind == REC_DEPTH:
                if not self._refused(self._hard_depth(&self._guards[r.contract], r), r):
                    if self._book_ptrs[r.contract] != NULL:
                        (<OrderBook>self._book_ptrs[r.contract]).apply(
                            r.type, r.price, r.volume, r.current_volume, r.ts_ns)
                        if self._tracker_ptrs[r.contract] != NULL:
                            (<HeuristicTracker>self._tracker_ptrs[r.contract])._book_depth(
                                <OrderBook>self._book_ptrs[r.contract], r.type, r.price,
                                r.volume, r.ts_ns)
                    self.depth_updates += 1
                    self.depth_last += 1
                    self._emit(r)
            elif r.kind == REC_QUOTE:
                if not self._refused(self._hard_quote(r), r):
                    self.quotes += 1
                    self.quotes_last += 1
                    self._quote_updates[r.contract] += 1
                    _merge_quote(&self._quotes[r.contract], r)
                    self._emit(r)
            i += 1
        return i

    cdef int _dispatch(self) except -1:
        cdef Py_ssize_t i = 0
        self._n_closes = 0
        self.n_out = 0
        self.trades_last = 0
        self._wanted_trades = 0
        self.depth_last = 0
        self.quotes_last = 0
        self._now_ns = <int64_t>time(NULL) * NS if self.wall_clock else 0
        while i < self.parser.n_recs:
            try:
                i = self._dispatch_from(i)
            except Exception:  # never fatal: the record is refused and counted
                self._note(AN_ENGINE_ERROR)
                i = self._cursor + 1
        return 0

    cdef int _rescue_others(self) except -1:
        """Hand tracked contracts' market records the fast path refused to the spec-following
        fallback; merge what it parses into the parsed records, in wire order (one pass)."""
        cdef FrameParser p = self.parser
        cdef list others = p.others
        cdef list positions = p._other_positions
        cdef list kept = [], kept_positions = [], rescued = []
        cdef Py_ssize_t k, j, total = 0, src = 0, dst = 0, at, n
        cdef MarketRec* merged
        for k in range(len(others)):
            raw = others[k]
            parsed = None
            if b"Gateway" in raw or b"\\u" in raw:  # a market target, maybe escaped
                try:
                    parsed = self._fallback_parse(raw, self._contract_index)
                except Exception:  # never fatal: counted, the record refused
                    self._note(AN_BAD_ITEM)
                    parsed = ([], [])
            if parsed is None:  # pings, completions, user events, untracked contracts
                kept.append(raw)
                kept_positions.append(positions[k] + total)
                continue
            self.fallback_records += 1
            items, reasons = parsed
            for name in reasons:
                self._note(_REASON_CODES.get(name, AN_BAD_ITEM))
            if items:
                rescued.append((positions[k], items))
                total += len(items)
        if len(kept) == len(others):
            return 0
        p.others = kept
        p._other_positions = kept_positions
        if not total:
            return 0
        n = p.n_recs + total
        merged = <MarketRec*>PyMem_Malloc(n * sizeof(MarketRec))
        if merged == NULL:
            raise MemoryError()
        for at, items in rescued:
            memcpy(&merged[dst], &p.recs[src], (at - src) * sizeof(MarketRec))
            dst += at - src
            src = at
            for j in range(len(items)):
                memset(&merged[dst], 0, sizeof(MarketRec))
                (merged[dst].kind, merged[dst].contract, merged[dst].type, merged[dst].fields,
                 merged[dst].ts_ns, merged[dst].price, merged[dst].volume,
                 merged[dst].current_volume, merged[dst].bid, merged[dst].ask,
                 merged[dst].change, merged[dst].change_pct, merged[dst].open,
                 merged[dst].high, merged[dst].low, merged[dst].session_volume,
                 merged[dst].updated_ns) = items[j]
                dst += 1
        memcpy(&merged[dst], &p.recs[src], (p.n_recs - src) * sizeof(MarketRec))
        PyMem_Free(p.recs)
        p.recs = merged
        p.n_recs = n
        p.cap_recs = n
        return 0

    cdef int _begin(self) except -1:
        self.messages += 1
        self.anomalies_last = 0
        self.flags_last = 0
        return 0

    cdef int _finish(self, int64_t fallback_before) except -1:
        """Fill ``result`` with what this message held (after the rescue and the dispatch)."""
        cdef FeedResult r = self.parser.result
        r.others = len(self.parser.others)
        r.native = r.records - r.others
        r.handback = r.lost + r.others
        r.fallback = self.fallback_records - fallback_before
        r.trades = self.trades_last
        r.depth = self.depth_last
        r.quotes = self.quotes_last
        r.anomalies = self.anomalies_last
        r.flags = self.flags_last
        r.n_closes = self._n_closes
        r.attention = (r.anomalies or r.flags or r.n_closes) != 0
        r.wake = r.attention or (r.native > 0 and (self.wake_every or self._wanted_trades > 0))
        return 0

    cpdef Py_ssize_t feed(self, object data) except -1:
        """Parse one market-hub text message and apply it; returns the records it completed
        (``result`` tells what it held)."""
        cdef int64_t fallback_before = self.fallback_records
        cdef Py_ssize_t n = self.parser.feed(data)
        self._begin()
        if self.parser.others:
            try:
                self._rescue_others()
            except Exception:  # never fatal: what could not be rescued stays counted
                self._note(AN_ENGINE_ERROR)
        self._dispatch()
        self._finish(fallback_before)
        return n

    def receive(self, data) -> FeedResult:
        """``feed(data)`` for a hub connection, returning ``result``: one read of everything
        the hub and the dispatcher need to know about the message (and the hub's running
        totals, see ``FeedResult``)."""
        cdef FeedResult r = self.parser.result
        r._arrive(data)
        self.feed(data)
        r._count()
        return r

    @property
    def result(self) -> FeedResult:
        """What the last ``feed()`` or ``apply_trade()`` held (one object, rewritten by each)."""
        return self.parser.result

    def apply_trade(self, str contract_id, double price, int64_t size, int64_t ts_ns,
                    int side=-1) -> FeedResult:
        """Apply one trade of a tracked contract exactly as if a one-trade ``GatewayTrade``
        message had carried it (``side``: the TradeLogType, 0 buy, 1 sell, -1 none): the same
        guard, bars, tape, counters and ``result``, without building or parsing text. It
        counts as a message; the parser's wire counters are not touched."""
        cdef Py_ssize_t idx = self._index(contract_id)
        cdef FrameParser p = self.parser
        cdef FeedResult r = p.result
        cdef MarketRec rec
        memset(&rec, 0, sizeof(MarketRec))
        rec.kind = REC_TRADE
        rec.contract = <int32_t>idx
        rec.type = side
        rec.fields = _TRADE_FIELDS
        rec.ts_ns = ts_ns
        rec.price = price
        rec.volume = size
        p.n_recs = 0
        if p.others:
            p.others = []
            p._other_positions = []
        p._push(&rec)
        r.records = 1
        r.truncated = 0
        r.oversized = 0
        r.lost = 0
        self._begin()
        self._dispatch()
        self._finish(self.fallback_records)
        return r

    def want_prices(self, str contract_id, bint wanted) -> None:
        """Whether an owner wants ``contract_id``'s trade prices (something armed or open in
        it). With ``wake_every`` off, a message wakes the hub's native handlers only when it
        needs a look (``result.attention``) or applied a trade of such a contract."""
        self._price_wanted[self._index(contract_id)] = 1 if wanted else 0

    def last_price(self, str contract_id):
        """The price of the contract's last applied trade (``None`` before the first one)."""
        cdef double price = self._guards[self._index(contract_id)].last_price
        return None if price != price else price

    def anomalies(self) -> dict:
        """Counts by reason (``ANOMALY_REASONS``) of every record refused, held or flagged."""
        return {ANOMALY_REASONS[k]: self._anomalies[k] for k in range(1, AN_COUNT)
                if self._anomalies[k]}

    @property
    def anomalies_total(self) -> int:
        """All anomalies so far (the sum of ``anomalies()``)."""
        cdef int64_t total = 0
        cdef Py_ssize_t k
        for k in range(1, AN_COUNT):
            total += self._anomalies[k]
        return total

    def quarantined(self) -> list:
        """Trades held now: ``(contract_id, price, volume, ts_ns, reason)``."""
        out = []
        contracts = self.parser.contracts
        for k in range(self._n_contracts):
            g = &self._guards[k]
            if g.pending_reason != AN_NONE:
                out.append((contracts[k], g.pending.price, g.pending.volume, g.pending.ts_ns,
                            ANOMALY_REASONS[g.pending_reason]))
        return out

    # -- Python views ---------------------------------------------------------------------------
    def records(self):
        """The records the last ``feed()`` applied, in wire order, as a NumPy structured array
        (``frames.RECORD_DTYPE``; a copy). Refused and held records are not in it; a trade
        released by corroboration is, just before the trade that released it."""
        out = np.empty(self.n_out, dtype=_RECORD_DTYPE)
        cdef unsigned char[::1] raw
        if self.n_out:
            raw = out.view(np.uint8)
            memcpy(<void*>&raw[0], self._out, self.n_out * sizeof(MarketRec))
        return out

    def last_trades(self) -> list:
        """Trades of the last ``feed()``, in wire order, as
        ``(contract_id, price, volume, type, ts_ns)`` tuples (built in C: no NumPy per message)."""
        cdef Py_ssize_t i
        cdef MarketRec* r
        out = []
        if self.trades_last == 0:
            return out
        contracts = self.parser.contracts
        for i in range(self.n_out):
            r = &self._out[i]
            if r.kind == REC_TRADE:
                out.append((contracts[r.contract], r.price, r.volume, r.type, r.ts_ns))
        return out

    def last_prices(self) -> list:
        """``(contract_id, price)`` of the last trade of each contract traded in the last
        ``feed()`` (one tuple per contract, not per trade)."""
        cdef Py_ssize_t i
        cdef MarketRec* r
        out = []
        if self.trades_last == 0:
            return out
        contracts = self.parser.contracts
        seen = {}
        for i in range(self.n_out):
            r = &self._out[i]
            if r.kind == REC_TRADE:
                seen[contracts[r.contract]] = r.price
        return list(seen.items())

    def last_depth(self) -> list:
        """Depth entries of the last ``feed()``, in wire order, as
        ``(contract_id, dom_type, price, volume, ts_ns)`` tuples."""
        cdef Py_ssize_t i
        cdef MarketRec* r
        out = []
        if self.depth_last == 0:
            return out
        contracts = self.parser.contracts
        for i in range(self.n_out):
            r = &self._out[i]
            if r.kind == REC_DEPTH:
                out.append((contracts[r.contract], r.type, r.price, r.volume, r.ts_ns))
        return out

    def last_quoted(self) -> list:
        """Contracts whose quote changed in the last ``feed()`` (each once, first-seen order)."""
        cdef Py_ssize_t i
        cdef MarketRec* r
        out = []
        if self.quotes_last == 0:
            return out
        contracts = self.parser.contracts
        for i in range(self.n_out):
            r = &self._out[i]
            if r.kind == REC_QUOTE and contracts[r.contract] not in out:
                out.append(contracts[r.contract])
        return out

    @property
    def n_closes(self) -> int:
        """How many bar closes the last ``feed()`` produced (cheap check before ``closes()``)."""
        return self._n_closes

    def closes(self) -> list:
        """Bar closes of the last ``feed()``, one per trade that closed bars, in wire order:
        ``(contract_index, mask)``, bit i of ``mask`` for the contract's timeframe i (as given
        to ``add_contract``; ``BarEngine.mask_timeframes`` names them)."""
        out = []
        cdef Py_ssize_t i
        for i in range(self._n_closes):
            out.append((self._closes[i].contract, self._closes[i].mask))
        return out

    def bars(self, str contract_id):
        """The contract's ``BarEngine`` (``None`` if it has no timeframes)."""
        return self._engines[self._index(contract_id)]

    def book(self, str contract_id):
        """The contract's ``OrderBook`` (``None`` if tracked without a book)."""
        return self._books[self._index(contract_id)]

    def attach_heuristics(self, str contract_id, HeuristicTracker tracker) -> None:
        """Feed ``tracker`` (``None``: detach) from the contract's book, natively: after the
        book applied each depth entry and after each trade was applied and taped, as
        ``tracker.feed_depth`` / ``tracker.feed_trade`` would. Needs a contract with a book."""
        cdef Py_ssize_t idx = self._index(contract_id)
        if tracker is not None and self._books[idx] is None:
            raise ValueError(f"contract {contract_id!r} is tracked without a book")
        self._trackers[idx] = tracker
        self._tracker_ptrs[idx] = <void*>tracker if tracker is not None else NULL

    def heuristics(self, str contract_id):
        """The contract's attached ``HeuristicTracker`` (``None``: none)."""
        return self._trackers[self._index(contract_id)]

    def quote(self, str contract_id) -> dict:
        """The merged quote: only fields seen so far; NaN-free; ``updates`` counts messages."""
        cdef Py_ssize_t idx = self._index(contract_id)
        cdef MarketRec* q = &self._quotes[idx]
        out = {"updates": self._quote_updates[idx]}
        values = {"lastPrice": q.price, "bestBid": q.bid, "bestAsk": q.ask, "change": q.change,
                  "changePercent": q.change_pct, "open": q.open, "high": q.high, "low": q.low,
                  "volume": q.session_volume}
        for name, value in values.items():
            if q.fields & QUOTE_FIELDS[name]:
                out[name] = value
        if q.fields & Q_TIMESTAMP:
            out["ts_ns"] = q.ts_ns
        if q.fields & Q_UPDATED:
            out["updated_ns"] = q.updated_ns
        return out

    def _index(self, str contract_id) -> int:
        try:
            return self._contract_index[contract_id]
        except KeyError:
            raise KeyError(f"contract {contract_id!r} is not tracked") from None

    @property
    def others(self) -> list:
        """Records of the last ``feed()`` that are not market events (bytes, wire order)."""
        return self.parser.others

    def reset(self) -> None:
        """Forget a partial record (a new connection starts clean); market state is kept."""
        self.parser.reset()

    @property
    def contracts(self) -> list:
        """Tracked contract ids, by index."""
        return self.parser.contracts
