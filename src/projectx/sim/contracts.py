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
    "PRODUCTS",
    "ContractSpec",
    "OffTickError",
    "Product",
    "UnknownSymbolError",
    "contract_at",
    "default_contracts",
    "front_month",
    "previous_contract",
    "product",
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


@dataclass(frozen=True, slots=True)
class Product:
    """One row of the product table: a futures product, its tick grid and its listing cycle.

    ``cycle`` holds the CME month codes of the listed contract months (``HMUZ`` quarterly,
    ``FGHJKMNQUVXZ`` monthly, ``GJMQVZ`` for gold, ...). ``roll_day`` picks the roll rule:
    ``0`` rolls 8 days before the third Friday of the contract month (the CME equity-index
    roll); ``N > 0`` rolls on day ``N`` of the month before the contract month (energies, metals,
    rates, grains and livestock roll ahead of first notice / last trade in the prior month).
    """

    root: str
    ticker: str
    product: str
    tick_size: float
    tick_value: float
    start_price: float
    fee: float
    commission: float
    margin: float
    cycle: str = "HMUZ"
    roll_day: int = 0

    def roll_date(self, year: int, month: int) -> tuple[int, int, int]:
        """(year, month, day) from which the ``year``/``month`` contract is no longer the front."""
        if self.roll_day == 0:
            return year, month, _third_friday(year, month) - 8
        idx = year * 12 + (month - 1) - 1
        return idx // 12, idx % 12 + 1, self.roll_day

    def front(self, now_ns: int) -> tuple[int, int]:
        """(year, month) of the front contract at ``now_ns``: the first listed month not rolled."""
        t = time.gmtime(now_ns // 1_000_000_000)
        today = (t.tm_year, t.tm_mon, t.tm_mday)
        idx = t.tm_year * 12 + t.tm_mon - 1
        for step in range(25):
            year, month = (idx + step) // 12, (idx + step) % 12 + 1
            if MONTH_CODES[month - 1] in self.cycle and today < self.roll_date(year, month):
                return year, month
        raise AssertionError(
            f"no listed month within two years for {self.root}"
        )  # pragma: no cover

    def previous(self, year: int, month: int) -> tuple[int, int]:
        """(year, month) of the listed contract month before ``year``/``month``."""
        idx = year * 12 + month - 1
        while True:
            idx -= 1
            if MONTH_CODES[idx % 12] in self.cycle:
                return idx // 12, idx % 12 + 1


_M = "FGHJKMNQUVXZ"  # every month (energies)
_Q = "HMUZ"  # quarterly (equity indexes, currencies, treasuries)
_EQ, _FX, _RATES, _ENERGY, _METALS, _AGS = 0, 0, 25, 20, 25, 25  # roll rules (see Product)

# The TopstepX product list. Tick sizes/values: spec §6.2 where listed, standard CME contract
# specs otherwise. Roots: spec §6.1 where listed; the others follow the Gateway's naming
# (``CLE``, ``GCE``, ``TYA``, ...) and are [INFERRED]. Start prices, fees, commissions and margins
# are simulator choices.
PRODUCTS: tuple[Product, ...] = (
    # equity indexes (CME / CBOT)
    Product("MNQ", "MNQ", "Micro E-mini Nasdaq-100", 0.25, 0.5, 21000.0, 0.37, 0.25, 100.0),
    Product("ENQ", "NQ", "E-mini Nasdaq-100", 0.25, 5.0, 21000.0, 1.4, 0.5, 1000.0),
    Product("EP", "ES", "E-Mini S&P 500", 0.25, 12.5, 6000.0, 1.4, 0.5, 1000.0),
    Product("MES", "MES", "Micro E-mini S&P 500", 0.25, 1.25, 6000.0, 0.37, 0.25, 100.0),
    Product("RTY", "RTY", "E-mini Russell 2000", 0.1, 5.0, 2400.0, 1.4, 0.5, 500.0),
    Product("M2K", "M2K", "Micro E-mini Russell 2000", 0.1, 0.5, 2400.0, 0.37, 0.25, 50.0),
    Product("YM", "YM", "E-mini Dow Jones", 1.0, 5.0, 49900.0, 1.4, 0.5, 1000.0),
    Product("MYM", "MYM", "Micro E-mini Dow Jones", 1.0, 0.5, 49900.0, 0.37, 0.25, 100.0),
    Product("EMD", "EMD", "E-mini S&P MidCap 400", 0.1, 10.0, 3200.0, 1.4, 0.5, 1000.0),
    Product("NKD", "NKD", "Nikkei 225 (Dollar)", 5.0, 25.0, 39000.0, 1.4, 0.5, 1000.0),
    # treasuries (CBOT)
    Product(
        "USA",
        "ZB",
        "30-Year U.S. Treasury Bond",
        0.03125,
        31.25,
        113.5,
        1.0,
        0.5,
        1000.0,
        _Q,
        _RATES,
    ),
    Product(
        "ULA", "UB", "Ultra U.S. Treasury Bond", 0.03125, 31.25, 120.0, 1.0, 0.5, 1000.0, _Q, _RATES
    ),
    Product(
        "TYA",
        "ZN",
        "10-Year U.S. Treasury Note",
        0.015625,
        15.625,
        110.5,
        1.0,
        0.5,
        1000.0,
        _Q,
        _RATES,
    ),
    Product(
        "FVA",
        "ZF",
        "5-Year U.S. Treasury Note",
        0.0078125,
        7.8125,
        107.5,
        1.0,
        0.5,
        1000.0,
        _Q,
        _RATES,
    ),
    Product(
        "TUA",
        "ZT",
        "2-Year U.S. Treasury Note",
        0.00390625,
        7.8125,
        103.5,
        1.0,
        0.5,
        1000.0,
        _Q,
        _RATES,
    ),
    # energies (NYMEX)
    Product("CLE", "CL", "Crude Oil", 0.01, 10.0, 70.0, 1.5, 0.5, 1000.0, _M, _ENERGY),
    Product("MCLE", "MCL", "Micro WTI Crude Oil", 0.01, 1.0, 70.0, 0.5, 0.25, 100.0, _M, _ENERGY),
    Product("NQM", "QM", "E-mini Crude Oil", 0.025, 12.5, 70.0, 1.2, 0.5, 1000.0, _M, _ENERGY),
    Product("NGE", "NG", "Natural Gas", 0.001, 10.0, 3.5, 1.5, 0.5, 1000.0, _M, _ENERGY),
    Product("NQG", "QG", "E-mini Natural Gas", 0.005, 12.5, 3.5, 1.2, 0.5, 1000.0, _M, _ENERGY),
    Product(
        "MNG", "MNG", "Micro Henry Hub Natural Gas", 0.001, 1.0, 3.5, 0.5, 0.25, 100.0, _M, _ENERGY
    ),
    Product("RBE", "RB", "RBOB Gasoline", 0.0001, 4.2, 2.1, 1.5, 0.5, 1000.0, _M, _ENERGY),
    Product("HOE", "HO", "NY Harbor ULSD", 0.0001, 4.2, 2.4, 1.5, 0.5, 1000.0, _M, _ENERGY),
    # metals (COMEX / NYMEX)
    Product("GCE", "GC", "Gold", 0.1, 10.0, 2650.0, 1.5, 0.5, 1000.0, "GJMQVZ", _METALS),
    Product("MGC", "MGC", "Micro Gold", 0.1, 1.0, 2650.0, 0.5, 0.25, 100.0, "GJMQVZ", _METALS),
    Product("SIE", "SI", "Silver", 0.005, 25.0, 31.0, 1.5, 0.5, 1000.0, "FHKNUZ", _METALS),
    Product("SIL", "SIL", "Micro Silver", 0.005, 5.0, 31.0, 0.5, 0.25, 100.0, "FHKNUZ", _METALS),
    Product("HGE", "HG", "Copper", 0.0005, 12.5, 4.2, 1.5, 0.5, 1000.0, "FHKNUZ", _METALS),
    Product("MHG", "MHG", "Micro Copper", 0.0005, 1.25, 4.2, 0.5, 0.25, 100.0, "FHKNUZ", _METALS),
    Product("PLE", "PL", "Platinum", 0.1, 5.0, 950.0, 1.5, 0.5, 1000.0, "FJNV", _METALS),
    # currencies (CME)
    Product("EU6", "6E", "Euro FX", 0.00005, 6.25, 1.08, 1.6, 0.5, 1000.0, _Q, _FX),
    Product("M6E", "M6E", "E-micro EUR/USD", 0.0001, 1.25, 1.08, 0.5, 0.25, 100.0, _Q, _FX),
    Product("EEU", "E7", "E-mini Euro FX", 0.0001, 6.25, 1.08, 1.2, 0.5, 500.0, _Q, _FX),
    Product("JY6", "6J", "Japanese Yen", 0.0000005, 6.25, 0.0067, 1.6, 0.5, 1000.0, _Q, _FX),
    Product("BP6", "6B", "British Pound", 0.0001, 6.25, 1.27, 1.6, 0.5, 1000.0, _Q, _FX),
    Product("M6B", "M6B", "E-micro GBP/USD", 0.0001, 0.625, 1.27, 0.5, 0.25, 100.0, _Q, _FX),
    Product("DA6", "6A", "Australian Dollar", 0.00005, 5.0, 0.65, 1.6, 0.5, 1000.0, _Q, _FX),
    Product("M6A", "M6A", "E-micro AUD/USD", 0.0001, 1.0, 0.65, 0.5, 0.25, 100.0, _Q, _FX),
    Product("CA6", "6C", "Canadian Dollar", 0.00005, 5.0, 0.72, 1.6, 0.5, 1000.0, _Q, _FX),
    Product("SF6", "6S", "Swiss Franc", 0.00005, 6.25, 1.13, 1.6, 0.5, 1000.0, _Q, _FX),
    # grains (CBOT)
    Product("ZCE", "ZC", "Corn", 0.25, 12.5, 450.0, 2.0, 0.5, 1000.0, "HKNUZ", _AGS),
    Product("ZSE", "ZS", "Soybeans", 0.25, 12.5, 1000.0, 2.0, 0.5, 1000.0, "FHKNQUX", _AGS),
    Product("ZWA", "ZW", "Chicago SRW Wheat", 0.25, 12.5, 550.0, 2.0, 0.5, 1000.0, "HKNUZ", _AGS),
    Product("ZLE", "ZL", "Soybean Oil", 0.01, 6.0, 45.0, 2.0, 0.5, 1000.0, "FHKNQUVZ", _AGS),
    Product("ZME", "ZM", "Soybean Meal", 0.1, 10.0, 300.0, 2.0, 0.5, 1000.0, "FHKNQUVZ", _AGS),
    # livestock (CME)
    Product("HE", "HE", "Lean Hogs", 0.025, 10.0, 85.0, 2.0, 0.5, 1000.0, "GJKMNQVZ", _AGS),
    Product("GLE", "LE", "Live Cattle", 0.025, 10.0, 185.0, 2.0, 0.5, 1000.0, "GJMQVZ", _AGS),
)
_BY_ROOT = {p.root: p for p in PRODUCTS}

# Roots and CME tickers accepted by resolve_symbols.
_ALIASES = {p.ticker: p.root for p in PRODUCTS} | {p.root: p.root for p in PRODUCTS}

DEFAULT_SYMBOLS = ("MNQ", "ENQ", "EP", "MES", "RTY", "MYM", "USA")


def _third_friday(year: int, month: int) -> int:
    first_weekday, _ = calendar.monthrange(year, month)  # Monday = 0
    first_friday = 1 + (4 - first_weekday) % 7
    return first_friday + 14


_GENERIC = {
    False: Product("_Q", "_Q", "", 1.0, 1.0, 1.0, 0.0, 0.0, 0.0, _Q, _EQ),
    True: Product("_M", "_M", "", 1.0, 1.0, 1.0, 0.0, 0.0, 0.0, _M, _ENERGY),
}


def front_month(now_ns: int, *, monthly: bool = False) -> tuple[int, int]:
    """(year, month) of the front contract at ``now_ns`` for a generic cycle.

    Quarterly products roll 8 days before the third Friday of the expiry month (the CME equity
    roll); monthly products trade the next calendar month until the 20th, then the one after.
    Per-product rules: :meth:`Product.front`. [INFERRED] - the Gateway does not document its
    roll calendar.
    """
    return _GENERIC[monthly].front(now_ns)


def product(symbol: str) -> Product:
    """The product of a root (``EP``) or CME ticker (``ES``); :class:`UnknownSymbolError` else."""
    root = _ALIASES.get(str(symbol).strip().upper())
    if root is None:
        known = ", ".join(sorted(_ALIASES))
        raise UnknownSymbolError(f"unknown symbol {symbol!r}; known: {known}")
    return _BY_ROOT[root]


def _spec(prod: Product, year: int, month: int, active: bool = True) -> ContractSpec:
    return ContractSpec(
        prod.root,
        prod.ticker,
        prod.product,
        prod.tick_size,
        prod.tick_value,
        prod.start_price,
        prod.fee,
        prod.commission,
        prod.margin,
        year,
        month,
        active,
        prod.cycle == _M,
    )


def contract_at(symbol: str, now_ns: int) -> ContractSpec:
    """The front contract of ``symbol`` at ``now_ns`` (by its product's roll rule)."""
    prod = product(symbol)
    return _spec(prod, *prod.front(now_ns))


def default_contracts(now_ns: int) -> list[ContractSpec]:
    """Every product of the table, as its front contract at ``now_ns``."""
    return [_spec(p, *p.front(now_ns)) for p in PRODUCTS]


def previous_contract(spec: ContractSpec) -> ContractSpec:
    """The expired contract before ``spec`` (``activeContract: false``), for searchById."""
    prod = _BY_ROOT.get(spec.root)
    if prod is None:  # a contract built outside the table: step by its generic cycle
        step = 1 if spec.monthly else 3
        idx = spec.year * 12 + (spec.month - 1) - step
        year, month = idx // 12, idx % 12 + 1
    else:
        year, month = prod.previous(spec.year, spec.month)
    return replace(spec, year=year, month=month, active=False)


def resolve_symbols(
    symbols: list[str] | tuple[str, ...], now_ns: int | None = None
) -> list[ContractSpec]:
    """Contracts for ``symbols`` (roots like ``MNQ``/``EP`` or CME tickers like ``ES``/``NQ``).

    Order is kept and duplicates dropped; an empty list gives :data:`DEFAULT_SYMBOLS`.
    Raises :class:`UnknownSymbolError` for anything not in the table.
    """
    now = time.time_ns() if now_ns is None else now_ns
    out: list[ContractSpec] = []
    seen: set[str] = set()
    for raw in list(symbols) or list(DEFAULT_SYMBOLS):
        prod = product(raw)
        if prod.root not in seen:
            seen.add(prod.root)
            out.append(_spec(prod, *prod.front(now)))
    return out
