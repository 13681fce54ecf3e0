"""FastAPI dependencies of scoring: what a route may ask for besides the request's session
(`zg_common.db.SessionDep`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from zg_common.app import runtime_of
from zg_common.errors import ServiceUnavailable
from zg_scoring.district import Figures
from zg_scoring.runtime import State


async def state(request: Request) -> State:
    """The data set's labels the reports print (categories, the district's name)."""
    value: State = runtime_of(request).state
    return value


StateDep = Annotated[State, Depends(state)]


async def figures(request: Request) -> Figures:
    """The district's figures from the data set (residents per grid, staff, area)."""
    value: Figures | None = runtime_of(request).state.figures
    if value is None:
        raise ServiceUnavailable("The district's figures are not loaded (district_figures.json)")
    return value


FiguresDep = Annotated[Figures, Depends(figures)]
