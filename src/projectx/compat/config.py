"""project-x-py's configuration (``project_x_py.config``) and its bridge to the core's.

:class:`ProjectXConfig` holds project-x-py's fields and defaults (TopstepX URLs, America/Chicago,
60 requests a minute). :class:`ConfigManager` fills one as project-x-py does: defaults, then a
JSON file (only when one is named), then the ``PROJECTX_*`` variables (``PROJECTX_API_URL``,
``PROJECTX_REALTIME_URL``, ``PROJECTX_USER_HUB_URL``, ``PROJECTX_MARKET_HUB_URL``,
``PROJECTX_TIMEZONE``, ``PROJECTX_TIMEOUT_SECONDS``, ``PROJECTX_RETRY_ATTEMPTS``,
``PROJECTX_RETRY_DELAY_SECONDS``, ``PROJECTX_REQUESTS_PER_MINUTE``, ``PROJECTX_BURST_LIMIT``).
Credentials come from ``PROJECT_X_USERNAME`` / ``PROJECT_X_API_KEY`` (and
``PROJECT_X_ACCOUNT_NAME``), which are the core's names too.

:func:`core_config` turns such a configuration into the core's
:class:`projectx.config.ProjectXConfig`, which is what the compat client runs on.

Differences from project-x-py (deliberate): invalid settings raise
:class:`projectx.exceptions.ValidationError` (a ``ValueError``, as there); a file's keys starting
with ``_`` (the template's ``_comment`` and ``_description``) are ignored instead of failing;
other unknown keys name themselves in the error; the API key read from the environment is
registered with :mod:`projectx.redaction`, so it never reaches a log line.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import os
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from projectx import config as core
from projectx.exceptions import ValidationError
from projectx.redaction import register_secret

__all__ = [
    "CONFIG_ENV_VARS",
    "ConfigManager",
    "ProjectXConfig",
    "check_environment",
    "core_config",
    "create_config_template",
    "create_custom_config",
    "get_default_config_path",
    "load_default_config",
    "load_topstepx_config",
]

logger = logging.getLogger(__name__)


@dataclass
class ProjectXConfig:
    """project-x-py's client settings (field names, types and defaults as in 4.4.1).

    ``realtime_url`` is a legacy field (the hubs use ``user_hub_url``/``market_hub_url``);
    ``timezone`` is the zone of returned timestamps; ``requests_per_minute`` limits REST calls;
    ``burst_limit`` has no effect on the core's sliding-window limiter.
    """

    api_url: str = "https://api.topstepx.com/api"
    realtime_url: str = "wss://realtime.topstepx.com/api"
    user_hub_url: str = "https://rtc.topstepx.com/hubs/user"
    market_hub_url: str = "https://rtc.topstepx.com/hubs/market"
    timezone: str = "America/Chicago"
    timeout_seconds: int = 30
    retry_attempts: int = 3
    retry_delay_seconds: float = 2.0
    requests_per_minute: int = 60
    burst_limit: int = 10


CONFIG_ENV_VARS: dict[str, tuple[str, type]] = {
    "PROJECTX_API_URL": ("api_url", str),
    "PROJECTX_REALTIME_URL": ("realtime_url", str),
    "PROJECTX_USER_HUB_URL": ("user_hub_url", str),
    "PROJECTX_MARKET_HUB_URL": ("market_hub_url", str),
    "PROJECTX_TIMEZONE": ("timezone", str),
    "PROJECTX_TIMEOUT_SECONDS": ("timeout_seconds", int),
    "PROJECTX_RETRY_ATTEMPTS": ("retry_attempts", int),
    "PROJECTX_RETRY_DELAY_SECONDS": ("retry_delay_seconds", float),
    "PROJECTX_REQUESTS_PER_MINUTE": ("requests_per_minute", int),
    "PROJECTX_BURST_LIMIT": ("burst_limit", int),
}
"""The ``PROJECTX_*`` variables and the :class:`ProjectXConfig` field each one sets."""

_URL_FIELDS = ("api_url", "realtime_url", "user_hub_url", "market_hub_url")
_FIELD_NAMES = frozenset(f.name for f in fields(ProjectXConfig))
_LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
_MIN_API_KEY_LEN = 10


class ConfigManager:
    """Loads a :class:`ProjectXConfig`: defaults < ``config_file`` (JSON) < ``PROJECTX_*``.

    Without ``config_file``, ``~/.config/projectx/config.json`` is read when it exists, as
    project-x-py's README documents (its code read no file then; docs/compat.md). The result is
    validated and cached per manager.
    """

    def __init__(self, config_file: str | Path | None = None) -> None:
        self.config_file: Path | None = Path(config_file) if config_file else None
        #: the file read: ``config_file``, else the documented default location
        self.read_path: Path = self.config_file or (
            Path.home() / ".config" / "projectx" / "config.json"
        )
        self._config: ProjectXConfig | None = None

    def load_config(self) -> ProjectXConfig:
        """The configuration (loaded, validated and cached on the first call)."""
        if self._config is not None:
            return self._config
        values = asdict(ProjectXConfig())
        if self.read_path.exists():
            try:
                data = self._read_json()
            except ValidationError as exc:  # unreadable: project-x-py warns and goes on
                logger.warning("Failed to load config file %s: %s", self.read_path, exc)
            else:
                values.update(self._settings(data))
                logger.info("Loaded configuration from %s", self.read_path)
        values.update(self._load_env_config())
        config = ProjectXConfig(**values)
        self.validate_config(config)
        self._config = config
        return config

    def load_config_file_dict(self) -> dict[str, Any]:
        """The settings held by ``config_file`` ({} without a readable file)."""
        return self._load_config_file()

    def _load_config_file(self) -> dict[str, Any]:
        if not self.read_path.exists():
            return {}
        return self._settings(self._read_json())

    def _read_json(self) -> dict[str, Any]:
        try:
            data = json.loads(self.read_path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ValidationError(
                f"cannot read configuration file {self.read_path}: {exc}"
            ) from None
        if not isinstance(data, dict):
            raise ValidationError(f"configuration file {self.read_path} must hold a JSON object")
        return data

    def _settings(self, data: dict[str, Any]) -> dict[str, Any]:
        settings = {k: v for k, v in data.items() if not str(k).startswith("_")}
        unknown = sorted(k for k in settings if k not in _FIELD_NAMES)
        if unknown:
            raise ValidationError(
                f"configuration file {self.read_path}: unknown key(s) {', '.join(unknown)}"
            )
        return settings

    def _load_env_config(self) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for variable, (name, kind) in CONFIG_ENV_VARS.items():
            raw = os.environ.get(variable)
            if raw is None:
                continue
            try:
                values[name] = kind(raw)
            except ValueError:
                logger.warning(
                    "Invalid value for %s: %r (expected %s)", variable, raw, kind.__name__
                )
        return values

    def save_config(self, config: ProjectXConfig, file_path: str | Path | None = None) -> None:
        """Write ``config`` as JSON to ``file_path`` (default: this manager's ``config_file``)."""
        target = Path(file_path) if file_path else self.config_file
        if target is None:
            raise ValidationError("No config file path specified")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(asdict(config), indent=2) + "\n", encoding="utf-8")
        logger.info("Configuration saved to %s", target)

    def get_auth_config(self) -> dict[str, str]:
        """``{"api_key": ..., "username": ...}`` from ``PROJECT_X_API_KEY`` and
        ``PROJECT_X_USERNAME``; :class:`ValidationError` when either is missing or the key is
        implausibly short."""
        api_key = os.environ.get("PROJECT_X_API_KEY")
        username = os.environ.get("PROJECT_X_USERNAME")
        if not api_key:
            raise ValidationError("PROJECT_X_API_KEY environment variable is required")
        if not username:
            raise ValidationError("PROJECT_X_USERNAME environment variable is required")
        if len(api_key) < _MIN_API_KEY_LEN:
            raise ValidationError(
                "Invalid PROJECT_X_API_KEY format - must be a string longer than 10 characters"
            )
        register_secret(api_key)
        return {"api_key": api_key, "username": username}

    def validate_config(self, config: ProjectXConfig) -> bool:
        """True when ``config`` is usable; otherwise :class:`ValidationError` listing every
        problem (URLs must be http(s)/wss, plain http only to this machine; positive timeout,
        limits; non-negative retries; a known IANA time zone)."""
        errors: list[str] = []
        for name in _URL_FIELDS:
            problem = _url_problem(getattr(config, name))
            if problem:
                errors.append(f"{name} {problem}")
        for name, low, strict in (
            ("timeout_seconds", 0, True),
            ("retry_attempts", 0, False),
            ("retry_delay_seconds", 0, False),
            ("requests_per_minute", 0, True),
            ("burst_limit", 0, True),
        ):
            value = getattr(config, name)
            if isinstance(value, bool) or not isinstance(value, int | float):
                errors.append(f"{name} must be a number")
            elif value <= low if strict else value < low:
                errors.append(f"{name} must be {'positive' if strict else 'non-negative'}")
        try:
            ZoneInfo(str(config.timezone))
        except (ZoneInfoNotFoundError, ValueError):
            errors.append(f"Invalid timezone: {config.timezone}")
        if errors:
            raise ValidationError(f"Configuration validation failed: {'; '.join(errors)}")
        return True


def _url_problem(url: object) -> str | None:
    if not isinstance(url, str) or not url:
        return "must be a non-empty string"
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https", "wss") or not parts.hostname:
        return "must be a valid URL"
    if parts.scheme == "http" and parts.hostname.lower() not in _LOCAL_HOSTS:
        return "must use HTTPS (http:// is only allowed for localhost)"
    return None


def load_default_config() -> ProjectXConfig:
    """Defaults overridden by the ``PROJECTX_*`` variables."""
    return ConfigManager().load_config()


def load_topstepx_config() -> ProjectXConfig:
    """The TopstepX configuration (the defaults), with ``PROJECTX_*`` overrides."""
    return load_default_config()


def create_custom_config(user_hub_url: str, market_hub_url: str, **kwargs: Any) -> ProjectXConfig:
    """The default configuration with the given hub URLs and any other fields in ``kwargs``
    (keys that are not fields are ignored, as in project-x-py); validated."""
    config = load_default_config()
    config.user_hub_url = user_hub_url
    config.market_hub_url = market_hub_url
    for key, value in kwargs.items():
        if key in _FIELD_NAMES:
            setattr(config, key, value)
    ConfigManager().validate_config(config)
    return config


_DESCRIPTIONS = {
    "api_url": "Base URL for the ProjectX API",
    "realtime_url": "WebSocket URL for real-time data (legacy)",
    "user_hub_url": "SignalR hub URL for user events",
    "market_hub_url": "SignalR hub URL for market data",
    "timezone": "Timezone for timestamp handling",
    "timeout_seconds": "Request timeout in seconds",
    "retry_attempts": "Number of retry attempts for failed requests",
    "retry_delay_seconds": "Delay between retry attempts",
    "requests_per_minute": "Rate limiting - requests per minute",
    "burst_limit": "Rate limiting - burst limit",
}


def create_config_template(file_path: str | Path) -> None:
    """Write a JSON template of every field with its default (plus ``_comment`` and
    ``_description`` keys, which loading ignores)."""
    path = Path(file_path)
    template = {
        "_comment": "ProjectX Configuration Template",
        "_description": _DESCRIPTIONS,
        **asdict(ProjectXConfig()),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(template, indent=2) + "\n", encoding="utf-8")
    logger.info("Configuration template created at %s", path)


def get_default_config_path() -> Path:
    """The first existing of ``~/.config/projectx/config.json``, ``./projectx_config.json``,
    ``./.projectx_config.json``; the first one when none exists."""
    candidates = [
        Path.home() / ".config" / "projectx" / "config.json",
        Path.cwd() / "projectx_config.json",
        Path.cwd() / ".projectx_config.json",
    ]
    return next((p for p in candidates if p.exists()), candidates[0])


def check_environment() -> dict[str, Any]:
    """What is configured: ``auth_configured``, ``missing_required`` (credential variables),
    ``config_file_exists`` (+ ``config_file_path``) and ``environment_overrides`` (the
    ``PROJECTX_*`` variables set)."""
    missing = [v for v in ("PROJECT_X_API_KEY", "PROJECT_X_USERNAME") if not os.environ.get(v)]
    status: dict[str, Any] = {
        "auth_configured": not missing,
        "config_file_exists": False,
        "environment_overrides": [v for v in CONFIG_ENV_VARS if os.environ.get(v)],
        "missing_required": missing,
    }
    path = get_default_config_path()
    if path.exists():
        status["config_file_exists"] = True
        status["config_file_path"] = str(path)
    return status


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _environment_for(api_url: str) -> dict[str, Any]:
    """The core ``environment`` (and ``base_url``) an API URL belongs to."""
    for name, env in core.ENVIRONMENTS.items():
        if env.api_url.rstrip("/") == api_url.rstrip("/"):
            return {"environment": name}
    parts = urlsplit(api_url)
    if parts.hostname and _is_loopback(parts.hostname):
        return {"environment": "local", "base_url": f"{parts.scheme}://{parts.netloc}"}
    return {"environment": "topstepx"}


def core_config(config: ProjectXConfig | None = None, **overrides: Any) -> core.ProjectXConfig:
    """The core :class:`projectx.config.ProjectXConfig` equivalent to ``config``.

    ``config`` defaults to :func:`load_default_config` (defaults < ``PROJECTX_*``). Its URLs
    become the core's ``api_url``/``user_hub_url``/``market_hub_url`` (the named environment is
    the one whose API URL matches, ``local`` for this machine, else ``topstepx`` with the
    explicit URLs); ``timeout_seconds`` -> ``request_timeout_s``, ``retry_attempts`` ->
    ``max_retries``, ``retry_delay_seconds`` -> ``backoff_base_s``, ``requests_per_minute`` ->
    ``general_limit`` per 60 s. ``username``, ``api_key`` and ``account_name`` come from
    ``PROJECT_X_USERNAME``/``PROJECT_X_API_KEY``/``PROJECT_X_ACCOUNT_NAME`` when set.
    ``overrides`` (core field names) win over everything. ``realtime_url``, ``timezone`` and
    ``burst_limit`` have no core equivalent.
    """
    cfg = config if config is not None else load_default_config()
    if not isinstance(cfg, ProjectXConfig):
        raise ValidationError(f"config must be a compat ProjectXConfig, got {type(cfg).__name__}")
    values: dict[str, Any] = {
        **_environment_for(cfg.api_url),
        "api_url": cfg.api_url,
        "user_hub_url": cfg.user_hub_url,
        "market_hub_url": cfg.market_hub_url,
        "request_timeout_s": cfg.timeout_seconds,
        "max_retries": cfg.retry_attempts,
        # the core needs a positive base; project-x-py's 0 (no delay) becomes 1 ms
        "backoff_base_s": cfg.retry_delay_seconds if cfg.retry_delay_seconds > 0 else 0.001,
        "general_limit": cfg.requests_per_minute,
        "general_window_s": 60.0,
    }
    for variable, name in (
        ("PROJECT_X_USERNAME", "username"),
        ("PROJECT_X_API_KEY", "api_key"),
        ("PROJECT_X_ACCOUNT_NAME", "account_name"),
    ):
        raw = os.environ.get(variable)
        if raw:
            values[name] = core.Secret(raw) if name == "api_key" else raw
    values.update(overrides)
    return core.ProjectXConfig.from_mapping(values)
