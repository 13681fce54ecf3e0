"""/docs: Swagger UI with its files served by the process itself (no CDN: an intranet has none),
from the web assets `make install` puts in web/node_modules (`ZG_WEB_DIR`)."""

from __future__ import annotations

import logging
from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles

from zg_common.errors import ServiceUnavailable, problem_response

log = logging.getLogger(__name__)

SWAGGER_UI = "/assets/swagger-ui"  # Swagger UI's files (web/node_modules/swagger-ui-dist)


class DocsUnavailable(ServiceUnavailable):
    code, title = "docs_unavailable", "Swagger UI's assets are not installed here"


def swagger_ui(app: FastAPI, files: Path, title: str) -> None:
    """/docs: Swagger UI on the app's /openapi.json (the gateway's: the merged one), its script,
    style and icon served from here, not from a CDN (an intranet has none)."""
    installed = (files / "swagger-ui-bundle.js").is_file()
    if installed:
        app.mount(SWAGGER_UI, StaticFiles(directory=files), name="swagger-ui")
    else:
        log.warning("Swagger UI assets missing (make install)", extra={"dir": str(files)})

    @app.get("/docs", include_in_schema=False, response_model=None)
    async def docs() -> HTMLResponse | JSONResponse:
        """Anyone: the API's Swagger UI."""
        if not installed:
            return problem_response(DocsUnavailable(), instance="/docs")
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title=title,
            swagger_js_url=f"{SWAGGER_UI}/swagger-ui-bundle.js",
            swagger_css_url=f"{SWAGGER_UI}/swagger-ui.css",
            swagger_favicon_url=f"{SWAGGER_UI}/favicon-32x32.png",
            # the tags folded, with a filter box: Swagger UI 5 draws only the first two tags
            # of the merged document (16 tags, over 120 operations) when every tag is open
            swagger_ui_parameters={"docExpansion": "none", "filter": True},
        )
