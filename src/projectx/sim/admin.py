"""Who may drive the simulator's admin surface (``/_sim/...``), and the bind rule.

A request reaches the fault admin only when all of these hold:

1. the socket peer is a loopback address (else 404, as if the route did not exist);
2. the ``Host`` header names a loopback host (``127.0.0.1``, ``[::1]``, ``localhost``, any port):
   a DNS-rebinding page reaches the socket through a name of its own, which fails here (403);
3. no browser cross-origin request: an ``Origin`` header, when present, is a loopback
   ``http(s)`` origin, and ``Sec-Fetch-Site``, when present, is ``same-origin`` or ``none`` (403);
4. the per-run admin token is sent in ``X-Sim-Admin-Token`` (compared in constant time; 401);
5. a ``POST`` carries ``Content-Type: application/json`` (a browser cannot send that cross-origin
   without a CORS preflight, which this server never grants; 415).

The token is random per :class:`~projectx.sim.simulator.Simulator` (``sim.admin_token``) and is
printed once by ``projectx sim``. Binding to a non-loopback address is refused unless asked for
explicitly (``allow_remote=True``, ``projectx sim --allow-remote``), and then warned about.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import secrets
import warnings
from urllib.parse import urlsplit

from aiohttp import web

__all__ = [
    "ADMIN_TOKEN_HEADER",
    "RemoteBindWarning",
    "admin_refusal",
    "check_bind",
    "is_loopback_host",
    "is_loopback_peer",
    "new_admin_token",
]

log = logging.getLogger(__name__)

ADMIN_TOKEN_HEADER = "X-Sim-Admin-Token"


class RemoteBindWarning(UserWarning):
    """The simulator listens on a non-loopback address (explicitly allowed)."""


def new_admin_token() -> str:
    """A fresh random admin token (URL-safe, 256 bits)."""
    return secrets.token_urlsafe(32)


def is_loopback_peer(remote: str | None) -> bool:
    """Whether a socket peer address is loopback (IPv4, IPv6, IPv4-mapped IPv6; never a name)."""
    if not remote:
        return False
    try:
        address = ipaddress.ip_address(remote.split("%")[0])
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)  # ::ffff:127.0.0.1 on dual-stack binds
    return bool(address.is_loopback or (mapped is not None and mapped.is_loopback))


def is_loopback_host(host: str | None) -> bool:
    """Whether a host name or literal (no port) is loopback: ``localhost`` or a loopback IP."""
    if not host:
        return False
    name = host.strip().rstrip(".").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name.strip("[]")).is_loopback
    except ValueError:
        return False


def _host_of_authority(authority: str) -> str | None:
    """The host of a ``Host`` header value (``name[:port]``, ``[v6][:port]``); None if malformed."""
    try:
        parts = urlsplit(f"//{authority}")
        _ = parts.port  # raises on a malformed port
    except ValueError:
        return None
    if parts.username is not None or parts.password is not None or parts.path:
        return None
    return parts.hostname


def _loopback_origin(origin: str) -> bool:
    try:
        parts = urlsplit(origin)
        _ = parts.port
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and is_loopback_host(parts.hostname)


def admin_refusal(request: web.Request, token: str) -> web.Response | None:
    """The response refusing ``request`` (module docstring, rules 1-5), or None to serve it."""
    if not is_loopback_peer(request.remote):
        return web.Response(status=404)
    host = request.headers.get("Host", "")
    if not is_loopback_host(_host_of_authority(host)):
        return _refuse(403, "the Host header must name a loopback host")
    origin = request.headers.get("Origin")
    if origin is not None and not _loopback_origin(origin):
        return _refuse(403, "cross-origin requests are refused")
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site is not None and fetch_site.lower() not in ("same-origin", "none"):
        return _refuse(403, "cross-site requests are refused")
    given = request.headers.get(ADMIN_TOKEN_HEADER, "")
    if not hmac.compare_digest(given.encode(), token.encode()):
        return _refuse(401, f"the admin token is missing or wrong (header {ADMIN_TOKEN_HEADER})")
    if request.method == "POST" and request.content_type != "application/json":
        return _refuse(415, "POST bodies must be Content-Type: application/json")
    return None


def _refuse(status: int, why: str) -> web.Response:
    log.warning("admin request refused: %s", why)
    return web.json_response({"ok": False, "error": why}, status=status)


def check_bind(host: str, allow_remote: bool) -> None:
    """Refuse a non-loopback bind address unless ``allow_remote``; then warn (log + warning).

    An empty host or ``0.0.0.0``/``::`` (all interfaces) counts as non-loopback.
    """
    if is_loopback_host(host):
        return
    if not allow_remote:
        raise ValueError(
            f"refusing to listen on non-loopback address {host!r}: the simulator's accounts "
            "and admin surface would be reachable from the network; pass allow_remote=True "
            "(projectx sim --allow-remote) to do it anyway"
        )
    message = (
        f"the simulator listens on {host!r} (allow_remote=True): its REST API and hubs are "
        "reachable from the network; the admin surface still answers loopback clients only"
    )
    log.warning("%s", message)
    warnings.warn(message, RemoteBindWarning, stacklevel=3)
