"""Contracts: selection (exact name match or front month for a product root, spec §6, §11 #14)
and :class:`ContractDirectory`, the cached ``Contract/*`` lookups of the REST client."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from projectx.client.cache import CacheStats, TTLCache, TwoLevelCache
from projectx.client.envelope import check_envelope, error_code, parse_list, parse_one
from projectx.exceptions import ValidationError
from projectx.models import Contract

__all__ = [
    "MONTH_CODES",
    "ContractDirectory",
    "contract_expiry",
    "is_contract_id",
    "search_text",
    "select_contract",
    "symbol_root",
]

MONTH_CODES = {c: i + 1 for i, c in enumerate("FGHJKMNQUVXZ")}
_NAME = re.compile(r"^(?P<root>[A-Z0-9]+?)(?P<month>[FGHJKMNQUVXZ])(?P<year>[0-9]{1,2})$")
_ID = re.compile(
    r"^CON\.[A-Z]+\.[A-Z]+\.(?P<root>[A-Z0-9]+)\.(?P<month>[FGHJKMNQUVXZ])(?P<year>[0-9]{2})$"
)


def is_contract_id(text: str) -> bool:
    """Whether ``text`` looks like a Gateway contract id (``CON.F.US.MNQ.Z25``)."""
    return _ID.match(text.strip().upper()) is not None


def symbol_root(text: str) -> str:
    """``MNQ`` from ``MNQ``, ``F.US.MNQ`` or ``CON.F.US.MNQ.Z25``."""
    upper = text.strip().upper()
    match = _ID.match(upper)
    if match:
        return match.group("root")
    if upper.count(".") == 2:
        return upper.rsplit(".", 1)[-1]
    return upper


def _year(digits: str, today: datetime) -> int:
    if len(digits) == 2:
        return 2000 + int(digits)
    # one digit: the first year ending in that digit no earlier than last year
    base = today.year - 1
    year = base - base % 10 + int(digits)
    return year + 10 if year < base else year


def contract_expiry(contract: Contract, today: datetime | None = None) -> tuple[int, int] | None:
    """``(year, month)`` of the contract's expiry from its id or name, ``None`` if unreadable."""
    today = today or datetime.now(UTC)
    match = _ID.match(contract.id.upper())
    if match is None and contract.name:
        match = _NAME.match(contract.name.upper())
    if match is None:
        return None
    return _year(match.group("year"), today), MONTH_CODES[match.group("month")]


def select_contract(
    symbol: str, candidates: Iterable[Contract], today: datetime | None = None
) -> Contract | None:
    """Pick ``symbol``'s contract among search results.

    An exact id or name match wins. Otherwise ``symbol`` is a product root: among the contracts
    of that root (by ``symbolId`` root, or a ``<ROOT><month><year>`` name) the active contract
    with the nearest expiry is the front month; inactive ones are used only when no contract is
    active. ``None`` when nothing fits.
    """
    wanted = symbol.strip().upper()
    pool = list(candidates)
    for c in pool:
        if c.id.upper() == wanted or (c.name or "").upper() == wanted:
            return c
    root = symbol_root(wanted)
    same_root = []
    for c in pool:
        name_match = _NAME.match((c.name or "").upper())
        if (c.root or "").upper() == root or (name_match and name_match.group("root") == root):
            same_root.append(c)
    if not same_root:
        return None
    active = [c for c in same_root if c.active_contract]
    pool = active or same_root

    def key(c: Contract) -> tuple[int, int, str]:
        exp = contract_expiry(c, today)
        return (exp or (9999, 12))[0], (exp or (9999, 12))[1], c.id

    return min(pool, key=key)


def search_text(text: object) -> str:
    """``text`` stripped, for ``Contract/search``; not a non-empty str -> ValidationError."""
    if not isinstance(text, str) or not text.strip():
        raise ValidationError("search text must be a non-empty str")
    return text.strip()


class ContractDirectory:
    """``Contract/search``, ``searchById`` and ``available`` behind TTL caches, and symbol
    resolution on top of them. Arguments are already checked (by ``ProjectX``).

    ``request(endpoint, body)`` sends one idempotent call and returns its envelope.
    """

    def __init__(
        self,
        request: Callable[[str, dict[str, Any]], Awaitable[dict[str, Any]]],
        ttl_s: float,
    ) -> None:
        self._request = request
        #: by id: the hot lookup (every order and position names its contract)
        self._contracts: TwoLevelCache[str, Contract] = TwoLevelCache(ttl_s)
        self._searches: TTLCache[tuple[str, bool], list[Contract]] = TTLCache(ttl_s)
        self._resolved: TTLCache[tuple[str, bool], Contract] = TTLCache(ttl_s)
        self._available: TTLCache[bool, list[Contract]] = TTLCache(ttl_s)

    async def search(self, text: str, live: bool) -> list[Contract]:
        """``Contract/search`` for ``text`` (stripped, non-empty)."""

        async def load() -> list[Contract]:
            env = await self._request("Contract/search", {"searchText": text, "live": live})
            return self._remember(env, "Contract/search")

        return list(await self._searches.get_or_load((text.lower(), live), load))

    async def by_id(self, cid: str, live: bool) -> Contract:
        """``Contract/searchById``. Unknown id -> :class:`ValidationError`."""

        async def load() -> Contract:
            env = await self._request("Contract/searchById", {"contractId": cid, "live": live})
            if env.get("success") is not True and error_code(env) == 1:
                raise ValidationError(f"unknown contract {cid!r}")
            check_envelope(env, "Contract/searchById")
            raw = env.get("contract")
            if raw is None and isinstance(env.get("contracts"), list) and env["contracts"]:
                raw = env["contracts"][0]  # older docs shape
            if raw is None:
                raise ValidationError(f"unknown contract {cid!r}")
            return parse_one(raw, Contract.from_wire, "Contract/searchById")

        return await self._contracts.get_or_load(cid, load)

    async def available(self, live: bool) -> list[Contract]:
        """``Contract/available``."""

        async def load() -> list[Contract]:
            env = await self._request("Contract/available", {"live": live})
            return self._remember(env, "Contract/available")

        return list(await self._available.get_or_load(live, load))

    async def resolve(self, text: str, live: bool) -> Contract:
        """The contract named ``text`` (stripped): an exact name or a product root's front
        month. Unknown -> :class:`ValidationError`."""

        async def load() -> Contract:
            root = symbol_root(text)
            candidates = await self.search(search_text(root), live)
            if root.lower() != text.lower():
                candidates += await self.search(search_text(text), live)
            chosen = select_contract(text, candidates)
            if chosen is None:
                raise ValidationError(f"unknown symbol {text!r}")
            return chosen

        return await self._resolved.get_or_load((text.upper(), live), load)

    def _remember(self, env: dict[str, Any], endpoint: str) -> list[Contract]:
        found = parse_list(check_envelope(env, endpoint), "contracts", Contract.from_wire, endpoint)
        for c in found:
            self._contracts.put(c.id, c)
        return found

    @property
    def stats(self) -> dict[str, CacheStats]:
        """Hit/miss counters of the caches."""
        return {
            "contracts": self._contracts.stats,
            "searches": self._searches.stats,
            "resolved": self._resolved.stats,
            "available": self._available.stats,
        }

    def clear(self) -> None:
        """Forget everything cached."""
        for cache in (self._contracts, self._searches, self._resolved, self._available):
            cache.invalidate()
