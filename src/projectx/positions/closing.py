"""``PositionCloser``: flatten or reduce positions (market closes through ``Position/*``, limit
closes through an injected placer).

The closer holds no positions: its owner (the :class:`~projectx.positions.PositionManager`)
gives it the current signed size of a contract, the open contracts, contract resolution and the
limit placer. A close the Gateway answers with "no position" (our view lagged a fill that closed
it meanwhile) is not an error: it returns False.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from projectx.client import ProjectX
from projectx.enums import OrderSide
from projectx.exceptions import APIError, ValidationError
from projectx.models import Contract

__all__ = ["LimitPlacer", "PositionCloser"]

log = logging.getLogger(__name__)

LimitPlacer = Callable[[str, OrderSide, int, float], Awaitable[Any]]
"""Places a limit order ``(contract_id, side, size, limit_price)``, e.g. an OrderManager's
``place_limit_order``."""

_POSITION_NOT_FOUND = 2  # Position/closeContract and partialCloseContract errorCode


class PositionCloser:
    """Closes the positions of ``account_id`` (see the module docstring).

    ``resolve(contract)`` gives the contract id of a Contract or key (raising ValidationError
    for a bad one); ``contract_of(contract_id)`` the known Contract (tick grid of a limit
    close) or None; ``size_of(contract_id)`` the held signed size (0 when flat);
    ``open_contracts()`` the contract ids with a position; ``place_limit`` places the order
    of a limit close.
    """

    def __init__(
        self,
        client: ProjectX,
        account_id: int,
        *,
        resolve: Callable[[Contract | str], str],
        contract_of: Callable[[str], Contract | None],
        size_of: Callable[[str], int],
        open_contracts: Callable[[], Iterable[str]],
        place_limit: LimitPlacer,
    ) -> None:
        self._client = client
        self._account_id = account_id
        self._resolve = resolve
        self._contract_of = contract_of
        self._size_of = size_of
        self._open_contracts = open_contracts
        self._place_limit = place_limit

    def __repr__(self) -> str:
        return f"PositionCloser(account={self._account_id})"

    async def close_position(
        self,
        contract: Contract | str,
        *,
        method: str = "market",
        limit_price: float | None = None,
    ) -> bool:
        """Flatten ``contract``: ``Position/closeContract`` (market), or a limit order for the
        full size at ``limit_price`` (``method="limit"``). False when no position is held
        (nothing sent)."""
        if method not in ("market", "limit"):
            raise ValidationError(f"method must be 'market' or 'limit', got {method!r}")
        if method == "market" and limit_price is not None:
            raise ValidationError("a market close takes no limit_price")
        cid = self._resolve(contract)
        size = self._size_of(cid)
        if method == "limit":
            if limit_price is None:
                raise ValidationError("method='limit' needs limit_price")
            known = self._contract_of(cid)
            if (
                isinstance(limit_price, bool)
                or not isinstance(limit_price, int | float)
                or not math.isfinite(limit_price)
                or limit_price <= 0
            ):
                raise ValidationError(f"limit_price must be a positive number, got {limit_price!r}")
            if known is not None and known.tick_size and not known.is_on_tick(limit_price):
                raise ValidationError(
                    f"limit_price {limit_price} is not on the tick grid ({known.tick_size})"
                )
        if size == 0:
            return False
        if method == "market":
            return await self.close_at_market(cid)
        assert limit_price is not None
        side = OrderSide.SELL if size > 0 else OrderSide.BUY
        await self._place_limit(cid, side, abs(size), limit_price)
        return True

    async def partially_close_position(self, contract: Contract | str, size: int) -> bool:
        """Take ``size`` contracts off at market (``Position/partialCloseContract``).

        ``size`` must be an int with ``0 < size <= |position|``; False when flat (nothing sent).
        """
        if isinstance(size, bool) or not isinstance(size, int) or size <= 0:
            raise ValidationError(f"size must be a positive int, got {size!r}")
        cid = self._resolve(contract)
        held = abs(self._size_of(cid))
        if held == 0:
            return False
        if size > held:
            raise ValidationError(f"size {size} exceeds the position of {held} on {cid}")
        if size == held:
            return await self.close_at_market(cid)
        try:
            await self._client.partial_close_position(cid, size, account_id=self._account_id)
        except APIError as exc:
            if exc.error_code != _POSITION_NOT_FOUND:
                raise
            log.info("partial close of %s: the Gateway holds no position", cid)
            return False
        return True

    async def close_at_market(self, contract_id: str) -> bool:
        """``Position/closeContract`` of ``contract_id``; False when the Gateway holds none."""
        try:
            await self._client.close_position(contract_id, account_id=self._account_id)
        except APIError as exc:
            if exc.error_code != _POSITION_NOT_FOUND:
                raise
            # our view lagged the Gateway (a fill closed it meanwhile): nothing to close
            log.info("close of %s: the Gateway holds no position", contract_id)
            return False
        return True

    async def close_all_positions(self) -> int:
        """Flatten every open position at market; returns how many closes were accepted.

        Every close is attempted; the first failure is raised after the others were sent."""
        cids = list(self._open_contracts())
        results = await asyncio.gather(
            *(self.close_at_market(cid) for cid in cids),
            return_exceptions=True,
        )
        errors = [r for r in results if isinstance(r, BaseException)]
        for cid, res in zip(cids, results, strict=True):
            if isinstance(res, BaseException):
                log.warning("closing %s failed: %s", cid, res)
        if errors:
            raise errors[0]
        return sum(1 for r in results if r is True)
