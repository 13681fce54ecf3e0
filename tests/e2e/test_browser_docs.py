"""A real browser on the platform: Debian's Chromium (installed by `make test`), driven by
Playwright's Python package without any browser download. The API's Swagger UI draws its
operations with every request kept on this machine: any other host is refused and recorded, so
a page that needs a CDN fails here. A screenshot goes to .data/test/screenshots/ (CI keeps it)."""

from __future__ import annotations

import shutil
from urllib.parse import urlsplit

from playwright.async_api import Route, async_playwright

from tests.conftest import TEST_DATA
from tests.e2e.conftest import Platform

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# as the machine's notes give them: headless, no GPU, none of Chromium's own background traffic
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = TEST_DATA / "screenshots"


async def test_swagger_ui_draws_the_api_with_nothing_from_the_internet(
    platform: Platform,
) -> None:
    elsewhere: list[str] = []

    async def only_here(route: Route) -> None:
        host = urlsplit(route.request.url).hostname
        if host in ("127.0.0.1", "localhost"):
            await route.continue_()
        else:
            elsewhere.append(route.request.url)
            await route.abort()

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = await browser.new_page(viewport={"width": 1280, "height": 900})
            await page.route("**/*", only_here)
            await page.goto(f"{platform.gateway}/docs")
            operations = page.locator(".swagger-ui .opblock")
            await operations.first.wait_for(timeout=30_000)
            assert await operations.count() > 50
            assert "/api/v1/cases" in await page.content()
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            await page.screenshot(path=str(SCREENSHOTS / "docs.png"))
        finally:
            await browser.close()
    assert elsewhere == [], f"the page asked for other hosts: {elsewhere}"
