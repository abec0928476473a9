"""TLS certificates are verified by default, for REST and hubs; turning that off takes an
explicit, loud opt-in. Uses a self-signed certificate on 127.0.0.1 (made with ``openssl``)."""

from __future__ import annotations

import shutil
import ssl
import subprocess
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from projectx._native.frames import FrameParser
from projectx.client import ProjectX
from projectx.config import InsecureConfigWarning, ProjectXConfig
from projectx.exceptions import ConnectionError as ProjectXConnectionError
from projectx.realtime.hub import HubConnection, ReconnectPolicy
from projectx.realtime.protocol import RECORD_SEPARATOR

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl")

TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1IiwiZXhwIjo0MTAyNDQ0ODAwfQ.c2lnLXNpZy1zaWctc2ln"


@dataclass
class TlsServer:
    """A tiny HTTPS/WSS endpoint with a self-signed certificate; counts what reached it."""

    base_url: str
    requests: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


@pytest.fixture
async def server(certificate: tuple[Path, Path]) -> AsyncIterator[TlsServer]:
    cert, key = certificate
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(cert, key)
    seen = TlsServer("")

    async def login(request: web.Request) -> web.Response:
        seen.requests.append(request.path)
        return web.json_response({"success": True, "token": TOKEN, "errorCode": 0})

    async def hub(request: web.Request) -> web.StreamResponse:
        seen.requests.append(request.path)
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.receive()
        await ws.send_str("{}" + RECORD_SEPARATOR.decode())
        await ws.receive()
        return ws

    app = web.Application()
    app.router.add_post("/api/Auth/loginKey", login)
    app.router.add_get("/hubs/user", hub)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=ctx)
    await site.start()
    port = runner.addresses[0][1]
    seen.base_url = f"https://127.0.0.1:{port}"
    yield seen
    await runner.cleanup()


def _config(server: TlsServer, **kw: object) -> ProjectXConfig:
    return ProjectXConfig(
        api_url=server.base_url + "/api",
        user_hub_url=server.base_url + "/hubs/user",
        market_hub_url=server.base_url + "/hubs/market",
        username="u",
        api_key="key-0123456789",
        max_retries=0,
        **kw,  # type: ignore[arg-type]
    )


async def test_rest_refuses_an_unverifiable_certificate_by_default(server: TlsServer) -> None:
    px = ProjectX(_config(server))
    with pytest.raises(ProjectXConnectionError, match=r"Certificate|SSL|nothing was sent"):
        await px.connect()
    await px.close()
    assert server.requests == []  # the credentials never left the client


async def test_hub_refuses_an_unverifiable_certificate_by_default(server: TlsServer) -> None:
    async def token() -> str:
        return TOKEN

    hub = HubConnection(
        server.base_url + "/hubs/user",
        token,
        FrameParser(),
        reconnect=ReconnectPolicy(max_attempts=0),
    )
    with pytest.raises(ProjectXConnectionError, match="unreachable"):
        await hub.start()
    await hub.close()
    assert server.requests == []  # the token in the query string was never sent


async def test_rest_session_shared_with_hubs_verifies_too(server: TlsServer) -> None:
    px = ProjectX(_config(server))

    async def token() -> str:
        return TOKEN

    hub = HubConnection(
        server.base_url + "/hubs/user",
        token,
        FrameParser(),
        session=px.http_session,
    )
    with pytest.raises(ProjectXConnectionError):
        await hub.start()
    await px.close()
    assert server.requests == []


async def test_explicit_opt_out_reaches_the_server_and_says_so(server: TlsServer) -> None:
    with pytest.warns(InsecureConfigWarning, match="verification is OFF"):
        cfg = _config(server, verify_tls=False, allow_insecure=True)
    async with ProjectX(cfg) as px:
        assert px.token == TOKEN
    assert server.requests == ["/api/Auth/loginKey"]


async def test_a_default_aiohttp_session_agrees(server: TlsServer) -> None:
    """Control: the certificate really is unverifiable (not a quirk of the SDK)."""
    async with aiohttp.ClientSession() as http:
        with pytest.raises(aiohttp.ClientConnectorCertificateError):
            await http.post(server.base_url + "/api/Auth/loginKey")
