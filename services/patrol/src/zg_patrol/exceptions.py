"""Domain errors of patrol."""

from zg_common.errors import (
    GridNotFound,
    NotFound,
    OfficerNotFound,
    ProblemError,
    ServiceUnavailable,
)

# the territory's, shared with the video index and scoring
__all__ = ["GridNotFound", "OfficerNotFound"]


class PlanNotFound(NotFound):
    code = "plan_not_found"
    title = "No plan for this day"


class PointNotFound(NotFound):
    code = "point_not_found"
    title = "Patrol point not found"


class PointCodeRefused(ProblemError):
    status, code, title = 422, "point_code_refused", "The point's code is refused"


class BadgeRequired(ProblemError):
    status, code, title = 403, "badge_required", "Only an officer with a badge number"


class TrackNotFound(NotFound):
    code = "track_not_found"
    title = "No positions of the officer that day"


class RouteNotFound(NotFound):
    code = "route_not_found"
    title = "Route not found"


class AbsenceNotFound(NotFound):
    code = "absence_not_found"
    title = "Absence not found"


class CheckinRefused(ProblemError):
    status, code, title = 422, "checkin_refused", "The check-in is refused"


class QrNotConfigured(ServiceUnavailable):
    code = "qr_not_configured"
    title = "Patrol point codes are not configured (ZG_PATROL_QR_SECRET)"
