"""Market-hub records no Gateway should send, each with the anomaly reasons the client's guard
must count it under (shared by the hostile tests and the chaos suite)."""

from __future__ import annotations

import time
from typing import Any

import orjson

from projectx._native.isotime import format_iso

S = 1_000_000_000


def trade_record(cid: str, items: list[Any], *extra: Any) -> str:
    """One GatewayTrade invocation record (with its terminator)."""
    message = {"type": 1, "target": "GatewayTrade", "arguments": [cid, items, *extra]}
    return orjson.dumps(message).decode() + "\x1e"


def trade_item(price: Any, volume: Any = 1, ts: Any = None) -> dict[str, Any]:
    """One trade item; ``ts`` as ns (default now) or a literal timestamp string."""
    stamp = ts if isinstance(ts, str) else format_iso(ts or time.time_ns(), 6)
    return {"symbolId": "F.US.MNQ", "price": price, "timestamp": stamp, "type": 0, "volume": volume}


def on_grid(price: float, tick: float = 0.25) -> float:
    """``price`` rounded to the tick grid."""
    return round(price / tick) * tick


def hostile_market_records(cid: str, market: float) -> list[tuple[str, set[str]]]:
    """(record, reasons it must be counted under); none of them may reach the bars."""
    now = time.time_ns()
    far = "2262-04-11T23:47:16.854775+00:00"  # near the int64-ns limit
    return [
        (trade_record(cid, [trade_item(market, -1)]), {"bad_volume"}),
        (trade_record(cid, [trade_item(market, 1, far)]), {"bad_time"}),
        (
            trade_record(cid, [trade_item(market, 1, "1677-09-21T00:12:43.145225+00:00")]),
            {"bad_time"},
        ),
        (trade_record(cid, [trade_item(market, 1, "9999-12-31T23:59:59+00:00")]), {"bad_time"}),
        (trade_record(cid, [trade_item(str(market))]), {"bad_price"}),
        (trade_record(cid, [trade_item(market, 1.5)]), {"bad_volume"}),
        (trade_record(cid, [trade_item(market, 10**18)]), {"bad_volume"}),
        (trade_record(cid, [trade_item(market, 1, "2026-01-01T10:00:00")]), {"bad_time"}),
        (trade_record(cid, [trade_item(market, 1, "2026-02-30T10:00:00+00:00")]), {"bad_time"}),
        (trade_record(cid, [{"price": market, "volume": 1}]), {"bad_time"}),
        (trade_record(cid, [trade_item(0.0)]), {"bad_price"}),
        (trade_record(cid, [trade_item(-market)]), {"bad_price"}),
        (trade_record(cid, [trade_item(market, True)]), {"bad_volume"}),
        (trade_record(cid, ["not an object"]), {"bad_item"}),
        (trade_record(cid, [trade_item(market, 1, now + 3 * 365 * 86_400 * S)]), {"future_time"}),
        (trade_record(cid, [trade_item(on_grid(market / 2))]), {"off_market"}),
        (trade_record(cid, [trade_item(on_grid(market * 10))]), {"off_market"}),
        (trade_record(cid, [trade_item(market + 0.1)]), {"off_tick_grid"}),
        (
            orjson.dumps(
                {"type": 1, "target": "GatewayQuote", "arguments": [cid, {"bestBid": "x"}]}
            ).decode()
            + "\x1e",
            {"bad_quote"},
        ),
        (
            orjson.dumps(
                {
                    "type": 1,
                    "target": "GatewayDepth",
                    "arguments": [cid, [{**trade_item(market, 3), "type": 99}]],
                }
            ).decode()
            + "\x1e",
            {"bad_type"},
        ),
    ]
