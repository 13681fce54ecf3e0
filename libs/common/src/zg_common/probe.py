"""`python -m zg_common.probe [URL]`: exit 0 when URL answers 2xx within a few seconds, 1
otherwise — the containers' health check (the slim image has no curl, and this imports nothing
but the standard library). The URL is the argument, else `ZG_PROBE_URL`, else the gateway's
`/healthz`; compose points each service at its own `/readyz`."""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request

DEFAULT = "http://127.0.0.1:8000/healthz"
TIMEOUT_S = 3.0


def healthy(url: str, timeout: float = TIMEOUT_S) -> bool:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never via a proxy
    try:
        with opener.open(url, timeout=timeout) as response:
            return 200 <= int(response.status) < 300
    except (urllib.error.URLError, OSError, ValueError):
        return False


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    url = args[0] if args else os.environ.get("ZG_PROBE_URL", DEFAULT)
    return 0 if healthy(url) else 1


if __name__ == "__main__":
    raise SystemExit(main())
