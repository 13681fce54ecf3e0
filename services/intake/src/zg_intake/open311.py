"""Open311 GeoReport v2 at /open311/v2, for FixMyStreet and other Open311 clients: services
(our minor categories, their questions as attributes), requests (our cases), tokens, and
FixMyStreet's servicerequestupdates to sync status. JSON and XML by the path's extension;
errors exactly as the spec says, never problem+json.
Facts: shared/reference/open311-and-fixmystreet.md."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response
from pydantic import ValidationError
from sqlalchemy import or_

from zg_common import open311 as wire
from zg_common.authz import require
from zg_common.contracts.intake import Channel
from zg_common.db import ReadSessionDep, SessionDep
from zg_common.errors import (
    ValidationFailed,
    field_errors_from_validation,
)
from zg_common.identity import Identity
from zg_intake import feedback, repository, service
from zg_intake import open311_format as o311
from zg_intake.access import may_read, readable_cases
from zg_intake.dependencies import ReferenceDep, runtime
from zg_intake.models import Case
from zg_intake.schemas import CaseCreate

MAX_REQUESTS = 1000
MAX_SPAN = timedelta(days=90)
Fmt = Literal["json", "xml"]


router = APIRouter(prefix=wire.PREFIX, tags=["Open311 GeoReport v2"], route_class=o311.Open311Route)
Jurisdiction = Annotated[str | None, Query(max_length=100)]


def _check_jurisdiction(request: Request, jurisdiction_id: str | None) -> None:
    # "a parameter sent empty must behave the same as one not sent"
    if jurisdiction_id and jurisdiction_id != runtime(request).settings.open311_jurisdiction_id:
        raise o311.Open311Error(404, f"jurisdiction_id {jurisdiction_id} not found")


# --- discovery and services -------------------------------------------------------------------


@router.get("/discovery.{fmt}", summary="Service discovery: endpoints and formats")
async def discovery(
    caller: Annotated[Identity, require("open311.read")], request: Request, fmt: Fmt
) -> Response:
    # the platform's public address (the gateway), never this service's own
    public = runtime(request).settings.public_url
    base = (public.rstrip("/") if public else "") + wire.PREFIX + "/"
    value: dict[str, Any] = {
        "changeset": "2026-11-27T00:00:00+08:00",
        "contact": "Zongguan command centre",
        "key_service": "API keys are issued by the platform's administrators",
        "endpoints": [
            {
                "specification": "http://wiki.open311.org/GeoReport_v2",
                "url": base,
                "changeset": "2026-11-27T00:00:00+08:00",
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    return wire.render(request.url.path, value, xml_root="discovery", xml_item=None)


@router.get("/services.{fmt}", summary="The service list: every minor category")
async def services(
    caller: Annotated[Identity, require("open311.read")],
    request: Request,
    fmt: Fmt,
    reference: ReferenceDep,
    jurisdiction_id: Jurisdiction = None,
) -> Response:
    _check_jurisdiction(request, jurisdiction_id)
    items = [o311.service_of(c) for c in reference.categories.all()]
    return wire.render(request.url.path, items, xml_root="services", xml_item="service")


@router.get("/services/{service_code}.{fmt}", summary="A service definition: its attributes")
async def service_definition(
    caller: Annotated[Identity, require("open311.read")],
    request: Request,
    service_code: str,
    fmt: Fmt,
    reference: ReferenceDep,
    jurisdiction_id: Jurisdiction = None,
) -> Response:
    _check_jurisdiction(request, jurisdiction_id)
    category = reference.categories.minor(service_code)
    if category is None:
        raise o311.Open311Error(404, f"service_code {service_code} not found")
    value = {
        "service_code": category.code,
        "attributes": [{"variable": True, **a.to_data()} for a in category.attributes],
    }
    return wire.render(request.url.path, value, xml_root="service_definition", xml_item=None)


# --- requests -------------------------------------------------------------------------------


NOT_PUBLIC = (Channel.CAMERA, Channel.ACCESS_CONTROL, Channel.HOTLINE_12345)


async def _visibility(request: Request, caller: Identity) -> Any:
    """Which cases a requests listing shows: those the caller's row rules give it, and — when
    requests are public — the others but camera alarms and gate alerts (they would map the
    cameras and gates) and hotline orders (a caller's call, not a published report)."""
    readable = readable_cases(caller)
    if runtime(request).settings.open311_public_requests:
        return or_(readable, Case.source.notin_(NOT_PUBLIC))
    if caller.role == "anonymous":
        raise o311.Open311Error(403, "api_key required: requests are not public here")
    return readable


def _requests(request: Request, caller: Identity, cases: list[Case], reference: Any) -> Any:
    """The requests as the caller may see them: the cases its row rules give it exactly, the
    others with their place rounded (`open311_public_precision` decimals)."""
    precision = runtime(request).settings.open311_public_precision
    return [
        o311.request_of(c, reference, precision=None if may_read(caller, c) else precision)
        for c in cases
    ]


@router.get("/requests.{fmt}", summary="Requests (cases): by id, or by service, date and status")
async def list_requests(
    caller: Annotated[Identity, require("open311.read")],
    request: Request,
    fmt: Fmt,
    session: ReadSessionDep,
    reference: ReferenceDep,
    jurisdiction_id: Jurisdiction = None,
    service_request_id: Annotated[str | None, Query(max_length=2000)] = None,
    service_code: Annotated[str | None, Query(max_length=2000)] = None,
    start_date: Annotated[str | None, Query(max_length=40)] = None,
    end_date: Annotated[str | None, Query(max_length=40)] = None,
    status: Annotated[str | None, Query(max_length=20)] = None,
) -> Response:
    _check_jurisdiction(request, jurisdiction_id)
    visible = await _visibility(request, caller)
    if service_request_id:  # overrides every other argument
        numbers = [n.strip() for n in service_request_id.split(",") if n.strip()][:MAX_REQUESTS]
        cases = await repository.cases_by_number(session, numbers, visible=visible)
    else:
        start = o311.parse_w3c("start_date", start_date)
        end = o311.parse_w3c("end_date", end_date)
        end = end or datetime.now(UTC)
        start = start or end - MAX_SPAN
        if end <= start:
            raise o311.Open311Error(400, "end_date must be later than start_date")
        if end - start > MAX_SPAN:
            raise o311.Open311Error(400, "start_date and end_date may span 90 days at most")
        statuses = {s.strip() for s in status.split(",") if s.strip()} if status else set()
        if statuses - {"open", "closed"}:
            raise o311.Open311Error(400, "status is open, closed or both (comma-separated)")
        codes = [c.strip() for c in service_code.split(",") if c.strip()] if service_code else []
        unknown = [c for c in codes if reference.categories.minor(c) is None]
        if unknown:
            raise o311.Open311Error(404, f"service_code {', '.join(unknown)} not found")
        cases = await repository.open311_requests(
            session,
            visible=visible,
            codes=codes,
            start=start,
            end=end,
            open_only=statuses == {"open"},
            closed_only=statuses == {"closed"},
            limit=MAX_REQUESTS,
        )
    items = _requests(request, caller, cases, reference)
    return wire.render(request.url.path, items, xml_root="service_requests", xml_item="request")


@router.get("/requests/{service_request_id}.{fmt}", summary="One request")
async def read_request(
    caller: Annotated[Identity, require("open311.read")],
    request: Request,
    service_request_id: str,
    fmt: Fmt,
    session: ReadSessionDep,
    reference: ReferenceDep,
    jurisdiction_id: Jurisdiction = None,
) -> Response:
    _check_jurisdiction(request, jurisdiction_id)
    visible = await _visibility(request, caller)
    cases = await repository.cases_by_number(session, [service_request_id], visible=visible)
    if not cases:
        raise o311.Open311Error(404, f"service_request_id {service_request_id} not found")
    items = _requests(request, caller, cases[:1], reference)
    return wire.render(request.url.path, items, xml_root="service_requests", xml_item="request")


@router.get("/tokens/{token}.{fmt}", summary="The request a token stands for")
async def read_token(
    caller: Annotated[Identity, require("open311.read")],
    request: Request,
    token: str,
    fmt: Fmt,
    session: ReadSessionDep,
    jurisdiction_id: Jurisdiction = None,
) -> Response:
    """Requests are realtime (POST answers the id), so a token is the case's uuid."""
    _check_jurisdiction(request, jurisdiction_id)
    try:
        case_id = uuid.UUID(token)
    except ValueError as exc:
        raise o311.Open311Error(404, f"token {token} not found") from exc
    visible = await _visibility(request, caller)
    case = await repository.visible_case(session, case_id, visible=visible)
    if case is None:
        raise o311.Open311Error(404, f"token {token} not found")
    items = [{"service_request_id": case.number, "token": token}]
    return wire.render(request.url.path, items, xml_root="service_requests", xml_item="request")


@router.post(
    "/requests.{fmt}",
    status_code=201,  # what it answers (the document said 200)
    summary="Submit a request (form-encoded; api_key required)",
)
async def create_request(
    caller: Annotated[Identity, require("open311.submit")],
    request: Request,
    fmt: Fmt,
    session: SessionDep,
    reference: ReferenceDep,
) -> Response:
    form = await request.form()
    _check_jurisdiction(request, o311.form_value(form, "jurisdiction_id"))
    code = o311.form_value(form, "service_code")
    if not code:
        raise o311.Open311Error(400, "service_code is required")
    category = reference.categories.minor(code)
    if category is None:
        raise o311.Open311Error(404, f"service_code {code} not found")
    body: dict[str, Any] = {"category": code}
    lat, lon = o311.form_value(form, "lat"), o311.form_value(form, "long")
    address_id = o311.form_value(form, "address_id")
    if lat or lon:
        if not (lat and lon):
            raise o311.Open311Error(400, "lat and long go together: give both")
        body["lat"], body["lon"] = lat, lon
    elif address_id:
        body["patrol_point"] = address_id
    elif o311.form_value(form, "address_string"):
        raise o311.Open311Error(
            400, "address_string alone cannot be placed here: give lat and long, or address_id"
        )
    else:
        raise o311.Open311Error(400, "a location is required: lat and long, or address_id")
    if address := o311.form_value(form, "address_string"):
        body["address"] = address[:200]
    body["description"] = o311.form_value(form, "description") or f"{category.name} (Open311)"
    name = " ".join(
        p for p in (o311.form_value(form, "first_name"), o311.form_value(form, "last_name")) if p
    )
    if name:
        body["reporter_name"] = name[:50]
    if phone := o311.form_value(form, "phone"):
        body["reporter_phone"] = phone
    if media_url := o311.form_value(form, "media_url"):
        body["media_url"] = media_url
    body["attributes"] = o311.form_attributes(form, category)
    try:
        data = CaseCreate.model_validate(body)
        case = await service.report_case(session, data=data, reference=reference, reporter=caller)
    except ValidationError as exc:
        raise o311.in_open311_terms(field_errors_from_validation(exc.errors())) from exc
    except ValidationFailed as exc:
        raise o311.in_open311_terms(exc.errors, exc.detail) from exc
    notice = ""
    if case.merged_into_id is not None:
        parent = await repository.get_case(session, case.merged_into_id)
        notice = f"Already reported as {parent.number if parent else ''}: this report follows it"
    items = [{"service_request_id": case.number, "service_notice": notice, "account_id": None}]
    return wire.render(
        request.url.path, items, xml_root="service_requests", xml_item="request", status=201
    )


# --- FixMyStreet's status sync --------------------------------------------------------------


@router.get(
    "/servicerequestupdates.{fmt}",
    summary="Status updates of the requests the key may see, in a time range (FixMyStreet)",
)
async def request_updates(
    caller: Annotated[Identity, require("open311.updates")],
    request: Request,
    fmt: Fmt,
    session: ReadSessionDep,
    jurisdiction_id: Jurisdiction = None,
    start_date: Annotated[str | None, Query(max_length=40)] = None,
    end_date: Annotated[str | None, Query(max_length=40)] = None,
) -> Response:
    _check_jurisdiction(request, jurisdiction_id)
    end = o311.parse_w3c("end_date", end_date) or datetime.now(UTC)
    start = o311.parse_w3c("start_date", start_date) or end - timedelta(days=1)
    if end <= start or end - start > MAX_SPAN:
        raise o311.Open311Error(400, "end_date must follow start_date, at most 90 days later")
    rows = await repository.status_changes(
        session, visible=readable_cases(caller), start=start, end=end, limit=MAX_REQUESTS
    )
    updates = [o311.update_of(change, number) for change, number in rows]
    if fmt == "xml":
        return wire.render(
            request.url.path, updates, xml_root="service_request_updates", xml_item="request_update"
        )
    return wire.render(
        request.url.path, {"service_request_updates": updates}, xml_root="", xml_item=None
    )


@router.post(
    "/servicerequestupdates.{fmt}",
    summary="A citizen's update pushed by the partner (FixMyStreet): kept in the case's history",
)
async def post_request_update(
    caller: Annotated[Identity, require("open311.updates")],
    request: Request,
    fmt: Fmt,
    session: SessionDep,
) -> Response:
    """The update is recorded as a note in the case's history; the status a citizen claims
    (FIXED, CLOSED ...) never changes the case: only the closed loop does. Idempotent by the
    partner's update_id."""
    form = await request.form()
    _check_jurisdiction(request, o311.form_value(form, "jurisdiction_id"))
    missing = [
        name
        for name in ("service_request_id", "update_id", "status", "updated_datetime")
        if not o311.form_value(form, name)
    ]
    if missing:
        raise o311.Open311Error(400, f"required: {', '.join(missing)}")
    description = o311.form_value(form, "description") or ""
    if len(description) > 4000:
        raise o311.Open311Error(400, "description: at most 4000 characters")
    claimed = o311.form_value(form, "updated_datetime")
    claimed_at = o311.parse_w3c("updated_datetime", claimed)
    assert claimed_at is not None
    number, update_id = (
        o311.form_value(form, "service_request_id"),
        o311.form_value(form, "update_id"),
    )
    assert number is not None and update_id is not None
    change = await feedback.record_partner_update(
        session,
        number=number,
        update_id=update_id[:40],
        claimed_status=(o311.form_value(form, "status") or "")[:30],
        description=description,
        at=claimed_at,
        caller=caller,
    )
    if change is None:
        raise o311.Open311Error(404, f"service_request_id {number} not found")
    value = [{"update_id": str(change.id)}]
    if fmt == "xml":
        return wire.render(
            request.url.path, value, xml_root="service_request_updates", xml_item="request_update"
        )
    return wire.render(
        request.url.path, {"service_request_updates": value}, xml_root="", xml_item=None
    )


@router.api_route(
    "/{rest:path}", methods=["GET", "POST"], summary="Anything else: 404", include_in_schema=False
)
async def unknown(caller: Annotated[Identity, require("open311.read")], rest: str) -> Response:
    raise o311.Open311Error(404, f"{wire.PREFIX}/{rest} is not an Open311 resource here")
