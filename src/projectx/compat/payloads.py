"""The core's event payloads in project-x-py's shapes (one function per kind of event).

Only shapes change here: every value comes from the core's payload. Timestamps become
timezone-aware ``datetime`` objects in UTC (project-x-py hands out aware datetimes too).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from projectx.compat.models import STATUS_OF_STATE, Order
from projectx.events import Event as CoreEvent
from projectx.events import EventType as CoreType
from projectx.models import Bar
from projectx.orders.records import TrackedOrder
from projectx.orders.state import OrderState

__all__ = ["convert", "utc_datetime"]

Converter = Callable[[CoreEvent], dict[str, Any]]


def utc_datetime(ts_ns: int | None) -> datetime:
    """An aware UTC datetime for an epoch in nanoseconds (now when None)."""
    if ts_ns is None:
        return datetime.now(UTC)
    return datetime.fromtimestamp(ts_ns / 1e9, UTC)


def _base(event: CoreEvent, data: dict[str, Any]) -> dict[str, Any]:
    cid = data.get("contract_id")
    return {"symbol": event.instrument, "contract_id": cid, "contractId": cid}


def _new_bar(event: CoreEvent) -> dict[str, Any]:
    data = event.data
    bar: Bar = data["bar"]
    at = utc_datetime(bar.ts_ns)
    return {
        **_base(event, data),
        "symbol": data.get("symbol", event.instrument),
        "timeframe": data["timeframe"],
        "bar_time": at,
        "data": {
            "timestamp": at,
            "open": bar.open,
            "high": bar.high,
            "low": bar.low,
            "close": bar.close,
            "volume": bar.volume,
        },
        "repaired": bool(data.get("repaired", False)),
    }


def _trade_tick(event: CoreEvent) -> dict[str, Any]:
    data = event.data
    return {
        **_base(event, data),
        "price": data["price"],
        "size": data["volume"],
        "volume": data["volume"],
        "side": data["type"],
        "type": data["type"],
        "timestamp": utc_datetime(data.get("ts_ns")),
    }


def _quote(event: CoreEvent) -> dict[str, Any]:
    data = event.data
    return {
        **{k: v for k, v in data.items() if k != "updates"},
        **_base(event, data),
        "bid": data.get("bestBid"),
        "ask": data.get("bestAsk"),
        "last": data.get("lastPrice"),
        "volume": data.get("volume", 0),
        "timestamp": datetime.now(UTC),
    }


def _data_update(event: CoreEvent) -> dict[str, Any]:
    data = event.data
    return {**_base(event, data), "price": data.get("price"), "timestamp": datetime.now(UTC)}


def _depth(event: CoreEvent) -> dict[str, Any]:
    data = event.data
    return {
        **_base(event, data),
        "update_count": data.get("entries", 0),
        "timestamp": datetime.now(UTC),
    }


def _status(state: OrderState | None) -> int | None:
    return None if state is None else int(STATUS_OF_STATE[state])


def _order(event: CoreEvent) -> dict[str, Any]:
    data = dict(event.data)
    rec: TrackedOrder = data.pop("order")
    order = Order.from_tracked(rec)
    old = rec.history[-2] if len(rec.history) >= 2 else None
    return {
        **data,
        **_base(event, data),
        "order": order,
        "order_id": rec.order_id,
        "old_status": _status(old),
        "new_status": order.status,
    }


def _position(event: CoreEvent) -> dict[str, Any]:
    data = event.data
    size = int(data.get("size") or 0)
    closed = int(data.get("closed_size") or 0)
    signed = size if size else closed
    out = {
        **data,
        **_base(event, data),
        "id": data.get("position_id"),
        "type": 1 if signed > 0 else 2 if signed < 0 else 0,
        "size": abs(size),
        "averagePrice": data.get("average_price"),
    }
    if event.type is CoreType.POSITION_CLOSED:
        out["pnl"] = data.get("realized_pnl")
    return out


def _pnl(event: CoreEvent) -> dict[str, Any]:
    return {**event.data, **_base(event, event.data)}


def _as_dict(event: CoreEvent) -> dict[str, Any]:
    data = event.data
    return dict(data) if isinstance(data, dict) else {"data": data}


_CONVERTERS: dict[CoreType, Converter] = {
    CoreType.NEW_BAR: _new_bar,
    CoreType.TRADE_TICK: _trade_tick,
    CoreType.QUOTE_UPDATE: _quote,
    CoreType.DATA_UPDATE: _data_update,
    CoreType.MARKET_DEPTH_UPDATE: _depth,
    CoreType.POSITION_OPENED: _position,
    CoreType.POSITION_UPDATED: _position,
    CoreType.POSITION_CLOSED: _position,
    CoreType.POSITION_PNL_UPDATE: _pnl,
    **{
        t: _order
        for t in (
            CoreType.ORDER_PLACED,
            CoreType.ORDER_MODIFIED,
            CoreType.ORDER_PARTIAL_FILL,
            CoreType.ORDER_FILLED,
            CoreType.ORDER_CANCELLED,
            CoreType.ORDER_REJECTED,
            CoreType.ORDER_EXPIRED,
        )
    },
}


def convert(event: CoreEvent) -> dict[str, Any]:
    """project-x-py's payload for a core event (a plain copy for kinds with no special shape)."""
    return _CONVERTERS.get(event.type, _as_dict)(event)
