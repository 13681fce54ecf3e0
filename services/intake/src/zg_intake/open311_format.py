"""The Open311 GeoReport v2 wire format of intake's cases: requests, services and updates as
the spec shapes them, W3C times, form fields, and every error in the spec's format (never
problem+json). The routes are in `open311`."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from datetime import datetime, timedelta, timezone
from typing import Any

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from pydantic import ValidationError
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException

from zg_common import open311 as wire
from zg_common.errors import (
    FieldError,
    ProblemError,
    field_errors_from_validation,
    unstorable_text,
)
from zg_intake import wording
from zg_intake.models import Case, CaseStatusChange
from zg_intake.territory import CategoryRef, Reference

CHINA = timezone(timedelta(hours=8), "CST")


class Open311Error(Exception):
    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description


class Open311Route(APIRoute):
    """Every error of these routes (a refused caller, a bad parameter, an unknown id) in the
    spec's format instead of problem+json."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            path = request.url.path
            try:
                return await handler(request)
            except Open311Error as exc:
                return wire.error_response(path, exc.status, [(exc.status, exc.description)])
            except ProblemError as exc:
                return wire.problem_as_open311(path, exc)
            except (DBAPIError, UnicodeEncodeError) as exc:
                problem = unstorable_text(exc)
                if problem is None:
                    raise
                return wire.problem_as_open311(path, problem)
            except (RequestValidationError, ValidationError) as exc:
                errors = field_errors_from_validation(exc.errors())
                return wire.error_response(
                    path, 400, [(400, f"{e.field}: {e.message}") for e in errors]
                )
            except HTTPException as exc:
                status = wire.status_for(exc.status_code)
                return wire.error_response(path, status, [(status, str(exc.detail))])

        return route


def w3c(moment: datetime) -> str:
    return moment.astimezone(CHINA).isoformat(timespec="seconds")


def parse_w3c(name: str, value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise Open311Error(400, f"{name} is not a W3C date and time: {value}") from exc
    if moment.tzinfo is None:
        raise Open311Error(400, f"{name} needs a timezone, e.g. 2026-11-27T08:00:00+08:00")
    return moment


def service_of(category: CategoryRef) -> dict[str, Any]:
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": category.name_en,
        "metadata": bool(category.attributes),
        "type": "realtime",
        "keywords": category.kind,
        "group": category.major_name,
    }


def request_of(case: Case, reference: Reference, *, precision: int | None) -> dict[str, Any]:
    """A case as an Open311 request; `precision`: its place rounded to so many decimals (about
    110 m at 3) for callers whose row rules do not give them the case."""
    category = reference.categories.minor(case.category)
    notes = wording.plain(case.status)
    if case.merged_into_id is not None:
        notes += " (duplicate)"
    request = {
        "service_request_id": case.number,
        "status": wording.open311_status(case.status),
        "status_notes": notes,
        "service_name": category.name if category else case.category,
        "service_code": case.category,
        "description": case.description,
        "agency_responsible": case.department_name or "",
        "service_notice": "",
        "requested_datetime": w3c(case.reported_at),
        "updated_datetime": w3c(case.updated_at),
        "expected_datetime": w3c(case.due_at) if case.due_at else None,
        "address": case.address or "",
        "address_id": case.patrol_point_id or "",
        "zipcode": "",
        "lat": case.lat if precision is None else round(case.lat, precision),
        "long": case.lon if precision is None else round(case.lon, precision),
        "media_url": case.media_url or "",
    }
    # "may not be returned": fields we do not know are left out rather than null
    return {key: value for key, value in request.items() if value is not None}


def form_value(form: Any, name: str) -> str | None:
    value = form.get(name)
    return value.strip() if isinstance(value, str) and value.strip() else None


def form_attributes(form: Any, category: CategoryRef) -> dict[str, Any]:
    """`attribute[code]=v`, and `attribute[code][]=v1&attribute[code][]=v2` for lists."""
    answers: dict[str, Any] = {}
    for key in form:
        if not key.startswith("attribute[") or not key.endswith("]"):
            continue
        inner = key[len("attribute[") : -1]
        if inner.endswith("]["):  # attribute[code][]
            answers[inner[:-2]] = [v for v in form.getlist(key) if isinstance(v, str)]
        else:
            value = form.get(key)
            if isinstance(value, str) and value.strip():
                answers[inner] = value
    return answers


def open311_name(field: str) -> str:
    if field.startswith("attributes."):
        return f"attribute[{field.removeprefix('attributes.')}]"
    return {"lon": "long", "category": "service_code", "patrol_point": "address_id"}.get(
        field, field
    )


def in_open311_terms(errors: list[FieldError], detail: str | None = None) -> Open311Error:
    """Our field errors named as the Open311 form names them."""
    if not errors:
        return Open311Error(400, detail or "invalid request")
    return Open311Error(400, "; ".join(f"{open311_name(e.field)}: {e.message}" for e in errors))


def update_of(change: CaseStatusChange, number: str) -> dict[str, Any]:
    return {
        "update_id": str(change.id),
        "service_request_id": number,
        "status": wording.extended_status(change.status),
        "updated_datetime": w3c(change.at),
        "description": f"{wording.plain(change.status)}. {change.note}".strip(),
        "media_url": "",
    }
