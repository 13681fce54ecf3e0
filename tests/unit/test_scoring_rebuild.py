"""How a rebuild shares the partitions among its processes."""

from __future__ import annotations

from aiokafka import TopicPartition

from zg_scoring import rebuild, rebuild_processes

TOPICS = ("intake.case", "routing.case", "patrol.checkin")


def plan(partitions: int) -> rebuild.Plan:
    return {TopicPartition(t, p): 10 for t in TOPICS for p in range(partitions)}


def test_a_partition_number_goes_to_one_process_with_every_topic_s_partition_of_it() -> None:
    parts = rebuild_processes.split(plan(3), 2)
    assert len(parts) == 2
    assert sorted(tp for part in parts for tp in part) == sorted(plan(3))
    for part in parts:
        numbers = {tp.partition for tp in part}
        assert part == {TopicPartition(t, n): 10 for t in TOPICS for n in numbers}
    assert [sorted({tp.partition for tp in part}) for part in parts] == [[0, 2], [1]]


def test_no_process_is_left_without_a_partition() -> None:
    assert rebuild_processes.split(plan(1), 3) == [plan(1)]
    # a topic with more partitions than the others: its extra numbers are shared too
    wide = plan(2) | {TopicPartition("patrol.plan", p): 5 for p in range(4)}
    parts = rebuild_processes.split(wide, 3)
    assert len(parts) == 3 and sum(len(part) for part in parts) == len(wide)


def test_processes_are_the_setting_at_most_one_per_partition_number() -> None:
    assert rebuild_processes.processes_for(plan(3), 2) == 2
    assert rebuild_processes.processes_for(plan(3), 8) == 3
    assert rebuild_processes.processes_for({}, None) == 1
    assert 1 <= rebuild_processes.processes_for(plan(12), None) <= 12
