"""AsyncAPI 3.0 description of every topic and event, generated from the contract models.

`python -m zg_common.contracts.asyncapi > docs/asyncapi.json` rewrites the committed copy; a
test keeps the two equal.
"""

from __future__ import annotations

import json
from typing import Any

from zg_common.contracts import ALL_CONTRACTS
from zg_common.contracts.feed import FEED_TOPICS, LIVE_FEED, STREAM_PATH
from zg_common.events import CloudEvent, EventContract

KAFKA_KEY = "the aggregate id (CloudEvents `subject`), so that one aggregate's events stay in order"


def _message_name(contract: type[EventContract]) -> str:
    return contract.event_type.replace(".", "_")


def asyncapi_document() -> dict[str, Any]:
    envelope = CloudEvent.model_json_schema()
    envelope.get("properties", {}).pop("data", None)
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    schemas: dict[str, Any] = {"CloudEvent": envelope}
    for contract in sorted(ALL_CONTRACTS, key=lambda c: c.event_type):
        name = _message_name(contract)
        data_schema = contract.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(data_schema.pop("$defs", {}))
        schemas[name] = data_schema
        messages[name] = {
            "name": contract.event_type,
            "title": contract.__name__,
            "summary": (contract.__doc__ or "").strip(),
            "contentType": "application/cloudevents+json",
            "headers": {
                "type": "object",
                "properties": {
                    "ce_type": {"const": contract.event_type},
                    "correlation_id": {"type": "string"},
                    "request_id": {"type": "string"},
                },
            },
            "payload": {
                "allOf": [
                    {"$ref": "#/components/schemas/CloudEvent"},
                    {
                        "type": "object",
                        "properties": {
                            "type": {"const": contract.event_type},
                            "data": {"$ref": f"#/components/schemas/{name}"},
                        },
                    },
                ]
            },
            "bindings": {"kafka": {"key": {"type": "string", "description": KAFKA_KEY}}},
        }
        channel = channels.setdefault(
            contract.topic.replace(".", "_"),
            {
                "address": contract.topic,
                "messages": {},
                "description": f"Kafka topic {contract.topic}; "
                f"records that cannot be processed go to {contract.topic}.dlq",
            },
        )
        channel["messages"][name] = {"$ref": f"#/components/messages/{name}"}
    for entry in LIVE_FEED:  # which topics feed the operators' live map, and who sees what
        channel = channels[entry.contract.topic.replace(".", "_")]
        if "x-zg-live-feed" not in channel:
            channel["description"] += (
                f"; relayed to the operators' live map (GET {STREAM_PATH}, Server-Sent Events)"
            )
        channel.setdefault("x-zg-live-feed", {})[entry.contract.event_type] = {
            "operation": entry.operation,
            "row_rule": "the viewer's Scope by "
            + " or ".join(f for f in (entry.grid, *entry.departments) if f)
            if entry.scoped
            else "none: every viewer the operation allows",
        }
    for key, channel in channels.items():
        operations[f"publish_{key}"] = {
            "action": "send",
            "channel": {"$ref": f"#/channels/{key}"},
            "messages": [{"$ref": f"#/channels/{key}/messages/{m}"} for m in channel["messages"]],
        }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Zongguan events",
            "version": "1.0.0",
            "description": "CloudEvents 1.0 (structured mode, JSON) on Kafka. Types read "
            "`<service>.<aggregate>.<past_tense>.v<N>`; delivery is at least once, so consumers "
            "de-duplicate by the event `id`. The operators' live map is fed by the topics "
            f"{', '.join(FEED_TOPICS)}: the gateway relays the event types each channel's "
            f"`x-zg-live-feed` names over Server-Sent Events ({STREAM_PATH}), each to the "
            "viewers whose REST reads would show it.",
        },
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages, "schemas": schemas},
    }


def render() -> str:
    return json.dumps(asyncapi_document(), indent=1, ensure_ascii=False, sort_keys=True) + "\n"


if __name__ == "__main__":
    print(render(), end="")
