"""The containers' health check (`python -m zg_common.probe`) against a real local server."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from zg_common import probe


class Answer(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200 if self.path == "/readyz" else 503)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    httpd = HTTPServer(("127.0.0.1", 0), Answer)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_ready_is_0_anything_else_is_1(server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    assert probe.main([f"{server}/readyz"]) == 0
    assert probe.main([f"{server}/elsewhere"]) == 1  # a 503
    monkeypatch.setenv("ZG_PROBE_URL", f"{server}/readyz")
    assert probe.main([]) == 0
    assert probe.main(["http://127.0.0.1:9/readyz"]) == 1  # nobody listens
