"""project-x-py's ``TradingMixin``: positions and trades of the account."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from projectx.compat.client._core import ClientCore, aware
from projectx.compat.exceptions import ProjectXDataError, ProjectXPositionError, translating
from projectx.compat.models import Position, Trade

__all__ = ["TradingMixin"]


class TradingMixin(ClientCore):
    """Account positions and fills over REST."""

    async def get_positions(self) -> list[Position]:
        """The account's open positions (``search_open_positions``)."""
        return await self.search_open_positions()

    async def search_open_positions(self, account_id: int | None = None) -> list[Position]:
        """``Position/searchOpen`` for ``account_id`` (default: the selected account)."""
        with translating(invalid=ProjectXPositionError):
            positions = await self.core.search_open_positions(account_id=account_id)
        return [Position.from_core(p) for p in positions]

    async def search_trades(
        self,
        start_date: datetime | None = None,
        end_date: datetime | None = None,
        contract_id: str | None = None,
        account_id: int | None = None,
        limit: int = 100,
    ) -> list[Trade]:
        """``Trade/search`` between ``start_date`` (default 30 days ago) and ``end_date``
        (default now), optionally for one contract, the ``limit`` most recent."""
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise ProjectXDataError(f"limit must be an int >= 1, got {limit!r}")
        zone = self.timezone
        end = aware(end_date, zone) if end_date is not None else datetime.now(UTC)
        start = aware(start_date, zone) if start_date is not None else end - timedelta(days=30)
        with translating(invalid=ProjectXDataError):
            trades = await self.core.search_trades(start, end, account_id=account_id)
        chosen = [t for t in trades if contract_id is None or t.contract_id == contract_id]
        chosen.sort(key=lambda t: t.created_ns or 0)
        return [Trade.from_core(t) for t in chosen[-limit:]]
