"""Which service owns which public path: the gateway's only routing knowledge, kept as data."""

from __future__ import annotations

# path prefix (on a segment boundary) -> service name; the longest prefix wins
ROUTES: dict[str, str] = {
    "/api/v1/cases": "intake",
    "/api/v1/categories": "intake",
    "/api/v1/media": "intake",
    "/api/v1/webhooks": "intake",
    "/open311/v2": "intake",
    "/api/v1/departments": "routing",
    "/api/v1/calendars": "routing",
    "/api/v1/routing-rules": "routing",
    "/api/v1/workflow": "routing",
    "/api/v1/zone-types": "patrol",
    "/api/v1/grids": "patrol",
    "/api/v1/patrol-points": "patrol",
    "/api/v1/routes": "patrol",
    "/api/v1/officers": "patrol",
    "/api/v1/patrol": "patrol",
    "/api/v1/scores": "scoring",
    "/api/v1/cameras": "video-index",
    "/api/v1/camera-alarms": "video-index",
    "/api/v1/camera-imports": "video-index",
    "/api/v1/access": "access",
    "/api/v1/lighting": "lighting",
}


def owner_of(path: str) -> str | None:
    best: tuple[int, str] | None = None
    for prefix, service in ROUTES.items():
        if (path == prefix or path.startswith(prefix + "/")) and (
            best is None or len(prefix) > best[0]
        ):
            best = (len(prefix), service)
    return best[1] if best else None
