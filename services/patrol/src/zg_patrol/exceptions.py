"""Domain errors of patrol."""

from zg_common.errors import NotFound


class GridNotFound(NotFound):
    code = "grid_not_found"
    title = "Grid not found"


class PlanNotFound(NotFound):
    code = "plan_not_found"
    title = "No plan for this day"


class OfficerNotFound(NotFound):
    code = "officer_not_found"
    title = "Officer not found"
