"""HTTP endpoints of the access-control vendor: its gates' card swipes and heartbeats, in
batches (partner keys given `access.swipes.report`, limited to their compounds)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter

from zg_access import gates
from zg_access.dependencies import SettingsDep
from zg_access.schemas import GateBeatsIn, GateBeatsRead, SwipesIn, SwipesRead
from zg_common.authz import require
from zg_common.db import SessionDep
from zg_common.identity import Identity

router = APIRouter(prefix="/api/v1/access", tags=["access"])
Vendor = Annotated[Identity, require("access.swipes.report")]


@router.post(
    "/swipes",
    response_model=SwipesRead,
    summary="Card swipes from an access-control vendor (up to 1,000 a call)",
    description="Each swipe says whether the gate opened. The platform also counts a swipe of a "
    "cancelled, unknown or other compound's card as refused; when a gate has "
    "ZG_ACCESS_REFUSED_SWIPES_THRESHOLD (5) of those within ZG_ACCESS_REFUSED_SWIPES_WINDOW_MIN "
    "(30) minutes it becomes a case (`access.gate.alert_raised.v1`, category E0703), once per "
    "gate and window. A swipe sent again (same `ref`) is taken once. Swipes at unknown gates, "
    "at gates outside the key's compounds, over two days old or in the future are listed as "
    "refused; the others are taken. Every swipe tells that its gate is alive.",
)
async def receive_swipes(
    caller: Vendor, body: SwipesIn, settings: SettingsDep, session: SessionDep
) -> SwipesRead:
    taken, refused, cards_refused = await gates.receive_swipes(
        session,
        caller,
        body.swipes,
        thresholds=gates.Thresholds(
            settings.refused_swipes_threshold,
            timedelta(minutes=settings.refused_swipes_window_min),
        ),
        now=datetime.now(UTC),
    )
    return SwipesRead(taken=taken, refused=refused, cards_refused=cards_refused)


@router.post(
    "/gate-heartbeats",
    response_model=GateBeatsRead,
    summary="Heartbeats of gates (up to 1,000 a call): a gate with no swipes is still alive",
    description="A gate heard from neither by swipes nor heartbeats for "
    "ZG_ACCESS_GATE_SILENT_AFTER_S (1,800 s) goes silent and becomes a case (category C0603).",
)
async def receive_gate_beats(
    caller: Vendor, body: GateBeatsIn, session: SessionDep
) -> GateBeatsRead:
    taken, refused = await gates.receive_beats(session, caller, body.beats, now=datetime.now(UTC))
    return GateBeatsRead(taken=taken, refused=refused)
