"""Book-side analytics over the native ladder: imbalance, depth, market impact, liquidity, S/R.

Everything reads the native book's own arrays: ``depth``/``top`` (filled natively, best first)
or the read-only ``bid_sizes``/``ask_sizes`` ladder views, where index ``i`` is the level at tick
``base_ticks + i``, together with ``outside_levels`` (the levels outside the ladder window, rare
and few). Nothing is copied per update; each call costs O(levels touched) in NumPy.

Formulas (sizes in contracts, ``B``/``A`` the bid/ask sizes summed over the levels considered):

- imbalance = ``(B - A) / (B + A)`` in [-1, 1] (+1 all bids, -1 all asks; NaN when both are 0);
  ``bid_ask_ratio`` = ``B / A`` (``inf`` when only bids, NaN when both are 0).
- market impact of a ``size`` taker order: walk the opposite side from its best level; average
  fill price = sum(price x filled) / filled; slippage in ticks = average minus best, positive
  when worse for the taker; the remainder the book cannot fill is ``unfilled``.
- support/resistance strength = resting size at the price + traded volume at the price.
"""

from __future__ import annotations

import math
from typing import TypedDict

import numpy as np
import numpy.typing as npt
import polars as pl

from projectx._native.book import OrderBook as NativeBook
from projectx.exceptions import ValidationError
from projectx.orderbook.grid import ASK, BID, Side, TickGrid, side_name
from projectx.orderbook.tape import Trades

__all__ = [
    "DepthInRange",
    "Imbalance",
    "MarketImpact",
    "SupportResistance",
    "SupportResistanceLevel",
    "depth_in_range",
    "imbalance",
    "liquidity_levels",
    "market_impact",
    "support_resistance",
]

_I64 = npt.NDArray[np.int64]
_F64 = npt.NDArray[np.float64]
_EPS = 1e-9


class Imbalance(TypedDict):
    """Result of :func:`imbalance`."""

    imbalance: float
    bid_ask_ratio: float
    bid_volume: int
    ask_volume: int
    bid_levels: int
    ask_levels: int
    levels: int


class MarketImpact(TypedDict):
    """Result of :func:`market_impact` (prices NaN when nothing can be filled)."""

    side: str  # "buy" (takes asks) or "sell" (takes bids)
    size: int
    filled: int
    unfilled: int
    fully_filled: bool
    best_price: float
    average_price: float
    worst_price: float
    slippage: float  # price units, >= 0: how much worse than the best level on average
    slippage_ticks: float
    slippage_cost: float  # slippage_ticks x tick_value x filled (NaN without a tick value)
    levels_consumed: int


class DepthInRange(TypedDict):
    """Result of :func:`depth_in_range`."""

    reference_price: float
    price_range: float
    low_price: float
    high_price: float
    bid_volume: int
    ask_volume: int
    bid_levels: int
    ask_levels: int
    imbalance: float


class SupportResistanceLevel(TypedDict):
    """One level of :class:`SupportResistance`."""

    price: float
    strength: int  # resting_volume + traded_volume
    resting_volume: int
    traded_volume: int
    distance_ticks: float  # from the reference price, >= 0


class SupportResistance(TypedDict):
    """Result of :func:`support_resistance`."""

    reference_price: float
    support: list[SupportResistanceLevel]
    resistance: list[SupportResistanceLevel]


def _ratio(b: int, a: int) -> tuple[float, float]:
    total = b + a
    imb = (b - a) / total if total else math.nan
    ratio = b / a if a else (math.inf if b else math.nan)
    return imb, ratio


def imbalance(
    bid_sizes: _I64, ask_sizes: _I64, bid_levels: int, ask_levels: int, levels: int
) -> Imbalance:
    """Imbalance of the best ``bid_levels``/``ask_levels`` entries of the given size arrays."""
    b = sum(bid_sizes[:bid_levels].tolist())
    a = sum(ask_sizes[:ask_levels].tolist())
    imb, ratio = _ratio(b, a)
    return {
        "imbalance": imb,
        "bid_ask_ratio": ratio,
        "bid_volume": b,
        "ask_volume": a,
        "bid_levels": bid_levels,
        "ask_levels": ask_levels,
        "levels": levels,
    }


def _side_levels(book: NativeBook, side: Side, need: int) -> tuple[list[float], list[int]]:
    """Best levels of ``side`` until their sizes reach ``need`` or the side is exhausted."""
    n = 32
    while True:
        prices, sizes = book.depth(side, n)
        if prices.shape[0] < n or int(sizes.sum()) >= need:
            return prices.tolist(), sizes.tolist()
        n *= 4


def market_impact(
    book: NativeBook, grid: TickGrid, size: int, taker: Side, tick_value: float | None
) -> MarketImpact:
    """Fill a ``size`` taker order (``taker`` 0 buy, 1 sell) against the resting book."""
    prices, sizes = _side_levels(book, ASK if taker == 0 else BID, size)
    nan = math.nan
    if not prices:
        return {
            "side": "buy" if taker == 0 else "sell",
            "size": size,
            "filled": 0,
            "unfilled": size,
            "fully_filled": False,
            "best_price": nan,
            "average_price": nan,
            "worst_price": nan,
            "slippage": nan,
            "slippage_ticks": nan,
            "slippage_cost": nan,
            "levels_consumed": 0,
        }
    # walk best first; exact integer arithmetic in ticks relative to the best level
    best = grid.to_ticks(prices[0])
    left = size
    rel = 0
    used = 0
    worst = best
    for price, avail in zip(prices, sizes, strict=True):
        take = avail if avail < left else left
        worst = grid.to_ticks(price)
        rel += (worst - best) * take
        left -= take
        used += 1
        if left == 0:
            break
    filled = size - left
    slip_ticks = (rel if taker == 0 else -rel) / filled
    return {
        "side": "buy" if taker == 0 else "sell",
        "size": size,
        "filled": filled,
        "unfilled": left,
        "fully_filled": left == 0,
        "best_price": grid.price(best),
        "average_price": grid.price_float(best + rel / filled),
        "worst_price": grid.price(worst),
        "slippage": slip_ticks * grid.tick_size,
        "slippage_ticks": slip_ticks,
        "slippage_cost": slip_ticks * tick_value * filled if tick_value is not None else nan,
        "levels_consumed": used,
    }


def _reference_half_ticks(book: NativeBook, grid: TickGrid) -> int | None:
    """Twice the reference tick: bid + ask when both sides exist, else twice the one best."""
    has_bid = book.bid_levels > 0
    has_ask = book.ask_levels > 0
    if has_bid and has_ask:
        return grid.to_ticks(book.best_bid) + grid.to_ticks(book.best_ask)
    if has_bid:
        return 2 * grid.to_ticks(book.best_bid)
    if has_ask:
        return 2 * grid.to_ticks(book.best_ask)
    return None


def _half_price(grid: TickGrid, m2: int) -> float:
    return 0.5 * (grid.price(m2 // 2) + grid.price(m2 - m2 // 2))


def depth_in_range(book: NativeBook, grid: TickGrid, price_range: float) -> DepthInRange:
    """Resting volume within ``price_range`` (price units) of the mid, both ends included.

    The reference is the mid when both sides have levels, else the one best price; with an
    empty book every figure is 0 (prices NaN).
    """
    if not (isinstance(price_range, int | float) and 0.0 <= price_range < math.inf):
        raise ValidationError(f"price_range must be a finite number >= 0, got {price_range!r}")
    m2 = _reference_half_ticks(book, grid)
    if m2 is None:
        nan = math.nan
        return {
            "reference_price": nan,
            "price_range": float(price_range),
            "low_price": nan,
            "high_price": nan,
            "bid_volume": 0,
            "ask_volume": 0,
            "bid_levels": 0,
            "ask_levels": 0,
            "imbalance": nan,
        }
    r2 = 2.0 * grid.ticks_float(float(price_range))
    lo_t = math.ceil((m2 - r2) / 2.0 - _EPS)
    hi_t = math.floor((m2 + r2) / 2.0 + _EPS)
    base = book.base_ticks
    a = max(lo_t - base, 0)
    b = min(hi_t - base + 1, book.levels)
    bids = book.bid_sizes[a:b] if a < b else book.bid_sizes[:0]
    asks = book.ask_sizes[a:b] if a < b else book.ask_sizes[:0]
    ob, nob = _outside_in(book, BID, lo_t, hi_t)
    oa, noa = _outside_in(book, ASK, lo_t, hi_t)
    bv = int(bids.sum()) + ob
    av = int(asks.sum()) + oa
    return {
        "reference_price": _half_price(grid, m2),
        "price_range": float(price_range),
        "low_price": grid.price(lo_t),
        "high_price": grid.price(hi_t),
        "bid_volume": bv,
        "ask_volume": av,
        "bid_levels": int(np.count_nonzero(bids)) + nob,
        "ask_levels": int(np.count_nonzero(asks)) + noa,
        "imbalance": _ratio(bv, av)[0],
    }


def _outside_in(book: NativeBook, side: Side, lo_t: int, hi_t: int) -> tuple[int, int]:
    """(volume, levels) of the levels of ``side`` outside the window within ``[lo_t, hi_t]``."""
    ticks, sizes = book.outside_levels(side)
    keep = (ticks >= lo_t) & (ticks <= hi_t)
    return int(sizes[keep].sum()), int(np.count_nonzero(keep))


def _side_frame(
    book: NativeBook, grid: TickGrid, side: Side, min_volume: int
) -> tuple[_I64, _I64, _I64]:
    """Ticks, sizes and distance-from-touch (ticks) of the levels of ``side`` >= min_volume,
    window and outside store alike."""
    view = book.bid_sizes if side == BID else book.ask_sizes
    idx = np.flatnonzero(view >= min_volume)
    out_t, out_s = book.outside_levels(side)
    far = out_s >= min_volume
    ticks = np.concatenate((idx.astype(np.int64) + book.base_ticks, out_t[far]))
    sizes = np.concatenate((view[idx].astype(np.int64), out_s[far]))
    if side == BID:
        best = grid.to_ticks(book.best_bid) if book.bid_levels else 0
        dist = best - ticks
    else:
        best = grid.to_ticks(book.best_ask) if book.ask_levels else 0
        dist = ticks - best
    return ticks, sizes, dist


def liquidity_levels(
    book: NativeBook, grid: TickGrid, min_volume: int, top_k: int | None, side: Side | None
) -> pl.DataFrame:
    """Resting levels of at least ``min_volume`` contracts, largest first (``top_k`` of them).

    Columns: ``price``, ``volume``, ``side`` ("bid"/"ask"), ``distance_ticks`` (from the best
    level of its side, 0 at the touch). Order: volume descending, then nearer the touch, then
    price ascending.
    """
    parts_t: list[_I64] = []
    parts_v: list[_I64] = []
    parts_d: list[_I64] = []
    parts_s: list[npt.NDArray[np.int8]] = []
    for s in (BID, ASK) if side is None else (side,):
        t, v, d = _side_frame(book, grid, s, min_volume)
        parts_t.append(t)
        parts_v.append(v)
        parts_d.append(d)
        parts_s.append(np.full(t.shape[0], s, dtype=np.int8))
    ticks = np.concatenate(parts_t)
    vols = np.concatenate(parts_v)
    dist = np.concatenate(parts_d)
    sides = np.concatenate(parts_s)
    order = np.lexsort((ticks, dist, -vols))  # last key first: volume desc, distance, price
    if top_k is not None:
        order = order[:top_k]
    return pl.DataFrame(
        {
            "price": grid.prices(ticks[order]),
            "volume": vols[order],
            "side": pl.Series([side_name(x) for x in sides[order].tolist()], dtype=pl.String),
            "distance_ticks": dist[order],
        }
    )


def _per_tick(ticks: _I64, volume: _I64) -> tuple[_I64, _I64]:
    """Distinct ticks (ascending) with their summed volume; bincount over the traded span."""
    if ticks.shape[0] == 0:
        return ticks, volume
    lo = int(ticks.min())
    span = int(ticks.max()) - lo + 1
    if span > 4 * ticks.shape[0] + 4096:  # sparse outliers: sort instead of a huge histogram
        uniq, inv = np.unique(ticks, return_inverse=True)
        sums = np.bincount(inv, weights=volume.astype(np.float64), minlength=uniq.shape[0])
        return uniq.astype(np.int64), sums.astype(np.int64)
    sums = np.bincount(ticks - lo, weights=volume.astype(np.float64), minlength=span)
    nz = np.flatnonzero(sums)
    return nz.astype(np.int64) + lo, sums[nz].astype(np.int64)


def _merge(rest_t: _I64, rest_v: _I64, trade_t: _I64, trade_v: _I64) -> tuple[_I64, _I64, _I64]:
    """Per distinct tick: (ticks, resting volume, traded volume)."""
    tt, tv = _per_tick(trade_t, trade_v)
    ticks, inv = np.unique(np.concatenate((rest_t, tt)), return_inverse=True)
    n = ticks.shape[0]
    k = rest_t.shape[0]
    rest = np.bincount(inv[:k], weights=rest_v.astype(np.float64), minlength=n)
    traded = np.bincount(inv[k:], weights=tv.astype(np.float64), minlength=n)
    return ticks.astype(np.int64), rest.astype(np.int64), traded.astype(np.int64)


def _rank(
    grid: TickGrid, m2: int, ticks: _I64, rest: _I64, traded: _I64, levels: int
) -> list[SupportResistanceLevel]:
    strength = rest + traded
    dist2 = np.abs(2 * ticks - m2)
    order = np.lexsort((dist2, -strength))[:levels]
    return [
        {
            "price": grid.price(int(ticks[i])),
            "strength": int(strength[i]),
            "resting_volume": int(rest[i]),
            "traded_volume": int(traded[i]),
            "distance_ticks": float(dist2[i]) / 2.0,
        }
        for i in order.tolist()
    ]


def support_resistance(
    book: NativeBook, grid: TickGrid, trades: Trades, levels: int
) -> SupportResistance:
    """The ``levels`` strongest support (below) and resistance (above) prices.

    Reference price: the mid, else the last traded price, else the one best price of a one-sided
    book. Support candidates are prices strictly below it: resting bids plus volume traded
    there; resistance candidates are strictly above it: resting asks plus volume traded there.
    Strength = resting + traded contracts; ties go to the price nearer the reference. Prices
    with neither (zero-volume prints) are not candidates.
    """
    m2: int | None
    if book.bid_levels and book.ask_levels:
        m2 = grid.to_ticks(book.best_bid) + grid.to_ticks(book.best_ask)
    elif len(trades):
        m2 = 2 * grid.to_ticks(float(trades.price[-1]))
    else:
        m2 = _reference_half_ticks(book, grid)
    if m2 is None:
        return {"reference_price": math.nan, "support": [], "resistance": []}
    trade_t = grid.ticks_array(trades.price)
    below = 2 * trade_t < m2
    above = 2 * trade_t > m2
    bt, bv, _ = _side_frame(book, grid, BID, 1)
    at, av, _ = _side_frame(book, grid, ASK, 1)
    keep_b = 2 * bt < m2
    keep_a = 2 * at > m2
    st, sr, sx = _merge(bt[keep_b], bv[keep_b], trade_t[below], trades.volume[below])
    rt, rr, rx = _merge(at[keep_a], av[keep_a], trade_t[above], trades.volume[above])
    return {
        "reference_price": _half_price(grid, m2),
        "support": _rank(grid, m2, st, sr, sx, levels),
        "resistance": _rank(grid, m2, rt, rr, rx, levels),
    }
