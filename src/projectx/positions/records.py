"""The position records: :class:`PositionInfo` (the public snapshot) and :class:`OpenPosition`
(the mutable state the :class:`~projectx.positions.PositionManager` keeps per contract)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from projectx.enums import PositionType

__all__ = ["OpenPosition", "PositionInfo"]


@dataclass(frozen=True, slots=True)
class PositionInfo:
    """A snapshot of one open position. ``size`` is signed (negative = short)."""

    contract_id: str
    position_id: int | None
    size: int
    average_price: float
    last_price: float | None
    unrealized_pnl: float | None
    realized_pnl: float
    """Gross P&L realised on this contract since the manager's start of accounting."""
    fees: float
    opened_ns: int | None
    point_value: float | None

    @property
    def side(self) -> PositionType:
        """LONG or SHORT."""
        return PositionType.LONG if self.size > 0 else PositionType.SHORT

    @property
    def is_long(self) -> bool:
        """Whether the position is long."""
        return self.size > 0

    @property
    def is_short(self) -> bool:
        """Whether the position is short."""
        return self.size < 0

    @property
    def exposure(self) -> float | None:
        """Absolute notional: ``|size| * price * point value`` (last price, else average)."""
        if self.point_value is None:
            return None
        price = self.last_price if self.last_price is not None else self.average_price
        return abs(self.size) * price * self.point_value

    def as_dict(self) -> dict[str, Any]:
        """Plain dict (event payloads)."""
        return {
            "contract_id": self.contract_id,
            "position_id": self.position_id,
            "size": self.size,
            "side": self.side,
            "average_price": self.average_price,
            "last_price": self.last_price,
            "unrealized_pnl": self.unrealized_pnl,
            "realized_pnl": self.realized_pnl,
            "fees": self.fees,
        }


class OpenPosition:
    """One open position as the manager holds it (size signed, P&L marked at ``last_price``)."""

    __slots__ = (
        "average_price",
        "contract_id",
        "last_price",
        "opened_ns",
        "point_value",
        "position_id",
        "size",
        "unrealized",
    )

    def __init__(self, contract_id: str, point_value: float | None) -> None:
        self.contract_id = contract_id
        self.point_value = point_value
        self.position_id: int | None = None
        self.size = 0
        self.average_price = 0.0
        self.last_price: float | None = None
        self.unrealized: float | None = None
        self.opened_ns: int | None = None

    def mark(self) -> float | None:
        """Unrealised P&L at ``last_price`` (None while the price or point value is unknown)."""
        pv, price = self.point_value, self.last_price
        if pv is None or price is None:
            return None
        return (price - self.average_price) * self.size * pv
