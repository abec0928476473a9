"""Compatibility alias of :mod:`projectx.validation` (the one module of input checks)."""

from __future__ import annotations

from projectx.validation import (
    PLACEABLE_TYPES,
    Bracket,
    check_account_id,
    check_aware,
    check_contract_id,
    check_custom_tag,
    check_limit,
    check_order_id,
    check_order_prices,
    check_price,
    check_side,
    check_size,
    check_type,
)

__all__ = [
    "PLACEABLE_TYPES",
    "Bracket",
    "check_account_id",
    "check_aware",
    "check_contract_id",
    "check_custom_tag",
    "check_limit",
    "check_order_id",
    "check_order_prices",
    "check_price",
    "check_side",
    "check_size",
    "check_type",
]
