"""Client configuration: :class:`ProjectXConfig` and the :class:`Secret` wrapper.

A configuration comes from keyword arguments, the environment (:meth:`ProjectXConfig.from_env`)
or a JSON/TOML file (:meth:`ProjectXConfig.from_file`). Named environments fill in the three URLs:

========================  ==============================================  ==========================
name                      REST API                                        hubs
========================  ==============================================  ==========================
``topstepx``              ``https://api.topstepx.com/api``                ``https://rtc.topstepx.com``
``projectx-demo``         ``https://gateway-api-demo.s2f.projectx.com``   ``gateway-rtc-demo...``
``local``                 ``<base_url>/api`` (a simulator)                ``<base_url>/hubs/...``
========================  ==============================================  ==========================

Credentials are held in :class:`Secret`, whose ``repr``/``str``/``format`` print ``***``: they
never reach a log line, a repr or an exception message.

Transport safety is on by default and is never turned off silently:

- TLS certificates are verified. ``verify_tls=False`` is refused unless ``allow_insecure=True``
  is given as well, and then every configuration built that way emits an
  :class:`InsecureConfigWarning` and logs a warning;
- plain ``http://``/``ws://`` is accepted only for loopback hosts unless ``allow_insecure=True``
  (again with the warning);
- a configuration file that holds a secret (``api_key``, ``password``, ``verify_key``) and is
  readable by other users triggers an :class:`InsecureConfigWarning` naming the file and its
  mode (never the secret).
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import logging
import os
import stat
import tomllib
import warnings
import weakref
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from projectx.exceptions import ValidationError
from projectx.redaction import register_secret, release_secret
from projectx.validation import check_credential, check_port, check_text

__all__ = [
    "ENVIRONMENTS",
    "SEED_FIELD_NAMES",
    "SEED_IGNORED_FIELDS",
    "Environment",
    "InsecureConfigWarning",
    "ProjectXConfig",
    "Secret",
]

log = logging.getLogger(__name__)


class InsecureConfigWarning(UserWarning):
    """A configuration weakens transport or secret safety (explicitly allowed, but loud)."""


def _warn_insecure(message: str) -> None:
    log.warning("%s", message)
    warnings.warn(message, InsecureConfigWarning, stacklevel=4)


class Secret:
    """A string that never shows itself: ``repr``, ``str`` and ``format`` give ``***``.

    Read the value explicitly with :meth:`get`. Equality is constant-time. The value is
    registered with :mod:`projectx.redaction` while the object lives, so it is scrubbed from
    every log line and error the SDK produces, whatever the spelling.
    """

    __slots__ = ("__weakref__", "_value")

    def __init__(self, value: str) -> None:
        if not isinstance(value, str):
            raise ValidationError(f"a secret must be a str, got {type(value).__name__}")
        self._value = value
        register_secret(value)
        weakref.finalize(self, release_secret, value)

    def get(self) -> str:
        """The secret text (send it; never log it)."""
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    def __str__(self) -> str:
        return "***"

    def __format__(self, spec: str) -> str:
        return "***"

    def __bool__(self) -> bool:
        return bool(self._value)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Secret):
            return NotImplemented
        return hmac.compare_digest(self._value.encode(), other._value.encode())

    def __hash__(self) -> int:
        return hash(("Secret", self._value))

    def __reduce__(self) -> Any:
        raise TypeError("Secret objects cannot be pickled")


@dataclass(frozen=True, slots=True)
class Environment:
    """URLs of one named Gateway environment."""

    name: str
    api_url: str
    user_hub_url: str
    market_hub_url: str


ENVIRONMENTS: dict[str, Environment] = {
    "topstepx": Environment(
        "topstepx",
        "https://api.topstepx.com/api",
        "https://rtc.topstepx.com/hubs/user",
        "https://rtc.topstepx.com/hubs/market",
    ),
    "projectx-demo": Environment(
        "projectx-demo",
        "https://gateway-api-demo.s2f.projectx.com/api",
        "https://gateway-rtc-demo.s2f.projectx.com/hubs/user",
        "https://gateway-rtc-demo.s2f.projectx.com/hubs/market",
    ),
}
DEFAULT_LOCAL_URL = "http://127.0.0.1:8765"

_SECRET_FIELDS = frozenset({"api_key", "password", "verify_key"})
_ENV_PREFIX = "PROJECT_X_"


def _is_loopback(host: str | None) -> bool:
    if not host:
        return False
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_url(name: str, url: str, allow_insecure: bool = False) -> str:
    """Validate an endpoint URL (scheme, host); plain ``http``/``ws`` to a non-loopback host
    raises :class:`ValidationError` unless ``allow_insecure`` (used by hubs given URLs directly).
    """
    return _check_url(name, url, allow_insecure)


def _check_url(name: str, url: str, allow_insecure: bool) -> str:
    """Validate one endpoint URL; plain http/ws to a non-loopback host needs ``allow_insecure``."""
    if not isinstance(url, str) or not url:
        raise ValidationError(f"{name} must be a non-empty URL string")
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https", "ws", "wss") or not parts.hostname:
        shown = f"{parts.scheme}://{parts.hostname or ''}/..." if parts.scheme else "(no scheme)"
        raise ValidationError(f"{name} must be an http(s):// or ws(s):// URL, got {shown!r}")
    if parts.username or parts.password or parts.query or parts.fragment:
        raise ValidationError(f"{name} must not carry credentials, a query or a fragment")
    if not url.isprintable() or any(ch.isspace() for ch in url):
        raise ValidationError(f"{name} must not contain spaces or control characters")
    _check_url_port(name, parts.netloc)
    if scheme in ("http", "ws") and not _is_loopback(parts.hostname):
        if not allow_insecure:
            raise ValidationError(
                f"{name}: plain {scheme}:// is only allowed to a loopback host "
                f"(got {parts.hostname!r}); pass allow_insecure=True to override"
            )
        _warn_insecure(
            f"{name}: unencrypted {scheme}:// to non-loopback host {parts.hostname!r} "
            "(allow_insecure=True): credentials and orders travel in clear text"
        )
    return url.rstrip("/")


def _check_url_port(name: str, netloc: str) -> None:
    """The ``:port`` of a URL's authority, if any, is decimal digits in 1..65535."""
    host_end = netloc.rfind("]") + 1 if netloc.startswith("[") else 0
    _, colon, port = netloc[host_end:].rpartition(":")
    if not colon:
        return
    try:
        check_port(port, f"{name} port")
    except ValidationError:
        raise ValidationError(
            f"{name} has an invalid port {port[:20]!r} (expected 1..65535)"
        ) from None


def _to_bool(name: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        low = value.strip().lower()
        if low in ("1", "true", "yes", "on"):
            return True
        if low in ("0", "false", "no", "off", ""):
            return False
    raise ValidationError(f"{name}: expected a boolean, got {value!r}")


def _to_secret(name: str, value: Any) -> Secret | None:
    if value is None:
        return None
    if isinstance(value, Secret):
        check_credential(value.get(), name)
        return value
    if isinstance(value, str):
        return Secret(check_credential(value, name)) if value else None
    raise ValidationError(f"{name}: expected a string, got {type(value).__name__}")


@dataclass(frozen=True, slots=True)
class ProjectXConfig:
    """Everything the REST client and the hub connections need.

    Login: by API key (``username`` + ``api_key``) or, when ``app_id`` is set, by application
    (``username``, ``password``, ``device_id``, ``app_id``, ``verify_key``).
    """

    environment: str = "topstepx"
    username: str | None = None
    api_key: Secret | None = field(default=None, repr=False)
    account_name: str | None = None
    base_url: str | None = None
    """Root of a ``local`` environment (``http://127.0.0.1:PORT``)."""
    api_url: str = ""
    user_hub_url: str = ""
    market_hub_url: str = ""
    password: Secret | None = field(default=None, repr=False)
    device_id: str | None = None
    app_id: str | None = None
    verify_key: Secret | None = field(default=None, repr=False)
    live: bool = False
    """Use the live market-data subscription (``live: true`` on contract/bar requests)."""
    verify_tls: bool = True
    allow_insecure: bool = False
    request_timeout_s: float = 30.0
    connect_timeout_s: float = 10.0
    general_limit: int = 200
    general_window_s: float = 60.0
    bars_limit: int = 50
    bars_window_s: float = 30.0
    max_retries: int = 4
    backoff_base_s: float = 0.25
    backoff_max_s: float = 10.0
    max_retry_after_s: float = 120.0
    token_refresh_margin_s: float = 300.0
    cache_ttl_s: float = 3600.0
    max_concurrency: int = 8

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        env = self.environment.strip().lower() if isinstance(self.environment, str) else ""
        if env not in ENVIRONMENTS and env != "local":
            known = ", ".join([*ENVIRONMENTS, "local"])
            raise ValidationError(f"unknown environment {self.environment!r} (known: {known})")
        set_(self, "environment", env)
        for name in ("username", "account_name", "device_id", "app_id"):
            value = getattr(self, name)
            set_(self, name, check_text(None if value == "" else value, name, optional=True))
        for name in _SECRET_FIELDS:
            set_(self, name, _to_secret(name, getattr(self, name)))
        for name in ("live", "verify_tls", "allow_insecure"):
            set_(self, name, _to_bool(name, getattr(self, name)))
        if not self.verify_tls:
            if not self.allow_insecure:
                raise ValidationError(
                    "verify_tls=False turns off TLS certificate verification; pass "
                    "allow_insecure=True as well to confirm (never do this against a live Gateway)"
                )
            _warn_insecure(
                "TLS certificate verification is OFF (verify_tls=False, allow_insecure=True): "
                "anyone on the network path can read the session token"
            )
        if env == "local":
            base = _check_url("base_url", self.base_url or DEFAULT_LOCAL_URL, self.allow_insecure)
            set_(self, "base_url", base)
            defaults = Environment(
                "local", base + "/api", base + "/hubs/user", base + "/hubs/market"
            )
        else:
            defaults = ENVIRONMENTS[env]
        for name in ("api_url", "user_hub_url", "market_hub_url"):
            url = getattr(self, name) or getattr(defaults, name)
            set_(self, name, _check_url(name, url, self.allow_insecure))
        for name in (
            "request_timeout_s",
            "connect_timeout_s",
            "general_window_s",
            "bars_window_s",
            "backoff_base_s",
            "backoff_max_s",
            "max_retry_after_s",
        ):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
                raise ValidationError(f"{name} must be a number > 0, got {value!r}")
            set_(self, name, float(value))
        for name in ("general_limit", "bars_limit", "max_concurrency"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValidationError(f"{name} must be an int >= 1, got {value!r}")
        if isinstance(self.max_retries, bool) or not isinstance(self.max_retries, int):
            raise ValidationError(f"max_retries must be an int, got {self.max_retries!r}")
        if self.max_retries < 0:
            raise ValidationError(f"max_retries must be >= 0, got {self.max_retries}")
        for name in ("token_refresh_margin_s", "cache_ttl_s"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                raise ValidationError(f"{name} must be a number >= 0, got {value!r}")
            set_(self, name, float(value))

    # ------------------------------------------------------------------ login
    @property
    def uses_app_login(self) -> bool:
        """Whether ``Auth/loginApp`` is used (``app_id`` set) rather than ``Auth/loginKey``."""
        return bool(self.app_id)

    def require_credentials(self) -> None:
        """Raise :class:`ValidationError` unless the chosen login has all its credentials."""
        if not self.username:
            raise ValidationError("username is required (PROJECT_X_USERNAME)")
        if self.uses_app_login:
            missing = [n for n in ("password", "device_id", "verify_key") if not getattr(self, n)]
            if missing:
                raise ValidationError(f"app login needs {', '.join(missing)}")
        elif not self.api_key:
            raise ValidationError("api_key is required (PROJECT_X_API_KEY)")

    # ---------------------------------------------------------------- sources
    def replace(self, **changes: Any) -> ProjectXConfig:
        """A copy with ``changes`` applied (validated again)."""
        return replace(self, **changes)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> ProjectXConfig:
        """Build from a mapping of field names; unknown keys raise :class:`ValidationError`.

        project-x-py's field names are accepted too (see :data:`SEED_FIELD_NAMES`):
        ``timeout_seconds``, ``retry_attempts``, ``retry_delay_seconds`` and
        ``requests_per_minute`` become ours; ``realtime_url``, ``timezone`` and ``burst_limit``
        have no equivalent and are ignored with a warning.
        """
        data = _translate_seed_names(data)
        names = {f.name for f in fields(cls)}
        unknown = sorted(k for k in data if k not in names)
        if unknown:
            raise ValidationError(f"unknown configuration key(s): {', '.join(unknown)}")
        return cls(**dict(data))

    @classmethod
    def for_simulator(cls, sim: Any, **overrides: Any) -> ProjectXConfig:
        """A ``local`` config pointing at a running simulator (anything with ``base_url`` and
        ``credentials.user_name``/``credentials.api_key``, e.g. :class:`projectx.sim.Simulator`),
        logging in with its key; ``overrides`` set any other field."""
        creds = sim.credentials
        values: dict[str, Any] = {
            "environment": "local",
            "base_url": sim.base_url,
            "username": creds.user_name,
            "api_key": Secret(creds.api_key),
        }
        values.update(overrides)
        return cls.from_mapping(values)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> ProjectXConfig:
        """Build from ``PROJECT_X_*`` variables (``PROJECT_X_API_KEY``, ``PROJECT_X_USERNAME``,
        ``PROJECT_X_ACCOUNT_NAME``, ``PROJECT_X_ENVIRONMENT``, ``PROJECT_X_BASE_URL``,
        ``PROJECT_X_API_URL``, ``PROJECT_X_USER_HUB_URL``, ``PROJECT_X_MARKET_HUB_URL``, and any
        other field upper-cased). Keyword ``overrides`` win over the environment.
        """
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = env.get(_ENV_PREFIX + f.name.upper())
            if raw is None or raw == "":
                continue
            values[f.name] = _coerce_env(f.name, raw, f.default)
        values.update(overrides)
        return cls(**values)

    @classmethod
    def from_file(cls, path: str | os.PathLike[str], **overrides: Any) -> ProjectXConfig:
        """Build from a ``.json`` or ``.toml`` file (a ``[projectx]`` table is used if present)."""
        p = Path(path)
        try:
            raw = p.read_bytes()
        except OSError as exc:
            raise ValidationError(f"cannot read configuration file {p}: {exc.strerror}") from None
        suffix = p.suffix.lower()
        try:
            if suffix == ".toml":
                data: Any = tomllib.loads(raw.decode("utf-8"))
            elif suffix == ".json":
                data = json.loads(raw)
            else:
                raise ValidationError(f"configuration file must be .json or .toml, got {p.name}")
        except (tomllib.TOMLDecodeError, json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ValidationError(f"cannot parse configuration file {p.name}: {exc}") from None
        if isinstance(data, dict) and isinstance(data.get("projectx"), dict):
            data = data["projectx"]
        if not isinstance(data, dict):
            raise ValidationError(f"configuration file {p.name} must hold an object/table")
        _check_file_permissions(p, data)
        data = {**data, **overrides}
        return cls.from_mapping(data)


SEED_FIELD_NAMES: dict[str, str] = {
    "timeout_seconds": "request_timeout_s",
    "retry_attempts": "max_retries",
    "retry_delay_seconds": "backoff_base_s",
    "requests_per_minute": "general_limit",
}
"""project-x-py's ``ProjectXConfig`` field names -> ours (``requests_per_minute`` is a limit
per 60 s window, which is what ``general_limit`` is with the default ``general_window_s``)."""

SEED_IGNORED_FIELDS = frozenset({"realtime_url", "timezone", "burst_limit"})
"""project-x-py fields with no effect here: the hubs use ``user_hub_url``/``market_hub_url``,
timestamps are timezone-aware UTC, and the rate limiter is a sliding window (no burst)."""


def _translate_seed_names(data: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in data.items():
        if key in SEED_IGNORED_FIELDS:
            log.warning("configuration key %r (project-x-py) has no effect in projectx", key)
            continue
        ours = SEED_FIELD_NAMES.get(key)
        if ours is None:
            out[key] = value
            continue
        if ours in data:
            raise ValidationError(f"configuration keys {key!r} and {ours!r} name the same setting")
        out[ours] = value
    if "requests_per_minute" in data and "general_window_s" not in data:
        out["general_window_s"] = 60.0
    return out


def _check_file_permissions(path: Path, data: Mapping[str, Any]) -> None:
    """Warn when a file holding secrets can be read by other users (POSIX permissions)."""
    held = sorted(k for k in _SECRET_FIELDS if data.get(k))
    if not held or os.name != "posix":
        return
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except OSError:
        return
    if mode & stat.S_IROTH:
        _warn_insecure(
            f"configuration file {path} holds {', '.join(held)} and is world-readable "
            f"(mode {mode:04o}); restrict it with chmod 600"
        )


def _coerce_env(name: str, raw: str, default: Any) -> Any:
    if isinstance(default, bool):
        return _to_bool(name, raw)
    if isinstance(default, int):
        try:
            return int(raw)
        except ValueError:
            raise ValidationError(f"PROJECT_X_{name.upper()}: expected an int") from None
    if isinstance(default, float):
        try:
            return float(raw)
        except ValueError:
            raise ValidationError(f"PROJECT_X_{name.upper()}: expected a number") from None
    return raw
