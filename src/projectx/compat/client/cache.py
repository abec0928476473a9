"""project-x-py's ``CacheMixin``: the instrument and bar caches (the core's contract directory
caches instruments; bars are fetched fresh, so the market-data cache is the caller's)."""

from __future__ import annotations

from typing import Any

import polars as pl

from projectx.compat.client._core import ClientCore
from projectx.compat.models import Instrument

__all__ = ["CacheMixin"]


class CacheMixin(ClientCore):
    """Small explicit caches keyed as project-x-py keys them."""

    _instruments: dict[str, Instrument]
    _market_data: dict[str, pl.DataFrame]

    def get_cached_instrument(self, symbol: str) -> Instrument | None:
        """The instrument cached under ``symbol`` (case-insensitive), if any."""
        return self._instruments.get(symbol.upper())

    def cache_instrument(self, symbol: str, instrument: Instrument) -> None:
        """Cache ``instrument`` under ``symbol``."""
        self._instruments[symbol.upper()] = instrument

    def get_cached_market_data(self, cache_key: str) -> pl.DataFrame | None:
        """The frame cached under ``cache_key``, if any."""
        return self._market_data.get(cache_key)

    def cache_market_data(self, cache_key: str, data: pl.DataFrame) -> None:
        """Cache ``data`` under ``cache_key``."""
        self._market_data[cache_key] = data

    def clear_all_caches(self) -> None:
        """Forget every cached instrument and frame (the core directory's too)."""
        self._instruments.clear()
        self._market_data.clear()
        if self._core is not None:
            self._core.clear_cache()

    def get_cache_stats(self) -> dict[str, Any]:
        """Entries held here plus the core caches' hits, misses and sizes."""
        core = {}
        if self._core is not None:
            core = {
                name: {"hits": c.hits, "misses": c.misses, "size": c.size}
                for name, c in self._core.cache_stats.items()
            }
        return {
            "instrument_cache_size": len(self._instruments),
            "market_data_cache_size": len(self._market_data),
            "core": core,
        }
