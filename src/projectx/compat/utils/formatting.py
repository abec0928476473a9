"""project-x-py's display helpers: ``format_price`` and ``format_volume``."""

from __future__ import annotations

__all__ = ["format_price", "format_volume"]


def format_price(price: float, decimals: int = 2) -> str:
    """``$1,234.50``-style text of ``price`` with ``decimals`` decimal places."""
    return f"${price:,.{decimals}f}"


def format_volume(volume: int) -> str:
    """``1.2M``, ``3.4K`` or the plain number below a thousand."""
    for scale, suffix in ((1_000_000, "M"), (1_000, "K")):
        if volume >= scale:
            return f"{volume / scale:.1f}{suffix}"
    return str(volume)
