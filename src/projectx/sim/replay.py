"""Replay of a recorded market file through :class:`~projectx.sim.market.MarketSimulator`
(:func:`market_from_recording`).

Recording format (one Parquet file, rows sorted by time; what ``projectx record`` should write):

============  =======  ===========================================================
column        type     meaning
============  =======  ===========================================================
``ts_ns``     int64    event time, nanoseconds since the epoch, UTC
``contract_id`` str    Gateway contract id (only its product root is used, so a
                       recording of ``CON.F.US.MNQ.U26`` replays as today's MNQ)
``event``     int8     0 = market trade, 1 = depth entry
``type``      int8     trade: TradeLogType (0 buy, 1 sell); depth: DomType (§5.5)
``price``     float64  trade price / level price (must be on the tick grid)
``volume``    int64    trade size / level size (0 removes a level)
============  =======  ===========================================================

Depth rows with the same ``ts_ns`` and contract form one ``GatewayDepth`` batch. The book is
rebuilt from the depth rows (Ask/BestAsk/NewBestAsk set an ask level, Bid/BestBid/NewBestBid a
bid level, Reset clears; Trade/Low/High/Fill rows are passed through without touching it).
Trades update last/high/low/session volume and the bar history; quotes are derived (one full
``GatewayQuote`` after every trade and whenever the best bid or ask changes), as in the
synthetic market.

A directory written by ``projectx record`` (``market-*.parquet`` parts plus a manifest) is read
as one recording: its parts are concatenated in name order; extra columns are ignored.

Timing: with ``shift`` (default) the first recorded event plays at the clock's time when the
simulator is built and later ones keep their spacing divided by ``speed``; without it events
keep their recorded times (drive a ManualClock to them). The replay ends with the file.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from projectx.enums import DomType
from projectx.sim.clock import NS_PER_US, SimClock, format_ts
from projectx.sim.contracts import ContractSpec, resolve_symbols
from projectx.sim.market import MarketEvent, MarketSimulator

__all__ = [
    "RECORDING_COLUMNS",
    "ArrayFeeder",
    "RecordingError",
    "Replay",
    "load_recording",
    "market_from_recording",
]

RECORDING_COLUMNS = ("ts_ns", "contract_id", "event", "type", "price", "volume")
_ASK_TYPES = frozenset({int(DomType.ASK), int(DomType.BEST_ASK), int(DomType.NEW_BEST_ASK)})
_BID_TYPES = frozenset({int(DomType.BID), int(DomType.BEST_BID), int(DomType.NEW_BEST_BID)})
_RESET = int(DomType.RESET)


class RecordingError(ValueError):
    """The recording cannot be replayed (missing columns, bad values, unknown products)."""


def _root(contract_id: str) -> str:
    parts = str(contract_id).split(".")
    if len(parts) < 4:
        raise RecordingError(f"not a Gateway contract id: {contract_id!r}")
    return parts[3]


def load_recording(path: str | Path) -> dict[str, list[Any]]:
    """Read a recording into column lists, sorted by ``ts_ns`` (stable)."""
    import polars as pl

    p = Path(path)
    if p.is_dir():
        parts = sorted(p.glob("market-*.parquet"))
        if not parts:
            raise RecordingError(f"{p}: no market-*.parquet files in this directory")
    elif p.is_file():
        parts = [p]
    else:
        raise RecordingError(f"recording not found: {p}")
    try:
        frames = [pl.read_parquet(part) for part in parts]
    except Exception as exc:  # polars raises several error types for bad files
        raise RecordingError(f"cannot read {p} as Parquet: {exc}") from exc
    missing_any = [c for f in frames for c in RECORDING_COLUMNS if c not in f.columns]
    if missing_any:
        raise RecordingError(f"{p}: missing column(s) {', '.join(dict.fromkeys(missing_any))}")
    df = pl.concat([f.select(RECORDING_COLUMNS) for f in frames], how="vertical_relaxed")
    missing = [c for c in RECORDING_COLUMNS if c not in df.columns]
    if missing:
        raise RecordingError(f"{p}: missing column(s) {', '.join(missing)}")
    df = df.select(RECORDING_COLUMNS).sort("ts_ns", maintain_order=True)
    if df.null_count().sum_horizontal().item():
        raise RecordingError(f"{p}: null values in the recording")
    return {c: df[c].to_list() for c in RECORDING_COLUMNS}


class Replay:
    """Plays recorded rows into a :class:`MarketSimulator` (see the module docstring)."""

    def __init__(
        self,
        rows: dict[str, list[Any]],
        specs_by_root: dict[str, ContractSpec],
        *,
        start_ns: int,
        speed: float = 1.0,
        shift: bool = True,
    ) -> None:
        if not math.isfinite(speed) or speed <= 0:
            raise RecordingError(f"speed must be finite and > 0, got {speed!r}")
        self._events: list[tuple[int, str, int, int, int, int]] = []
        ts_list = rows["ts_ns"]
        first = ts_list[0] if ts_list else start_ns
        for ts, cid, ev, typ, price, vol in zip(
            ts_list,
            rows["contract_id"],
            rows["event"],
            rows["type"],
            rows["price"],
            rows["volume"],
            strict=True,
        ):
            spec = specs_by_root.get(_root(cid))
            if spec is None:
                continue
            if ev not in (0, 1):
                raise RecordingError(f"event must be 0 (trade) or 1 (depth), got {ev!r}")
            if vol < 0 or (ev == 0 and vol == 0):
                raise RecordingError(f"bad volume {vol!r} at ts_ns={ts}")
            kind = int(typ)
            if ev == 1 and kind in (_RESET, 7, 8, 0):
                ticks = 0 if not spec.is_aligned(price) else spec.to_ticks(price)
            elif not spec.is_aligned(price):
                raise RecordingError(f"price {price!r} of {cid} is off the {spec.tick_size} grid")
            else:
                ticks = spec.to_ticks(price)
            t = int(ts)
            if shift:
                t = start_ns + int((t - first) / speed)
            t -= t % NS_PER_US
            self._events.append((t, spec.id, int(ev), kind, ticks, int(vol)))
        self._pos = 0

    @property
    def next_ns(self) -> int:
        """Time of the next recorded event (a far-future sentinel when done)."""
        return self._events[self._pos][0] if self._pos < len(self._events) else 2**62

    @property
    def done(self) -> bool:
        """Whether every recorded event has been played."""
        return self._pos >= len(self._events)

    def first_trade_ticks(self) -> dict[str, int]:
        """The first recorded trade price (in ticks) of each contract."""
        first: dict[str, int] = {}
        for _, cid, ev, _, ticks, _ in self._events:
            if ev == 0:
                first.setdefault(cid, ticks)
        return first

    def play(self, sim: MarketSimulator, until_ns: int, out: list[MarketEvent]) -> None:
        """Apply every event due at or before ``until_ns``; append hub events to ``out``."""
        events = self._events
        n = len(events)
        i = self._pos
        while i < n and events[i][0] <= until_ns:
            ts, cid, ev, kind, ticks, vol = events[i]
            m = sim.markets[cid]
            ts_s = format_ts(ts)
            top = (m.last_ticks, m.bb if m.bids else None, m.ba if m.asks else None)
            if ev == 0:
                i += 1
                sim.apply_replayed_trade(m, ts, ts_s, ticks, vol, kind)
            else:
                batch: list[dict[str, Any]] = []
                while i < n and events[i][0] == ts and events[i][1] == cid and events[i][2] == 1:
                    _, _, _, kind, ticks, vol = events[i]
                    _apply_depth(m, kind, ticks, vol)
                    price = 0 if kind == _RESET else m.spec.price(ticks)
                    batch.append(
                        {
                            "timestamp": ts_s,
                            "type": kind,
                            "price": price,
                            "volume": vol,
                            "currentVolume": vol,
                        }
                    )
                    i += 1
                out.append(("GatewayDepth", cid, batch))
                sim.notify_step(cid, ts)
            m.last_ns = max(m.last_ns, ts)
            if ev == 0 or top != (m.last_ticks, m.bb if m.bids else None, m.ba if m.asks else None):
                out.append(("GatewayQuote", cid, m._quote(ts_s)))
        self._pos = i


def _apply_depth(m: Any, kind: int, ticks: int, vol: int) -> None:
    if kind == _RESET:
        m.bids.clear()
        m.asks.clear()
    elif kind in _ASK_TYPES:
        if vol:
            m.asks[ticks] = vol
        else:
            m.asks.pop(ticks, None)
    elif kind in _BID_TYPES:
        if vol:
            m.bids[ticks] = vol
        else:
            m.bids.pop(ticks, None)
    else:
        return
    if m.bids:
        m.bb = max(m.bids)
    if m.asks:
        m.ba = min(m.asks)


def specs_for_recording(
    rows: dict[str, list[Any]], contracts: Iterable[ContractSpec] | None, now_ns: int
) -> list[ContractSpec]:
    """The contracts to serve: ``contracts`` if given, else the known products recorded."""
    if contracts is not None:
        given = list(contracts)
        if not given:
            raise RecordingError("no contracts given for the replay")
        return given
    roots = list(dict.fromkeys(_root(c) for c in rows["contract_id"]))
    specs: list[ContractSpec] = []
    for root in roots:
        try:
            specs.extend(resolve_symbols([root], now_ns))
        except ValueError:
            continue  # a product the simulator does not know: its rows are skipped
    if not specs:
        raise RecordingError(f"no known product in the recording (roots: {roots})")
    return specs


def build_replay(
    path: str | Path,
    *,
    contracts: Iterable[ContractSpec] | None,
    clock: SimClock,
    speed: float = 1.0,
    shift: bool = True,
) -> tuple[list[ContractSpec], Replay]:
    """Load ``path`` and prepare its replay against ``clock``."""
    rows = load_recording(path)
    now = clock.now_ns()
    specs = specs_for_recording(rows, contracts, now)
    replay = Replay(
        rows, {s.root: s for s in specs}, start_ns=now - now % NS_PER_US, speed=speed, shift=shift
    )
    return specs, replay


def market_from_recording(
    path: str | Path,
    *,
    clock: SimClock,
    contracts: Iterable[ContractSpec] | None = None,
    seed: int = 0,
    speed: float = 1.0,
    shift: bool = True,
) -> MarketSimulator:
    """A market that replays the recording at ``path`` (format and rules: the module docstring).

    ``contracts`` (default: the products found in the file) are matched to recorded rows by
    product root. No synthetic steps and no pre-generated history: bars come from the replayed
    trades. ``seed`` is accepted for symmetry and unused.
    """
    specs, replay = build_replay(path, contracts=contracts, clock=clock, speed=speed, shift=shift)
    sim = MarketSimulator.for_replay(
        specs, clock=clock, first_ticks=replay.first_trade_ticks(), seed=seed
    )
    sim.attach_player(replay)
    return sim


_TOUCH_SIZE = 1_000_000_000


class ArrayFeeder:
    """Applies recorded rows, given as NumPy arrays, to a :meth:`MarketSimulator.for_replay` market.

    The replay runner (:mod:`projectx.replay`) sends the recorded messages to the client itself,
    so nothing here builds wire events. Trades come in two speeds:

    * ``step=False``: state only. Last/high/low price, session volume, ``last_ns`` and the trade
      history move to their values after the slice in a few vectorised operations. Correct
      whenever no order of the contract is working (nothing could match a trade in between).
    * ``step=True``: one engine step per trade; the step listeners (the exchange's matching of
      resting orders) run after each.

    A contract listed in ``touch_only`` has no recorded depth ("trades-only" recording, or bars
    turned into trades): its book is a single level at the last trade price on both sides with
    unbounded size, so market orders fill at the last trade price. While the exchange matches a
    trade, only the side that trade hit is shown (the bid on a down move, the ask on an up move,
    neither when the price did not move): a resting limit the trade reached fills at its limit
    price for at most the trade's volume (the simulator's rule for limits crossed by a trade),
    a stop the trade triggered fills at the trade price.
    """

    def __init__(self, sim: MarketSimulator, touch_only: Iterable[str] = ()) -> None:
        self.sim = sim
        self.touch_only = frozenset(touch_only)
        for cid in self.touch_only:
            self._touch(sim.markets[cid])

    @staticmethod
    def _touch(m: Any) -> None:
        t = m.last_ticks
        m.bids = {t: _TOUCH_SIZE}
        m.asks = {t: _TOUCH_SIZE}
        m.bb = m.ba = t

    def trades(
        self,
        contract_id: str,
        ts_ns: npt.NDArray[np.int64],
        ticks: npt.NDArray[np.int64],
        volume: npt.NDArray[np.int64],
        *,
        step: bool,
    ) -> None:
        """Apply a time-ordered slice of trades of one contract (see the class docstring)."""
        n = len(ts_ns)
        if n == 0:
            return
        sim = self.sim
        m = sim.markets[contract_id]
        series = sim.history._series[contract_id]
        touch = contract_id in self.touch_only
        if not step:
            m.last_ticks = int(ticks[-1])
            hi = int(ticks.max())
            lo = int(ticks.min())
            if hi > m.high_ticks:
                m.high_ticks = hi
            if lo < m.low_ticks:
                m.low_ticks = lo
            m.session_volume += int(volume.sum())
            last = int(ts_ns[-1])
            if last > m.last_ns:
                m.last_ns = last
            _extend(series.ts, ts_ns)
            _extend(series.ticks, ticks)
            _extend(series.vol, volume)
            sim.steps += n
            if touch:
                self._touch(m)
            return
        listeners = sim.step_listeners
        for ts, t, v in zip(ts_ns.tolist(), ticks.tolist(), volume.tolist(), strict=True):
            prev = m.last_ticks
            m.last_ticks = t
            if t > m.high_ticks:
                m.high_ticks = t
            if t < m.low_ticks:
                m.low_ticks = t
            m.session_volume += v
            if ts > m.last_ns:
                m.last_ns = ts
            series.ts.append(ts)
            series.ticks.append(t)
            series.vol.append(v)
            sim.steps += 1
            if touch:
                # while orders are matched against this trade only the side the trade hit is
                # shown (the bid for a down move, the ask for an up move, none for no move): a
                # resting limit the trade reached fills at its limit for at most the trade's
                # volume, a stop the trade triggered fills at the trade price
                m.bids = {t: _TOUCH_SIZE} if t < prev else {}
                m.asks = {t: _TOUCH_SIZE} if t > prev else {}
                m.bb = m.ba = t
            for cb in listeners:
                cb(contract_id, ts, t, v)
            if touch:
                self._touch(m)

    def depth(
        self,
        contract_id: str,
        ts_ns: int,
        kinds: npt.NDArray[np.int64],
        ticks: npt.NDArray[np.int64],
        volume: npt.NDArray[np.int64],
        *,
        step: bool,
    ) -> None:
        """Apply one batch of depth entries; with ``step`` let the listeners re-check orders."""
        m = self.sim.markets[contract_id]
        for kind, t, v in zip(kinds.tolist(), ticks.tolist(), volume.tolist(), strict=True):
            _apply_depth(m, kind, t, v)
        if ts_ns > m.last_ns:
            m.last_ns = ts_ns
        self.sim.steps += 1
        if step:
            for cb in self.sim.step_listeners:
                cb(contract_id, ts_ns, -1, 0)


def _extend(store: array[int], values: npt.NDArray[np.int64]) -> None:
    store.frombytes(np.ascontiguousarray(values, dtype=np.int64).tobytes())
