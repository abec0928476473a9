"""project-x-py's order utilities: tick alignment and contract resolution, over the core's
:class:`projectx.models.Contract` arithmetic and the client's contract look-ups (cached by the
core client)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP
from typing import TYPE_CHECKING, Any

from projectx.compat.exceptions import ProjectXOrderError, translate
from projectx.exceptions import ProjectXError as CoreError
from projectx.exceptions import ValidationError
from projectx.models import Contract

if TYPE_CHECKING:
    from projectx.compat.client import ProjectX

__all__ = [
    "ROUND_HALF_UP",
    "align_price_to_tick",
    "align_price_to_tick_size",
    "clear_tick_size_cache",
    "resolve_contract_id",
    "validate_price_tick_size",
]


def align_price_to_tick(price: float, tick_size: float) -> float:
    """``price`` rounded to the nearest multiple of ``tick_size`` (unchanged when the tick
    size is not positive)."""
    if not tick_size or tick_size <= 0:
        return price
    return Contract(id="", tick_size=float(tick_size)).round_to_tick(float(price))


async def _contract(contract_id: str, project_x: ProjectX) -> Contract | None:
    try:
        return await project_x.core.resolve_contract(contract_id)
    except ValidationError:
        return None  # unknown contract or symbol
    except CoreError as exc:
        raise translate(exc, invalid=ProjectXOrderError) from exc


async def align_price_to_tick_size(
    price: float | None, contract_id: str, project_x: ProjectX
) -> float | None:
    """``price`` on the contract's tick grid (None stays None; an unknown contract leaves
    the price unchanged, as project-x-py does)."""
    if price is None:
        return None
    contract = await _contract(contract_id, project_x)
    if contract is None or not contract.tick_size:
        return price
    return contract.round_to_tick(float(price))


async def validate_price_tick_size(
    price: float | None, contract_id: str, project_x: ProjectX, price_label: str = "price"
) -> None:
    """Raise :class:`ProjectXOrderError` when ``price`` is off the contract's tick grid."""
    if price is None:
        return
    contract = await _contract(contract_id, project_x)
    if contract is None or not contract.tick_size:
        return
    if not contract.is_on_tick(float(price)):
        raise ProjectXOrderError(
            f"{price_label} {price} is not a multiple of the tick size {contract.tick_size}"
        )


async def resolve_contract_id(contract_id: str, project_x: ProjectX) -> dict[str, Any] | None:
    """The contract of an id or symbol as the Gateway's camelCase dict, or None."""
    contract = await _contract(contract_id, project_x)
    if contract is None:
        return None
    return {
        "id": contract.id,
        "name": contract.name or "",
        "description": contract.description or "",
        "tickSize": contract.tick_size,
        "tickValue": contract.tick_value,
        "activeContract": bool(contract.active_contract),
        "symbolId": contract.symbol_id,
    }


def clear_tick_size_cache() -> None:
    """Nothing to clear here: contracts are cached (with expiry) by the core client."""
