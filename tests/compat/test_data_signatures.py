"""The public names of project-x-py's ``realtime_data_manager*``, ``orderbook*`` and
``risk_manager*`` modules in compat: same parameters (names, kinds, defaults) and awaited-ness
for everything provided, and what is not provided is exactly the list below (each entry is in
COMPAT_NOTES_DATA.md with its reason).

The facts are ``pxpy_data_signatures.json`` (``gen_pxpy_data_signatures.py``, run in the
project-x-py venv); this test needs only them.
"""

from __future__ import annotations

import importlib
import inspect
import json
from pathlib import Path
from typing import Any

import pytest

from tests.compat.test_manager_signatures import _facts

FACTS: dict[str, dict[str, Any]] = json.loads(
    Path(__file__).with_name("pxpy_data_signatures.json").read_text()
)

NOT_COVERED_MODULES = {
    "realtime_data_manager.data_processing",
    "realtime_data_manager.dataframe_optimization",
    "realtime_data_manager.dst_handling",
    "realtime_data_manager.dynamic_resource_limits",
    "realtime_data_manager.mmap_overflow",
    "realtime_data_manager.validation",
}
NOT_COVERED_NAMES = {
    "realtime_data_manager.DSTHandlingMixin",
    "realtime_data_manager.LazyDataFrameMixin",
    "realtime_data_manager.LazyQueryCache",
    "realtime_data_manager.QueryOptimizer",
}
_DST = {
    "adjust_bar_time_for_dst", "calculate_bar_intervals_across_dst", "check_dst_transition",
    "clear_dst_cache", "convert_to_local_time", "dst_transition_within_hours", "get_dst_status",
    "get_dst_transition_dates", "get_next_valid_bar_time", "handle_dst_bar_time",
    "is_dst_transition_day", "is_dst_transition_period", "is_duplicate_hour", "is_missing_hour",
    "log_dst_event", "predict_next_dst_transition", "resolve_ambiguous_time",
    "validate_timestamp_dst_aware",
}  # fmt: skip
_LAZY = {
    "apply_lazy_operations", "cleanup_optimization_resources", "clear_optimization_cache",
    "execute_batch_queries", "get_aggregated_data", "get_lazy_data", "get_lazy_operation_stats",
    "get_optimization_stats", "get_optimized_bars", "optimize_data_access_patterns",
    "optimize_memory_layout", "profile_memory_usage", "get_lock_optimization_stats",
    "get_resource_lock", "optimized_read_lock", "optimized_write_lock",
}  # fmt: skip
_RESOURCES = {
    "add_resource_change_callback", "background_tasks", "configure_dynamic_resources",
    "get_resource_stats", "override_resource_limits", "remove_resource_change_callback",
    "start_resource_monitoring", "stop_resource_monitoring",
}  # fmt: skip
_OVERFLOW = {
    "cleanup_overflow_storage", "get_combined_data", "get_historical_data", "get_overflow_stats",
    "get_overflow_stats_summary", "get_total_data_count", "restore_from_overflow",
}  # fmt: skip
_BOUNDED_AND_TRACKING = {
    "cleanup_bounded_statistics", "get_all_bounded_stats", "get_bounded_counter_stats",
    "get_bounded_gauge_stats", "get_bounded_statistics", "get_bounded_timing_stats",
    "increment_bounded", "is_bounded_statistics_enabled", "record_timing_bounded",
    "set_gauge_bounded", "track_bar_created", "track_bar_updated",
    "track_connection_interruption", "track_data_latency", "track_quote_processed",
    "track_recovery_attempt", "track_tick_processed", "track_trade_processed",
}  # fmt: skip
_VALIDATION = {
    "get_realtime_validation_status", "get_validation_status", "validate_quote_data",
    "validate_trade_data",
}  # fmt: skip
NOT_COVERED_MEMBERS: dict[str, set[str]] = {
    "RealtimeDataManager": (
        _DST | _LAZY | _RESOURCES | _OVERFLOW | _BOUNDED_AND_TRACKING | _VALIDATION
        | {"get_session_statistics"}
    ),
    "DataAccessMixin": {"get_session_statistics"},
    "MarketAnalytics": {"analyze_dataframe_spread"},
    "VolumeProfile": {"calculate_dataframe_volume_profile"},
    "RiskManager": {
        "add_trade_result", "adjust_stops", "analyze_portfolio_risk", "analyze_trade_risk",
        "attach_risk_orders", "calculate_kelly_position_size", "calculate_stop_loss",
        "calculate_take_profit", "calculate_trailing_stop", "record_trade_result",
        "should_activate_trailing_stop", "stop_trailing_stops", "update_trade_statistics",
    },
}  # fmt: skip


def _cases() -> list[tuple[str, str]]:
    return [
        (mod, name)
        for mod, names in sorted(FACTS.items())
        if mod not in NOT_COVERED_MODULES
        for name in sorted(names)
        if f"{mod}.{name}" not in NOT_COVERED_NAMES
    ]


@pytest.mark.parametrize(("module", "name"), _cases())
def test_name_exists_with_project_x_pys_signature(module: str, name: str) -> None:
    mod = importlib.import_module(f"projectx.compat.{module}")
    assert hasattr(mod, name), f"projectx.compat.{module} has no {name}"
    want = FACTS[module][name]
    obj = getattr(mod, name)
    if want["kind"] == "function":
        got = _facts(obj)
        assert (got["params"], got["awaited"]) == (want["params"], want["awaited"])
        return
    if want["kind"] != "class":
        return
    assert inspect.isclass(obj)
    skipped = NOT_COVERED_MEMBERS.get(name, set())
    for member, facts in want["members"].items():
        attr = inspect.getattr_static(obj, member, None)
        if member in skipped:
            assert attr is None, f"{module}.{name}.{member} exists: take it off the list"
            continue
        assert attr is not None, f"{module}.{name} has no {member}"
        if facts["kind"] == "property":
            assert isinstance(attr, property), f"{module}.{name}.{member} is not a property"
            continue
        if isinstance(attr, staticmethod | classmethod):
            attr = attr.__func__
        got = _facts(attr)
        assert got["params"] == facts["params"], f"{module}.{name}.{member}: parameters differ"
        assert got["awaited"] == facts["awaited"], f"{module}.{name}.{member}: awaited-ness"


@pytest.mark.parametrize("module", sorted(NOT_COVERED_MODULES))
def test_not_covered_modules_are_absent(module: str) -> None:
    with pytest.raises(ImportError):
        importlib.import_module(f"projectx.compat.{module}")


def test_every_listed_module_is_recorded() -> None:
    api = json.loads(Path(__file__).with_name("pxpy_public_api.json").read_text())["modules"]
    prefixes = ("realtime_data_manager", "orderbook", "risk_manager")
    listed = {m.removeprefix("project_x_py.") for m in api}
    assert {m for m in listed if m.startswith(prefixes)} == set(FACTS)
