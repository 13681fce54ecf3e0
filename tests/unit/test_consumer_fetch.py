"""How a consumer's client fetches: the dispatch path answers as soon as one event is there;
the consumers that may trail by a moment let the broker gather (`ConsumerSpec.gather_ms`)."""

from __future__ import annotations

from typing import Any, cast

from zg_common.consumer import ConsumerSpec, IdempotentConsumer
from zg_common.consumer_spec import GATHER_BYTES, PROMPT_FETCH, fetch_settings


def client_of(spec: ConsumerSpec) -> Any:
    consumer = IdempotentConsumer(
        spec,
        bootstrap_servers="127.0.0.1:1",  # never started: only the client's settings are read
        sessions=cast(Any, None),
        schema="x",
        producer=cast(Any, None),
    )
    return consumer.consumer


async def test_a_prompt_consumer_fetches_each_event_at_once() -> None:
    client = client_of(ConsumerSpec(name="routing.dispatch", topics=("intake.case",)))
    assert (client._fetch_min_bytes, client._fetch_max_wait_ms) == (1, 500)
    await client.stop()
    assert fetch_settings(ConsumerSpec(name="a", topics=("t",))) == PROMPT_FETCH


async def test_a_gathering_consumer_lets_the_broker_wait_for_more() -> None:
    spec = ConsumerSpec(name="scoring.projection", topics=("routing.case",), gather_ms=250)
    assert fetch_settings(spec) == {"fetch_min_bytes": GATHER_BYTES, "fetch_max_wait_ms": 250}
    client = client_of(spec)
    assert (client._fetch_min_bytes, client._fetch_max_wait_ms) == (GATHER_BYTES, 250)
    await client.stop()
