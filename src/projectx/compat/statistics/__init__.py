"""project-x-py's statistics package: the exporter (the counters themselves are the core's)."""

from __future__ import annotations

from projectx.compat.statistics.export import StatsExporter

__all__ = ["StatsExporter"]
