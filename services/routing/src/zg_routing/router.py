"""HTTP endpoints of routing: departments, calendars, the rules table, work queues, actions."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query, status

from zg_common.authz import require
from zg_common.changelog import ChangeRead
from zg_common.db import ReadSessionDep, SessionDep
from zg_common.geojson import GEOJSON_MEDIA_TYPE, GeoJSONResponse
from zg_common.identity import Identity
from zg_routing import audit, repository, rules, service
from zg_routing.dependencies import ClockDep, RulebookDep, SettingsDep, ZoneTypesDep
from zg_routing.schemas import (
    ActionRequest,
    FallbackRead,
    FallbackUpdate,
    QueueItemRead,
    QueueRead,
    RoutingRuleRead,
    RoutingRulesRead,
    RuleCreate,
    RuleUpdate,
)

router = APIRouter(prefix="/api/v1", tags=["routing"])


@router.get("/routing-rules", response_model=RoutingRulesRead, summary="The routing rules table")
async def read_rules(
    caller: Annotated[Identity, require("routing_rules.read")],
    session: SessionDep,
    category: Annotated[str | None, Query(pattern=r"^[CE]\d{4}$")] = None,
    department_id: Annotated[str | None, Query(max_length=50)] = None,
) -> RoutingRulesRead:
    rules = await repository.list_rules(session, category=category, department_id=department_id)
    return RoutingRulesRead(
        fallback_department_id=await repository.fallback_department_id(session),
        rules=[RoutingRuleRead.model_validate(r, from_attributes=True) for r in rules],
    )


Manager = Annotated[Identity, require("routing_rules.manage")]


@router.post(
    "/routing-rules",
    status_code=status.HTTP_201_CREATED,
    response_model=RoutingRuleRead,
    summary="Add a rule (category x grid, zone type or every grid -> department); cases "
    "already dispatched stay where they are",
)
async def create_rule(
    caller: Manager,
    body: RuleCreate,
    clock: ClockDep,
    zone_types: ZoneTypesDep,
    session: SessionDep,
) -> RoutingRuleRead:
    rule = await rules.create_rule(
        session,
        category=body.category,
        grid_id=body.grid_id,
        zone_type=body.zone_type,
        department_id=body.department_id,
        reason=body.reason,
        caller=caller,
        categories=frozenset(code for code, _ in clock.limits.disposal),
        zone_types=zone_types,
    )
    return RoutingRuleRead.model_validate(rule, from_attributes=True)


@router.put(
    "/routing-rules/fallback",
    response_model=FallbackRead,
    summary="Change the fallback owner: who gets the cases no rule matches",
)
async def set_fallback(caller: Manager, body: FallbackUpdate, session: SessionDep) -> FallbackRead:
    owner = await rules.set_fallback(
        session, department_id=body.department_id, reason=body.reason, caller=caller
    )
    return FallbackRead(fallback_department_id=owner)


@router.patch(
    "/routing-rules/{rule_id}",
    response_model=RoutingRuleRead,
    summary="Change a rule's department or (de)activate it",
)
async def update_rule(
    caller: Manager, rule_id: str, body: RuleUpdate, session: SessionDep
) -> RoutingRuleRead:
    rule = await rules.update_rule(
        session,
        rule_id,
        department_id=body.department_id,
        active=body.active,
        reason=body.reason,
        caller=caller,
    )
    return RoutingRuleRead.model_validate(rule, from_attributes=True)


@router.get(
    "/routing-rules/{rule_id}/changes",
    response_model=list[ChangeRead],
    summary="The audit trail of a rule (or of `fallback`)",
)
async def rule_changes(
    caller: Annotated[Identity, require("routing_rules.read")],
    rule_id: Annotated[str, Path(max_length=30)],
    session: SessionDep,
) -> list[ChangeRead]:
    return await audit.change_reads(session, rule_id)


@router.get(
    "/workflow/queue",
    response_model=QueueRead,
    tags=["workflow"],
    summary="My work queue: open cases, the earliest deadline first, with what I may do now",
    description="Department staff see what is dispatched to their departments, officers the "
    "cases of their grids, the command centre every open case.",
)
async def work_queue(
    caller: Annotated[Identity, require("workflow.queue")],
    clock: ClockDep,
    rulebook: RulebookDep,
    session: ReadSessionDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> QueueRead:
    items = await service.work_queue(
        session,
        caller=caller,
        clock=clock,
        rulebook=rulebook,
        limit=limit,
        now=datetime.now(UTC),
    )
    return QueueRead(items=[_item(i) for i in items])


@router.get(
    "/workflow/cases/{case_id}",
    response_model=QueueItemRead,
    tags=["workflow"],
    summary="One case of my work: its light, stage and the actions I may take on it now",
    description="The same row as the work queue's; 404 when the case is not in the caller's "
    "work (department staff: their departments' cases, officers: their grids', the command "
    "centre: all).",
)
async def case_in_work(
    caller: Annotated[Identity, require("workflow.queue")],
    case_id: uuid.UUID,
    clock: ClockDep,
    rulebook: RulebookDep,
    session: ReadSessionDep,
) -> QueueItemRead:
    item = await service.case_item(
        session,
        case_id=case_id,
        caller=caller,
        clock=clock,
        rulebook=rulebook,
        now=datetime.now(UTC),
    )
    return _item(item)


@router.get(
    "/workflow/map",
    tags=["workflow"],
    summary="The open cases of my work on a map: a GeoJSON FeatureCollection with each case's "
    "status, department and SLA light (the live map's case layer)",
    description="Compact properties for drawing 10,000 cases at once; the live stream "
    "(`/api/v1/ops/stream`) keeps them current. `truncated` says the limit cut the list.",
    responses={200: {"content": {GEOJSON_MEDIA_TYPE: {}}}},
)
async def work_map(
    caller: Annotated[Identity, require("workflow.queue")],
    clock: ClockDep,
    session: ReadSessionDep,
    limit: Annotated[int, Query(ge=1, le=50_000)] = 20_000,
) -> GeoJSONResponse:
    now = datetime.now(UTC)
    rows = await service.map_cases(session, caller=caller, clock=clock, limit=limit + 1, now=now)
    features = [
        {
            "type": "Feature",
            "id": str(case.case_id),
            "geometry": {"type": "Point", "coordinates": [case.lon, case.lat]},
            "properties": {
                "case_id": str(case.case_id),
                "number": case.number,
                "category": case.category,
                "status": case.status,
                "source": case.source,
                "urgency": case.urgency,
                "grid_id": case.grid_id,
                "department_id": case.department_id,
                "light": reading.light,
                "due_at": case.due_at.isoformat() if case.due_at else None,
                "stage": case.stage,
                "reported_at": case.reported_at.isoformat(),
                "updated_at": case.updated_at.isoformat(),
            },
        }
        for case, reading in rows[:limit]
    ]
    return GeoJSONResponse(
        {
            "type": "FeatureCollection",
            "features": features,
            "truncated": len(rows) > limit,
            "generated_at": now.isoformat(),
        }
    )


def _item(i: service.QueueItem) -> QueueItemRead:
    used = i.clock.used
    return QueueItemRead(
        case_id=i.case.case_id,
        number=i.case.number,
        category=i.case.category,
        urgency=i.case.urgency,
        status=i.case.status,
        source=i.case.source,
        grid_id=i.case.grid_id,
        lat=i.case.lat,
        lon=i.case.lon,
        department_id=i.case.department_id,
        due_at=i.case.due_at,
        light=i.clock.light,
        used_minutes=int(used.total_seconds() // 60) if used is not None else None,
        limit_minutes=i.case.limit_minutes,
        stage=i.case.stage,
        stage_due_at=i.case.stage_due_at,
        reworks=i.case.reworks,
        returns=i.case.returns,
        extensions=i.case.extensions,
        actions=i.actions,
        suggested_department_id=i.suggested_department_id,
    )


@router.post(
    "/workflow/cases/{case_id}/actions/{action}",
    response_model=QueueItemRead,
    tags=["workflow"],
    summary="Act on a case: accept, file, dispatch, request or approve an extension, a return "
    "or a hang, dispose, check, close, call back, cancel ...",
    description="Each action belongs to named roles and starts from named states (409 "
    "illegal_transition names the case's state); the work queue lists what the caller may do.",
)
async def act_on_case(
    caller: Annotated[Identity, require("workflow.act")],
    case_id: uuid.UUID,
    action: str,
    body: ActionRequest,
    clock: ClockDep,
    rulebook: RulebookDep,
    settings: SettingsDep,
    session: SessionDep,
) -> QueueItemRead:
    item = await service.act_on_case(
        session,
        case_id=case_id,
        action=action,
        params=body.model_dump(exclude_none=True),
        caller=caller,
        clock=clock,
        rulebook=rulebook,
        now=datetime.now(UTC),
        auto_dispatch=settings.auto_dispatch,
    )
    return _item(item)
