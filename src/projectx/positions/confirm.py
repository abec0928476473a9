"""Hub fills of orders nobody knows, held until REST confirms them (issue #14).

Every fill of the account is real P&L, including fills of orders placed outside the SDK (on the
platform, by another program): those orders show up on the hub as ``GatewayUserOrder`` events
or in REST searches, so their fills are booked at once. A ``GatewayUserTrade`` whose order id is
known to nobody is different: it is held here and looked up with ``Trade/search`` — the
Gateway's record of the account's fills — up to ``checks`` times, ``interval_s`` apart. Found:
REST's copy of the fill is booked. Not found: the fill is refused (an anomaly,
``fill_unconfirmed``) and never touches P&L, fees or risk.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Iterable
from datetime import datetime

from projectx.client import ProjectX
from projectx.exceptions import ProjectXError
from projectx.models import Trade

__all__ = ["FillConfirmer"]

log = logging.getLogger(__name__)


class FillConfirmer:
    """Holds unconfirmed fills of one account and settles them against ``Trade/search``.

    ``since()`` is the start of the search window; ``accept(trade)`` books REST's copy of a
    confirmed fill; ``refuse(trade, why)`` reports one REST does not know.
    """

    def __init__(
        self,
        client: ProjectX,
        account_id: int,
        *,
        since: Callable[[], datetime],
        accept: Callable[[Trade], None],
        refuse: Callable[[Trade, str], None],
        checks: int = 3,
        interval_s: float = 0.5,
    ) -> None:
        self.client = client
        self.account_id = account_id
        self.checks = checks
        self.interval_s = interval_s
        self._since = since
        self._accept = accept
        self._refuse = refuse
        self._held: dict[int, tuple[Trade, int]] = {}
        self._task: asyncio.Task[None] | None = None
        self.confirmed = 0
        self.refused = 0

    def __repr__(self) -> str:
        return f"FillConfirmer(account={self.account_id}, held={len(self._held)})"

    @property
    def held(self) -> list[Trade]:
        """Fills waiting for REST."""
        return [t for t, _ in self._held.values()]

    def hold(self, trade: Trade) -> None:
        """Keep ``trade`` out of the books until REST says whether it exists."""
        if trade.id in self._held:
            return
        self._held[trade.id] = (trade, 0)
        if self._task is None or self._task.done():
            with contextlib.suppress(RuntimeError):  # no loop: the next reconcile settles it
                self._task = asyncio.get_running_loop().create_task(
                    self._run(), name="projectx-confirm-fills"
                )

    def settle(self, rest: Iterable[Trade]) -> None:
        """Settle every held fill against a complete ``Trade/search`` answer (a reconcile)."""
        self._round({t.id: t for t in rest}, final=True)

    async def close(self) -> None:
        """Stop looking (held fills stay out of the books)."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    async def _run(self) -> None:
        failures = 0
        while self._held:
            try:
                rest = await self.client.search_trades(self._since(), account_id=self.account_id)
            except ProjectXError as exc:
                failures += 1
                log.warning("confirming fills: Trade/search failed (%s)", exc)
                if failures >= self.checks:
                    return  # REST is unwell: the held fills wait for the next reconcile
            else:
                self._round({t.id: t for t in rest}, final=False)
            if self._held:
                await asyncio.sleep(self.interval_s)

    def _round(self, by_id: dict[int, Trade], *, final: bool) -> None:
        for tid, (trade, looks) in list(self._held.items()):
            found = by_id.get(tid)
            if found is not None:
                del self._held[tid]
                self.confirmed += 1
                self._accept(found)
            elif final or looks + 1 >= self.checks:
                del self._held[tid]
                self.refused += 1
                self._refuse(trade, f"not in Trade/search after {looks + 1} look(s)")
            else:
                self._held[tid] = (trade, looks + 1)
