"""Obviously-correct reference for the native frame parser: orjson + plain Python mapping.

``expected_records(record_bytes, contracts)`` returns the list of record dicts the native parser
must produce for one SignalR record, or ``None`` when the record must fall back (not valid JSON,
not a market event, or a shape that cannot be mapped without guessing).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

KIND = {"GatewayTrade": 1, "GatewayDepth": 2, "GatewayQuote": 3}
QUOTE_DOUBLES = {
    "lastPrice": "price",
    "bestBid": "bid",
    "bestAsk": "ask",
    "change": "change",
    "changePercent": "change_pct",
    "open": "open",
    "high": "high",
    "low": "low",
    "volume": "session_volume",
}
QUOTE_TIMES = {"timestamp": "ts_ns", "lastUpdated": "updated_ns"}

_ISO = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?"
    r"(?:([Zz])|([+-])(\d{2})(?::?(\d{2}))?)",
    re.ASCII,  # \d is 0-9 only, as in the native parser
)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class Fallback(Exception):
    """The record cannot be mapped: the native parser must hand it back."""


def iso_to_ns(text: str) -> int:
    """Reference ISO-8601 (with offset) -> ns; raises Fallback for anything else."""
    m = _ISO.fullmatch(text)  # no trailing newline slipping through a `$`
    if not m:
        raise Fallback(text)
    y, mo, d, h, mi, s, frac, z, sign, oh, om = m.groups()
    try:
        base = datetime(int(y), int(mo), int(d), int(h), int(mi), int(s or 0), tzinfo=UTC)
    except ValueError as exc:
        raise Fallback(text) from exc
    offset = 0
    if not z:
        if int(oh) > 23 or int(om or 0) > 59:
            raise Fallback(text)
        offset = (int(oh) * 3600 + int(om or 0) * 60) * (1 if sign == "+" else -1)
    delta = base - _EPOCH - timedelta(seconds=offset)
    ns = (delta.days * 86400 + delta.seconds) * 1_000_000_000
    if frac:
        ns += int(frac.ljust(9, "0"))
    if not -(2**63) <= ns < 2**63:
        raise Fallback(text)
    return ns


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Fallback(value)
    return float(value)


def _integer(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Fallback(value)
    if isinstance(value, float) and not value.is_integer():
        raise Fallback(value)
    result = int(value)
    if not -(2**63) < result < 2**63:
        raise Fallback(value)
    return result


def _item(kind: int, contract: int, item: Any) -> dict[str, Any]:
    if not isinstance(item, dict):
        raise Fallback(item)
    item = {k: v for k, v in item.items() if v is not None}
    rec: dict[str, Any] = {"kind": kind, "contract": contract}
    if kind == 3:
        for key, name in QUOTE_DOUBLES.items():
            if key in item:
                rec[name] = _number(item[key])
        for key, name in QUOTE_TIMES.items():
            if key in item:
                if not isinstance(item[key], str):
                    raise Fallback(item[key])
                rec[name] = iso_to_ns(item[key])
        return rec
    if "timestamp" not in item or not isinstance(item["timestamp"], str):
        raise Fallback(item)
    rec["ts_ns"] = iso_to_ns(item["timestamp"])
    if "type" in item:
        rec["type"] = _integer(item["type"])
        if not -(2**31) < rec["type"] < 2**31:
            raise Fallback(item)
    if kind == 1:
        if "price" not in item or "volume" not in item:
            raise Fallback(item)
        rec.setdefault("type", -1)
    else:
        if "type" not in item:
            raise Fallback(item)
        if rec["type"] != 6 and ("price" not in item or "volume" not in item):
            raise Fallback(item)
        if "currentVolume" in item:
            rec["current_volume"] = _integer(item["currentVolume"])
        else:
            rec["current_volume"] = -1
    if "price" in item:
        rec["price"] = _number(item["price"])
    if "volume" in item:
        rec["volume"] = _integer(item["volume"])
    return rec


def expected_records(record: bytes, contracts: dict[str, int]) -> list[dict[str, Any]] | None:
    """What the native parser must produce for one record (``None`` = fall back)."""
    try:
        msg = orjson.loads(record)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(msg, dict) or msg.get("type") != 1 or isinstance(msg.get("type"), bool):
        return None
    kind = KIND.get(msg.get("target")) if isinstance(msg.get("target"), str) else None
    args = msg.get("arguments")
    if kind is None or not isinstance(args, list) or len(args) != 2:
        return None
    if not isinstance(args[0], str) or args[0] not in contracts:
        return None
    items = args[1] if isinstance(args[1], list) else [args[1]]
    if not isinstance(args[1], list | dict):
        return None
    try:
        return [_item(kind, contracts[args[0]], item) for item in items]
    except Fallback:
        return None
