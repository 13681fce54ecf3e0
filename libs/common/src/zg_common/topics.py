"""The platform's topics as the plan lays them out: `python -m zg_common.topics plan` prints
them, `python -m zg_common.topics create` creates those that do not exist yet — the release's
step where the services may not create topics themselves (`ZG_KAFKA_CREATE_TOPICS=false`, ACLs
that give them only read and write). Reads the same `KAFKA_BOOTSTRAP_SERVERS` and `ZG_KAFKA_*`
settings as the services (zg_common.kafka_cluster); docs/topics.md explains the plan."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import sys
from collections.abc import Sequence
from typing import Any

from zg_common.contracts import TOPICS
from zg_common.contracts.scoring import REPLAYED_TOPICS
from zg_common.kafka import ensure_topics, topics_with_dlq
from zg_common.kafka_cluster import TopicPlan
from zg_common.settings import CommonSettings


def layout(plan: TopicPlan) -> list[dict[str, Any]]:
    """Every topic of the platform and its DLQ as they would be created."""
    return [
        {
            "topic": name,
            "partitions": plan.partitions_of(name),
            "replication_factor": plan.replication_factor,
            "configs": plan.configs(name, kept=name in REPLAYED_TOPICS),
        }
        for name in topics_with_dlq(TOPICS)
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m zg_common.topics",
        description="Print or create the platform's Kafka topics as ZG_KAFKA_* lay them out.",
    )
    parser.add_argument("command", choices=["plan", "create"])
    args = parser.parse_args(argv)
    settings = CommonSettings()
    plan = settings.topic_plan
    if args.command == "create":
        # this command is the step that creates them, whatever the services may do
        creating = dataclasses.replace(plan, create=True)
        asyncio.run(ensure_topics(settings.kafka, TOPICS, plan=creating, kept=REPLAYED_TOPICS))
    json.dump(layout(plan), sys.stdout, indent=1)
    print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
