"""Errors of scoring, each a problem+json with a stable code."""

from __future__ import annotations

from zg_common.errors import Conflict


class RulesVersionRefused(Conflict):
    code = "rules_version_refused"
    title = "The rules version cannot start then"
