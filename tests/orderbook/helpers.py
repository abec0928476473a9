"""Builders and obviously-correct reference analytics for the ``projectx.orderbook`` tests.

The reference side of every comparison is plain Python over dicts and lists: the book state
comes from ``tests.reference.book_model.BookModel`` (the native book's documented rules on
dicts), the analytics below are written from their documented formulas, loop by loop.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from projectx._native.book import OrderBook as NativeBook
from projectx.orderbook import OrderBook
from tests.reference.book_model import BookModel

TICK = 0.25
BASE = 84_000  # 21000.0 in ticks

Entry = tuple[int, float, int, int]  # dom_type, price, volume, ts_ns


def px(ticks: int, tick: float = TICK) -> float:
    """Price of ``ticks`` (exact for 0.25)."""
    return ticks * tick


@dataclass
class Pair:
    """A native book wrapped by the manager, and the dict model fed the same entries."""

    native: NativeBook
    model: BookModel
    book: OrderBook

    def apply(self, entries: Iterable[Entry]) -> None:
        for t, p, v, ts in entries:
            a = self.native.apply(t, p, v, v, ts)
            b = self.model.apply(t, p, v, v, ts)
            assert a == b


def make_pair(
    entries: Iterable[Entry] = (),
    *,
    tick: float = TICK,
    levels: int = 4096,
    tick_value: float | None = 0.5,
    **kw: object,
) -> Pair:
    native = NativeBook(tick, levels=levels)
    model = BookModel(tick)
    pair = Pair(native, model, OrderBook(native, tick, tick_value, "MNQ", **kw))  # type: ignore[arg-type]
    pair.apply(entries)
    return pair


def ladder(bids: dict[int, int], asks: dict[int, int], ts: int = 1) -> list[Entry]:
    """Entries building exactly these levels (ticks -> size)."""
    out: list[Entry] = [(2, px(t), s, ts) for t, s in bids.items()]
    out += [(1, px(t), s, ts) for t, s in asks.items()]
    return out


@st.composite
def depth_sequences(draw: st.DrawFn, max_size: int = 60) -> list[Entry]:
    """Random level/best/trade/reset entries around BASE: sometimes the market jumps far away,
    sometimes one level rests deep on its side, far from the touch (outside a small window)."""
    n = draw(st.integers(1, max_size))
    out: list[Entry] = []
    centre = BASE
    for i in range(n):
        t = draw(st.sampled_from([1, 2, 1, 2, 1, 2, 3, 4, 9, 10, 5, 5, 11, 6]))
        if draw(st.integers(0, 30)) == 0:
            centre += draw(st.integers(-3000, 3000))
        off = draw(st.integers(-12, 12))
        if t in (1, 2) and draw(st.integers(0, 9)) == 0:
            off = draw(st.integers(100, 5000))  # deep, far from the touch
        if t in (2, 4, 9):
            ticks = centre - abs(off)
        elif t in (1, 3, 10):
            ticks = centre + 1 + abs(off)
        else:
            ticks = centre + off
        vol = draw(st.integers(0, 25)) if t != 6 else 0
        out.append((t, px(ticks), vol, 1000 * (i + 1)))
    return out


# ----------------------------------------------------------------------------- references


def ref_top(side: dict[int, int], n: int, bid: bool) -> list[tuple[int, int]]:
    keys = sorted(side, reverse=bid)[:n]
    return [(k, side[k]) for k in keys]


def ref_imbalance(model: BookModel, n: int) -> tuple[float, int, int]:
    b = sum(s for _, s in ref_top(model.bids, n, True))
    a = sum(s for _, s in ref_top(model.asks, n, False))
    return ((b - a) / (b + a) if b + a else math.nan), b, a


def ref_impact(
    levels: Sequence[tuple[int, int]], size: int
) -> tuple[int, float | None, int, int | None]:
    """(filled, average ticks, levels consumed, worst ticks) filling best-first ``levels``."""
    left = size
    cost = 0
    used = 0
    worst = None
    for t, s in levels:
        if left == 0:
            break
        take = min(s, left)
        cost += take * t
        left -= take
        used += 1
        worst = t
    filled = size - left
    return filled, (cost / filled if filled else None), used, worst


def ref_profile(
    trades: Sequence[tuple[int, int, int]], tpb: int, fraction: float = 0.7
) -> dict[str, Any]:
    """Volume profile from (ticks, volume, aggressor) with bins aligned to multiples of tpb."""
    vol: dict[int, int] = {}
    for t, v, _ in trades:
        b = math.floor(t / tpb)
        vol[b] = vol.get(b, 0) + v
    total = sum(vol.values())
    if total == 0:
        return {"total": 0}
    lo_b, hi_b = min(vol), max(vol)
    dense = [vol.get(b, 0) for b in range(lo_b, hi_b + 1)]
    best = max(dense)
    poc = dense.index(best)  # first = lowest price
    lo = hi = poc
    acc = dense[poc]
    while acc < fraction * total:
        up = dense[hi + 1] if hi + 1 < len(dense) else None
        down = dense[lo - 1] if lo > 0 else None
        if up is None and down is None:
            break
        if down is None or (up is not None and up >= down):
            hi += 1
            acc += dense[hi]
        else:
            lo -= 1
            acc += dense[lo]
    return {
        "total": total,
        "poc_ticks": (lo_b + poc) * tpb,
        "poc_volume": best,
        "va_low_ticks": (lo_b + lo) * tpb,
        "va_high_ticks": (lo_b + hi) * tpb + tpb - 1,
        "va_volume": acc,
        "bins": {b * tpb: v for b, v in sorted(vol.items()) if v},
    }
