"""REST side of the simulator: every endpoint of spec §4 behind one aiohttp handler.

Request pipeline (spec §9.3 steps 1-2, §3.2, §8): injected faults -> route (case-insensitive,
404 unknown, 405 wrong verb) -> authentication (401 + ``WWW-Authenticate: Bearer``) -> rate
limit (429 + ``Retry-After``) -> body binding (400 RFC 7807 ProblemDetails) -> endpoint. Auth
endpoints are answered here; business endpoints are delegated to ``Exchange.handle``.

Body binding mimics ASP.NET's System.Text.Json web defaults: property names are matched
case-insensitively, numbers may be sent as numeric strings, unknown properties are ignored.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

import orjson
from aiohttp import web

from projectx.sim.auth import TokenAuthority, TokenError, TokenInfo, TokenProblem
from projectx.sim.ratelimit import RateLimiter

__all__ = [
    "ENDPOINTS",
    "AnswerRule",
    "AppCredentials",
    "BodyError",
    "EndpointSpec",
    "ExchangeLike",
    "FailRule",
    "Field",
    "RestApi",
    "RestFaultState",
    "bind_body",
]

log = logging.getLogger(__name__)

_INT32 = (-(2**31), 2**31 - 1)
_INT64 = (-(2**63), 2**63 - 1)
_DOTNET_TYPES = {
    "int32": "System.Int32",
    "int64": "System.Int64",
    "number": "System.Decimal",
    "string": "System.String",
    "bool": "System.Boolean",
    "datetime": "System.DateTime",
    "object": "System.Object",
    "array": "System.Array",
}


class ExchangeLike(Protocol):
    """What the REST layer needs from the engine's ``Exchange``."""

    def check_api_key(self, user_name: str, api_key: str) -> int: ...

    def handle(self, endpoint: str, user_name: str, body: dict[str, Any]) -> dict[str, Any]: ...


@dataclass(frozen=True, slots=True)
class Field:
    """One request property: JSON kind, required, nullable, nested fields for objects."""

    name: str
    kind: str
    required: bool = False
    nullable: bool = True
    children: tuple[Field, ...] = ()
    default: Any = None
    has_default: bool = False


def _req(name: str, kind: str, *children: Field) -> Field:
    return Field(name, kind, required=True, nullable=False, children=children)


def _opt(name: str, kind: str, *children: Field) -> Field:
    return Field(name, kind, required=False, nullable=True, children=children)


@dataclass(frozen=True, slots=True)
class EndpointSpec:
    """A REST endpoint: canonical path (after ``/api/``), verb, auth, body schema."""

    path: str
    method: str = "POST"
    auth: bool = True
    body: tuple[Field, ...] | None = ()
    extended_only: bool = False


_BRACKET = (_req("ticks", "int32"), _req("type", "int32"))

ENDPOINTS: tuple[EndpointSpec, ...] = (
    EndpointSpec(
        "Auth/loginKey", auth=False, body=(_req("userName", "string"), _req("apiKey", "string"))
    ),
    EndpointSpec(
        "Auth/loginApp",
        auth=False,
        body=tuple(
            _req(n, "string") for n in ("userName", "password", "deviceId", "appId", "verifyKey")
        ),
    ),
    EndpointSpec("Auth/validate", body=None),
    EndpointSpec("Auth/logout", body=None),
    EndpointSpec("Account/search", body=(_req("onlyActiveAccounts", "bool"),)),
    EndpointSpec("Contract/search", body=(_req("searchText", "string"), _req("live", "bool"))),
    EndpointSpec("Contract/searchById", body=(_req("contractId", "string"), _opt("live", "bool"))),
    EndpointSpec("Contract/available", body=(_req("live", "bool"),)),
    EndpointSpec(
        "History/retrieveBars",
        body=(
            _req("contractId", "string"),
            _req("live", "bool"),
            _req("startTime", "datetime"),
            _req("endTime", "datetime"),
            _req("unit", "int32"),
            _req("unitNumber", "int32"),
            _req("limit", "int32"),
            _req("includePartialBar", "bool"),
        ),
    ),
    EndpointSpec(
        "Order/search",
        body=(
            _req("accountId", "int32"),
            _req("startTimestamp", "datetime"),
            _opt("endTimestamp", "datetime"),
        ),
    ),
    EndpointSpec("Order/searchOpen", body=(_req("accountId", "int32"),)),
    EndpointSpec(
        "Order/place",
        body=(
            _req("accountId", "int32"),
            _req("contractId", "string"),
            _req("type", "int32"),
            _req("side", "int32"),
            _req("size", "int32"),
            _opt("limitPrice", "number"),
            _opt("stopPrice", "number"),
            _opt("trailPrice", "number"),
            _opt("customTag", "string"),
            _opt("stopLossBracket", "object", *_BRACKET),
            _opt("takeProfitBracket", "object", *_BRACKET),
            _opt("linkedOrderId", "int64"),
        ),
    ),
    EndpointSpec("Order/cancel", body=(_req("accountId", "int32"), _req("orderId", "int64"))),
    EndpointSpec(
        "Order/modify",
        body=(
            _req("accountId", "int32"),
            _req("orderId", "int64"),
            _opt("size", "int32"),
            _opt("limitPrice", "number"),
            _opt("stopPrice", "number"),
            _opt("trailPrice", "number"),
        ),
    ),
    EndpointSpec(
        "Order/searchById",
        body=(_req("accountId", "int32"), _req("orderId", "int64")),
        extended_only=True,
    ),
    EndpointSpec(
        "Order/v2/query",
        body=(
            _req(
                "filter",
                "object",
                _req("accountId", "int32"),
                _opt("statuses", "array"),
                _opt("contractId", "string"),
                _opt("createdAfter", "datetime"),
                _opt("createdBefore", "datetime"),
            ),
            _opt("pageSize", "int32"),
            _opt("pageOffset", "int32"),
            _opt("sortBy", "int32"),
            _opt("sortDirection", "int32"),
            _opt("includeTotalCount", "bool"),
        ),
        extended_only=True,
    ),
    EndpointSpec("Position/searchOpen", body=(_req("accountId", "int32"),)),
    EndpointSpec(
        "Position/closeContract", body=(_req("accountId", "int32"), _req("contractId", "string"))
    ),
    EndpointSpec(
        "Position/partialCloseContract",
        body=(
            _req("accountId", "int32"),
            _req("contractId", "string"),
            # spec §11 item 2: a missing ``size`` binds to 0 (-> errorCode 5), like a C# int.
            Field("size", "int32", required=False, nullable=False, default=0, has_default=True),
        ),
    ),
    EndpointSpec(
        "Trade/search",
        body=(
            _req("accountId", "int32"),
            _opt("startTimestamp", "datetime"),
            _opt("endTimestamp", "datetime"),
        ),
    ),
    EndpointSpec("Status/ping", method="GET", auth=False, body=None),
)


class BodyError(Exception):
    """Request body could not be bound; ``errors`` maps JSON paths to messages (RFC 7807)."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()))
        self.errors = errors


def _convert(value: Any, f: Field, path: str, errors: dict[str, list[str]]) -> Any:
    """Convert one JSON value to the field's kind, recording an error on mismatch."""
    if value is None:
        if f.nullable:
            return None
        errors.setdefault(path, []).append(
            f"The JSON value could not be converted to {_DOTNET_TYPES[f.kind]}. Path: {path}."
        )
        return None
    kind = f.kind
    ok = True
    out: Any = value
    if kind in ("int32", "int64"):
        lo, hi = _INT32 if kind == "int32" else _INT64
        if isinstance(value, str):
            try:
                out = int(value.strip())
            except ValueError:
                ok = False
        elif isinstance(value, bool) or not isinstance(value, int):
            ok = False
        if ok and not lo <= out <= hi:
            ok = False
    elif kind == "number":
        if isinstance(value, str):
            try:
                out = float(value.strip())
            except ValueError:
                ok = False
        elif isinstance(value, bool) or not isinstance(value, int | float):
            ok = False
    elif kind == "string":
        ok = isinstance(value, str)
    elif kind == "bool":
        ok = isinstance(value, bool)
    elif kind == "datetime":
        ok = isinstance(value, str) and _parse_datetime(value) is not None
    elif kind == "array":
        ok = isinstance(value, list)
    elif kind == "object":
        if isinstance(value, dict):
            out = _bind_fields(value, f.children, path, errors)
        else:
            ok = False
    if not ok:
        errors.setdefault(path, []).append(
            f"The JSON value could not be converted to {_DOTNET_TYPES[kind]}. Path: {path}."
        )
    return out


def _parse_datetime(text: str) -> datetime | None:
    s = text.strip()
    if s.endswith(("Z", "z")):
        s = s[:-1] + "+00:00"
    # .NET accepts 7 fractional digits; Python's fromisoformat accepts at most 6 before 3.11
    # in some forms, so trim extra digits before parsing.
    if "." in s:
        head, _, rest = s.partition(".")
        digits = ""
        i = 0
        while i < len(rest) and rest[i].isdigit():
            digits += rest[i]
            i += 1
        s = head + "." + digits[:6].ljust(6, "0") + rest[i:] if digits else s
    try:
        return datetime.fromisoformat(s)
    except ValueError:
        return None


def _bind_fields(
    raw: Mapping[str, Any], fields: tuple[Field, ...], prefix: str, errors: dict[str, list[str]]
) -> dict[str, Any]:
    by_lower = {f.name.lower(): f for f in fields}
    out: dict[str, Any] = {}
    seen: set[str] = set()
    for key, value in raw.items():
        f = by_lower.get(key.lower()) if isinstance(key, str) else None
        if f is None:
            continue  # unknown properties are ignored (spec §4.5.2, §11 item 7)
        seen.add(f.name)
        out[f.name] = _convert(value, f, f"{prefix}.{f.name}", errors)
    for f in fields:
        if f.name in seen:
            continue
        if f.required:
            label = f.name[:1].upper() + f.name[1:]
            errors.setdefault(label, []).append(f"The {label} field is required.")
        elif f.has_default:
            out[f.name] = f.default
        else:
            out[f.name] = None
    return out


def bind_body(raw: bytes, fields: tuple[Field, ...]) -> dict[str, Any]:
    """Parse and bind a request body to ``fields``; raise :class:`BodyError` on any problem.

    Returns a dict with every declared property under its canonical camelCase name (absent
    optional properties are ``None``); numeric strings are converted to numbers.
    """
    if not raw.strip():
        raise BodyError({"": ["A non-empty request body is required."]})
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise BodyError({"$": [f"The JSON value could not be parsed: {exc.msg}."]}) from exc
    if not isinstance(value, dict):
        raise BodyError({"$": ["The JSON value could not be converted to the request model."]})
    errors: dict[str, list[str]] = {}
    out = _bind_fields(value, fields, "$", errors)
    if errors:
        raise BodyError(errors)
    return out


@dataclass(slots=True)
class FailRule:
    """Answer the next ``remaining`` matching requests with ``status`` (or an error envelope).

    ``path`` (canonical endpoint path such as ``Order/place``, any case) restricts the rule to
    one endpoint. With ``status == 200`` the answer is a business failure envelope carrying
    ``error_code``/``message``.
    """

    remaining: int
    status: int = 500
    path: str | None = None
    error_code: int | None = None
    message: str | None = None
    retry_after_s: int = 1

    def matches(self, endpoint_lower: str) -> bool:
        return self.path is None or self.path.strip("/").lower() == endpoint_lower


@dataclass(slots=True)
class AnswerRule:
    """Answer the next ``remaining`` requests of ``path`` with ``body`` (JSON-encoded, or a
    ``str`` sent exactly as given) and HTTP ``status``. With ``process`` the request is first
    served as usual (the engine acts on it) and only its answer is replaced."""

    remaining: int
    path: str
    body: Any
    status: int = 200
    process: bool = False

    def matches(self, endpoint_lower: str) -> bool:
        return self.path.strip("/").lower() == endpoint_lower


@dataclass(slots=True)
class RestFaultState:
    """Mutable REST fault knobs (driven by :mod:`projectx.sim.faults`)."""

    rules: list[FailRule] = field(default_factory=list)
    delay_s: float = 0.0
    answers: list[AnswerRule] = field(default_factory=list)

    def take_answer(self, endpoint_lower: str) -> AnswerRule | None:
        """Consume and return the first raw-answer rule for this endpoint."""
        for rule in self.answers:
            if rule.matches(endpoint_lower):
                rule.remaining -= 1
                if rule.remaining <= 0:
                    self.answers.remove(rule)
                return rule
        return None

    def take(self, endpoint_lower: str) -> FailRule | None:
        """Consume and return the first rule that matches this request."""
        for rule in self.rules:
            if rule.matches(endpoint_lower):
                rule.remaining -= 1
                if rule.remaining <= 0:
                    self.rules.remove(rule)
                return rule
        return None


@dataclass(frozen=True, slots=True)
class AppCredentials:
    """The one accepted ``Auth/loginApp`` credential set; maps to ``user_name``."""

    user_name: str
    password: str
    app_id: str
    verify_key: str

    def __repr__(self) -> str:
        return f"AppCredentials(user_name={self.user_name!r}, password=***, verify_key=***)"


def _json(body: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> web.Response:
    return web.Response(
        body=orjson.dumps(body),
        status=status,
        content_type="application/json",
        charset="utf-8",
        headers=headers,
    )


def _problem(errors: dict[str, list[str]]) -> web.Response:
    body = {
        "type": "https://tools.ietf.org/html/rfc9110#section-15.5.1",
        "title": "One or more validation errors occurred.",
        "status": 400,
        "errors": errors,
        "traceId": f"00-{secrets.token_hex(16)}-{secrets.token_hex(8)}-00",
    }
    return web.Response(
        body=orjson.dumps(body), status=400, content_type="application/problem+json"
    )


def _unauthorized(problem: TokenProblem) -> web.Response:
    if problem is TokenProblem.MISSING:
        challenge = "Bearer"
    elif problem is TokenProblem.EXPIRED:
        challenge = 'Bearer error="invalid_token", error_description="The token expired"'
    else:
        challenge = 'Bearer error="invalid_token"'
    return web.Response(status=401, headers={"WWW-Authenticate": challenge})


def bearer_token(request: web.Request) -> str | None:
    """Token from ``Authorization: Bearer <t>`` (or, leniently, a raw token in that header)."""
    header = request.headers.get("Authorization")
    if not header:
        return None
    header = header.strip()
    scheme, _, rest = header.partition(" ")
    if scheme.lower() == "bearer":
        return rest.strip() or None
    return header if " " not in header else None


def _envelope(success: bool, code: int, message: str | None, **payload: Any) -> dict[str, Any]:
    out: dict[str, Any] = dict(payload)
    out.update(success=success, errorCode=code, errorMessage=message)
    return out


class RestApi:
    """Answers ``/api/...`` requests (see the module docstring for the pipeline)."""

    def __init__(
        self,
        *,
        auth: TokenAuthority,
        limiter: RateLimiter,
        exchange: ExchangeLike,
        faults: RestFaultState,
        profile: str = "legacy",
        app_credentials: AppCredentials | None = None,
        on_logout: Callable[[TokenInfo], None] | None = None,
    ) -> None:
        self._auth = auth
        self._limiter = limiter
        self._exchange = exchange
        self._faults = faults
        self._app = app_credentials
        self._on_logout = on_logout
        self._routes: dict[str, EndpointSpec] = {
            ep.path.lower(): ep for ep in ENDPOINTS if not ep.extended_only or profile == "extended"
        }

    async def handle(self, request: web.Request, tail: str) -> web.StreamResponse:
        """Serve one request whose path is ``/api/<tail>`` (a raw-answer fault may replace
        the answer, after serving the request or instead of it)."""
        answer = self._faults.take_answer(tail.strip("/").lower()) if self._faults.answers else None
        if answer is None:
            return await self._serve(request, tail)
        if answer.process:
            await self._serve(request, tail)
        raw = answer.body if isinstance(answer.body, str) else orjson.dumps(answer.body).decode()
        return web.Response(
            text=raw, status=answer.status, content_type="application/json", charset="utf-8"
        )

    async def _serve(self, request: web.Request, tail: str) -> web.StreamResponse:
        endpoint_lower = tail.strip("/").lower()
        faults = self._faults
        if faults.delay_s > 0:
            await asyncio.sleep(faults.delay_s)
        if faults.rules:
            rule = faults.take(endpoint_lower)
            if rule is not None:
                return self._fault_response(rule)
        spec = self._routes.get(endpoint_lower)
        if spec is None:
            return web.Response(status=404)
        if request.method != spec.method and not (
            spec.method == "GET" and request.method == "HEAD"
        ):
            return web.Response(status=405, headers={"Allow": spec.method})
        info: TokenInfo | None = None
        token: str | None = None
        if spec.auth:
            token = bearer_token(request)
            try:
                info = self._auth.verify(token)
            except TokenError as exc:
                return _unauthorized(exc.problem)
        key = f"token:{info.serial}" if info is not None else f"addr:{request.remote}"
        retry_after = self._limiter.check(key, endpoint_lower)
        if retry_after is not None:
            return _json(
                {"success": False, "errorCode": 429, "errorMessage": "Too Many Requests"},
                status=429,
                headers={"Retry-After": str(retry_after)},
            )
        if spec.path == "Status/ping":
            return web.Response(text="pong", content_type="text/plain")
        body: dict[str, Any] = {}
        if spec.body is not None:
            try:
                body = bind_body(await request.read(), spec.body)
            except BodyError as exc:
                return _problem(exc.errors)
        try:
            if spec.path == "Auth/loginKey":
                return _json(self._login_key(body))
            if spec.path == "Auth/loginApp":
                return _json(self._login_app(body))
            assert info is not None and token is not None
            if spec.path == "Auth/validate":
                return _json(_envelope(True, 0, None, newToken=self._auth.mint(info.user_name)))
            if spec.path == "Auth/logout":
                self._auth.revoke(token)
                if self._on_logout is not None:
                    self._on_logout(info)
                return _json(_envelope(True, 0, None))
            return _json(self._exchange.handle(spec.path, info.user_name, body))
        except Exception:
            log.exception("simulator endpoint %s failed", spec.path)
            return web.Response(status=500)

    def _login_key(self, body: dict[str, Any]) -> dict[str, Any]:
        user = body["userName"]
        code = int(self._exchange.check_api_key(user, body["apiKey"]))
        if code != 0:
            return _envelope(False, code, None, token=None)
        return _envelope(True, 0, None, token=self._auth.mint(user))

    def _login_app(self, body: dict[str, Any]) -> dict[str, Any]:
        app = self._app
        if app is None or not hmac.compare_digest(body["appId"], app.app_id):
            return _envelope(False, 4, None, token=None)
        if not hmac.compare_digest(body["verifyKey"], app.verify_key):
            return _envelope(False, 5, None, token=None)
        if body["userName"].lower() != app.user_name.lower():
            return _envelope(False, 1, None, token=None)
        if not hmac.compare_digest(body["password"], app.password):
            return _envelope(False, 2, None, token=None)
        return _envelope(True, 0, None, token=self._auth.mint(app.user_name))

    @staticmethod
    def _fault_response(rule: FailRule) -> web.Response:
        if rule.status == 429:
            return _json(
                {"success": False, "errorCode": 429, "errorMessage": "Too Many Requests"},
                status=429,
                headers={"Retry-After": str(rule.retry_after_s)},
            )
        if rule.status == 200:
            return _json(_envelope(False, rule.error_code or 0, rule.message))
        return web.Response(status=rule.status)
