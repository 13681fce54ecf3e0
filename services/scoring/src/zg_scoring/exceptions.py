"""Errors of scoring, each a problem+json with a stable code."""

from __future__ import annotations

from zg_common.errors import Conflict, NotFound


class RulesVersionRefused(Conflict):
    code = "rules_version_refused"
    title = "The rules version cannot start then"


class RebuildInProgress(Conflict):
    code = "rebuild_in_progress"
    title = "A rebuild is queued or running"


class RebuildNotFound(NotFound):
    code = "rebuild_not_found"
    title = "Rebuild not found"
