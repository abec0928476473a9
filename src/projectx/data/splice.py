"""Replace a range of closed bars in a native bar ring with bars from REST (gap repair)."""

from __future__ import annotations

import numpy as np

from projectx._native.ring import BarRing
from projectx.data.history import BarArrays

__all__ = ["splice_closed"]


def splice_closed(ring: BarRing, rest: BarArrays, from_ns: int, to_ns: int) -> tuple[int, int]:
    """Make the ring's closed bars with open time in ``[from_ns, to_ns)`` agree with ``rest``.

    Bars outside the range are kept as they are. Inside it, a REST bar replaces the live bar of
    the same open time and adds the bars the live feed never saw; a live bar REST does not have
    is kept (REST lagging behind trades the feed did see: dropping them would lose data). REST
    bars carry no trade count, so spliced bars have ``trades == 0``. O(ring size); rare (after
    gaps). Returns ``(REST bars written, live bars kept that REST lacked)``.
    """
    current = ring.latest(copy=True)
    ring_ts = np.asarray(current["ts"], dtype=np.int64)
    take = (rest["ts_ns"] >= from_ns) & (rest["ts_ns"] < to_ns)
    rest_ts = rest["ts_ns"][take]
    inside = (ring_ts >= from_ns) & (ring_ts < to_ns)
    unmatched = inside & ~np.isin(ring_ts, rest_ts)
    keep = ~inside | unmatched
    n_rest = int(take.sum())
    ts = np.concatenate([ring_ts[keep], rest_ts])
    order = np.argsort(ts, kind="stable")
    columns = [ts[order]]
    for name in ("open", "high", "low", "close", "volume"):
        columns.append(np.concatenate([current[name][keep], rest[name][take]])[order])
    trades = np.concatenate([current["trades"][keep], np.zeros(n_rest, np.int64)])[order]
    columns.append(trades)
    ring.clear()
    ring.extend(*columns)
    return n_rest, int(unmatched.sum())
