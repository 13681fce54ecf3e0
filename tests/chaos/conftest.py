"""The fault tests (`make chaos`): one platform of two replicas on a database and a broker the
harness controls, under steady load for the whole session; the tests take turns at breaking it."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from tests.chaos.harness import CHAOS_DATA, Chaos
from tests.chaos.load import Load


@dataclass
class Run:
    chaos: Chaos
    load: Load


@pytest.fixture(scope="session")
async def run() -> AsyncIterator[Run]:
    if CHAOS_DATA.exists():
        shutil.rmtree(CHAOS_DATA)
    chaos = Chaos.create()
    try:
        await chaos.start()
        load = Load(chaos.gateways, chaos.demo_password("resident"))
        await load.start()
        yield Run(chaos, load)
        await load.stop(timeout=30)
        print(load.summary())
    finally:
        await chaos.stop()
