"""What the browser tests share: Debian's Chromium (installed by `make test`) driven by
Playwright's Python package without any browser download, every request kept on this machine
(any other host is refused and recorded), screenshots under .data/test/screenshots/ (CI keeps
them)."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from playwright.async_api import Browser, Route, async_playwright

from tests.conftest import TEST_DATA

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# headless, none of Chromium's own background traffic
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# no GPU here (nor on many command-centre PCs): WebGL drawn in software by SwiftShader, the
# flags docs/ops.md gives for such a PC
SOFTWARE_GL_ARGS = [
    "--use-angle=swiftshader",
    "--enable-unsafe-swiftshader",
    "--ignore-gpu-blocklist",
]
SCREENSHOTS = TEST_DATA / "screenshots"


@dataclass
class Elsewhere:
    """The requests a page made to any host but this machine (refused)."""

    urls: list[str] = field(default_factory=list)

    async def only_here(self, route: Route) -> None:
        host = urlsplit(route.request.url).hostname
        if host in ("127.0.0.1", "localhost"):
            await route.continue_()
        else:
            self.urls.append(route.request.url)
            await route.abort()


@asynccontextmanager
async def chromium(*, gl: bool = False) -> AsyncIterator[Browser]:
    async with async_playwright() as p:
        args = CHROMIUM_ARGS + (SOFTWARE_GL_ARGS if gl else ["--disable-gpu"])
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=args)
        try:
            yield browser
        finally:
            await browser.close()
