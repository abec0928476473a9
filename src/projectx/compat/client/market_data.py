"""project-x-py's ``MarketDataMixin``: instruments and historical bars."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import polars as pl

from projectx.compat.client._core import ClientCore, aware
from projectx.compat.exceptions import ProjectXDataError, ProjectXInstrumentError, translating
from projectx.compat.models import Instrument
from projectx.enums import BarUnit

__all__ = ["UTC", "MarketDataMixin"]

_MAX_BARS = 20_000


class MarketDataMixin(ClientCore):
    """Instruments and bars, mapped onto the core client (its contract directory and cache)."""

    async def get_instrument(self, symbol: str, live: bool = False) -> Instrument:
        """The contract for a product root (``"MNQ"``: the front month), an exact name or a
        contract id."""
        with translating(invalid=ProjectXInstrumentError):
            contract = await self.core.resolve_contract(symbol, live=live)
        return Instrument.from_core(contract)

    async def search_instruments(self, query: str, live: bool = False) -> list[Instrument]:
        """``Contract/search``: the live contracts whose name matches ``query``."""
        with translating(invalid=ProjectXInstrumentError):
            contracts = await self.core.search_contracts(query, live=live)
        return [Instrument.from_core(c) for c in contracts]

    async def list_available_contracts(self, live: bool = False) -> list[Instrument]:
        """``Contract/available``: every contract the Gateway lists."""
        with translating(invalid=ProjectXInstrumentError):
            contracts = await self.core.available_contracts(live=live)
        return [Instrument.from_core(c) for c in contracts]

    async def get_bars(
        self,
        symbol: str,
        days: int = 8,
        interval: int = 5,
        unit: int = 2,
        limit: int | None = None,
        partial: bool = True,
        start_time: datetime | None = None,
        end_time: datetime | None = None,
        live: bool = False,
    ) -> pl.DataFrame:
        """Historical OHLCV bars: columns ``timestamp`` (in ``config.timezone``), ``open``,
        ``high``, ``low``, ``close``, ``volume``; ``unit`` is the Gateway's (1 s, 2 min,
        3 h, 4 day, 5 week, 6 month). Naive ``start_time``/``end_time`` are read in
        ``config.timezone``; without ``start_time`` the window is the last ``days`` days."""
        zone = self.timezone
        with translating(invalid=ProjectXDataError):
            bar_unit = (
                BarUnit(unit) if isinstance(unit, int) and unit in (1, 2, 3, 4, 5, 6) else unit
            )
            end = aware(end_time, zone) if end_time is not None else datetime.now(UTC)
            if start_time is not None:
                start = aware(start_time, zone)
            else:
                if isinstance(days, bool) or not isinstance(days, int | float) or days <= 0:
                    raise ProjectXDataError(f"days must be a number > 0, got {days!r}")
                start = end - timedelta(days=days)
            frame = await self.core.get_bars(
                symbol,
                unit=bar_unit,
                unit_number=interval,
                start=start,
                end=end,
                limit=min(limit, _MAX_BARS * 50) if limit is not None else None,
                include_partial=partial,
                live=live,
            )
        return frame.rename({"ts": "timestamp"}).with_columns(
            pl.col("timestamp").dt.convert_time_zone(self.config.timezone)
        )
