"""Errors of the access service (problem+json codes)."""

from __future__ import annotations

from zg_common.errors import Conflict, Forbidden, NotFound, ProblemError, RateLimited

__all__ = [
    "AlreadyRegistered",
    "CompoundForbidden",
    "CompoundNotFound",
    "HouseholdNotFound",
    "LinkCodeInvalid",
    "LinkRequestsExceeded",
    "ResidentDeparted",
    "ResidentNotFound",
    "SmsUnavailable",
]


class CompoundNotFound(NotFound):
    code = "compound_not_found"
    title = "Compound not found"


class HouseholdNotFound(NotFound):
    code = "household_not_found"
    title = "No such household in the compound"


class ResidentNotFound(NotFound):
    code = "resident_not_found"
    title = "Resident not found"


class CompoundForbidden(Forbidden):
    code = "compound_forbidden"
    title = "Not one of the caller's compounds"


class AlreadyRegistered(Conflict):
    code = "already_registered"
    title = "This person is registered where they live now: one person, one card"


class ResidentDeparted(Conflict):
    code = "resident_departed"
    title = "The resident has departed"


class LinkCodeInvalid(ProblemError):
    status, code, title = 422, "link_code_invalid", "The code is wrong, used or expired"


class LinkRequestsExceeded(RateLimited):
    code = "link_requests_exceeded"
    title = "Too many link codes asked for; try again later"


class SmsUnavailable(ProblemError):
    status, code, title = 503, "sms_unavailable", "The SMS provider did not take the message"
