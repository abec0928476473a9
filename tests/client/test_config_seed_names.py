"""``ProjectXConfig.from_file``/``from_mapping`` accept project-x-py's field names."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from projectx.config import ProjectXConfig
from projectx.exceptions import ValidationError


def _write(tmp_path: Path, data: dict[str, object]) -> Path:
    path = tmp_path / "config.json"
    path.write_text(json.dumps(data))
    path.chmod(0o600)
    return path


def test_seed_names_map_to_ours(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        {
            "api_url": "https://api.example.test/api",
            "user_hub_url": "https://rtc.example.test/hubs/user",
            "market_hub_url": "https://rtc.example.test/hubs/market",
            "timeout_seconds": 12,
            "retry_attempts": 2,
            "retry_delay_seconds": 0.5,
            "requests_per_minute": 90,
        },
    )
    cfg = ProjectXConfig.from_file(path)
    assert cfg.api_url == "https://api.example.test/api"
    assert cfg.user_hub_url.endswith("/hubs/user")
    assert cfg.market_hub_url.endswith("/hubs/market")
    assert cfg.request_timeout_s == 12
    assert cfg.max_retries == 2
    assert cfg.backoff_base_s == 0.5
    assert (cfg.general_limit, cfg.general_window_s) == (90, 60.0)


def test_settings_without_an_equivalent_are_ignored_loudly(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = _write(
        tmp_path,
        {"timezone": "America/Chicago", "burst_limit": 10, "realtime_url": "wss://x.test/api"},
    )
    with caplog.at_level(logging.WARNING, logger="projectx.config"):
        cfg = ProjectXConfig.from_file(path)
    assert cfg == ProjectXConfig()
    warned = " ".join(r.getMessage() for r in caplog.records)
    assert all(k in warned for k in ("timezone", "burst_limit", "realtime_url"))


def test_a_seed_name_and_ours_for_one_setting_conflict(tmp_path: Path) -> None:
    path = _write(tmp_path, {"retry_attempts": 2, "max_retries": 3})
    with pytest.raises(ValidationError, match=r"retry_attempts.*max_retries"):
        ProjectXConfig.from_file(path)


@pytest.mark.parametrize(
    "data",
    [{"timeout_seconds": -1}, {"retry_attempts": "3"}, {"requests_per_minute": 0}, {"bogus": 1}],
)
def test_bad_seed_values_are_refused_by_our_rules(tmp_path: Path, data: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        ProjectXConfig.from_file(_write(tmp_path, data))
