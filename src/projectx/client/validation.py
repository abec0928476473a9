"""Input checks run before anything is sent: bad input raises ``ValidationError`` at once."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from projectx.enums import OrderSide, OrderType
from projectx.exceptions import ValidationError
from projectx.models import Contract

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

PLACEABLE_TYPES = frozenset(OrderType) - {OrderType.UNKNOWN}
"""Types ``Order/place`` accepts on the wire (STOP_LIMIT is sent; the server may reject it)."""

_SIDE_NAMES = {
    "buy": OrderSide.BUY,
    "bid": OrderSide.BID,
    "sell": OrderSide.SELL,
    "ask": OrderSide.ASK,
}
_TYPE_NAMES = {
    "limit": OrderType.LIMIT,
    "market": OrderType.MARKET,
    "stop_limit": OrderType.STOP_LIMIT,
    "stoplimit": OrderType.STOP_LIMIT,
    "stop": OrderType.STOP,
    "trailing_stop": OrderType.TRAILING_STOP,
    "trailingstop": OrderType.TRAILING_STOP,
    "join_bid": OrderType.JOIN_BID,
    "joinbid": OrderType.JOIN_BID,
    "join_ask": OrderType.JOIN_ASK,
    "joinask": OrderType.JOIN_ASK,
}
_INT32_MAX = 2**31 - 1
_INT64_MAX = 2**63 - 1
MAX_TAG_LENGTH = 128


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def check_size(size: Any, name: str = "size") -> int:
    """A contract count: an int in ``1..2**31-1``."""
    if not _is_int(size):
        raise ValidationError(f"{name} must be an int, got {type(size).__name__}")
    if size <= 0:
        raise ValidationError(f"{name} must be > 0, got {size}")
    if size > _INT32_MAX:
        raise ValidationError(f"{name} is too large: {size}")
    return int(size)


def check_limit(limit: Any, name: str = "limit") -> int:
    """A positive int count of items."""
    return check_size(limit, name)


def check_account_id(account_id: Any) -> int:
    """An int32 account id (> 0)."""
    if not _is_int(account_id) or not 0 < account_id <= _INT32_MAX:
        raise ValidationError(f"account id must be a positive int32, got {account_id!r}")
    return int(account_id)


def check_order_id(order_id: Any) -> int:
    """An int64 order id (> 0)."""
    if not _is_int(order_id) or not 0 < order_id <= _INT64_MAX:
        raise ValidationError(f"order id must be a positive int64, got {order_id!r}")
    return int(order_id)


def check_contract_id(contract_id: Any) -> str:
    """A non-empty contract id string."""
    if not isinstance(contract_id, str) or not contract_id.strip():
        raise ValidationError(f"contract id must be a non-empty str, got {contract_id!r}")
    return contract_id.strip()


def check_custom_tag(tag: Any) -> str:
    """A non-empty tag of printable characters, at most 128 long."""
    if not isinstance(tag, str) or not tag or len(tag) > MAX_TAG_LENGTH or not tag.isprintable():
        raise ValidationError(f"custom_tag must be 1-{MAX_TAG_LENGTH} printable characters")
    return tag


def check_side(side: Any) -> OrderSide:
    """``OrderSide``, 0/1, or ``"buy"/"sell"/"bid"/"ask"``."""
    if isinstance(side, OrderSide):
        return side
    if isinstance(side, str):
        found = _SIDE_NAMES.get(side.strip().lower())
        if found is not None:
            return found
    elif _is_int(side) and side in (0, 1):
        return OrderSide(side)
    raise ValidationError(
        f"unknown order side {side!r}: use OrderSide.BUY/SELL, 0/1 or 'buy'/'sell'"
    )


def check_type(order_type: Any) -> OrderType:
    """A placeable ``OrderType`` (enum, int or name such as ``"limit"``)."""
    found: OrderType | None = None
    if isinstance(order_type, OrderType):
        found = order_type
    elif isinstance(order_type, str):
        found = _TYPE_NAMES.get(order_type.strip().lower().replace("-", "_"))
    elif _is_int(order_type):
        try:
            found = OrderType(order_type)
        except ValueError:
            found = None
    if found is None or found not in PLACEABLE_TYPES:
        raise ValidationError(f"unknown or unplaceable order type {order_type!r}")
    return found


def check_price(price: Any, name: str, contract: Contract | None = None) -> float:
    """A finite number; on the contract's tick grid when the contract (and its tick) is known."""
    if isinstance(price, bool) or not isinstance(price, int | float):
        raise ValidationError(f"{name} must be a number, got {type(price).__name__}")
    value = float(price)
    if not math.isfinite(value):
        raise ValidationError(f"{name} must be finite, got {price!r}")
    if contract is not None and contract.tick_size and not contract.is_on_tick(value):
        raise ValidationError(
            f"{name} {value!r} is not on the tick grid of {contract.id} "
            f"(tick size {contract.tick_size}); nearest is {contract.round_to_tick(value)!r}"
        )
    return value


def check_aware(moment: Any, name: str) -> datetime:
    """A tz-aware datetime, converted to UTC (naive datetimes are refused, not guessed)."""
    if not isinstance(moment, datetime):
        raise ValidationError(f"{name} must be a datetime, got {type(moment).__name__}")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValidationError(f"{name} must be timezone-aware (got a naive datetime)")
    return moment.astimezone(UTC)


@dataclass(frozen=True, slots=True)
class Bracket:
    """An Auto-OCO bracket child: signed ``ticks`` from the entry fill and the child ``type``."""

    ticks: int
    type: OrderType

    def __post_init__(self) -> None:
        if not _is_int(self.ticks) or self.ticks == 0 or abs(self.ticks) > _INT32_MAX:
            raise ValidationError(f"bracket ticks must be a non-zero int, got {self.ticks!r}")
        object.__setattr__(self, "type", check_type(self.type))

    def to_wire(self) -> dict[str, int]:
        """``{"ticks": ..., "type": ...}``."""
        return {"ticks": self.ticks, "type": int(self.type)}


_REQUIRED = {
    OrderType.LIMIT: ("limit_price",),
    OrderType.STOP: ("stop_price",),
    OrderType.STOP_LIMIT: ("limit_price", "stop_price"),
    OrderType.TRAILING_STOP: ("trail_price",),
}


def check_order_prices(
    order_type: OrderType,
    contract: Contract | None,
    *,
    limit_price: Any = None,
    stop_price: Any = None,
    trail_price: Any = None,
) -> dict[str, float | None]:
    """Prices required by ``order_type`` present and on tick; prices it ignores refused."""
    given = {"limit_price": limit_price, "stop_price": stop_price, "trail_price": trail_price}
    required = _REQUIRED.get(order_type, ())
    out: dict[str, float | None] = {}
    for name, value in given.items():
        if name in required:
            if value is None:
                raise ValidationError(f"{order_type.name} order needs {name}")
            out[name] = check_price(value, name, contract)
        elif value is not None:
            raise ValidationError(f"{order_type.name} order does not take {name}")
        else:
            out[name] = None
    return out
