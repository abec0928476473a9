"""Order-book-side building blocks of the simulator's exchange (spec §4.2, §4.5, §4.6, §9).

Plain data holders (:class:`Account`, :class:`Order`, :class:`Position`), the OrderStatus /
OrderType numbers used on hot paths, the exact rejection messages of spec §3.3, and pure helpers:
fills against a displayed book (:func:`book_fills`), bracket validation
(:func:`check_brackets`), envelopes and hub null-omission.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from projectx.sim.clock import parse_ts
from projectx.sim.contracts import ContractSpec

if TYPE_CHECKING:
    from projectx.sim.market import ContractMarket

__all__ = [
    "Account",
    "Order",
    "Position",
    "avg_price",
    "book_fills",
    "check_brackets",
    "env",
    "omit_nulls",
    "to_int",
    "to_ns",
]

FIRST_ORDER_ID = 2_900_000_000
FIRST_TRADE_ID = 2_555_000_000
FIRST_POSITION_ID = 88_000

# OrderStatus / OrderType numbers (projectx.enums), as plain ints for speed.
OPEN, FILLED, CANCELLED, REJECTED, PENDING, SUSPENDED = 1, 2, 3, 5, 6, 8
LIMIT, MARKET, STOP_LIMIT, STOP, TRAIL, JOIN_BID, JOIN_ASK = 1, 2, 3, 4, 5, 6, 7
_TYPE_NAMES = {0: "Unknown", 1: "Limit", 2: "Market", 3: "StopLimit", 4: "Stop"}
_TYPE_NAMES |= {5: "TrailingStop", 6: "JoinBid", 7: "JoinAsk"}
WORKING = (OPEN, SUSPENDED, PENDING)

MSG_BRACKET_MODE = (
    "Brackets cannot be used with Position Brackets. You must enable Auto OCO Brackets."
)
MSG_TRAIL_NOT_SET = "Trail Distance not set."
MSG_TRAIL_ALIGN = "Invalid trail price. Price is not aligned to tick size."
MSG_NO_LAST = "Cannot trail without a last price"
MSG_INVALID_SYMBOL = "Invalid symbol"
MSG_TRAIL_MAX = "Trail Distance exceeds maximum (1000)"
MSG_PRICE_ALIGN = "Invalid price. Price is not aligned to tick size."
MSG_PRICE_NOT_POSITIVE = "Invalid price. Price must be greater than zero."  # [INFERRED]
MSG_UNSUPPORTED = "Unsupported order type."
MSG_FOLLOWER = "Follower accounts cannot cancel orders"
MSG_LIVE = "Live accounts not supported"
MSG_NOT_WORKING = "Order is not working"
MAX_TRAIL_TICKS = 1000


class Account:
    """A trading account (spec §4.2) plus simulator settings."""

    __slots__ = (
        "active",
        "balance",
        "bracket_mode",
        "can_trade",
        "follower",
        "id",
        "is_visible",
        "name",
        "owners",
        "simulated",
        "stop_limit",
        "violation",
    )

    def __init__(self, data: dict[str, Any], owner: str) -> None:
        try:
            self.id = int(data["id"])
            self.name = str(data["name"])
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"account needs an int 'id' and a 'name': {data!r}") from exc
        if not -(2**31) <= self.id < 2**31:
            raise ValueError(f"account id {self.id} is not an int32")
        self.balance = round(float(data.get("balance", 50_000.0)), 2)
        self.can_trade = bool(data.get("canTrade", True))
        self.is_visible = bool(data.get("isVisible", True))
        self.simulated = bool(data.get("simulated", True))
        self.active = bool(data.get("active", True))
        mode = str(data.get("bracketMode", "position")).lower()
        if mode not in ("position", "auto_oco"):
            raise ValueError(f"bracketMode must be 'position' or 'auto_oco', got {mode!r}")
        self.bracket_mode = mode
        self.follower = bool(data.get("follower", False))
        self.stop_limit = bool(data.get("stopLimit", False))
        self.violation = bool(data.get("violation", False))
        self.owners = {owner}

    def to_wire(self) -> dict[str, Any]:
        """The six TradingAccount keys, nothing more."""
        return {
            "id": self.id,
            "name": self.name,
            "balance": self.balance,
            "canTrade": self.can_trade,
            "isVisible": self.is_visible,
            "simulated": self.simulated,
        }


class Order:
    """One order and its matching state (prices in ticks)."""

    __slots__ = (
        "account_id",
        "child_ids",
        "created_ns",
        "extreme",
        "fill_cost",
        "fill_volume",
        "id",
        "limit",
        "linked_id",
        "parent_id",
        "side",
        "size",
        "sl",
        "spec",
        "status",
        "stop",
        "tag",
        "tp",
        "trail_dist",
        "triggered",
        "type",
        "updated_ns",
    )

    def __init__(
        self, oid: int, account_id: int, spec: ContractSpec, otype: int, side: int, size: int
    ) -> None:
        self.id = oid
        self.account_id = account_id
        self.spec = spec
        self.type = otype
        self.side = side
        self.size = size
        self.limit: int | None = None
        self.stop: int | None = None
        self.trail_dist: int | None = None
        self.extreme = 0
        self.triggered = False
        self.status = PENDING
        self.fill_volume = 0
        self.fill_cost = 0
        self.tag: str | None = None
        self.created_ns = 0
        self.updated_ns = 0
        self.parent_id: int | None = None
        self.linked_id: int | None = None
        self.sl: tuple[int, int] | None = None  # (ticks, type) of a pending bracket
        self.tp: tuple[int, int] | None = None
        self.child_ids: list[int] = []

    @property
    def remaining(self) -> int:
        """Contracts still to fill."""
        return self.size - self.fill_volume


class Position:
    """Net position of one account in one contract; ``size`` signed; the average entry price
    is ``avg_num / avg_den`` ticks (exact, reduced)."""

    __slots__ = ("account_id", "avg_den", "avg_num", "created_ns", "id", "lots", "size", "spec")

    def __init__(self, pid: int, account_id: int, spec: ContractSpec, created_ns: int) -> None:
        self.id = pid
        self.account_id = account_id
        self.spec = spec
        self.created_ns = created_ns
        self.size = 0
        self.avg_num = 0
        self.avg_den = 1
        self.lots: deque[list[Any]] = deque()  # [opening trade dict, open qty] FIFO


def env(code: int = 0, message: str | None = None, **payload: Any) -> dict[str, Any]:
    out: dict[str, Any] = dict(payload)
    out["success"] = code == 0
    out["errorCode"] = code
    out["errorMessage"] = message
    return out


def omit_nulls(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if v is not None}


def book_fills(m: ContractMarket, side: int, qty: int, limit: int | None) -> list[tuple[int, int]]:
    """Fills for ``qty`` against the displayed opposite side, best first, up to ``limit``.

    A market order (``limit`` None) larger than the displayed depth fills its rest at the worst
    displayed level [INFERRED].
    """
    out: list[tuple[int, int]] = []
    if side == 0:
        book = m.asks
        prices: Iterable[int] = range(m.ba, m.ba + len(book)) if m.contiguous else sorted(book)
    else:
        book = m.bids
        prices = range(m.bb, m.bb - len(book), -1) if m.contiguous else sorted(book, reverse=True)
    left = qty
    last = None
    for t in prices:
        if left <= 0:
            break
        size = book.get(t)
        if size is None:
            break
        if limit is not None and (t > limit if side == 0 else t < limit):
            break
        take = size if size < left else left
        out.append((t, take))
        left -= take
        last = t
    if left > 0 and limit is None and last is not None:
        out[-1] = (last, out[-1][1] + left)  # one fill per level
    return out


def check_brackets(side: int, sl: Any, tp: Any) -> str | None:
    """Auto-OCO bracket validation (signs and types, spec §4.5.3 observed messages)."""
    longing = side == 0
    word = "longing" if longing else "shorting"
    if sl is not None:
        typ, ticks = sl.get("type"), sl.get("ticks")
        if typ not in (STOP, TRAIL):
            return f"Invalid stop loss type ({_TYPE_NAMES.get(typ, typ)})"
        if not isinstance(ticks, int) or (ticks >= 0 if longing else ticks <= 0):
            rel = "less" if longing else "greater"
            return f"Ticks should be {rel} than zero when {word}"
    if tp is not None:
        typ, ticks = tp.get("type"), tp.get("ticks")
        if typ != LIMIT:
            return f"Invalid take profit type ({_TYPE_NAMES.get(typ, typ)})"
        if not isinstance(ticks, int) or (ticks <= 0 if longing else ticks >= 0):
            rel = "greater" if longing else "less"
            return f"Ticks should be {rel} than zero when {word}"
    return None


def avg_price(spec: ContractSpec, num: int, den: int) -> float:
    if den == 1:
        return spec.price(num)
    return float(Fraction(num, den) * spec.tick_size_q)  # nearest float to the exact average


def to_int(v: Any) -> int:
    try:
        return int(v)
    except (TypeError, ValueError):
        return 0


def to_ns(v: Any, default: int | None = None) -> int:
    if v is None:
        if default is None:
            raise KeyError("missing timestamp")
        return default
    if isinstance(v, int):
        return v
    return parse_ts(str(v))
