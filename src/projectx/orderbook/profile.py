"""Volume profile of traded volume by price: point of control and value area.

Binning: trade prices become ticks on the contract's grid; a bin spans ``ticks_per_bin``
consecutive ticks and is labelled by its lowest price. With ``bins=N`` the width is
``ceil((highest tick - lowest tick + 1) / N)`` ticks and bins start at the lowest traded tick
(so at most ``N`` bins); with ``ticks_per_bin`` bins are aligned to multiples of that width.

- **Point of control (POC)**: the bin with the most volume; ties go to the lowest price.
- **Value area** (default 70 % of the volume): start from the POC bin and repeatedly add the
  neighbouring bin (one above or one below the current range, empty bins included) with the
  larger volume, the upper one on a tie, until the range holds at least ``value_area`` of the
  total volume. ``value_area_low`` is the lowest price of the lowest bin in the range,
  ``value_area_high`` the highest tick price of its highest bin.
"""

from __future__ import annotations

import math
from typing import TypedDict

import numpy as np
import polars as pl

from projectx.exceptions import ValidationError
from projectx.orderbook.grid import TickGrid, check_positive_int
from projectx.orderbook.tape import Trades

__all__ = ["VolumeProfile", "value_area_bounds", "volume_profile"]


class VolumeProfile(TypedDict):
    """Result of :func:`volume_profile`."""

    levels: pl.DataFrame  # price, volume, buy_volume, sell_volume (non-empty bins, ascending)
    point_of_control: float  # NaN without volume
    poc_volume: int
    value_area_high: float
    value_area_low: float
    value_area_volume: int
    value_area_pct: float
    total_volume: int
    ticks_per_bin: int
    trades: int
    source: str


def value_area_bounds(volumes: list[int], poc: int, fraction: float) -> tuple[int, int, int]:
    """Indices ``(lo, hi)`` of the value area around bin ``poc`` and the volume it holds."""
    total = sum(volumes)
    target = fraction * total
    lo = hi = poc
    acc = volumes[poc]
    last = len(volumes) - 1
    while acc < target and (lo > 0 or hi < last):
        up = volumes[hi + 1] if hi < last else -1
        down = volumes[lo - 1] if lo > 0 else -1
        if up >= down:
            hi += 1
            acc += up
        else:
            lo -= 1
            acc += down
    return lo, hi, acc


def _empty(tpb: int, pct: float, trades: Trades) -> VolumeProfile:
    return {
        "levels": pl.DataFrame(
            {"price": [], "volume": [], "buy_volume": [], "sell_volume": []},
            schema={
                "price": pl.Float64,
                "volume": pl.Int64,
                "buy_volume": pl.Int64,
                "sell_volume": pl.Int64,
            },
        ),
        "point_of_control": math.nan,
        "poc_volume": 0,
        "value_area_high": math.nan,
        "value_area_low": math.nan,
        "value_area_volume": 0,
        "value_area_pct": pct,
        "total_volume": 0,
        "ticks_per_bin": tpb,
        "trades": len(trades),
        "source": trades.source,
    }


def volume_profile(
    trades: Trades,
    grid: TickGrid,
    *,
    ticks_per_bin: int | None = None,
    bins: int | None = None,
    value_area: float = 0.70,
) -> VolumeProfile:
    """Volume by price bin of ``trades`` with POC and value area (see the module docstring)."""
    if ticks_per_bin is not None and bins is not None:
        raise ValidationError("give ticks_per_bin or bins, not both")
    if not (isinstance(value_area, int | float) and 0.0 < value_area <= 1.0):
        raise ValidationError(f"value_area must be in (0, 1], got {value_area!r}")
    tpb = 1 if ticks_per_bin is None else check_positive_int(ticks_per_bin, "ticks_per_bin")
    n_bins = None if bins is None else check_positive_int(bins, "bins")
    pct = float(value_area)
    if len(trades) == 0:
        return _empty(tpb, pct, trades)
    ticks = grid.ticks_array(trades.price)
    lo_tick = int(ticks.min())
    if n_bins is not None:
        tpb = max(1, -(-(int(ticks.max()) - lo_tick + 1) // n_bins))
        anchor = lo_tick
    else:
        anchor = (lo_tick // tpb) * tpb
    idx = (ticks - anchor) // tpb
    vol = trades.volume.astype(np.float64)
    # one histogram of (bin, aggressor): columns unknown / buy / sell
    code = idx * 3 + (trades.aggressor.astype(np.int64) + 1)
    cube = np.bincount(code, weights=vol).astype(np.int64)
    cube = np.concatenate((cube, np.zeros((-cube.shape[0]) % 3, dtype=np.int64))).reshape(-1, 3)
    volume = cube.sum(axis=1)
    buy = cube[:, 1]
    sell = cube[:, 2]
    total = int(volume.sum())
    if total == 0:
        return _empty(tpb, pct, trades)
    poc = int(np.argmax(volume))
    lo, hi, va_volume = value_area_bounds(volume.tolist(), poc, pct)
    nz = np.flatnonzero(volume)
    labels = grid.prices(anchor + nz.astype(np.int64) * tpb)
    levels = pl.DataFrame(
        {
            "price": labels,
            "volume": volume[nz],
            "buy_volume": buy[nz],
            "sell_volume": sell[nz],
        }
    )
    return {
        "levels": levels,
        "point_of_control": grid.price(anchor + poc * tpb),
        "poc_volume": int(volume[poc]),
        "value_area_high": grid.price(anchor + hi * tpb + tpb - 1),
        "value_area_low": grid.price(anchor + lo * tpb),
        "value_area_volume": int(va_volume),
        "value_area_pct": pct,
        "total_volume": total,
        "ticks_per_bin": tpb,
        "trades": len(trades),
        "source": trades.source,
    }
