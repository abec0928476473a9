"""``Features``: the optional parts of a :class:`~projectx.suite.TradingSuite`.

``TradingSuite(..., features=[Features.ORDERBOOK, Features.RISK_MANAGER])`` or the same as plain
strings (``"orderbook"``, ``"risk"``). ``"risk_manager"`` is accepted as another spelling of
``"risk"`` (the name project-x-py uses).
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from projectx.exceptions import ValidationError

__all__ = ["FEATURES", "Features", "normalize_features"]


class Features(StrEnum):
    """The suite's optional parts (each member is also its string name)."""

    #: the level-2 order book and its analytics, per instrument
    ORDERBOOK = "orderbook"
    #: the iceberg and spoofing heuristics of the order book (per-record hooks: costs speed)
    ORDERBOOK_HEURISTICS = "orderbook_heuristics"
    #: the risk manager: sizing, the pre-trade gate, prop-firm rules
    RISK_MANAGER = "risk"


FEATURES = frozenset(f.value for f in Features)
"""Every feature name the suite accepts."""

_ALIASES = {"risk_manager": Features.RISK_MANAGER.value}


def normalize_features(wanted: Iterable[object]) -> frozenset[str]:
    """The canonical feature names of ``wanted`` (members or strings, aliases resolved);
    :class:`ValidationError` for anything else."""
    out: set[str] = set()
    unknown: list[str] = []
    for feature in wanted:
        if not isinstance(feature, str):
            raise ValidationError(f"features must be Features or names, got {feature!r}")
        name = _ALIASES.get(str(feature), str(feature))
        if name in FEATURES:
            out.add(name)
        else:
            unknown.append(str(feature))
    if unknown:
        raise ValidationError(f"unknown features {sorted(unknown)}; available: {sorted(FEATURES)}")
    return frozenset(out)
