"""Whether the whole platform is ready: the gateway and every service behind it. The gateway's
own `/readyz` does not wait for the services (a service down is reported in its checks, and
the gateway goes on serving the rest); starting the platform, the tests and the benches wait for
all of them."""

from __future__ import annotations

import httpx


def platform_ready(gateway: str) -> bool:
    try:
        response = httpx.get(gateway + "/readyz", timeout=5)
    except httpx.TransportError:
        return False
    return response.status_code == 200 and all(response.json()["checks"]["services"].values())
