"""Errors of routing (problem+json codes)."""

from __future__ import annotations

from zg_common.errors import Conflict, NotFound


class RuleNotFound(NotFound):
    code = "routing_rule_not_found"
    title = "Routing rule not found"


class RuleExists(Conflict):
    code = "routing_rule_exists"
    title = "An active rule for this category and grid exists"


class CalendarNotFound(NotFound):
    code = "calendar_not_found"
    title = "Working calendar not found"


class IllegalTransition(Conflict):
    code = "illegal_transition"
    title = "The case's state does not allow this action"
