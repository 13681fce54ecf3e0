"""The case vocabulary lives once, in the contracts: every service reads statuses, actions and
channels from there, agrees on which statuses are open, and takes a value it does not know yet
by its stated default instead of failing."""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime

import pytest

from zg_common.authz import policy
from zg_common.contracts.intake import Channel, ReportStatus
from zg_common.contracts.routing import OPEN, TERMINAL, CaseAction, CaseStatus
from zg_intake.models import CLOSED_STATUSES
from zg_intake.wording import PLAIN, extended_status, open311_status, plain
from zg_routing import lifecycle
from zg_scoring import timeline

HAN = re.compile(r"[\u4e00-\u9fff]")
INTAKE_STATUSES = [*CaseStatus, *ReportStatus]


@pytest.mark.parametrize("status", INTAKE_STATUSES, ids=str)
def test_every_status_has_words_in_both_languages(status: str) -> None:
    zh, en = PLAIN[status]
    assert HAN.search(zh), f"{status}: no Chinese"
    assert en.isascii() and len(en) > 3, f"{status}: no English"
    assert extended_status(status) != "" and open311_status(status) in ("open", "closed")


@pytest.mark.parametrize("action", list(CaseAction), ids=str)
def test_every_action_has_a_role_set(action: CaseAction) -> None:
    transition = lifecycle.TRANSITIONS[action]
    assert transition.roles, action
    assert transition.roles <= set(policy().groups["everyone"]), transition.roles - set(
        policy().groups["everyone"]
    )


def test_the_lifecycle_table_speaks_the_contracts_vocabulary() -> None:
    assert set(lifecycle.TRANSITIONS) == set(CaseAction)
    reached = {t.target for t in lifecycle.TRANSITIONS.values()}
    left = set().union(*(t.sources for t in lifecycle.TRANSITIONS.values()))
    # every open status can be left, no terminal one can; every status but the entries is reached
    assert left == OPEN and not left & TERMINAL
    assert set(CaseStatus) - reached == {CaseStatus.SELF_HANDLED, CaseStatus.VERIFYING} - reached
    assert set(CaseStatus) == OPEN | TERMINAL and not OPEN & TERMINAL


def test_services_agree_on_which_statuses_are_open() -> None:
    """A self-handled case waits for the operator's review: open in routing and in intake (it
    was closed in intake once); a merged report is intake's own, closed."""
    assert CaseStatus.SELF_HANDLED in OPEN
    assert set(CLOSED_STATUSES) == set(TERMINAL) | {ReportStatus.MERGED}
    assert open311_status(CaseStatus.SELF_HANDLED) == "open"
    assert open311_status(ReportStatus.MERGED) == "closed"
    assert not set(ReportStatus) & set(CaseStatus), "intake's own statuses are not routing's"


def test_values_added_later_take_the_stated_defaults(caplog: pytest.LogCaptureFixture) -> None:
    # intake: an unknown status is open and reads "in progress"
    assert open311_status("awaiting_drone") == "open"
    assert plain("awaiting_drone") == "处理中 / In progress"
    assert extended_status("awaiting_drone") == "IN_PROGRESS"
    # routing: a report through an unknown channel is not held for verification
    assert "smart_lamp" not in lifecycle.MUST_VERIFY
    # scoring: an unknown action counts for nothing (the department's hold goes on unbroken)
    at, due = datetime(2026, 11, 30, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC)
    derived = timeline.derive(
        [
            timeline.Step(at, 1, "dispatch", "dispatched", "d1", due_at=due),
            timeline.Step(at, 2, "escalate_to_mayor", "dispatched", "d1", due_at=due),
        ]
    )
    assert (derived.disposals, derived.returns, derived.closed_at) == ([], [], None)
    assert [(h.department_id, h.to_at) for h in derived.holds] == [("d1", None)]
    # the vocabularies read it as None and say so once
    with caplog.at_level(logging.WARNING):
        assert Channel.read("smart_lamp") is None
        assert Channel.read("smart_lamp") is None
        assert Channel.read("camera") is Channel.CAMERA
    warned = [r for r in caplog.records if getattr(r, "value", None) == "smart_lamp"]
    assert len(warned) == 1
