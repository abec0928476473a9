"""project-x-py's ``PositionOperationsMixin``: closing positions through the core manager.

As in project-x-py these never raise: a failure (bad input included, refused before anything
is sent) is answered ``{"success": False, "error": ...}``; a close the Gateway accepted is
``{"success": True, "errorCode": 0, "errorMessage": None}``.
"""

from __future__ import annotations

from typing import Any

from projectx.compat.exceptions import ProjectXPositionError
from projectx.compat.position_manager._base import PositionManagerBase
from projectx.exceptions import ProjectXError as CoreError

__all__ = ["PositionOperationsMixin"]

_OK: dict[str, Any] = {"success": True, "errorCode": 0, "errorMessage": None}


def _failed(error: str) -> dict[str, Any]:
    return {"success": False, "error": error}


class PositionOperationsMixin(PositionManagerBase):
    """Close all, part or every position at market."""

    async def close_position_direct(
        self, contract_id: str, account_id: int | None = None
    ) -> dict[str, Any]:
        """Flatten the position of ``contract_id`` (``Position/closeContract``)."""
        try:
            self._check_account(account_id)
            cid = await self._cid(contract_id)
            with self._guard("close_position_direct", ProjectXPositionError):
                done = await self._core.close_position(cid)
        except CoreError as exc:
            return _failed(str(exc))
        if not done:
            return _failed(f"No open position found for {contract_id}")
        self._counts["closed_positions"] += 1
        return dict(_OK)

    async def partially_close_position(
        self, contract_id: str, close_size: int, account_id: int | None = None
    ) -> dict[str, Any]:
        """Take ``close_size`` contracts off the position (``Position/partialCloseContract``);
        ``0 < close_size <= |position|``."""
        if isinstance(close_size, bool) or not isinstance(close_size, int) or close_size <= 0:
            return _failed(f"Invalid order size: {close_size}")
        try:
            self._check_account(account_id)
            cid = await self._cid(contract_id)
            with self._guard("partially_close_position", ProjectXPositionError):
                done = await self._core.partially_close_position(cid, close_size)
        except CoreError as exc:
            return _failed(str(exc))
        if not done:
            return _failed(f"No open position found for {contract_id}")
        self._counts["positions_partially_closed"] += 1
        return dict(_OK)

    async def close_all_positions(
        self, contract_id: str | None = None, account_id: int | None = None
    ) -> dict[str, Any]:
        """Close every open position (of ``contract_id``): ``{"total_positions", "closed",
        "failed", "errors": [str]}``."""
        results: dict[str, Any] = {"total_positions": 0, "closed": 0, "failed": 0, "errors": []}
        try:
            positions = await self.get_all_positions(account_id=account_id)
            cid = await self._cid(contract_id) if contract_id else None
        except CoreError as exc:
            results["errors"].append(str(exc))
            return results
        chosen = [p for p in positions if cid is None or p.contractId == cid]
        results["total_positions"] = len(chosen)
        for pos in chosen:
            answer = await self.close_position_direct(pos.contractId, account_id)
            if answer.get("success"):
                results["closed"] += 1
            else:
                results["failed"] += 1
                results["errors"].append(f"Position {pos.contractId}: {answer.get('error')}")
        return results

    async def close_position_by_contract(
        self, contract_id: str, close_size: int | None = None, account_id: int | None = None
    ) -> dict[str, Any]:
        """Close the position fully (``close_size`` None or >= its size) or partly."""
        pos = await self._get_position_or_none(contract_id, account_id)
        if pos is None:
            return _failed(f"No open position found for {contract_id}")
        if close_size is None or close_size >= pos:
            return await self.close_position_direct(contract_id, account_id)
        return await self.partially_close_position(contract_id, close_size, account_id)

    async def _get_position_or_none(self, contract_id: str, account_id: int | None) -> int | None:
        try:
            self._check_account(account_id)
            cid = await self._cid(contract_id)
        except CoreError:
            return None
        for pos in await self.get_all_positions():
            if pos.contractId == cid:
                return pos.size
        return None
