"""How much of project-x-py's public API compat provides, held to docs/compat.md's list."""

from __future__ import annotations

import re
from pathlib import Path

from tests.compat.coverage import measure

DOC = Path(__file__).parents[2] / "docs" / "compat.md"


def _documented_missing() -> set[str]:
    text = DOC.read_text()
    section = text.split("<!-- not-covered:start -->")[1].split("<!-- not-covered:end -->")[0]
    names: set[str] = set()
    for line in section.splitlines():
        match = re.match(r"^- `([^`]+)`", line.strip())
        if match:
            module, _, rest = match.group(1).partition(": ")
            for name in rest.split(", ") if rest else [module]:
                names.add(f"{module}.{name}" if rest and module != "(top level)" else name)
    return names


def test_the_not_covered_list_is_exactly_what_is_missing() -> None:
    coverage = measure()
    documented = _documented_missing()
    missing = coverage.missing_names()
    assert missing - documented == set(), "missing but not documented in docs/compat.md"
    assert documented - missing == set(), "documented as missing but provided"


def test_compat_covers_the_names_users_call() -> None:
    coverage = measure()
    assert coverage.total == 892
    for module in (
        "models", "exceptions", "event_bus", "trading_suite", "client", "config", "types",
        "indicators", "order_manager", "position_manager", "orderbook", "risk_manager",
        "realtime_data_manager.core", "sessions", "utils", "order_tracker", "order_templates",
    ):  # fmt: skip
        assert module not in coverage.missing, coverage.missing.get(module)
    # at the top, only the stand-alone realtime client and the disk storage are left
    assert set(coverage.missing.get("", [])) <= {
        "MemoryMappedStorage", "ProjectXRealtimeClient", "TimeSeriesStorage",
    }  # fmt: skip


def test_the_documented_count_is_the_measured_one() -> None:
    coverage = measure()
    stated = re.search(r"\*\*(\d+) of project-x-py 4.4.1's (\d+) public names\*\*", DOC.read_text())
    assert stated is not None
    assert (int(stated.group(1)), int(stated.group(2))) == (coverage.covered, coverage.total)
