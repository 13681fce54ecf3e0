"""Every route's endpoint and dependencies are coroutines: FastAPI runs a plain `def` one in a
worker thread on every request (a hand-off to the thread pool and back, about a tenth of a
millisecond of CPU and a thread switch per dependency), which showed in the profiles of intake's
report path (issue #16)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.dependencies.models import Dependant, _is_async_gen_callable, _is_coroutine_callable

from tests.policy_routes import SERVICES
from zg_common.authz import api_routes
from zg_gateway.main import create_app as gateway_app

APPS = {**SERVICES, "gateway": gateway_app}


def _sync_calls(dependant: Dependant) -> Iterator[str]:
    for sub in dependant.dependencies:
        yield from _sync_calls(sub)
    call = dependant.call
    if call is not None and not (_is_coroutine_callable(call) or _is_async_gen_callable(call)):
        yield f"{getattr(call, '__module__', '?')}.{getattr(call, '__qualname__', repr(call))}"


@pytest.mark.parametrize("name", sorted(APPS))
def test_no_route_runs_in_a_worker_thread(name: str) -> None:
    app = APPS[name]()
    routes = list(api_routes(app.routes))
    assert routes, "the app's routes were not found"
    sync = {(path, call) for path, route in routes for call in _sync_calls(route.dependant)}
    assert not sync, f"plain def endpoints or dependencies (make them async def): {sorted(sync)}"
