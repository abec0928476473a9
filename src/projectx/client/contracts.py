"""Contract selection: exact name match or front month for a product root (spec §6, §11 #14)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime

from projectx.models import Contract

__all__ = ["MONTH_CODES", "contract_expiry", "is_contract_id", "select_contract", "symbol_root"]

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
