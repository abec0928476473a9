"""The simulator's contract table (spec §6) and its tick arithmetic.

:data:`PRODUCTS` is the TopstepX product list (equity indexes, treasuries, energies, metals,
currencies, grains, livestock). Tick sizes and values come from spec §6.2 (docs values where
given, standard CME specs where the spec marks them [INFERRED]). Each :class:`Product` carries
its listed months and its roll rule; a symbol serves its front contract at the simulator clock
(:meth:`Product.front`) and the previous listed contract stays resolvable as an expired one
(:func:`previous_contract`). Start prices, fees, commissions and margins are simulator choices.

Ids follow §6.1: ``CON.F.US.<ROOT>.<M><YY>``; names use the CME ticker and a 1-digit year
(``MNQZ6``, ``ESZ6``) as the later docs do; ``display_name`` (extended-profile
``contractDisplayName``) uses a 2-digit year (``MYMM26``).

Prices are floats on the wire and integer ticks inside: :meth:`ContractSpec.to_ticks` rejects a
price that is not on the tick grid (decimal-safe, tolerance 1e-6 tick), :meth:`ContractSpec.price`
turns ticks back into the nearest float of the exact decimal value.
"""

from __future__ import annotations

import calendar
import time
from dataclasses import dataclass, field, replace
from decimal import Decimal
from fractions import Fraction
from typing import Any

__all__ = [
    "MONTH_CODES",
    "ContractSpec",
    "OffTickError",
    "UnknownSymbolError",
    "default_contracts",
    "front_month",
    "previous_contract",
    "resolve_symbols",
]

MONTH_CODES = "FGHJKMNQUVXZ"
_MONTH_NAMES = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]


class UnknownSymbolError(ValueError):
    """A symbol given to :func:`resolve_symbols` is not in the contract table."""


class OffTickError(ValueError):
    """A price is not a multiple of the contract's tick size."""


@dataclass(frozen=True, slots=True)
class ContractSpec:
    """One tradable contract of the simulator."""

    root: str  # ProjectX product root (EP, ENQ, MNQ, ...)
    ticker: str  # CME ticker used in names (ES, NQ, MNQ, ...)
    product: str  # description stem, e.g. "Micro E-mini Nasdaq-100"
    tick_size: float
    tick_value: float
    start_price: float
    fee: float  # exchange + clearing fees per contract per fill
    commission: float  # broker commission per contract per fill (extended profile)
    margin: float  # balance required per contract of open exposure (funds check)
    year: int = 2025
    month: int = 12
    active: bool = True
    monthly: bool = False  # False: quarterly cycle (H M U Z)

    # derived, computed once in __post_init__ (hot paths read them per fill)
    id: str = field(init=False, compare=False)  # CON.F.US.MNQ.Z26
    symbol_id: str = field(init=False, compare=False)  # F.US.MNQ
    name: str = field(init=False, compare=False)  # MNQZ6 (ticker, month, 1-digit year)
    display_name: str = field(init=False, compare=False)  # MNQZ26 (contractDisplayName)
    description: str = field(init=False, compare=False)  # Micro E-mini ...: December 2026
    decimals: int = field(init=False, compare=False)  # decimals of the tick size
    tick_size_q: Fraction = field(init=False, compare=False)  # exact tick size
    tick_value_q: Fraction = field(init=False, compare=False)  # exact tick value

    def __post_init__(self) -> None:
        code = MONTH_CODES[self.month - 1]
        put = object.__setattr__
        put(self, "id", f"CON.F.US.{self.root}.{code}{self.year % 100:02d}")
        put(self, "symbol_id", f"F.US.{self.root}")
        put(self, "name", f"{self.ticker}{code}{self.year % 10}")
        put(self, "display_name", f"{self.ticker}{code}{self.year % 100:02d}")
        put(self, "description", f"{self.product}: {_MONTH_NAMES[self.month - 1]} {self.year}")
        exp = Decimal(repr(self.tick_size)).normalize().as_tuple().exponent
        put(self, "decimals", max(0, -int(exp)))
        put(self, "tick_size_q", Fraction(repr(self.tick_size)))
        put(self, "tick_value_q", Fraction(repr(self.tick_value)))

    @property
    def start_ticks(self) -> int:
        """The start price in ticks."""
        return self.to_ticks(self.start_price)

    def to_ticks(self, price: float) -> int:
        """Price -> integer ticks; raise :class:`OffTickError` when off the grid."""
        q = price / self.tick_size
        n = round(q)
        if abs(q - n) > 1e-6:
            raise OffTickError(f"{price!r} is not a multiple of tick size {self.tick_size!r}")
        return int(n)

    def is_aligned(self, price: float) -> bool:
        """Whether ``price`` lies on the tick grid."""
        q = price / self.tick_size
        return abs(q - round(q)) <= 1e-6

    def price(self, ticks: int | float) -> float:
        """Ticks (int, or a fractional average) -> price as the nearest float."""
        if ticks.__class__ is int:
            return round(ticks * self.tick_size, self.decimals)
        return round(ticks * self.tick_size, self.decimals + 6)

    def to_wire(self, profile: str = "legacy") -> dict[str, Any]:
        """The 7 keys of the ContractModel (spec §4.3); the same in both profiles."""
        return {
            "id": self.id,
            "name": self.name,
            "description": self.description,
            "tickSize": self.tick_size,
            "tickValue": self.tick_value,
            "activeContract": self.active,
            "symbolId": self.symbol_id,
        }


# root, ticker, product, tickSize, tickValue, start price, fee, commission, margin, monthly
_Row = tuple[str, str, str, float, float, float, float, float, float, bool]
_TABLE: tuple[_Row, ...] = (
    ("MNQ", "MNQ", "Micro E-mini Nasdaq-100", 0.25, 0.5, 21000.0, 0.37, 0.25, 100.0, False),
    ("ENQ", "NQ", "E-mini Nasdaq-100", 0.25, 5.0, 21000.0, 1.4, 0.5, 1000.0, False),
    ("EP", "ES", "E-Mini S&P 500", 0.25, 12.5, 6000.0, 1.4, 0.5, 1000.0, False),
    ("MES", "MES", "Micro E-mini S&P 500", 0.25, 1.25, 6000.0, 0.37, 0.25, 100.0, False),
    ("RTY", "RTY", "E-mini Russell 2000", 0.1, 5.0, 2400.0, 1.4, 0.5, 500.0, False),
    ("MYM", "MYM", "Micro E-mini Dow Jones", 1.0, 0.5, 49900.0, 0.37, 0.25, 100.0, False),
    ("USA", "ZB", "30-Year U.S. Treasury Bond", 0.03125, 31.25, 113.5, 1.0, 0.5, 1000.0, False),
    ("NQG", "QG", "E-mini Natural Gas", 0.005, 12.5, 3.5, 1.2, 0.5, 1000.0, True),
    ("NQM", "QM", "E-mini Crude Oil", 0.025, 12.5, 70.0, 1.2, 0.5, 1000.0, True),
    ("BP6", "6B", "British Pound", 0.0001, 6.25, 1.27, 1.6, 0.5, 1000.0, False),
    ("CA6", "6C", "Canadian Dollar", 0.00005, 5.0, 0.72, 1.6, 0.5, 1000.0, False),
    ("DA6", "6A", "Australian Dollar", 0.00005, 5.0, 0.65, 1.6, 0.5, 1000.0, False),
    ("EU6", "6E", "Euro FX", 0.00005, 6.25, 1.08, 1.6, 0.5, 1000.0, False),
)

# Common CME tickers and ProjectX roots accepted by resolve_symbols.
_ALIASES = {row[1]: row[0] for row in _TABLE} | {row[0]: row[0] for row in _TABLE}
_ALIASES |= {"E7": "EU6", "ZB": "USA", "NG": "NQG", "CL": "NQM"}

DEFAULT_SYMBOLS = ("MNQ", "ENQ", "EP", "MES", "RTY", "MYM", "USA")


def _third_friday(year: int, month: int) -> int:
    first_weekday, _ = calendar.monthrange(year, month)  # Monday = 0
    first_friday = 1 + (4 - first_weekday) % 7
    return first_friday + 14


def front_month(now_ns: int, *, monthly: bool = False) -> tuple[int, int]:
    """(year, month) of the front contract at ``now_ns``.

    Quarterly products roll 8 days before the third Friday of the expiry month (the CME equity
    roll); monthly products trade the next calendar month until the 20th, then the one after.
    [INFERRED] - the Gateway does not document its roll calendar.
    """
    t = time.gmtime(now_ns // 1_000_000_000)
    year, month, day = t.tm_year, t.tm_mon, t.tm_mday
    if monthly:
        ahead = 1 if day < 20 else 2
        idx = year * 12 + (month - 1) + ahead
        return idx // 12, idx % 12 + 1
    while True:
        if month % 3 == 0 and day < _third_friday(year, month) - 8:
            return year, month
        month += 1
        day = 0
        if month > 12:
            month, year = 1, year + 1


def _spec(row: _Row, now_ns: int) -> ContractSpec:
    root, ticker, product, ts, tv, start, fee, comm, margin, monthly = row
    year, month = front_month(now_ns, monthly=monthly)
    return ContractSpec(
        root, ticker, product, ts, tv, start, fee, comm, margin, year, month, True, monthly
    )


def default_contracts(now_ns: int) -> list[ContractSpec]:
    """Every contract of the table, as the front month at ``now_ns``."""
    return [_spec(row, now_ns) for row in _TABLE]


def previous_contract(spec: ContractSpec) -> ContractSpec:
    """The expired contract before ``spec`` (``activeContract: false``), for searchById."""
    step = 1 if spec.monthly else 3
    idx = spec.year * 12 + (spec.month - 1) - step
    return replace(spec, year=idx // 12, month=idx % 12 + 1, active=False)


def resolve_symbols(
    symbols: list[str] | tuple[str, ...], now_ns: int | None = None
) -> list[ContractSpec]:
    """Contracts for ``symbols`` (roots like ``MNQ``/``EP`` or CME tickers like ``ES``/``NQ``).

    Order is kept and duplicates dropped; an empty list gives :data:`DEFAULT_SYMBOLS`.
    Raises :class:`UnknownSymbolError` for anything not in the table.
    """
    now = time.time_ns() if now_ns is None else now_ns
    by_root = {row[0]: row for row in _TABLE}
    out: list[ContractSpec] = []
    seen: set[str] = set()
    for raw in list(symbols) or list(DEFAULT_SYMBOLS):
        key = str(raw).strip().upper()
        root = _ALIASES.get(key)
        if root is None:
            known = ", ".join(sorted(_ALIASES))
            raise UnknownSymbolError(f"unknown symbol {raw!r}; known: {known}")
        if root not in seen:
            seen.add(root)
            out.append(_spec(by_root[root], now))
    return out
