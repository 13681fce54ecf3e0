"""One error tree, rendered as RFC 9457 application/problem+json with a stable `code`."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, ClassVar

import asyncpg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as SQLAlchemyTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect

from zg_common.logging import request_id_var

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_TYPE_PREFIX = "urn:zongguan:problem:"

log = logging.getLogger(__name__)


class FieldError(BaseModel):
    """One invalid field: a dotted path into the request, a stable code and a message."""

    field: str
    code: str
    message: str


class Problem(BaseModel):
    """RFC 9457 problem details plus Zongguan's `code`, `request_id` and field `errors`."""

    type: str
    title: str
    status: int
    code: str
    detail: str | None = None
    instance: str | None = None
    request_id: str | None = None
    errors: list[FieldError] = Field(default_factory=list)


class ProblemError(Exception):
    """Base of every error a request can end in. Subclasses fix status, code and title."""

    status: ClassVar[int] = 500
    code: ClassVar[str] = "internal_error"
    title: ClassVar[str] = "Internal error"

    def __init__(
        self,
        detail: str | None = None,
        *,
        errors: Sequence[FieldError] = (),
        headers: Mapping[str, str] | None = None,
        code: str | None = None,
    ) -> None:
        super().__init__(detail or self.title)
        self.detail = detail
        self.errors = list(errors)
        self.headers = dict(headers or {})
        self.instance_code = code or self.code

    def to_problem(self, *, instance: str | None = None) -> Problem:
        return Problem(
            type=PROBLEM_TYPE_PREFIX + self.instance_code,
            title=self.title,
            status=self.status,
            code=self.instance_code,
            detail=self.detail,
            instance=instance,
            request_id=request_id_var.get(),
            errors=self.errors,
        )


class BadRequest(ProblemError):
    status, code, title = 400, "bad_request", "Bad request"


class Unauthorized(ProblemError):
    status, code, title = 401, "unauthorized", "Authentication required"


class Forbidden(ProblemError):
    status, code, title = 403, "forbidden", "Not allowed"


class NotFound(ProblemError):
    status, code, title = 404, "not_found", "Not found"


class CaseNotFound(NotFound):
    """Shared by every service that answers about cases: one code for clients to handle."""

    code = "case_not_found"
    title = "Case not found"


class DepartmentNotFound(NotFound):
    """No department of that id (routing's directory; scoring answers it too)."""

    code = "department_not_found"
    title = "Department not found"


class OfficerNotFound(NotFound):
    """No officer of that badge (patrol's officers; scoring answers it too)."""

    code = "officer_not_found"
    title = "Officer not found"


class GridNotFound(NotFound):
    """No grid of that id (the territory's grids; patrol and the video index answer it)."""

    code = "grid_not_found"
    title = "Grid not found"


class MethodNotAllowed(ProblemError):
    status, code, title = 405, "method_not_allowed", "Method not allowed"


class Conflict(ProblemError):
    status, code, title = 409, "conflict", "Conflict"


class PayloadTooLarge(ProblemError):
    status, code, title = 413, "payload_too_large", "Request body too large"


class UnsupportedMediaType(ProblemError):
    status, code, title = 415, "unsupported_media_type", "Unsupported media type"


class ValidationFailed(ProblemError):
    status, code, title = 422, "validation_failed", "The request is not valid"


class RateLimited(ProblemError):
    status, code, title = 429, "rate_limited", "Too many requests"


class InternalError(ProblemError):
    status, code, title = 500, "internal_error", "Internal error"


class BadGateway(ProblemError):
    status, code, title = 502, "bad_gateway", "The upstream service answered badly"


class ServiceUnavailable(ProblemError):
    status, code, title = 503, "service_unavailable", "Service unavailable"


class GatewayTimeout(ProblemError):
    status, code, title = 504, "upstream_timeout", "The upstream service did not answer in time"


_STATUS_ERRORS: dict[int, type[ProblemError]] = {
    cls.status: cls
    for cls in (
        BadRequest,
        Unauthorized,
        Forbidden,
        NotFound,
        MethodNotAllowed,
        Conflict,
        PayloadTooLarge,
        UnsupportedMediaType,
        ValidationFailed,
        RateLimited,
        InternalError,
        BadGateway,
        ServiceUnavailable,
        GatewayTimeout,
    )
}


def error_for_status(status: int, detail: str | None = None) -> ProblemError:
    """The error class for an HTTP status, for errors raised by the framework itself."""
    cls = _STATUS_ERRORS.get(status)
    if cls is None:
        cls = BadRequest if 400 <= status < 500 else InternalError
    return cls(detail)


def problem_response(error: ProblemError, *, instance: str | None = None) -> JSONResponse:
    problem = error.to_problem(instance=instance)
    return JSONResponse(
        problem.model_dump(mode="json", exclude_none=True),
        status_code=error.status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers=error.headers,
    )


def field_errors_from_validation(errors: Iterable[Mapping[str, Any]]) -> list[FieldError]:
    """Turn pydantic/FastAPI validation errors into field errors with dotted paths."""
    result = []
    for err in errors:
        loc = [str(part) for part in err.get("loc", ())]
        # FastAPI prefixes the location with where the value came from; keep it only when alone.
        if len(loc) > 1 and loc[0] in {"body", "query", "path", "header", "cookie"}:
            loc = loc[1:]
        field = ".".join(loc) or "body"
        if err.get("type") == "json_invalid":
            field = "body"
        result.append(
            FieldError(
                field=field, code=str(err.get("type", "invalid")), message=err.get("msg", "")
            )
        )
    return result


async def _problem_error_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ProblemError)
    if exc.status >= 500:
        log.error("request failed", extra={"code": exc.instance_code, "detail": exc.detail})
    return problem_response(exc, instance=request.url.path)


async def _validation_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = field_errors_from_validation(exc.errors())
    fields = ", ".join(sorted({e.field for e in errors}))
    return problem_response(
        ValidationFailed(f"Invalid fields: {fields}", errors=errors), instance=request.url.path
    )


async def _http_exception_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    error = error_for_status(exc.status_code, exc.detail if isinstance(exc.detail, str) else None)
    if exc.status_code == 404 and exc.detail == "Not Found":
        error = NotFound(f"No resource at {request.url.path}")
    elif exc.status_code == 405:
        error = MethodNotAllowed(f"{request.method} is not allowed on {request.url.path}")
    error.headers.update(exc.headers or {})
    return problem_response(error, instance=request.url.path)


def causes(exc: BaseException, *, most: int = 10) -> Iterator[BaseException]:
    """An exception and what caused it: `__cause__`, or a SQLAlchemy error's driver error
    (`orig`), at most `most` deep (a cycle ends the walk too)."""
    seen: BaseException | None = exc
    met: set[int] = set()
    while seen is not None and id(seen) not in met and len(met) < most:
        met.add(id(seen))
        yield seen
        seen = seen.__cause__ or getattr(seen, "orig", None)


# PostgreSQL's "character not in repertoire" (a NUL in text) and "untranslatable character"
# (a NUL escape in JSON): text the database cannot store, which came from the request.
UNSTORABLE_SQLSTATES = frozenset({"22021", "22P05"})


def unstorable_text(exc: BaseException) -> ValidationFailed | None:
    """A 422 for an input the database refused for its characters (NUL, lone surrogates), or
    None for any other database error. The safety net behind the models' own checks."""
    for seen in causes(exc):
        if isinstance(seen, UnicodeEncodeError) or (
            getattr(seen, "sqlstate", None) in UNSTORABLE_SQLSTATES
        ):
            return ValidationFailed(
                "The request holds characters that cannot be stored (NUL or unpaired surrogates)",
                code="invalid_characters",
            )
    return None


# PostgreSQL's serialization failure and deadlock: the transaction lost a race and was rolled
# back whole; the same request again succeeds
TRANSIENT_SQLSTATES = frozenset({"40001", "40P01"})


class TryAgain(ServiceUnavailable):
    code, title = "try_again", "A concurrent change got in the way: send the request again"


def transient(exc: BaseException) -> TryAgain | None:
    for seen in causes(exc):
        if getattr(seen, "sqlstate", None) in TRANSIENT_SQLSTATES:
            return TryAgain(
                "The request collided with a concurrent change and nothing of it was kept: "
                "send it again",
                headers={"Retry-After": "1"},
            )
    return None


# PostgreSQL is not there to answer: connection exceptions (class 08), shutting down or starting
# up (57P01 admin_shutdown, 57P02 crash_shutdown, 57P03 cannot_connect_now), too many
# connections (53300). Not a fault of the request: the same request succeeds once it is back.
UNAVAILABLE_SQLSTATES = frozenset({"57P01", "57P02", "57P03", "53300"})


class DatabaseUnavailable(ServiceUnavailable):
    code, title = "database_unavailable", "The database is not reachable right now"


def database_unavailable(exc: BaseException) -> bool:
    """Whether a failure means the database could not be reached (a restart, a network cut,
    the pool's wait for a connection timing out), anywhere in the exception's chain."""
    for seen in causes(exc):
        state = getattr(seen, "sqlstate", None) or getattr(seen, "pgcode", None)
        if isinstance(state, str) and (state.startswith("08") or state in UNAVAILABLE_SQLSTATES):
            return True
        if isinstance(seen, DBAPIError) and seen.connection_invalidated:
            return True
        if isinstance(
            seen,
            SQLAlchemyTimeoutError
            | OSError
            | asyncpg.PostgresConnectionError
            | asyncpg.InterfaceError
            | asyncpg.CannotConnectNowError,
        ):
            return True
    return False


async def _database_error_handler(request: Request, exc: Exception) -> JSONResponse:
    if database_unavailable(exc):
        log.warning("database unreachable: answered 503", exc_info=exc)
        unavailable = DatabaseUnavailable(
            "The database is not reachable right now: send the request again shortly (with the "
            "same Idempotency-Key, where the operation takes one)",
            headers={"Retry-After": "2"},
        )
        return problem_response(unavailable, instance=request.url.path)
    error: ProblemError | None = unstorable_text(exc) or transient(exc)
    if error is None:
        raise exc  # a real fault: the last-resort handler logs it and answers 500
    if isinstance(error, TryAgain):
        log.warning("transaction lost a race: answered 503 try_again", exc_info=exc)
    return problem_response(error, instance=request.url.path)


class ClientGone(BadRequest):
    code, title = "client_disconnected", "The client went away before its request was read"


async def _client_disconnect_handler(request: Request, exc: Exception) -> JSONResponse:
    """A client that hung up while its body was being read: nobody reads the answer, but the
    log says 400, not 500 with a traceback."""
    log.info("the client disconnected before its request was read")
    return problem_response(ClientGone(), instance=request.url.path)


def install_error_handlers(app: FastAPI) -> None:
    """Framework and domain errors. Unexpected exceptions are rendered by
    RequestContextMiddleware, inside the scope of the request id."""
    app.add_exception_handler(ProblemError, _problem_error_handler)
    app.add_exception_handler(ClientDisconnect, _client_disconnect_handler)
    app.add_exception_handler(RequestValidationError, _validation_handler)
    app.add_exception_handler(StarletteHTTPException, _http_exception_handler)
    app.add_exception_handler(DBAPIError, _database_error_handler)
    app.add_exception_handler(SQLAlchemyTimeoutError, _database_error_handler)
    # the pool opening a connection to a database that is restarting: asyncpg's connect
    # raises the socket's own error (refused, reset, timed out), which SQLAlchemy does not wrap
    app.add_exception_handler(ConnectionError, _database_error_handler)
    app.add_exception_handler(TimeoutError, _database_error_handler)
    app.add_exception_handler(UnicodeEncodeError, _database_error_handler)
