"""The spec-following Python parser for market records the native fast path does not map.

``FrameParser`` parses the common shapes of ``GatewayTrade``/``GatewayQuote``/``GatewayDepth``
natively and hands everything else back as raw records. Some of those are still what the spec
allows (spec §0.3, §7.7.2): a volume written ``2.0``, a timestamp with more than nine
fractional digits or a leap second, a third invocation argument. ``MarketFeed`` passes each
such record of a tracked contract here; what follows the spec becomes native records again
(checked by the same guard as every other record), what does not is counted by reason.

Runs only for records the fast path refused (rare); never on the per-tick path.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

import orjson

from projectx._native.isotime import parse_iso

__all__ = ["MarketItem", "parse_market_record", "parse_timestamp"]

# kinds and presence bits: the values of ``frames.pxd`` (RecKind, QuoteField, F_*)
KIND_TRADE, KIND_DEPTH, KIND_QUOTE = 1, 2, 3
F_PRICE, F_VOLUME, F_TYPE, F_TS, F_CURVOL = 1, 2, 4, 8, 16
_QUOTE_BITS = {
    "lastPrice": 1,
    "bestBid": 2,
    "bestAsk": 4,
    "change": 8,
    "changePercent": 16,
    "open": 32,
    "high": 64,
    "low": 128,
    "volume": 256,
}
Q_TIMESTAMP, Q_UPDATED = 512, 1024
_TARGETS = {"GatewayTrade": KIND_TRADE, "GatewayDepth": KIND_DEPTH, "GatewayQuote": KIND_QUOTE}

MarketItem = tuple[int, int, int, int, int, float, int, int, float, float, float, float,
                   float, float, float, float, int]  # fmt: skip
"""One record in ``MarketRec`` field order: ``(kind, contract, type, fields, ts_ns, price,
volume, current_volume, bid, ask, change, change_pct, open, high, low, session_volume,
updated_ns)``."""

_ISO = re.compile(
    r"(\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2})(?::(\d{2})(?:[.,](\d+))?)?([Zz]|[+-]\d{2}:?\d{2})\Z"
)


class _Malformed(Exception):
    """An item field the spec does not allow; ``args[0]`` is the reason counted."""


def parse_timestamp(text: object) -> int:
    """ISO 8601 with an offset -> ns UTC. Beyond the fast path: any number of fractional
    digits (truncated to ns) and a leap second (``:60`` -> the last ns of that minute).
    Raises ``ValueError`` for anything else (no offset, invalid date, not a string)."""
    if not isinstance(text, str):
        raise ValueError("timestamp is not a string")
    match = _ISO.match(text)
    if match is None:
        raise ValueError("timestamp is not ISO 8601 with an offset")
    minute, second, fraction, offset = match.groups()
    leap = second == "60"
    if leap:
        second, fraction = "59", "999999999"
    text = f"{minute}:{second or '00'}.{(fraction or '0')[:9]}{offset}"
    return parse_iso(text)


def _number(value: object, reason: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _Malformed(reason)
    number = float(value)
    if not math.isfinite(number):
        raise _Malformed(reason)
    return number


def _integer(value: object, reason: str) -> int:
    if isinstance(value, bool):
        raise _Malformed(reason)
    if isinstance(value, float):
        if not value.is_integer():
            raise _Malformed(reason)
        value = int(value)
    if not isinstance(value, int) or not -(2**63) <= value < 2**63:
        raise _Malformed(reason)
    return value


def _time(value: object) -> int:
    try:
        return parse_timestamp(value)
    except (ValueError, OverflowError):
        raise _Malformed("bad_time") from None


def _trade_or_depth(kind: int, contract: int, item: Mapping[str, Any]) -> MarketItem:
    fields = 0
    price = math.nan
    volume = 0
    current = -1
    dom_type = -1
    if item.get("type") is not None:
        dom_type = _integer(item["type"], "bad_type")
        if not -(2**31) < dom_type < 2**31:
            raise _Malformed("bad_type")
        fields |= F_TYPE
    if item.get("timestamp") is None:
        raise _Malformed("bad_time")
    ts_ns = _time(item["timestamp"])
    fields |= F_TS
    reset = kind == KIND_DEPTH and dom_type == 6
    if item.get("price") is not None:
        price = _number(item["price"], "bad_price")
        fields |= F_PRICE
    elif not reset:
        raise _Malformed("bad_price")
    if item.get("volume") is not None:
        volume = _integer(item["volume"], "bad_volume")
        fields |= F_VOLUME
    elif not reset:
        raise _Malformed("bad_volume")
    if kind == KIND_DEPTH:
        if not fields & F_TYPE:
            raise _Malformed("bad_type")
        if item.get("currentVolume") is not None:
            current = _integer(item["currentVolume"], "bad_volume")
            fields |= F_CURVOL
    nan = math.nan
    return (kind, contract, dom_type, fields, ts_ns, price, volume, current,
            nan, nan, nan, nan, nan, nan, nan, nan, 0)  # fmt: skip


def _quote(contract: int, item: Mapping[str, Any]) -> MarketItem:
    values = dict.fromkeys(_QUOTE_BITS, math.nan)
    fields = 0
    for name, bit in _QUOTE_BITS.items():
        if item.get(name) is not None:
            values[name] = _number(item[name], "bad_quote")
            fields |= bit
    ts_ns = updated_ns = 0
    if item.get("timestamp") is not None:
        ts_ns = _time(item["timestamp"])
        fields |= Q_TIMESTAMP
    if item.get("lastUpdated") is not None:
        updated_ns = _time(item["lastUpdated"])
        fields |= Q_UPDATED
    v = values
    return (KIND_QUOTE, contract, -1, fields, ts_ns, v["lastPrice"], 0, -1, v["bestBid"],
            v["bestAsk"], v["change"], v["changePercent"], v["open"], v["high"], v["low"],
            v["volume"], updated_ns)  # fmt: skip


def parse_market_record(
    raw: bytes, contracts: Mapping[str, int]
) -> tuple[list[MarketItem], list[str]] | None:
    """Parse one raw record: ``None`` when it is not a market event of a tracked contract
    (it stays with the other records), else ``(items, reasons)`` — the items that follow the
    spec, and one reason per item refused or per anomaly accepted (``extra_arguments``)."""
    try:
        message = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None
    if (
        not isinstance(message, dict)
        or message.get("type") != 1
        or isinstance(message.get("type"), bool)
    ):
        return None
    target = message.get("target")
    kind = _TARGETS.get(target) if isinstance(target, str) else None
    arguments = message.get("arguments")
    if kind is None or not isinstance(arguments, list) or not arguments:
        return None
    contract = contracts.get(arguments[0]) if isinstance(arguments[0], str) else None
    if contract is None:
        return None
    reasons: list[str] = []
    if len(arguments) < 2:
        return [], ["bad_arguments"]
    if len(arguments) > 2:
        reasons.append("extra_arguments")
    data = arguments[1]
    entries = data if isinstance(data, list) else [data]
    items: list[MarketItem] = []
    for entry in entries:
        if not isinstance(entry, dict):
            reasons.append("bad_item")
            continue
        try:
            if kind == KIND_QUOTE:
                items.append(_quote(contract, entry))
            else:
                items.append(_trade_or_depth(kind, contract, entry))
        except _Malformed as exc:
            reasons.append(str(exc.args[0]))
    return items, reasons
