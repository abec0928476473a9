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
from cpython.ref cimport PyObject
from libc.math cimport NAN
from libc.stdint cimport int32_t, int64_t
from libc.string cimport memset

from projectx._native.bars cimport BarEngine
from projectx._native.book cimport OrderBook
from projectx._native.frames cimport (
    Q_ASK, Q_BID, Q_CHANGE, Q_CHANGE_PCT, Q_HIGH, Q_LAST, Q_LOW, Q_OPEN, Q_TIMESTAMP, Q_UPDATED,
    Q_VOLUME, REC_DEPTH, REC_QUOTE, REC_TRADE,
)

from projectx._native.bars import BarEngine as _BarEngine
from projectx._native.frames import QUOTE_FIELDS
from projectx._native.book import OrderBook as _OrderBook


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


cdef class MarketFeed:
    """Per-contract bars, book and quote state, fed by raw market-hub messages.

    ``add_contract(contract_id, tick_size, timeframes=(...), book_levels=...)`` before
    subscribing; messages about other contracts are handed back in ``parser.others``
    (nothing is dropped).
    """

    def __cinit__(self):
        self.parser = FrameParser()
        self._engines = []
        self._books = []
        self._engine_ptrs = NULL
        self._book_ptrs = NULL
        self._quotes = NULL
        self._quote_updates = NULL
        self._n_contracts = 0
        self._cap_closes = 64
        self._closes = <BarClose*>PyMem_Malloc(self._cap_closes * sizeof(BarClose))
        if self._closes == NULL:
            raise MemoryError()

    def __dealloc__(self):
        PyMem_Free(self._engine_ptrs)
        PyMem_Free(self._book_ptrs)
        PyMem_Free(self._quotes)
        PyMem_Free(self._quote_updates)
        PyMem_Free(self._closes)

    def add_contract(self, str contract_id, double tick_size, timeframes=("1min",), *,
                     bar_capacity=10_000, book_levels=4096, bint book=True) -> int:
        """Track a contract: bars for ``timeframes`` (empty: none) and, if ``book``, a depth
        book. Returns the contract's index (records carry it). Adding twice is an error."""
        if contract_id in self.parser.contracts:
            raise ValueError(f"contract {contract_id!r} is already tracked")
        if not tick_size > 0:
            raise ValueError("tick_size must be > 0")
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
        self._engines.append(engine)
        self._books.append(order_book)
        self._engine_ptrs[idx] = <void*>engine if engine is not None else NULL
        self._book_ptrs[idx] = <void*>order_book if order_book is not None else NULL
        self._n_contracts = n
        return idx

    cdef int _dispatch(self) except -1:
        cdef Py_ssize_t i
        cdef MarketRec* r
        cdef MarketRec* q
        cdef int64_t mask
        cdef BarClose* grown
        self._n_closes = 0
        self.trades_last = 0
        self.depth_last = 0
        self.quotes_last = 0
        for i in range(self.parser.n_recs):
            r = &self.parser.recs[i]
            if r.ts_ns > self.last_ts_ns:
                self.last_ts_ns = r.ts_ns
            if r.kind == REC_TRADE:
                self.trades += 1
                self.trades_last += 1
                if self._book_ptrs[r.contract] != NULL:  # the trade tape, for flow analytics
                    (<OrderBook>self._book_ptrs[r.contract]).record_trade(
                        r.price, r.volume, r.type, r.ts_ns)
                if self._engine_ptrs[r.contract] != NULL:
                    mask = (<BarEngine>self._engine_ptrs[r.contract]).on_trade(
                        r.ts_ns, r.price, r.volume)
                    if mask:
                        if self._n_closes == self._cap_closes:
                            grown = <BarClose*>PyMem_Realloc(
                                self._closes, 2 * self._cap_closes * sizeof(BarClose))
                            if grown == NULL:
                                raise MemoryError()
                            self._closes = grown
                            self._cap_closes *= 2
                        self._closes[self._n_closes].contract = r.contract
                        self._closes[self._n_closes].rec = <int32_t>i
                        self._closes[self._n_closes].mask = mask
                        self._n_closes += 1
            elif r.kind == REC_DEPTH:
                self.depth_updates += 1
                self.depth_last += 1
                if self._book_ptrs[r.contract] != NULL:
                    (<OrderBook>self._book_ptrs[r.contract]).apply(
                        r.type, r.price, r.volume, r.current_volume, r.ts_ns)
            elif r.kind == REC_QUOTE:
                self.quotes += 1
                self.quotes_last += 1
                self._quote_updates[r.contract] += 1
                _merge_quote(&self._quotes[r.contract], r)
        return 0

    cpdef Py_ssize_t feed(self, object data) except -1:
        """Parse one market-hub text message and apply it; returns the records it completed."""
        cdef Py_ssize_t n = self.parser.feed(data)
        self.messages += 1
        self._dispatch()
        return n

    # -- Python views ---------------------------------------------------------------------------
    def last_trades(self) -> list:
        """Trades of the last ``feed()``, in wire order, as
        ``(contract_id, price, volume, type, ts_ns)`` tuples (built in C: no NumPy per message)."""
        cdef Py_ssize_t i
        cdef MarketRec* r
        out = []
        if self.trades_last == 0:
            return out
        contracts = self.parser.contracts
        for i in range(self.parser.n_recs):
            r = &self.parser.recs[i]
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
        for i in range(self.parser.n_recs):
            r = &self.parser.recs[i]
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
        for i in range(self.parser.n_recs):
            r = &self.parser.recs[i]
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
        for i in range(self.parser.n_recs):
            r = &self.parser.recs[i]
            if r.kind == REC_QUOTE and contracts[r.contract] not in out:
                out.append(contracts[r.contract])
        return out

    @property
    def n_closes(self) -> int:
        """How many bar closes the last ``feed()`` produced (cheap check before ``closes()``)."""
        return self._n_closes

    def closes(self) -> list:
        """Bar closes of the last ``feed()``: ``(contract_id, record_index, timeframes)``."""
        out = []
        cdef Py_ssize_t i
        contracts = self.parser.contracts
        for i in range(self._n_closes):
            engine = self._engines[self._closes[i].contract]
            out.append((contracts[self._closes[i].contract], self._closes[i].rec,
                        engine.mask_timeframes(self._closes[i].mask)))
        return out

    def bars(self, str contract_id):
        """The contract's ``BarEngine`` (``None`` if it has no timeframes)."""
        return self._engines[self._index(contract_id)]

    def book(self, str contract_id):
        """The contract's ``OrderBook`` (``None`` if tracked without a book)."""
        return self._books[self._index(contract_id)]

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
            return self.parser.contracts.index(contract_id)
        except ValueError:
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
