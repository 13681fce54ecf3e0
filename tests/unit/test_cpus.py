"""Worker pools size themselves from the CPUs a process may use, a container's limit included
(`zg_common.cpus`), not from the machine's count."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from zg_common import cpus


@pytest.fixture
def many(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(32)))  # a big node


@pytest.mark.usefixtures("many")
def test_a_cgroup_v2_limit_caps_the_count_and_a_fraction_rounds_up(tmp_path: Path) -> None:
    (tmp_path / "cpu.max").write_text("150000 100000\n")  # 1.5 CPUs
    assert cpus.available(tmp_path) == 2
    (tmp_path / "cpu.max").write_text("max 100000\n")
    assert cpus.available(tmp_path) == 32


@pytest.mark.usefixtures("many")
def test_a_cgroup_v1_quota_caps_the_count(tmp_path: Path) -> None:
    v1 = tmp_path / "cpu,cpuacct"
    v1.mkdir()
    (v1 / "cpu.cfs_quota_us").write_text("400000\n")
    (v1 / "cpu.cfs_period_us").write_text("100000\n")
    assert cpus.available(tmp_path) == 4
    (v1 / "cpu.cfs_quota_us").write_text("-1\n")
    assert cpus.available(tmp_path) == 32


@pytest.mark.usefixtures("many")
def test_no_cgroup_or_a_garbled_one_means_the_affinity(tmp_path: Path) -> None:
    assert cpus.available(tmp_path) == 32
    (tmp_path / "cpu.max").write_text("garbled\n")
    assert cpus.available(tmp_path) == 32


def test_never_more_than_the_affinity_and_at_least_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1})
    (tmp_path / "cpu.max").write_text("800000 100000\n")
    assert cpus.available(tmp_path) == 2
    (tmp_path / "cpu.max").write_text("1000 100000\n")  # a hundredth of a CPU
    assert cpus.available(tmp_path) == 1
