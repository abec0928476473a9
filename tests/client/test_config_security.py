"""ProjectXConfig security rules: TLS verification, clear-text transport, secret file modes."""

from __future__ import annotations

import json
import logging
import os
import warnings
from pathlib import Path

import pytest

from projectx.config import InsecureConfigWarning, ProjectXConfig
from projectx.exceptions import ValidationError

KEY = "k3y-FILE-secret-77aa"
posix_only = pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")


def _no_insecure_warning(build: object) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", InsecureConfigWarning)
        assert callable(build)
        build()


# ------------------------------------------------------------------------------- TLS
def test_tls_verification_defaults_on_for_every_environment():
    for env in ("topstepx", "projectx-demo"):
        assert ProjectXConfig(environment=env).verify_tls is True
    assert ProjectXConfig.from_env({}).verify_tls is True


@pytest.mark.parametrize("off", [False, "false", "0", "no", "off"])
def test_turning_tls_verification_off_alone_is_refused(off: object):
    with pytest.raises(ValidationError, match="allow_insecure"):
        ProjectXConfig(verify_tls=off)


def test_turning_tls_verification_off_from_the_environment_alone_is_refused():
    with pytest.raises(ValidationError, match="verify_tls"):
        ProjectXConfig.from_env({"PROJECT_X_VERIFY_TLS": "false"})


def test_tls_off_with_explicit_opt_in_is_loud(caplog: pytest.LogCaptureFixture):
    with (
        caplog.at_level(logging.WARNING, logger="projectx.config"),
        pytest.warns(InsecureConfigWarning, match="verification is OFF"),
    ):
        cfg = ProjectXConfig(verify_tls=False, allow_insecure=True)
    assert cfg.verify_tls is False
    assert any("verification is OFF" in r.getMessage() for r in caplog.records)
    assert all(r.levelno >= logging.WARNING for r in caplog.records)


def test_tls_off_opt_in_from_the_environment_is_loud_too():
    env = {"PROJECT_X_VERIFY_TLS": "0", "PROJECT_X_ALLOW_INSECURE": "1"}
    with pytest.warns(InsecureConfigWarning):
        assert ProjectXConfig.from_env(env).verify_tls is False


def test_copies_of_an_insecure_config_warn_again():
    with pytest.warns(InsecureConfigWarning):
        cfg = ProjectXConfig(verify_tls=False, allow_insecure=True)
    with pytest.warns(InsecureConfigWarning):
        cfg.replace(username="u")


def test_a_secure_config_is_quiet():
    _no_insecure_warning(lambda: ProjectXConfig(username="u", api_key=KEY))
    _no_insecure_warning(lambda: ProjectXConfig(environment="local", base_url="http://[::1]:9"))


# ------------------------------------------------------------------- loopback rule
@pytest.mark.parametrize(
    "host",
    ["127.0.0.1", "127.8.9.10", "localhost", "LOCALHOST", "[::1]"],
)
def test_plain_http_and_ws_to_loopback_are_accepted_quietly(host: str):
    def build() -> None:
        ProjectXConfig(
            api_url=f"http://{host}:1/api",
            user_hub_url=f"ws://{host}:1/hubs/user",
            market_hub_url=f"http://{host}:1/hubs/market",
        )

    _no_insecure_warning(build)


@pytest.mark.parametrize(
    ("field", "url"),
    [
        ("api_url", "http://api.example.test/api"),
        ("api_url", "http://10.0.0.5:8080/api"),
        ("user_hub_url", "ws://rtc.example.test/hubs/user"),
        ("market_hub_url", "ws://[2001:db8::1]/hubs/market"),
        ("market_hub_url", "http://0.0.0.0:80/hubs/market"),
        ("api_url", "http://127.0.0.1.example.test/api"),  # a name, not the loopback address
        ("api_url", "http://localhost.example.test/api"),
    ],
)
def test_plain_transport_to_other_hosts_is_refused(field: str, url: str):
    with pytest.raises(ValidationError, match="loopback"):
        ProjectXConfig(**{field: url})


def test_local_environment_base_url_follows_the_same_rule():
    with pytest.raises(ValidationError, match="loopback"):
        ProjectXConfig(environment="local", base_url="http://192.168.1.20:8765")


def test_plain_transport_opt_in_warns_and_names_the_host():
    with pytest.warns(InsecureConfigWarning, match="api.example.test"):
        cfg = ProjectXConfig(api_url="http://api.example.test/api", allow_insecure=True)
    assert cfg.api_url == "http://api.example.test/api"


def test_encrypted_schemes_to_any_host_are_quiet():
    _no_insecure_warning(
        lambda: ProjectXConfig(
            api_url="https://10.0.0.5/api", user_hub_url="wss://rtc.example.test/hubs/user"
        )
    )


# --------------------------------------------------------------------- file modes
def _write(path: Path, data: dict[str, object], mode: int) -> Path:
    path.write_text(json.dumps(data))
    path.chmod(mode)
    return path


@posix_only
@pytest.mark.parametrize("mode", [0o644, 0o604, 0o666, 0o777])
def test_world_readable_file_with_a_secret_warns_with_path_and_mode(tmp_path: Path, mode: int):
    path = _write(tmp_path / "px.json", {"username": "u", "api_key": KEY}, mode)
    with pytest.warns(InsecureConfigWarning) as caught:
        cfg = ProjectXConfig.from_file(path)
    assert cfg.api_key is not None and cfg.api_key.get() == KEY
    text = str(caught[0].message)
    assert str(path) in text and f"{mode:04o}" in text and "api_key" in text
    assert KEY not in text


@posix_only
def test_each_secret_kind_is_named(tmp_path: Path):
    path = _write(
        tmp_path / "app.json",
        {"username": "u", "app_id": "a", "password": "pw-123456789", "verify_key": "vk-12345678"},
        0o644,
    )
    with pytest.warns(InsecureConfigWarning, match="password, verify_key") as caught:
        ProjectXConfig.from_file(path)
    assert "pw-123456789" not in str(caught[0].message)


@posix_only
@pytest.mark.parametrize("mode", [0o600, 0o400, 0o640])
def test_private_file_with_a_secret_is_quiet(tmp_path: Path, mode: int):
    path = _write(tmp_path / "px.json", {"username": "u", "api_key": KEY}, mode)
    _no_insecure_warning(lambda: ProjectXConfig.from_file(path))


@posix_only
def test_world_readable_file_without_secrets_is_quiet(tmp_path: Path):
    path = _write(tmp_path / "px.json", {"username": "u", "api_key": ""}, 0o644)
    _no_insecure_warning(lambda: ProjectXConfig.from_file(path))


@posix_only
def test_toml_file_in_a_projectx_table_is_checked_too(tmp_path: Path, caplog):
    path = tmp_path / "px.toml"
    path.write_text(f'[projectx]\nusername = "u"\napi_key = "{KEY}"\n')
    path.chmod(0o644)
    with caplog.at_level(logging.WARNING), pytest.warns(InsecureConfigWarning, match="px.toml"):
        ProjectXConfig.from_file(path)
    assert any("world-readable" in r.getMessage() for r in caplog.records)
    assert KEY not in caplog.text
