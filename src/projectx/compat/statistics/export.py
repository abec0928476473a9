"""project-x-py's ``StatsExporter``: a stats dict as JSON, Prometheus text, CSV or a Datadog
series payload. JSON and Prometheus are the core's renderings; every format is redacted (the
SDK's known secrets and anything shaped like a token or key never leave)."""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Iterator, Mapping
from datetime import UTC
from typing import Any

import orjson

from projectx.compat.exceptions import ProjectXDataError
from projectx.exceptions import redact
from projectx.suite.stats import to_prometheus

__all__ = ["UTC", "StatsExporter"]

#: keys whose values are masked whatever they hold
_SENSITIVE = frozenset(
    {"token", "session_token", "api_key", "apikey", "password", "secret", "jwt", "authorization"}
)


def _numbers(prefix: str, value: Any) -> Iterator[tuple[str, float]]:
    if isinstance(value, bool | int | float):
        yield prefix, float(value)
    elif isinstance(value, Mapping):
        for key, inner in value.items():
            yield from _numbers(f"{prefix}.{key}" if prefix else str(key), inner)


def _default(value: Any) -> Any:
    return str(value)


class StatsExporter:
    """Render a stats dict (e.g. ``await suite.get_stats()``) in one of four formats."""

    def __init__(self, sanitize_sensitive: bool = True) -> None:
        self.sanitize_sensitive = sanitize_sensitive

    def _clean(self, stats: Mapping[str, Any]) -> dict[str, Any]:
        if not self.sanitize_sensitive:
            return dict(stats)

        def walk(value: Any) -> Any:
            if isinstance(value, Mapping):
                return {
                    k: "***" if str(k).lower() in _SENSITIVE else walk(v) for k, v in value.items()
                }
            if isinstance(value, list | tuple):
                return [walk(v) for v in value]
            return value

        return dict(walk(stats))

    async def to_json(
        self, stats: Mapping[str, Any], pretty: bool = False, include_timestamp: bool = True
    ) -> str:
        """JSON text (``export_timestamp`` added when ``include_timestamp``)."""
        data = self._clean(stats)
        if include_timestamp:
            data["export_timestamp"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        option = orjson.OPT_INDENT_2 if pretty else 0
        text = orjson.dumps(data, default=_default, option=option | orjson.OPT_NON_STR_KEYS)
        return redact(text.decode())

    async def to_prometheus(self, stats: Mapping[str, Any], prefix: str = "projectx") -> str:
        """Prometheus text exposition (every numeric value a gauge)."""
        return redact(to_prometheus(self._clean(stats), prefix=prefix))

    async def to_csv(self, stats: Mapping[str, Any], include_timestamp: bool = True) -> str:
        """``metric,value`` rows of every numeric value (dotted names for nested ones)."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        header = ["metric", "value"] + (["timestamp"] if include_timestamp else [])
        writer.writerow(header)
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        for name, value in _numbers("", self._clean(stats)):
            writer.writerow([name, f"{value:g}"] + ([stamp] if include_timestamp else []))
        return redact(out.getvalue())

    async def to_datadog(
        self, stats: Mapping[str, Any], prefix: str = "projectx"
    ) -> dict[str, Any]:
        """A Datadog ``series`` payload: one gauge per numeric value."""
        now = int(time.time())
        series = [
            {"metric": f"{prefix}.{name}", "points": [[now, value]], "type": "gauge", "tags": []}
            for name, value in _numbers("", self._clean(stats))
        ]
        return {"series": series}

    async def export(
        self, stats: Mapping[str, Any], export_format: str = "json", **kwargs: Any
    ) -> str | dict[str, Any]:
        """``stats`` in ``export_format`` (json, prometheus, csv, datadog)."""
        fmt = export_format.lower() if isinstance(export_format, str) else export_format
        if fmt == "json":
            return await self.to_json(stats, **kwargs)
        if fmt == "prometheus":
            return await self.to_prometheus(stats, **kwargs)
        if fmt == "csv":
            return await self.to_csv(stats, **kwargs)
        if fmt == "datadog":
            return await self.to_datadog(stats, **kwargs)
        raise ProjectXDataError(
            f"unsupported export format {export_format!r} (json, prometheus, csv, datadog)"
        )
