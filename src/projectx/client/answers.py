"""The REST-answer boundary (issue #14): typed errors and checked builders for Gateway answers.

Every entity of an answer goes through its model (types, :mod:`projectx.models`) and its
plausibility check (:mod:`projectx.plausibility`), the same rules a user-hub event meets. What
fails is reported to the client's :class:`~projectx.plausibility.AnomalyLog` (reason counted)
and then:

* an entity list (orders, positions, fills, accounts) is refused whole with
  :class:`ImplausibleAnswerError`: dropping one position from ``Position/searchOpen`` would
  read as "flat", so nothing of a contradictory answer is used;
* ``Order/place`` answering success with an ``orderId`` that cannot be real (<= 0, beyond
  int64, not an integer) raises :class:`ImplausibleOrderIdError`, an
  :class:`~projectx.exceptions.OrderSubmissionUncertainError`: the order may or may not exist,
  so it is reconciled by its ``customTag``; a rejection's implausible id is dropped;
* bars are filtered instead (see :func:`projectx.client.bars.decode_bars`): a bar with a
  non-finite value, a negative or fractional volume, ``high < low`` or an open/close outside
  ``[low, high]`` is dropped and counted, the others are kept.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from projectx.exceptions import APIError, OrderSubmissionUncertainError, ValidationError
from projectx.models import Account, Order, Position, Trade
from projectx.plausibility import (
    INT64_MAX,
    AnomalyError,
    AnomalyLog,
    check_account,
    check_order,
    check_position,
    check_trade,
)

__all__ = [
    "ImplausibleAnswerError",
    "ImplausibleOrderIdError",
    "checked_account",
    "checked_order",
    "checked_position",
    "checked_trade",
    "parse_entities",
    "parse_entity",
    "place_order_id",
]

_T = TypeVar("_T")


class ImplausibleAnswerError(APIError):
    """A REST answer contradicts the spec's types or plausibility (``reason``); nothing of it
    was used."""

    def __init__(self, message: str, *, reason: str, endpoint: str) -> None:
        super().__init__(message, endpoint=endpoint, status=200)
        self.reason = reason


class ImplausibleOrderIdError(OrderSubmissionUncertainError):
    """``Order/place`` answered success with an order id that cannot be real: the outcome is
    unknown, reconcile by ``custom_tag`` (the request was not resent)."""

    def __init__(self, message: str, *, custom_tag: str, reason: str) -> None:
        super().__init__(message, custom_tag=custom_tag)
        self.reason = reason


def checked_order(data: Any) -> Order:
    """``Order.from_wire`` plus :func:`~projectx.plausibility.check_order`."""
    return check_order(Order.from_wire(data))


def checked_position(data: Any) -> Position:
    """``Position.from_wire`` plus :func:`~projectx.plausibility.check_position`."""
    return check_position(Position.from_wire(data))


def checked_trade(data: Any) -> Trade:
    """``Trade.from_wire`` plus :func:`~projectx.plausibility.check_trade`."""
    return check_trade(Trade.from_wire(data))


def checked_account(data: Any) -> Account:
    """``Account.from_wire`` plus :func:`~projectx.plausibility.check_account`."""
    return check_account(Account.from_wire(data))


def _refuse(
    anomalies: AnomalyLog, endpoint: str, reason: str, detail: str
) -> ImplausibleAnswerError:
    anomalies.report(endpoint, reason, detail)
    return ImplausibleAnswerError(
        f"{endpoint}: answer refused ({reason}): {detail}", reason=reason, endpoint=endpoint
    )


def parse_entities(
    env: Mapping[str, Any],
    key: str,
    build: Callable[[Any], _T],
    endpoint: str,
    anomalies: AnomalyLog,
    *,
    account_id: int | None = None,
) -> list[_T]:
    """The list under ``key``, every item built and checked (and of ``account_id`` when
    given); the whole answer is refused on the first item that fails."""
    raw = env.get(key)
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise _refuse(anomalies, endpoint, "not_a_list", f"{key!r} is not a list")
    out: list[_T] = []
    for item in raw:
        out.append(parse_entity(item, build, endpoint, anomalies, account_id=account_id))
    return out


def parse_entity(
    raw: Any,
    build: Callable[[Any], _T],
    endpoint: str,
    anomalies: AnomalyLog,
    *,
    account_id: int | None = None,
) -> _T:
    """One entity built and checked; :class:`ImplausibleAnswerError` when it fails."""
    try:
        entity = build(raw)
    except AnomalyError as exc:
        raise _refuse(anomalies, endpoint, exc.reason, str(exc)) from None
    except ValidationError as exc:
        raise _refuse(anomalies, endpoint, "malformed", str(exc)) from None
    owner = getattr(entity, "account_id", None)
    if account_id is not None and owner != account_id:
        raise _refuse(
            anomalies, endpoint, "foreign_account", f"item of account {owner}, not {account_id}"
        )
    return entity


def place_order_id(value: Any) -> tuple[int | None, str | None]:
    """``Order/place``'s ``orderId``: ``(id, None)`` when plausible, ``(None, None)`` when
    absent, ``(None, reason)`` when it cannot be a real order id."""
    if value is None:
        return None, None
    if isinstance(value, bool) or not isinstance(value, int):
        return None, "order_id_wrong_type"
    if value <= 0:
        return None, "order_id_not_positive"
    if value > INT64_MAX:
        return None, "order_id_out_of_range"
    return value, None
