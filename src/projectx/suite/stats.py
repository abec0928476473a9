"""Suite statistics: one snapshot of every counter, a health score, JSON and Prometheus export.

The health score (0-100) is computed from real signals only — hub connection states, feed
freshness, reconnects, malformed/oversized records, dropped or failed events, failed bar repairs
— never a constant. Nothing here ever includes a credential or a token.
"""

from __future__ import annotations

import os
import resource
import sys
import time
from collections.abc import Mapping
from typing import Any

import orjson

__all__ = ["health_score", "rss_bytes", "to_json", "to_prometheus"]


def rss_bytes() -> int:
    """Current resident set size of this process (peak RSS where current is unavailable)."""
    try:
        with open(f"/proc/{os.getpid()}/statm", "rb") as fh:
            pages = int(fh.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return int(peak if sys.platform == "darwin" else peak * 1024)


def health_score(stats: Mapping[str, Any], *, stale_after_s: float = 10.0) -> tuple[int, list[str]]:
    """Score 0-100 and the reasons for every deduction, from a ``get_stats()`` snapshot."""
    score = 100
    reasons: list[str] = []

    def deduct(points: int, why: str) -> None:
        nonlocal score
        score -= points
        reasons.append(f"-{points}: {why}")

    hubs = stats.get("hubs", {})
    for name, points in (("market", 40), ("user", 30)):
        hub = hubs.get(name)
        if hub is None:
            continue
        state = hub.get("state")
        if state == "circuit_open":
            deduct(50, f"{name} hub circuit open")
        elif state not in ("connected", "reconnected"):
            deduct(points, f"{name} hub {state}")
        if hub.get("alive") is False and state != "closed":
            # nothing reconnects it: worse than a hub that is merely down
            deduct(points, f"{name} hub {hub.get('stopped_reason') or 'supervisor dead'}")
        reconnects = int(hub.get("reconnects", 0))
        if reconnects:
            deduct(min(15, 5 * reconnects), f"{name} hub reconnected {reconnects}x")
        if hub.get("reconnect_storm"):
            window = float(hub.get("storm_window_s", 0.0))
            deduct(
                20,
                f"{name} hub reconnect storm: {hub.get('recent_reconnects', 0)} reconnects"
                f" in {window:.0f}s",
            )
        for key, what in (
            ("parser_errors", "messages the parser could not process"),
            ("supervisor_errors", "unexpected errors in the connection supervisor"),
            ("oversized_messages", "oversized WebSocket messages refused"),
        ):
            if int(hub.get(key, 0)):
                deduct(10, f"{name} hub: {hub[key]} {what}")
        records = max(1, int(hub.get("records", 0)))
        bad = int(hub.get("malformed_records", 0)) + int(hub.get("oversized_records", 0))
        bad += int(hub.get("protocol_errors", 0))
        if bad and bad / records > 0.001:
            deduct(10, f"{name} hub: {bad} malformed/oversized records")
    market = hubs.get("market")
    if market is not None and market.get("subscriptions"):
        silent = float(market.get("seconds_since_market_data", 0.0))
        if silent > stale_after_s:
            deduct(20, f"no market data for {silent:.0f}s")
    for name, component in stats.get("components", {}).items():
        below = 100 - int(component.get("score", 100))
        if below > 0:
            why = "; ".join(component.get("reasons", [])) or "degraded"
            deduct(min(20, max(5, below // 2)), f"{name}: {why}")
    circuit = stats.get("rest", {}).get("circuit", {})
    if circuit.get("state", "closed") != "closed":
        deduct(
            30,
            f"REST circuit {circuit['state']}: {circuit.get('consecutive_failures', 0)} "
            "failures in a row (calls refused until it recovers)",
        )
    feed = stats.get("feed", {})
    if feed.get("anomalies_recent"):
        deduct(
            10, f"market feed: {feed['anomalies_recent']} records refused or held in the last 60s"
        )
    if feed.get("quarantined"):
        deduct(10, f"market feed: {feed['quarantined']} trade(s) quarantined")
    events = stats.get("events", {})
    if events.get("dropped"):
        deduct(10, f"{events['dropped']} events dropped by slow async handlers")
    if events.get("handler_errors"):
        deduct(5, f"{events['handler_errors']} event handler errors")
    failures = sum(
        int(i.get("data", {}).get("repair_failures", 0))
        for i in stats.get("instruments", {}).values()
    )
    if failures:
        deduct(10, f"{failures} bar repairs failed")
    recent = {
        reason: n
        for boundary in stats.get("anomalies", {}).values()
        for reason, n in boundary.get("recent_by_reason", {}).items()
    }
    if recent:
        total = sum(recent.values())
        top = ", ".join(f"{r} x{n}" for r, n in sorted(recent.items(), key=lambda i: -i[1])[:4])
        deduct(20 if total >= 10 else 10, f"{total} anomalies refused in the last 5 min ({top})")
    lost = int(stats.get("managers", {}).get("orders", {}).get("lost_now", 0))
    if lost:
        deduct(15, f"{lost} order(s) lost: placement outcome unknown, not found by tag")
    dead = stats.get("task_failures", {})
    if dead:
        deduct(10, f"background tasks died: {', '.join(f'{k} x{v}' for k, v in dead.items())}")
    books = [i.get("book", {}) for i in stats.get("instruments", {}).values()]
    levels_lost = sum(int(b.get("levels_lost", 0)) for b in books)
    if levels_lost:
        deduct(10, f"order book lossy: {levels_lost} levels could not be held")
    return max(0, score), reasons


def to_json(stats: Mapping[str, Any]) -> str:
    """The snapshot as JSON text (non-JSON values stringified)."""
    return orjson.dumps(
        stats, default=str, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS
    ).decode()


_LABELLED = {"hubs": "hub", "instruments": "instrument", "by_type": "type"}


def _flatten(
    prefix: str,
    value: Any,
    out: list[tuple[str, dict[str, str], float]],
    labels: dict[str, str],
    label_key: str | None = None,
) -> None:
    """Numeric leaves as ``(metric, labels, value)``; maps named in ``_LABELLED`` become labels."""
    if isinstance(value, bool):
        out.append((prefix, labels, 1.0 if value else 0.0))
    elif isinstance(value, (int, float)):
        out.append((prefix, labels, float(value)))
    elif isinstance(value, Mapping):
        for key, inner in value.items():
            key_s = str(key)
            if label_key is not None:
                _flatten(prefix, inner, out, {**labels, label_key: key_s})
                continue
            name = "".join(c if c.isalnum() else "_" for c in key_s).strip("_").lower()
            _flatten(
                f"{prefix}_{name}" if name else prefix, inner, out, labels, _LABELLED.get(key_s)
            )


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def to_prometheus(stats: Mapping[str, Any], *, prefix: str = "projectx") -> str:
    """Numeric values of the snapshot in the Prometheus text exposition format (gauges)."""
    samples: list[tuple[str, dict[str, str], float]] = []
    _flatten(prefix, stats, samples, {})
    grouped: dict[str, list[tuple[dict[str, str], float]]] = {}
    for name, labels, value in samples:  # a metric's samples must be contiguous
        grouped.setdefault(name, []).append((labels, value))
    lines: list[str] = []
    for name, group in grouped.items():
        lines.append(f"# TYPE {name} gauge")
        for labels, value in group:
            label_text = ""
            if labels:
                inner = ",".join(f'{k}="{_escape(v)}"' for k, v in sorted(labels.items()))
                label_text = "{" + inner + "}"
            lines.append(f"{name}{label_text} {value:g}")
    lines.append(f"# generated {time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())}")
    return "\n".join(lines) + "\n"
