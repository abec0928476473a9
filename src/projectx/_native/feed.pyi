from collections.abc import Sequence

import numpy as np
from typing_extensions import disjoint_base

from projectx._native.bars import BarEngine
from projectx._native.book import OrderBook
from projectx._native.frames import FeedResult, FrameParser
from projectx._native.heuristics import HeuristicTracker

ANOMALY_REASONS: tuple[str, ...]
"""Anomaly reason names, by code (``MarketFeed.anomalies()`` keys)."""

@disjoint_base
class MarketFeed:
    """Per-contract bars, book and quote state fed by raw market-hub messages; every record
    passes one guard first (refused, held until corroborated, or applied; counted by reason)."""

    parser: FrameParser
    band_fraction: float
    """Trades further than this fraction from the reference price are held (default 0.02)."""
    band_min_ticks: int
    """... but the band is never narrower than this many ticks (default 40)."""
    future_ns: int
    """Trades stamped more than this ahead of the clock and the stream are held (10 s)."""
    late_ns: int
    """Trades stamped more than this behind the newest accepted trade are refused (60 s)."""
    max_skew_ns: int
    """Trades stamped more than this ahead of the wall clock are refused (60 s)."""
    max_volume: int
    """Larger trade or level sizes are refused (default 10,000,000)."""
    wake_every: bool
    """Every message with native records wakes the hub's native handlers (default True); off,
    only those that need attention or applied a trade of a wanted contract (``want_prices``)."""
    wall_clock: bool
    """Compare trade times with the system clock too (default True)."""
    @property
    def anomalies_last(self) -> int:
        """Anomalies found in the last ``feed()``."""
    @property
    def flags_last(self) -> int:
        """Records the last ``feed()`` applied but flagged (extra arguments, no side)."""
    @property
    def n_out(self) -> int:
        """Records the last ``feed()`` applied."""
    @property
    def anomalies_total(self) -> int: ...
    def records(self) -> np.ndarray[tuple[int], np.dtype[np.void]]:
        """The records the last ``feed()`` applied, as a structured array (a copy)."""
    @property
    def held(self) -> int:
        """Trades held (quarantined) so far."""
    @property
    def corroborated(self) -> int:
        """Held trades released by a corroborating trade."""
    @property
    def held_refused(self) -> int:
        """Held trades refused: the market did not follow them."""
    @property
    def fallback_records(self) -> int:
        """Market records parsed by the spec-following Python fallback."""
    def anomalies(self) -> dict[str, int]:
        """Counts by reason of every record refused, held or flagged."""
    def quarantined(self) -> list[tuple[str, float, int, int, str]]:
        """Trades held now: ``(contract_id, price, volume, ts_ns, reason)``."""
    def set_reference_price(self, contract_id: str, price: float) -> None:
        """Seed the band's reference (e.g. the last warm-up close) before the first trade."""
    @property
    def trades(self) -> int: ...
    @property
    def depth_updates(self) -> int: ...
    @property
    def quotes(self) -> int: ...
    @property
    def messages(self) -> int: ...
    @property
    def last_ts_ns(self) -> int:
        """Latest event time (ns UTC) among the market records applied so far (0: none)."""
    def __init__(self) -> None: ...
    def add_contract(
        self,
        contract_id: str,
        tick_size: float,
        timeframes: Sequence[str] = ...,
        *,
        bar_capacity: int | dict[str, int] = ...,
        book_levels: int = ...,
        book: bool = ...,
    ) -> int: ...
    def feed(self, data: str | bytes) -> int: ...
    def receive(self, data: str | bytes) -> FeedResult:
        """``feed(data)``, returning ``result``."""
    @property
    def result(self) -> FeedResult:
        """What the last ``feed()`` or ``apply_trade()`` held (one object, rewritten by each)."""
    def apply_trade(
        self, contract_id: str, price: float, size: int, ts_ns: int, side: int = -1
    ) -> FeedResult:
        """Apply one trade as if a one-trade ``GatewayTrade`` message carried it (same guard)."""
    def want_prices(self, contract_id: str, wanted: bool) -> None:
        """Whether an owner wants the contract's trade prices (a message applying one of its
        trades wakes the handlers while ``wake_every`` is off)."""
    def last_price(self, contract_id: str) -> float | None:
        """The price of the contract's last applied trade (None before the first)."""
    @property
    def trades_last(self) -> int: ...
    @property
    def depth_last(self) -> int: ...
    @property
    def quotes_last(self) -> int: ...
    def last_trades(self) -> list[tuple[str, float, int, int, int]]:
        """Trades of the last ``feed()``: ``(contract_id, price, volume, type, ts_ns)``."""
    def last_prices(self) -> list[tuple[str, float]]:
        """Last trade price per contract traded in the last ``feed()``."""
    def last_depth(self) -> list[tuple[str, int, float, int, int]]:
        """Depth entries of the last ``feed()``:
        ``(contract_id, dom_type, price, volume, ts_ns)``."""
    def last_quoted(self) -> list[str]:
        """Contracts whose quote changed in the last ``feed()``."""
    @property
    def n_closes(self) -> int: ...
    def closes(self) -> list[tuple[int, int]]:
        """Bar closes of the last ``feed()``: ``(contract_index, mask)`` per closing trade,
        bit i of ``mask`` for the contract's timeframe i."""
    def bars(self, contract_id: str) -> BarEngine | None: ...
    def book(self, contract_id: str) -> OrderBook | None: ...
    def attach_heuristics(self, contract_id: str, tracker: HeuristicTracker | None) -> None:
        """Feed ``tracker`` (``None``: detach) natively from the contract's book: after each
        applied depth entry and each applied, taped trade."""
    def heuristics(self, contract_id: str) -> HeuristicTracker | None:
        """The contract's attached tracker, if any."""
    def quote(self, contract_id: str) -> dict[str, float | int]: ...
    @property
    def others(self) -> list[bytes]: ...
    def reset(self) -> None: ...
    @property
    def contracts(self) -> list[str]: ...
