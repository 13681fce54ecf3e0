"""/ops: the operators' live map (一张图), a page served by the gateway with every file it needs.

The page's own files come from `ops_dir` (web/ops); its libraries — MapLibre GL JS and the
Noto Sans SC web font — from the npm packages `make install` puts in `web_dir`
(web/node_modules). Nothing comes from a CDN or a tile server: the page draws the district from
the platform's own vector data, so it works on an intranet without internet. The page talks
only to the gateway (its content security policy says so to the browser too).
"""

from __future__ import annotations

import logging
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles

from zg_common.errors import problem_response
from zg_gateway.exceptions import OpsUnavailable

log = logging.getLogger(__name__)

OPS_PATH = "/ops"
# mount point -> folder under web_dir (None: the page's own folder)
LIBRARIES = {
    "/ops/assets/maplibre-gl": "maplibre-gl/dist",
    "/ops/assets/noto-sans-sc": "@fontsource/noto-sans-sc",
}
# the page loads scripts, styles, fonts and workers from the gateway only, and talks to it only
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "worker-src 'self' blob:",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self'",
        "connect-src 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "form-action 'none'",
    ]
)


def mount_ops_page(app: FastAPI, *, ops_dir: Path, web_dir: Path) -> None:
    """Anyone may load the page (it holds no data); what it shows comes from the API, by the
    user's account."""
    folders = {f"{OPS_PATH}/app": ops_dir} | {
        mount: web_dir / sub for mount, sub in LIBRARIES.items()
    }
    missing = [str(f) for f in folders.values() if not f.is_dir()]
    if missing:
        log.warning("live map files missing (make install)", extra={"missing": missing})
    else:
        for mount, folder in folders.items():
            app.mount(mount, StaticFiles(directory=folder), name=mount.strip("/"))

    @app.get(OPS_PATH, include_in_schema=False, response_model=None)
    async def ops_page() -> FileResponse | JSONResponse:
        """Anyone: the live map's page (it logs in with the platform's accounts)."""
        if missing:
            return problem_response(OpsUnavailable(), instance=OPS_PATH)
        return FileResponse(
            ops_dir / "index.html",
            media_type="text/html; charset=utf-8",
            headers={
                "content-security-policy": CONTENT_SECURITY_POLICY,
                "cache-control": "no-cache",
            },
        )
