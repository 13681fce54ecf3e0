"""The CloudEvents envelope and the event contracts, without a broker."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import pytest

from zg_common.contracts import ALL_CONTRACTS, TOPICS, contract_for
from zg_common.contracts.intake import CaseReported
from zg_common.events import CloudEvent, UndecodableEvent, decode_event
from zg_common.logging import correlation_id_var

TYPE = re.compile(r"^[a-z_]+\.[a-z_]+\.[a-z_]+\.v\d+$")


def reported() -> CaseReported:
    return CaseReported(
        case_id="c1",
        number="FX1",
        category="E0403",
        category_kind="event",
        lat=31.8,
        lon=117.3,
        description="d",
        source="api",
        reported_at=datetime(2026, 1, 1, tzinfo=UTC),
    )


def test_envelope_round_trip_and_headers() -> None:
    token = correlation_id_var.set("corr-7")
    try:
        event = CloudEvent.of(reported(), source="/zongguan/intake", subject="c1")
    finally:
        correlation_id_var.reset(token)
    decoded = decode_event(event.to_bytes())
    assert decoded == event
    raw = json.loads(event.to_bytes())
    assert raw["specversion"] == "1.0" and raw["type"] == "intake.case.reported.v1"
    assert raw["correlationid"] == "corr-7" and raw["subject"] == "c1"
    assert CaseReported.parse(decoded) == reported()
    headers = dict(event.kafka_headers())
    assert headers["content-type"].startswith(b"application/cloudevents+json")
    assert headers["correlation_id"] == b"corr-7"


@pytest.mark.parametrize("value", [None, b"", b"\xff\xfe", b"[]", b'{"id": "x"}', b"null"])
def test_garbage_is_undecodable(value: bytes | None) -> None:
    with pytest.raises(UndecodableEvent):
        decode_event(value)


def test_contracts_are_named_by_the_convention() -> None:
    assert ALL_CONTRACTS
    for contract in ALL_CONTRACTS:
        assert TYPE.match(contract.event_type), contract.event_type
        service, aggregate = contract.event_type.split(".")[:2]
        assert contract.topic == f"{service}.{aggregate}"
        assert contract_for(contract.event_type) is contract
    assert len({c.event_type for c in ALL_CONTRACTS}) == len(ALL_CONTRACTS)
    assert "intake.case" in TOPICS and "routing.case" in TOPICS


def test_contracts_refuse_unknown_fields() -> None:
    with pytest.raises(ValueError, match="extra"):
        CaseReported.model_validate({**reported().model_dump(), "surprise": 1})


def test_committed_asyncapi_matches_the_contracts() -> None:
    from tests.conftest import REPO
    from zg_common.contracts.asyncapi import render

    committed = (REPO / "docs" / "asyncapi.json").read_text(encoding="utf-8")
    assert committed == render(), (
        "regenerate: .venv/bin/python -m zg_common.contracts.asyncapi > docs/asyncapi.json"
    )
