"""A real browser on the platform: Debian's Chromium (installed by `make test`), driven by
Playwright's Python package without any browser download. The API's Swagger UI draws its
operations with every request kept on this machine: any other host is refused and recorded, so
a page that needs a CDN fails here. A screenshot goes to .data/test/screenshots/ (CI keeps it)."""

from __future__ import annotations

import json
import re

import httpx

from tests.e2e.browser import SCREENSHOTS, Elsewhere, chromium
from tests.e2e.conftest import Platform


async def test_every_reference_of_the_merged_api_document_resolves(platform: Platform) -> None:
    async with httpx.AsyncClient(base_url=platform.gateway, timeout=30) as client:
        document = (await client.get("/openapi.json")).json()
    schemas = document["components"]["schemas"]
    refs = set(re.findall(r'"#/components/schemas/([^"]+)"', json.dumps(document)))
    assert refs - set(schemas) == set()
    assert "/api/v1/ops/stream" in document["paths"] and "/api/v1/auth/login" in document["paths"]


async def test_swagger_ui_draws_the_api_with_nothing_from_the_internet(
    platform: Platform,
) -> None:
    elsewhere = Elsewhere()
    async with chromium() as browser:
        page = await browser.new_page(viewport={"width": 1280, "height": 900})
        await page.route("**/*", elsewhere.only_here)
        await page.goto(f"{platform.gateway}/docs")
        tags = page.locator(".swagger-ui .opblock-tag")
        await tags.first.wait_for(timeout=30_000)
        # every service's tags, folded (with over 120 operations open at once Swagger UI 5
        # draws the first two tags only); opening one shows its operations
        names = set(await tags.all_inner_texts())
        assert len(names) >= 15, names
        for service in ("intake", "access", "lighting", "scoring"):
            assert any(f"({service})" in n for n in names), (service, names)
        await page.locator(".swagger-ui .opblock-tag", has_text="cases").first.click()
        operations = page.locator(".swagger-ui .opblock")
        await operations.first.wait_for(timeout=10_000)
        assert await operations.count() >= 5
        assert "/api/v1/cases" in await page.content()
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(SCREENSHOTS / "docs.png"))
    assert elsewhere.urls == [], f"the page asked for other hosts: {elsewhere.urls}"
