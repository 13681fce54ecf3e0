"""The CloudEvents envelope and the event contracts, without a broker."""

from __future__ import annotations

import enum
import json
import re
import types
import typing
from datetime import UTC, date, datetime
from typing import Any

import pytest
from pydantic import BaseModel

from zg_common.contracts import ALL_CONTRACTS, TOPICS, contract_for
from zg_common.contracts.intake import CaseReported
from zg_common.contracts.routing import CaseTransitioned
from zg_common.events import CloudEvent, EventContract, UndecodableEvent, decode_event
from zg_common.logging import causation_id_var, correlation_id_var

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


def sample(model: type[BaseModel]) -> dict[str, Any]:
    """A valid payload of the model, every field given, from its field types."""
    return {name: _value(field.annotation) for name, field in model.model_fields.items()}


def _value(annotation: Any) -> Any:
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin in (typing.Union, types.UnionType):
        return _value(next(a for a in args if a is not type(None)))
    if origin is typing.Literal:
        return args[0]
    if origin is list:
        return [_value(args[0])]
    if origin is dict:
        return {}
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return sample(annotation)
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return next(iter(annotation)).value
    simple = {str: "x", int: 1, float: 0.5, bool: True, date: "2026-11-30"}
    simple[datetime] = "2026-11-30T10:00:00+08:00"
    return simple[annotation]


@pytest.mark.parametrize("contract", ALL_CONTRACTS, ids=lambda c: c.event_type)
def test_incoming_events_ignore_fields_added_later(contract: type[EventContract]) -> None:
    """A producer one version ahead adds fields, at the top and inside nested objects: every
    consumer's parse still takes the event, while the producer's own models stay strict."""
    payload = sample(contract)
    ahead = {**payload, "added_later": {"any": "shape"}}
    for name, field in contract.model_fields.items():
        args = typing.get_args(field.annotation)
        of_models = (
            typing.get_origin(field.annotation) is list
            and isinstance(args[0], type)
            and issubclass(args[0], BaseModel)
        )
        if of_models:  # a list of objects: each one a version ahead too
            ahead[name] = [{**i, "nested_added_later": 1} for i in payload[name]]
    event = CloudEvent(source="/test", type=contract.event_type, subject="s", data=ahead)
    assert contract.parse(event) == contract.model_validate(payload)
    with pytest.raises(ValueError, match="extra"):
        contract.model_validate(ahead)
    # decoded with its contract (a bulk reader, by the record's type header): the same payload
    typed = decode_event(event.to_bytes(), contract)
    assert isinstance(typed.data, contract) and contract.parse(typed) == contract.parse(event)
    assert (typed.id, typed.type, typed.time) == (event.id, event.type, event.time)


def test_a_record_that_does_not_match_the_contract_named_is_decoded_as_any_other() -> None:
    event = CloudEvent.of(reported(), source="/zongguan/intake", subject="c1")
    other = decode_event(event.to_bytes(), CaseTransitioned)  # the header named another type
    assert type(other) is CloudEvent and other == event
    assert CaseReported.parse(other) == reported()
    broken = json.loads(event.to_bytes())
    del broken["data"]["lat"]
    plain = decode_event(json.dumps(broken).encode(), CaseReported)  # an invalid payload
    assert type(plain) is CloudEvent and "lat" not in plain.data
    with pytest.raises(ValueError, match="lat"):
        CaseReported.parse(plain)  # fails where it always did: in the handler
    with pytest.raises(UndecodableEvent):
        decode_event(b'{"id": "x"}', CaseReported)


def test_events_published_while_handling_one_name_it_as_their_cause() -> None:
    assert CloudEvent.of(reported(), source="/s", subject="c1").causationid is None
    token = causation_id_var.set("evt-1")
    try:
        event = CloudEvent.of(reported(), source="/s", subject="c1")
    finally:
        causation_id_var.reset(token)
    assert decode_event(event.to_bytes()).causationid == "evt-1"


def test_committed_asyncapi_matches_the_contracts() -> None:
    from tests.conftest import REPO
    from zg_common.contracts.asyncapi import render

    committed = (REPO / "docs" / "asyncapi.json").read_text(encoding="utf-8")
    assert committed == render(), (
        "regenerate: .venv/bin/python -m zg_common.contracts.asyncapi > docs/asyncapi.json"
    )


def test_a_renamed_type_is_still_published_under_its_old_name() -> None:
    """`also_published_as` names an old type kept in the contracts, same topic, same payload."""
    renamed = [c for c in ALL_CONTRACTS if c.also_published_as]
    assert renamed, "patrol.plan.officer_tasks.v1 was renamed"
    for contract in renamed:
        for old_type in contract.also_published_as:
            old = contract_for(old_type)
            assert old is not None and old.topic == contract.topic
            assert old.model_fields.keys() == contract.model_fields.keys()
