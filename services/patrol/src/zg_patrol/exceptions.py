"""Domain errors of patrol."""

from zg_common.errors import NotFound


class GridNotFound(NotFound):
    code = "grid_not_found"
    title = "Grid not found"
