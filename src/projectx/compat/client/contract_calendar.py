"""project-x-py's contract-id calendar helpers (CME month codes, prior contract ids)."""

from __future__ import annotations

from collections.abc import Iterator

__all__ = ["CME_MONTH_CODES", "iter_prior_contract_ids", "parse_contract_id"]

#: the CME month codes, January first
CME_MONTH_CODES = "FGHJKMNQUVXZ"


def parse_contract_id(contract_id: str) -> tuple[str, str, int] | None:
    """``CON.F.US.MNQ.Z26`` -> ``("MNQ", "Z", 26)`` (root, month code, year as written);
    None unless the id has the ``CON.<letter>.<2 letters>.<root>.<code><1-2 digits>`` shape."""
    if not isinstance(contract_id, str):
        return None
    parts = contract_id.split(".")
    if len(parts) < 5 or parts[0] != "CON":
        return None
    kind, region, last = parts[1], parts[2], parts[-1]
    root = ".".join(parts[3:-1])
    ok_kind = len(kind) == 1 and kind.isupper()
    ok_region = len(region) == 2 and region.isupper()
    year = last[1:]
    ok_last = (
        len(last) in (2, 3) and last[0] in CME_MONTH_CODES and year.isdigit() and year.isascii()
    )
    if not (ok_kind and ok_region and ok_last and root):
        return None
    return root, last[0], int(year)


def iter_prior_contract_ids(contract_id: str, max_count: int = 24) -> Iterator[str]:
    """The ids of the ``max_count`` calendar months before ``contract_id``'s, newest first
    (F wraps to the previous year's Z, stopping before year 0; nothing for an id of another
    shape)."""
    parsed = parse_contract_id(contract_id)
    if parsed is None or max_count <= 0:
        return
    _, code, year = parsed
    prefix = contract_id.rsplit(".", 1)[0]
    index = CME_MONTH_CODES.index(code)
    for _ in range(max_count):
        index -= 1
        if index < 0:
            index, year = len(CME_MONTH_CODES) - 1, year - 1
            if year < 0:
                return
        yield f"{prefix}.{CME_MONTH_CODES[index]}{year:02d}"
