"""HTTP endpoints of a resident's own registration through the app: link the app account with
a code sent to the registered phone, then read the registration and the card's history."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Request, status

from zg_access import linking
from zg_access.dependencies import SettingsDep, StateDep
from zg_access.schemas import LinkConfirm, LinkRequest, LinkRequested, MyRecord
from zg_common.authz import require
from zg_common.db import ReadSessionDep, SessionDep
from zg_common.errors import problem_response
from zg_common.identity import Identity

router = APIRouter(prefix="/api/v1/access/me", tags=["access"])
Myself = Annotated[Identity, require("access.self")]


@router.get("", response_model=MyRecord, summary="My registrations and my cards' swipes")
async def read_mine(caller: Myself, session: ReadSessionDep) -> MyRecord:
    return await linking.my_record(session, caller)


@router.post(
    "/link-codes",
    response_model=LinkRequested,
    status_code=status.HTTP_202_ACCEPTED,
    summary="Ask for a code, sent to the phone registered with this ID document",
    description="The answer is the same whether or not a living registration has the "
    f"document. At most {linking.REQUESTS_PER_DAY} a day per account (429 "
    "`link_requests_exceeded`).",
)
async def ask_link_code(
    caller: Myself, body: LinkRequest, state: StateDep, settings: SettingsDep, session: SessionDep
) -> LinkRequested:
    ttl = timedelta(seconds=settings.link_code_ttl_s)
    await linking.request_code(
        session, caller, body, vault=state.vault, sms=state.sms, ttl=ttl, now=datetime.now(UTC)
    )
    return LinkRequested(expires_in=settings.link_code_ttl_s)


@router.post(
    "/link",
    response_model=MyRecord,
    summary="Link this app account to the registration with the code received by SMS",
    description="422 `link_code_invalid` for a wrong, used or expired code; after "
    "ZG_ACCESS_LINK_CODE_ATTEMPTS (5) wrong tries the code is spent.",
)
async def link(
    caller: Myself,
    body: LinkConfirm,
    settings: SettingsDep,
    session: SessionDep,
    request: Request,
) -> Any:
    problem = await linking.confirm_code(
        session,
        caller,
        body.code,
        max_attempts=settings.link_code_attempts,
        now=datetime.now(UTC),
    )
    if problem is not None:
        # answered, not raised: the request's unit of work commits the spent try
        return problem_response(problem, instance=request.url.path)
    return await linking.my_record(session, caller)
