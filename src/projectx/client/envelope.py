"""The Gateway's answer envelope (spec §3): ``success``, ``errorCode``, ``errorMessage``.

:func:`check_envelope` turns ``success: false`` into the typed error naming the code
(:class:`~projectx.exceptions.OrderRejectedError` for the order endpoints);
:func:`parse_list` and :func:`parse_one` build models and refuse malformed payloads.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from projectx.client.errors import error_name
from projectx.exceptions import (
    APIError,
    InsufficientMarginError,
    OrderRejectedError,
    ValidationError,
)

__all__ = ["check_envelope", "error_code", "parse_list", "parse_one"]

_T = TypeVar("_T")

_ORDER_ENDPOINTS = frozenset({"order/place", "order/modify", "order/cancel"})
_INSUFFICIENT_FUNDS = 3  # PlaceOrderErrorCode (spec §3.3)


def error_code(env: Mapping[str, Any]) -> int | None:
    """The envelope's ``errorCode`` when it is an int (``None`` otherwise)."""
    code = env.get("errorCode")
    return code if isinstance(code, int) and not isinstance(code, bool) else None


def check_envelope(
    env: dict[str, Any], endpoint: str, *, order_id: int | None = None
) -> dict[str, Any]:
    """Return ``env`` when ``success`` is true; raise the typed error otherwise."""
    if env.get("success") is True:
        return env
    code = error_code(env)
    message = env.get("errorMessage")
    text = f"{endpoint} failed: {error_name(endpoint, code)}"
    if message:
        text += f" ({message})"
    if endpoint.lower() in _ORDER_ENDPOINTS:
        rejected = (
            InsufficientMarginError
            if endpoint.lower() == "order/place" and code == _INSUFFICIENT_FUNDS
            else OrderRejectedError
        )
        raise rejected(text, order_id=order_id, endpoint=endpoint, status=200, error_code=code)
    raise APIError(text, endpoint=endpoint, status=200, error_code=code)


def parse_list(
    env: Mapping[str, Any], key: str, build: Callable[[Any], _T], endpoint: str
) -> list[_T]:
    """The ``key`` list of ``env`` built item by item; one malformed item refuses the answer."""
    raw = env.get(key)
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise APIError(f"{endpoint}: {key!r} is not a list", endpoint=endpoint, status=200)
    try:
        return [build(item) for item in raw]
    except ValidationError as exc:
        raise APIError(
            f"{endpoint}: malformed item: {exc}", endpoint=endpoint, status=200
        ) from None


def parse_one(raw: Any, build: Callable[[Any], _T], endpoint: str) -> _T:
    """``build(raw)``; a malformed payload is an :class:`APIError` of ``endpoint``."""
    try:
        return build(raw)
    except ValidationError as exc:
        raise APIError(
            f"{endpoint}: malformed payload: {exc}", endpoint=endpoint, status=200
        ) from None
