"""The optional front proxy's configuration (`deploy/nginx/`), run with Debian's nginx (`make
nginx`) on loopback in front of a stand-in gateway: it passes the address it saw (never one
the client wrote), lets uploads larger than nginx's 1 MB default through, streams the live
map's events as they come, and behind TLS redirects plain HTTP and serves HTTPS."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import ssl
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from aiohttp import web

from tests.conftest import REPO
from tests.helpers import free_port
from zg_local.tls import make_tls

pytestmark = pytest.mark.integration

NGINX = REPO / "deploy" / "nginx"


async def stand_in_gateway(port: int, release: asyncio.Event) -> web.AppRunner:
    """Answers what the proxy passed on; its stream sends one event, waits, sends another."""

    async def echo(request: web.Request) -> web.Response:
        body = await request.read()
        return web.json_response(
            {
                "forwarded_for": request.headers.get("X-Forwarded-For"),
                "proto": request.headers.get("X-Forwarded-Proto"),
                "bytes": len(body),
            }
        )

    async def stream(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)
        await response.write(b"data: first\n\n")
        await release.wait()  # the second only once the client has the first
        await response.write(b"data: second\n\n")
        return response

    app = web.Application(client_max_size=200 * 1024 * 1024)
    app.router.add_route("*", "/api/v1/ops/stream", stream)
    app.router.add_route("*", "/{tail:.*}", echo)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner


@contextlib.asynccontextmanager
async def nginx(site: str, folder: Path, replace: dict[str, str]) -> AsyncIterator[None]:
    """Debian's nginx with `deploy/nginx/<site>` as its only site, the strings of `replace`
    replaced (the gateway's address, the ports, the certificate's paths)."""
    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    assert Path(binary).exists(), "nginx is not installed: `make nginx` installs it"
    (folder / "zongguan").mkdir(parents=True)
    shutil.copy(NGINX / "locations.inc", folder / "zongguan" / "locations.inc")
    text = (NGINX / site).read_text()
    for old, new in replace.items():
        assert old in text, old
        text = text.replace(old, new)
    (folder / "site.conf").write_text(text)
    temp = " ".join(
        f"{kind}_temp_path {folder / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    (folder / "nginx.conf").write_text(
        ("user root;\n" if os.geteuid() == 0 else "")
        + f"pid {folder / 'nginx.pid'};\nerror_log {folder / 'error.log'};\n"
        + "worker_processes 1;\nevents {}\n"
        + f"http {{ access_log off; {temp} include site.conf; }}\n"
    )
    command = [binary, "-p", str(folder), "-c", str(folder / "nginx.conf")]
    checked = await asyncio.to_thread(
        subprocess.run, [*command, "-t"], capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stderr  # `nginx -t`: the configuration is valid
    proc = subprocess.Popen([*command, "-g", "daemon off;"], stderr=subprocess.STDOUT)
    try:
        await asyncio.sleep(0.5)
        assert proc.poll() is None, (folder / "error.log").read_text()
        yield
    finally:
        proc.terminate()
        proc.wait(10)


async def test_the_front_proxy_passes_the_address_it_saw_uploads_and_the_stream(
    tmp_path: Path,
) -> None:
    upstream, port = free_port(), free_port()
    release = asyncio.Event()
    runner = await stand_in_gateway(upstream, release)
    replace = {
        "server gateway:8000;": f"server 127.0.0.1:{upstream};",
        "listen 80;": f"listen 127.0.0.1:{port};",
    }
    try:
        async with (
            nginx("http.conf", tmp_path, replace),
            httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", trust_env=False) as client,
        ):
            # a client writing its own X-Forwarded-For does not become someone else
            answer = await client.get("/api/v1/cases", headers={"X-Forwarded-For": "203.0.113.7"})
            assert answer.json()["forwarded_for"] == "127.0.0.1"
            assert answer.json()["proto"] == "http"
            # a 2 MB photo passes (nginx's own default stops at 1 MB)
            upload = await client.post("/api/v1/cases/x/media", content=b"\0" * 2_000_000)
            assert upload.status_code == 200 and upload.json()["bytes"] == 2_000_000
            # the stream's first event arrives while the gateway still holds the second
            async with client.stream("GET", "/api/v1/ops/stream") as events:
                lines = events.aiter_lines()
                first = await asyncio.wait_for(anext(lines), 5)
                assert first == "data: first"
                release.set()
                rest = [line async for line in lines]
                assert "data: second" in rest
    finally:
        await runner.cleanup()


async def test_behind_tls_plain_http_is_redirected_and_https_served(tmp_path: Path) -> None:
    upstream, http_port, https_port = free_port(), free_port(), free_port()
    tls = make_tls(tmp_path / "tls", "proxy")
    runner = await stand_in_gateway(upstream, asyncio.Event())
    replace = {
        "server gateway:8000;": f"server 127.0.0.1:{upstream};",
        "listen 443 ssl http2;": f"listen 127.0.0.1:{https_port} ssl http2;",
        "listen 80;": f"listen 127.0.0.1:{http_port};",
        "/etc/nginx/certs/tls.crt": str(tls.server),
        "/etc/nginx/certs/tls.key": str(tls.server),
    }
    try:
        async with nginx("https.conf", tmp_path / "nginx", replace):
            async with httpx.AsyncClient(trust_env=False) as plain:
                moved = await plain.get(f"http://127.0.0.1:{http_port}/api/v1/cases")
                assert moved.status_code == 301
                assert moved.headers["location"].startswith("https://")
            context = ssl.create_default_context(cafile=str(tls.ca))
            async with httpx.AsyncClient(verify=context, trust_env=False) as client:
                answer = await client.get(f"https://127.0.0.1:{https_port}/api/v1/cases")
                assert answer.json()["proto"] == "https"
                assert "max-age" in answer.headers["strict-transport-security"]
    finally:
        await runner.cleanup()
