"""ProjectXConfig: sources, named environments, secret hiding, URL safety."""

from __future__ import annotations

import json
import logging
import pickle

import pytest

from projectx.config import ENVIRONMENTS, InsecureConfigWarning, ProjectXConfig, Secret
from projectx.exceptions import ValidationError

KEY = "k3y-SUPER-secret-0001"
PASSWORD = "pw-SUPER-secret-0002"


def test_named_environments_fill_urls():
    top = ProjectXConfig(environment="topstepx")
    assert top.api_url == "https://api.topstepx.com/api"
    assert top.user_hub_url == "https://rtc.topstepx.com/hubs/user"
    assert top.market_hub_url == "https://rtc.topstepx.com/hubs/market"
    demo = ProjectXConfig(environment="ProjectX-Demo")
    assert demo.api_url == "https://gateway-api-demo.s2f.projectx.com/api"
    assert demo.market_hub_url == "https://gateway-rtc-demo.s2f.projectx.com/hubs/market"
    local = ProjectXConfig(environment="local", base_url="http://127.0.0.1:9999/")
    assert local.api_url == "http://127.0.0.1:9999/api"
    assert local.user_hub_url == "http://127.0.0.1:9999/hubs/user"
    assert set(ENVIRONMENTS) == {"topstepx", "projectx-demo"}


def test_unknown_environment_is_refused():
    with pytest.raises(ValidationError, match="unknown environment"):
        ProjectXConfig(environment="prod")


def test_explicit_urls_override_the_environment():
    cfg = ProjectXConfig(api_url="https://example.test/api/")
    assert cfg.api_url == "https://example.test/api"
    assert cfg.user_hub_url == ENVIRONMENTS["topstepx"].user_hub_url


def test_plain_http_only_to_loopback_unless_allowed():
    ProjectXConfig(environment="local", base_url="http://localhost:1")
    ProjectXConfig(environment="local", base_url="http://[::1]:1")
    with pytest.raises(ValidationError, match="loopback"):
        ProjectXConfig(api_url="http://api.example.test/api")
    with pytest.raises(ValidationError, match="loopback"):
        ProjectXConfig(user_hub_url="ws://10.0.0.1/hubs/user")
    with pytest.warns(InsecureConfigWarning):
        cfg = ProjectXConfig(api_url="http://api.example.test/api", allow_insecure=True)
    assert cfg.api_url.startswith("http://")
    with pytest.raises(ValidationError):
        ProjectXConfig(api_url="ftp://x/api")
    with pytest.raises(ValidationError, match="credentials"):
        ProjectXConfig(api_url="https://user:pw@x.test/api")


def test_tls_verification_is_on_by_default():
    assert ProjectXConfig().verify_tls is True


def test_secrets_never_in_repr_str_format_or_logs(caplog):
    cfg = ProjectXConfig(username="jane", api_key=KEY, password=PASSWORD, verify_key="vk-SECRET")
    assert isinstance(cfg.api_key, Secret) and cfg.api_key.get() == KEY
    with caplog.at_level(logging.DEBUG):
        logging.getLogger("t").info("cfg %s %r %s", cfg, cfg, cfg.api_key)
    texts = [repr(cfg), str(cfg), f"{cfg.api_key}", f"{cfg.api_key!r}", caplog.text]
    for text in texts:
        assert KEY not in text and PASSWORD not in text and "vk-SECRET" not in text
    with pytest.raises(TypeError):
        pickle.dumps(cfg.api_key)


def test_secret_equality_is_by_value():
    assert Secret("a") == Secret("a") and Secret("a") != Secret("b")
    with pytest.raises(ValidationError):
        Secret(123)  # type: ignore[arg-type]


def test_from_env_reads_documented_variables():
    env = {
        "PROJECT_X_API_KEY": KEY,
        "PROJECT_X_USERNAME": "jane",
        "PROJECT_X_ACCOUNT_NAME": "PRAC-50K",
        "PROJECT_X_ENVIRONMENT": "local",
        "PROJECT_X_BASE_URL": "http://127.0.0.1:4321",
        "PROJECT_X_MAX_RETRIES": "7",
        "PROJECT_X_LIVE": "true",
        "UNRELATED": "x",
    }
    cfg = ProjectXConfig.from_env(env, account_name="override")
    assert cfg.username == "jane" and cfg.api_key == Secret(KEY)
    assert cfg.account_name == "override"
    assert cfg.api_url == "http://127.0.0.1:4321/api"
    assert cfg.max_retries == 7 and cfg.live is True
    with pytest.raises(ValidationError, match="MAX_RETRIES"):
        ProjectXConfig.from_env({"PROJECT_X_MAX_RETRIES": "many"})


def test_from_toml_and_json_files(tmp_path):
    toml = tmp_path / "px.toml"
    toml.write_text(
        '[projectx]\nenvironment = "projectx-demo"\nusername = "jane"\n'
        f'api_key = "{KEY}"\nmax_concurrency = 3\n'
    )
    toml.chmod(0o600)  # a world-readable secret file warns (tests/client/test_config_security)
    cfg = ProjectXConfig.from_file(toml)
    assert cfg.environment == "projectx-demo" and cfg.max_concurrency == 3
    assert cfg.api_key is not None and cfg.api_key.get() == KEY
    js = tmp_path / "px.json"
    js.write_text(json.dumps({"username": "bob", "api_key": KEY, "cache_ttl_s": 0}))
    js.chmod(0o600)
    assert ProjectXConfig.from_file(js).username == "bob"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"usernme": "typo"}))
    with pytest.raises(ValidationError, match="usernme"):
        ProjectXConfig.from_file(bad)
    with pytest.raises(ValidationError, match="cannot read"):
        ProjectXConfig.from_file(tmp_path / "missing.toml")
    (tmp_path / "x.yaml").write_text("a: 1")
    with pytest.raises(ValidationError, match=r"\.json or \.toml"):
        ProjectXConfig.from_file(tmp_path / "x.yaml")


@pytest.mark.parametrize(
    "kwargs",
    [
        {"max_retries": -1},
        {"general_limit": 0},
        {"bars_window_s": 0},
        {"request_timeout_s": -3},
        {"max_concurrency": True},
        {"cache_ttl_s": -1},
        {"live": "perhaps"},
    ],
)
def test_bad_numbers_are_refused(kwargs):
    with pytest.raises(ValidationError):
        ProjectXConfig(**kwargs)


def test_require_credentials_for_each_login_kind():
    with pytest.raises(ValidationError, match="username"):
        ProjectXConfig(api_key=KEY).require_credentials()
    with pytest.raises(ValidationError, match="api_key"):
        ProjectXConfig(username="u").require_credentials()
    ProjectXConfig(username="u", api_key=KEY).require_credentials()
    app = ProjectXConfig(username="u", app_id="app", password=PASSWORD)
    assert app.uses_app_login
    with pytest.raises(ValidationError, match="device_id, verify_key"):
        app.require_credentials()


def test_for_simulator_points_at_the_sim_with_its_key_and_applies_overrides() -> None:
    class Creds:
        user_name = "trader"
        api_key = "sim-key-123"

    class FakeSim:  # the duck type: what a running Simulator exposes
        base_url = "http://127.0.0.1:43111"
        credentials = Creds()

    config = ProjectXConfig.for_simulator(FakeSim(), general_limit=7, account_name="X")
    assert config.environment == "local" and config.base_url == "http://127.0.0.1:43111"
    assert config.username == "trader" and config.api_key == Secret("sim-key-123")
    assert (config.general_limit, config.account_name) == (7, "X")
    assert "sim-key-123" not in repr(config)
    with pytest.raises(ValidationError):
        ProjectXConfig.for_simulator(FakeSim(), no_such_field=1)
