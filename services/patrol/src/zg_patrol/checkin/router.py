"""HTTP endpoints of check-in: scan a point's code, the refusals, issue codes, print QR sheets."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from zg_common.authz import require
from zg_common.db import SessionDep
from zg_common.errors import FieldError, ValidationFailed, problem_response
from zg_common.identity import Identity
from zg_patrol.checkin import service as checkin
from zg_patrol.checkin import sheets
from zg_patrol.checkin.schemas import (
    CheckinCreate,
    CheckinRead,
    PointCodeRead,
    PointCodeReissue,
)
from zg_patrol.dependencies import PointCodesDep, RequirementsDep
from zg_patrol.params import PointId
from zg_patrol.territory.schemas import PointCard

router = APIRouter(prefix="/api/v1", tags=["patrol check-in"])


@router.post(
    "/patrol/checkins",
    status_code=status.HTTP_201_CREATED,
    response_model=CheckinRead,
    tags=["patrol check-in"],
    summary="Check in at a patrol point: scan its code where it is, with the phone's fix",
    description="The code's signature, serial and age, the fix (not mocked, accurate enough, "
    "within the radius of the point) and the visit's window are checked. A refusal is 422 "
    "`checkin_refused` naming the reason (malformed, unknown_key, bad_signature, revoked, "
    "expired, unknown_point, no_badge, mock_location, inaccurate_fix, too_far) and is "
    "recorded and counted. It settles the officer's own visit, or a colleague's planned one "
    "in the officer's grids; an accepted scan with no reported track near the point is "
    "flagged `no_track`.",
)
async def check_in(
    caller: Annotated[Identity, require("patrol.checkin")],
    body: CheckinCreate,
    requirements: RequirementsDep,
    codes: PointCodesDep,
    session: SessionDep,
    request: Request,
) -> CheckinRead | Response:
    scan = checkin.Scan(body.token, body.lat, body.lon, body.accuracy_m, body.mock_location)
    outcome = await checkin.check_in(
        session,
        scan,
        caller=caller,
        now=datetime.now(UTC),
        requirements=requirements,
        codes=codes,
    )
    if outcome.outcome == "refused" or outcome.point is None or outcome.distance_m is None:
        # answered, not raised: the request's unit of work commits the recorded refusal
        return problem_response(checkin.refusal(outcome), instance=request.url.path)
    return CheckinRead(
        outcome=outcome.outcome,
        visit_id=outcome.visit.id if outcome.visit else None,
        window_start=outcome.visit.window_start if outcome.visit else None,
        window_end=outcome.visit.window_end if outcome.visit else None,
        distance_m=round(outcome.distance_m, 1),
        point=PointCard.model_validate(outcome.point, from_attributes=True),
        flags=list(outcome.flags),
    )


@router.get(
    "/patrol/checkins/refusals",
    response_model=dict[str, int],
    tags=["patrol check-in"],
    summary="Refused check-ins since a moment, counted by reason",
)
async def count_refusals(
    caller: Annotated[Identity, require("patrol.plan_read")],
    session: SessionDep,
    since: Annotated[datetime, Query(description="ISO 8601 with offset")],
) -> dict[str, int]:
    if since.tzinfo is None:
        raise ValidationFailed(
            "since needs a UTC offset",
            errors=[FieldError(field="since", code="naive_datetime", message="add an offset")],
        )
    return await checkin.refusals(session, since)


@router.get(
    "/patrol/points/{point_id}/code",
    response_model=PointCodeRead,
    tags=["patrol check-in"],
    summary="Issue a point's code (the token its QR carries), valid from today",
)
async def issue_code(
    caller: Annotated[Identity, require("patrol.plan")],
    point_id: PointId,
    requirements: RequirementsDep,
    codes: PointCodesDep,
    session: SessionDep,
) -> PointCodeRead:
    code = await checkin.issue_code(
        session, point_id, requirements=requirements, codes=codes, now=datetime.now(UTC)
    )
    return PointCodeRead(
        point_id=point_id, token=code.token, issued=code.issued, valid_until=code.valid_until
    )


@router.post(
    "/patrol/points/{point_id}/code/reissue",
    response_model=PointCodeRead,
    tags=["patrol check-in"],
    summary="Void every printed code of a point and issue a new one (a card photographed, "
    "stolen or damaged); logged with who and why",
)
async def reissue_code(
    caller: Annotated[Identity, require("territory.manage")],
    point_id: PointId,
    body: PointCodeReissue,
    requirements: RequirementsDep,
    codes: PointCodesDep,
    session: SessionDep,
) -> PointCodeRead:
    code = await checkin.reissue_code(
        session,
        point_id,
        reason=body.reason,
        caller=caller,
        requirements=requirements,
        codes=codes,
        now=datetime.now(UTC),
    )
    return PointCodeRead(
        point_id=point_id, token=code.token, issued=code.issued, valid_until=code.valid_until
    )


SHEET_TYPES = {"pdf": "application/pdf", "png": "image/png"}


@router.get(
    "/patrol/qr-sheets",
    tags=["patrol check-in"],
    summary="Printable QR codes of a grid's or a route's points: A4 pages, six cards a page",
    description="One of `grid_id` or `route_id`. `format=pdf` (all pages) or `png` (the page "
    "`page`; `X-Page-Count` says how many). The codes are issued today and valid for the "
    "token lifetime of the requirements (400 days by default).",
    response_class=Response,
    responses={200: {"content": {t: {} for t in SHEET_TYPES.values()}}},
)
async def read_qr_sheet(
    caller: Annotated[Identity, require("patrol.plan")],
    requirements: RequirementsDep,
    codes: PointCodesDep,
    session: SessionDep,
    grid_id: Annotated[str | None, Query(pattern=r"^G\d{2,3}$")] = None,
    route_id: Annotated[str | None, Query(pattern=r"^R\d{2,4}$")] = None,
    kind: Annotated[str, Query(alias="format", pattern="^(pdf|png)$")] = "pdf",
    page: Annotated[int, Query(ge=1, le=1000)] = 1,
) -> Response:
    if (grid_id is None) == (route_id is None):
        message = "give either grid_id or route_id"
        raise ValidationFailed(
            message, errors=[FieldError(field="grid_id", code="one_of", message=message)]
        )
    found = await checkin.sheet_cards(
        session,
        grid_id=grid_id,
        route_id=route_id,
        requirements=requirements,
        codes=codes,
        now=datetime.now(UTC),
    )
    title, cards, valid_until = found.title, found.cards, found.valid_until
    count = sheets.pages(len(cards))
    name = f"qr-{grid_id or route_id}"
    if kind == "pdf":
        body = await asyncio.to_thread(sheets.pdf, title, cards, valid_until=valid_until)
    else:
        if page > count:
            message = f"the sheet has {count} pages"
            raise ValidationFailed(
                message, errors=[FieldError(field="page", code="out_of_range", message=message)]
            )
        body = await asyncio.to_thread(sheets.png, title, cards, page=page, valid_until=valid_until)
        name += f"-{page}"
    return Response(
        body,
        media_type=SHEET_TYPES[kind],
        headers={
            "Content-Disposition": f'inline; filename="{name}.{kind}"',
            "X-Page-Count": str(count),
            "Cache-Control": "no-store",
        },
    )
