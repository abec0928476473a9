"""The one module of input checks: every public entry point validates its arguments here.

Each check raises :class:`~projectx.exceptions.ValidationError` (a ``ValueError`` too) before
anything is sent: the REST client, the managers, the suite and the configuration share these
functions, so a price, a size, a date or a port means the same everywhere. Prices are finite and
strictly positive and, when the contract's tick is known, on its grid (one grid check, used with
or without snapping); dates are tz-aware and inside the range the wire and the int64-nanosecond
clocks can carry.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from projectx.enums import OrderSide, OrderType
from projectx.exceptions import ValidationError
from projectx.models import Contract

__all__ = [
    "MAX_MOMENT",
    "MIN_MOMENT",
    "PLACEABLE_TYPES",
    "Bracket",
    "check_account_id",
    "check_aware",
    "check_bool",
    "check_contract_id",
    "check_credential",
    "check_custom_tag",
    "check_limit",
    "check_number",
    "check_order_id",
    "check_order_prices",
    "check_port",
    "check_price",
    "check_side",
    "check_size",
    "check_text",
    "check_token",
    "check_type",
    "tick_of",
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


def tick_of(contract: Contract) -> float:
    """The contract's tick size: finite and > 0 (a contract without one cannot be priced)."""
    tick = contract.tick_size
    if tick is None or isinstance(tick, bool) or not isinstance(tick, int | float):
        raise ValidationError(f"contract {contract.id} has no tick size; cannot price orders")
    if not math.isfinite(tick) or tick <= 0:
        raise ValidationError(f"contract {contract.id} has an unusable tick size {tick!r}")
    return float(tick)


def check_price(
    price: Any, name: str, contract: Contract | None = None, *, snap: bool = False
) -> float:
    """A finite price > 0; on the contract's tick grid when a contract is given.

    The grid check is skipped only when the contract's tick size is unknown (``None``) and no
    snapping is asked for; a NaN, infinite or non-positive tick size is refused. Off the grid:
    with ``snap`` the nearest grid price is used (and must still be > 0); without it the error
    names the two nearest valid prices.
    """
    if isinstance(price, bool) or not isinstance(price, int | float):
        raise ValidationError(f"{name} must be a number, got {type(price).__name__}")
    try:
        value = float(price)
    except OverflowError:
        raise ValidationError(f"{name} is out of range") from None
    if not math.isfinite(value) or value <= 0:
        raise ValidationError(f"{name} must be a finite price > 0, got {price!r}")
    if contract is None or (contract.tick_size is None and not snap):
        return value
    tick = tick_of(contract)
    if contract.is_on_tick(value):
        return contract.round_to_tick(value)
    if snap:
        snapped = contract.round_to_tick(value)
        if not snapped > 0:
            raise ValidationError(
                f"{name} {value!r} snaps to {snapped!r} on the tick grid of {contract.id}; "
                "a price must be > 0"
            )
        return snapped
    below = contract.round_to_tick(math.floor(value / tick) * tick)
    above = contract.round_to_tick(below + tick)
    raise ValidationError(
        f"{name} {value!r} is off the tick grid of {contract.id} (tick size {tick}); "
        f"nearest valid prices are {below!r} and {above!r} (or pass snap=True)"
    )


MIN_MOMENT = datetime(1970, 1, 1, tzinfo=UTC)
"""Earliest date accepted (the Unix epoch: int64 ns timestamps start here)."""
MAX_MOMENT = datetime(2262, 1, 1, tzinfo=UTC)
"""Latest date accepted (int64 nanoseconds end in April 2262)."""


def check_aware(moment: Any, name: str) -> datetime:
    """A tz-aware datetime in ``[1970, 2262)``, converted to UTC (naive ones are refused)."""
    if not isinstance(moment, datetime):
        raise ValidationError(f"{name} must be a datetime, got {type(moment).__name__}")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValidationError(f"{name} must be timezone-aware (got a naive datetime)")
    try:
        out = moment.astimezone(UTC)
    except (OverflowError, ValueError):
        raise ValidationError(f"{name} is out of range: {moment!r}") from None
    if not MIN_MOMENT <= out < MAX_MOMENT:
        raise ValidationError(
            f"{name} must be between {MIN_MOMENT.year} and {MAX_MOMENT.year}, got {out.isoformat()}"
        )
    return out


def check_bool(value: Any, name: str) -> bool:
    """A real ``bool`` (not 0/1, not a string)."""
    if not isinstance(value, bool):
        raise ValidationError(f"{name} must be a bool, got {type(value).__name__}")
    return value


def check_number(
    value: Any,
    name: str,
    *,
    minimum: float | None = None,
    exclusive: bool = False,
    maximum: float | None = None,
    integer: bool = False,
    optional: bool = False,
) -> Any:
    """A finite int/float (``integer``: an int) within ``[minimum, maximum]`` (``exclusive``:
    strictly above ``minimum``); ``None`` passes when ``optional``."""
    if value is None and optional:
        return None
    kind = "an int" if integer else "a number"
    if isinstance(value, bool) or not isinstance(value, int if integer else int | float):
        raise ValidationError(f"{name} must be {kind}, got {type(value).__name__}")
    if not integer and not math.isfinite(float(value)):
        raise ValidationError(f"{name} must be finite, got {value!r}")
    if minimum is not None and (value <= minimum if exclusive else value < minimum):
        op = ">" if exclusive else ">="
        raise ValidationError(f"{name} must be {op} {minimum}, got {value!r}")
    if maximum is not None and value > maximum:
        raise ValidationError(f"{name} must be <= {maximum}, got {value!r}")
    return value


def check_text(value: Any, name: str, *, optional: bool = False) -> str | None:
    """A ``str`` that is not empty or whitespace only, without control characters; returned
    stripped (``None`` passes when ``optional``)."""
    if value is None and optional:
        return None
    if not isinstance(value, str):
        raise ValidationError(f"{name} must be a str, got {type(value).__name__}")
    text = value.strip()
    if not text:
        raise ValidationError(f"{name} must not be empty or whitespace only")
    if not text.isprintable():
        raise ValidationError(f"{name} must not contain control characters")
    return text


def check_credential(value: str, name: str) -> str:
    """A secret's text: not empty or whitespace only, no control characters. The value is
    never echoed in the error."""
    if not isinstance(value, str):
        raise ValidationError(f"{name} must be a str, got {type(value).__name__}")
    if not value.strip():
        raise ValidationError(f"{name} must not be empty or whitespace only")
    if not value.isprintable():
        raise ValidationError(f"{name} must not contain control characters")
    return value


def check_token(value: Any, name: str = "token") -> str:
    """A bearer token fit for an HTTP header: a non-empty str of printable ASCII without spaces
    (CR/LF would split the header). Raises ``ValidationError`` without echoing the value."""
    if not isinstance(value, str) or not value:
        raise ValidationError(f"{name} must be a non-empty str")
    if not all(33 <= ord(ch) <= 126 for ch in value):
        raise ValidationError(f"{name} holds characters not allowed in an HTTP header")
    return value


def check_port(value: Any, name: str = "port", *, allow_zero: bool = False) -> int:
    """A TCP port: an int (or decimal digits) in ``1..65535`` (``0`` too with ``allow_zero``)."""
    if isinstance(value, str) and value.isascii() and value.isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(f"{name} must be a port number, got {value!r}")
    low = 0 if allow_zero else 1
    if not low <= value <= 65535:
        raise ValidationError(f"{name} must be in {low}..65535, got {value}")
    return value


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
