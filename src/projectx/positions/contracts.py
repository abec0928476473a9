"""``ContractCache``: the contracts the positions are in (tick size and value for P&L).

A contract is looked up in the cache, then in the injected source (a mapping by id or symbol
key, or a sync resolver), then, off the hot path, through ``Contract/searchById``. Each new
contract is announced to the owner (``on_register``), which completes what waited for its
point value.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Mapping
from typing import Any

from projectx.client import ProjectX
from projectx.exceptions import ProjectXError, ValidationError
from projectx.models import Contract

__all__ = ["ContractCache", "ContractSource"]

log = logging.getLogger(__name__)

ContractSource = Mapping[str, Contract] | Callable[[str], "Contract | None"]
"""Contracts by id (or symbol): a mapping, or a sync resolver returning None when unknown."""


class ContractCache:
    """Contracts by id and by the keys they were asked for (see the module docstring).

    ``on_register(contract)`` is called for each contract found; ``is_open(key)`` tells whether
    ``key`` is the id of an open position (taken as an id without a look-up).
    """

    def __init__(
        self,
        client: ProjectX,
        source: ContractSource | None,
        *,
        on_register: Callable[[Contract], None],
        is_open: Callable[[str], bool],
    ) -> None:
        self._client = client
        self._source = source
        self._on_register = on_register
        self._is_open = is_open
        self._contracts: dict[str, Contract] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self._closed = False

    def __repr__(self) -> str:
        return f"ContractCache(known={len(self._contracts)})"

    def lookup(self, key: str) -> Contract | None:
        """The contract of ``key`` from the cache or the source (no network), else None."""
        found = self._contracts.get(key)
        if found is not None:
            return found
        src = self._source
        if src is None:
            return None
        if isinstance(src, Mapping):
            found = src.get(key)
            if found is None:
                found = next(
                    (c for c in src.values() if key in (c.id, c.root, c.name, c.symbol_id)), None
                )
        else:
            found = src(key)
        if found is not None:
            self._register(found, key)
        return found

    def _register(self, contract: Contract, key: str | None = None) -> None:
        self._contracts[contract.id] = contract
        if key is not None:
            self._contracts[key] = contract
        self._on_register(contract)

    async def ensure(self, cid: str) -> Contract | None:
        """The contract of ``cid``, fetched through REST when unknown (None if that fails)."""
        found = self.lookup(cid)
        if found is not None:
            return found
        try:
            found = await self._client.get_contract_by_id(cid)
        except ProjectXError as exc:
            log.warning("contract %s: look-up failed: %s", cid, exc)
            return None
        self._register(found, cid)
        return found

    def _resolve_soon(self, cid: str) -> None:
        if self._closed or any(t.get_name() == f"contract:{cid}" for t in self._tasks):
            return
        with contextlib.suppress(RuntimeError):  # no running loop: start()/reconcile() will do it
            task = asyncio.get_running_loop().create_task(self.ensure(cid), name=f"contract:{cid}")
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    def point_value(self, cid: str) -> float | None:
        """The point value of ``cid``; None while unknown (a REST look-up is started)."""
        contract = self.lookup(cid)
        if contract is None:
            self._resolve_soon(cid)
            return None
        return contract.point_value

    def contract_id(self, contract: Contract | str) -> str:
        """The contract id of a Contract, an id or a symbol key of the source."""
        if isinstance(contract, Contract):
            self._contracts.setdefault(contract.id, contract)
            return contract.id
        if not isinstance(contract, str) or not contract.strip():
            raise ValidationError(f"contract must be a Contract or a contract id, got {contract!r}")
        key = contract.strip()
        if self._is_open(key):
            return key
        found = self.lookup(key)
        return found.id if found is not None else key

    async def close(self) -> None:
        """Cancel the look-ups in flight; start no new ones."""
        self._closed = True
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
