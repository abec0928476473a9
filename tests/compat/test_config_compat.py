"""projectx.compat.config: project-x-py's configuration sources and the bridge to the core's."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from projectx import config as coreconfig
from projectx.compat import config as cc
from projectx.exceptions import ValidationError
from projectx.redaction import scrub
from tests.compat._pxpy_facts import problems

ENV = [*cc.CONFIG_ENV_VARS, "PROJECT_X_API_KEY", "PROJECT_X_USERNAME", "PROJECT_X_ACCOUNT_NAME"]


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    for name in ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_names_and_signatures_match_project_x_py() -> None:
    assert problems("project_x_py.config") == []


def test_defaults_are_project_x_pys() -> None:
    c = cc.load_default_config()
    assert c == cc.ProjectXConfig()
    assert (c.api_url, c.timezone, c.requests_per_minute) == (
        "https://api.topstepx.com/api",
        "America/Chicago",
        60,
    )


def test_environment_beats_file_beats_defaults(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path = tmp_path / "c.json"
    path.write_text(json.dumps({"timeout_seconds": 11, "retry_attempts": 7}))
    monkeypatch.setenv("PROJECTX_TIMEOUT_SECONDS", "42")
    c = cc.ConfigManager(path).load_config()
    assert c.timeout_seconds == 42  # env wins
    assert c.retry_attempts == 7  # file wins over the default 3
    assert c.retry_delay_seconds == 2.0  # default


def test_invalid_env_number_is_skipped_with_a_warning(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("PROJECTX_RETRY_ATTEMPTS", "many")
    with caplog.at_level(logging.WARNING, logger="projectx.compat.config"):
        c = cc.load_default_config()
    assert c.retry_attempts == 3
    assert "PROJECTX_RETRY_ATTEMPTS" in caplog.text


def test_the_documented_default_file_is_read_without_config_file(clean_env: Path) -> None:
    assert cc.load_default_config().timeout_seconds == 30  # no file: the default
    path = clean_env / ".config" / "projectx" / "config.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"timeout_seconds": 5, "api_url": "http://127.0.0.1:1/api"}))
    # project-x-py's README: "Optional URL overrides live in ~/.config/projectx/config.json"
    config = cc.load_default_config()
    assert (config.timeout_seconds, config.api_url) == (5, "http://127.0.0.1:1/api")
    assert cc.get_default_config_path() == path
    assert cc.check_environment()["config_file_exists"] is True


def test_template_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "t" / "tpl.json"
    cc.create_config_template(path)
    data = json.loads(path.read_text())
    assert "_comment" in data and data["api_url"] == cc.ProjectXConfig().api_url
    assert cc.ConfigManager(path).load_config() == cc.ProjectXConfig()


def test_unknown_file_key_is_a_validation_error(tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    path.write_text(json.dumps({"api_urll": "https://x"}))
    with pytest.raises(ValidationError, match="api_urll"):
        cc.ConfigManager(path).load_config()


def test_save_config_writes_what_load_reads(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    custom = cc.ProjectXConfig(timeout_seconds=9)
    cc.ConfigManager(path).save_config(custom)
    assert cc.ConfigManager(path).load_config() == custom
    with pytest.raises(ValidationError):
        cc.ConfigManager().save_config(custom)


@pytest.mark.parametrize(
    ("field", "value", "fragment"),
    [
        ("api_url", "http://example.com/api", "HTTPS"),
        ("api_url", "ftp://x", "valid URL"),
        ("timeout_seconds", 0, "timeout_seconds"),
        ("retry_attempts", -1, "retry_attempts"),
        ("timezone", "Mars/Base", "timezone"),
    ],
)
def test_validate_config_rejects(field: str, value: object, fragment: str) -> None:
    bad = cc.ProjectXConfig(**{field: value})  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match=fragment) as info:
        cc.ConfigManager().validate_config(bad)
    assert isinstance(info.value, ValueError)


def test_create_custom_config_sets_hubs_and_fields() -> None:
    c = cc.create_custom_config(
        "https://h.example/hubs/user", "https://h.example/hubs/market", timeout_seconds=5, x=1
    )
    assert (c.user_hub_url, c.market_hub_url, c.timeout_seconds) == (
        "https://h.example/hubs/user",
        "https://h.example/hubs/market",
        5,
    )


def test_auth_config_requires_both_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValidationError, match="PROJECT_X_API_KEY"):
        cc.ConfigManager().get_auth_config()
    monkeypatch.setenv("PROJECT_X_API_KEY", "short")
    monkeypatch.setenv("PROJECT_X_USERNAME", "trader")
    with pytest.raises(ValidationError, match="longer than 10"):
        cc.ConfigManager().get_auth_config()
    monkeypatch.setenv("PROJECT_X_API_KEY", "k3y-that-is-long-enough")
    assert cc.ConfigManager().get_auth_config() == {
        "api_key": "k3y-that-is-long-enough",
        "username": "trader",
    }
    assert "k3y-that-is-long-enough" not in scrub("key=k3y-that-is-long-enough")


def test_check_environment_reports_missing_and_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    status = cc.check_environment()
    assert status["auth_configured"] is False
    assert status["missing_required"] == ["PROJECT_X_API_KEY", "PROJECT_X_USERNAME"]
    monkeypatch.setenv("PROJECTX_TIMEZONE", "UTC")
    assert cc.check_environment()["environment_overrides"] == ["PROJECTX_TIMEZONE"]


def test_core_config_maps_fields_and_urls(monkeypatch: pytest.MonkeyPatch) -> None:
    base = "http://127.0.0.1:8765"
    monkeypatch.setenv("PROJECTX_API_URL", base + "/api")
    monkeypatch.setenv("PROJECTX_USER_HUB_URL", base + "/hubs/user")
    monkeypatch.setenv("PROJECTX_MARKET_HUB_URL", base + "/hubs/market")
    monkeypatch.setenv("PROJECTX_TIMEOUT_SECONDS", "12")
    monkeypatch.setenv("PROJECT_X_USERNAME", "trader")
    monkeypatch.setenv("PROJECT_X_API_KEY", "secret-api-key-123")
    core = cc.core_config()
    assert isinstance(core, coreconfig.ProjectXConfig)
    assert (core.environment, core.api_url, core.market_hub_url) == (
        "local",
        base + "/api",
        base + "/hubs/market",
    )
    assert (core.request_timeout_s, core.max_retries, core.general_limit) == (12.0, 3, 60)
    assert core.username == "trader" and core.api_key is not None
    assert core.api_key.get() == "secret-api-key-123"


def test_core_config_defaults_to_topstepx_and_overrides_win() -> None:
    core = cc.core_config(cc.ProjectXConfig(retry_delay_seconds=0.5), max_retries=9)
    assert core.environment == "topstepx"
    assert core.api_url == coreconfig.ENVIRONMENTS["topstepx"].api_url
    assert (core.backoff_base_s, core.max_retries) == (0.5, 9)


def test_core_config_rejects_bad_input() -> None:
    with pytest.raises(ValidationError):
        cc.core_config(object())  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        cc.core_config(no_such_field=1)
