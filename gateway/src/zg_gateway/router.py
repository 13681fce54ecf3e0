"""The gateway's own endpoints: authentication (everything else is forwarded)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response, status

from zg_common.authz import require
from zg_common.db import SessionDep
from zg_common.errors import Unauthorized, problem_response
from zg_common.identity import Identity
from zg_gateway import logins, service
from zg_gateway.ratelimit import authentication_failed, client_ip
from zg_gateway.schemas import LoginRequest, Me, RefreshRequest, TokenPair

router = APIRouter(prefix="/api/v1/auth", tags=["authentication"])


async def token_policy(request: Request) -> service.TokenPolicy:
    policy: service.TokenPolicy = request.app.state.runtime.token_policy
    return policy


Policy = Annotated[service.TokenPolicy, Depends(token_policy)]
Caller = Annotated[Identity, require("auth.session")]


@router.post(
    "/login", response_model=TokenPair, summary="Log in (anyone): an access and a refresh token"
)
async def login(
    caller: Caller, body: LoginRequest, session: SessionDep, policy: Policy, request: Request
) -> TokenPair:
    request.state.audit_detail = {"username": body.username[:100]}
    runtime = request.app.state.runtime
    ip, now = client_ip(request), datetime.now(UTC)
    runtime.limiter.check(f"login-ip:{ip}", runtime.limits["login_ip"])
    await logins.admit(session, body.username, ip, runtime.login_policy, now=now)
    try:
        pair = await service.log_in(
            session, username=body.username, password=body.password, policy=policy
        )
    except Unauthorized as exc:
        await logins.failed(runtime.sessions, body.username, ip, runtime.login_policy, now=now)
        authentication_failed(runtime.limiter, ip, exc.instance_code)
        raise
    await logins.succeeded(session, body.username, ip, now=now)
    return pair


@router.post(
    "/refresh",
    response_model=TokenPair,
    summary="Exchange a refresh token (its holder) for a new pair; the old one is spent",
)
async def refresh(
    caller: Caller, body: RefreshRequest, session: SessionDep, policy: Policy, request: Request
) -> TokenPair | Response:
    try:
        result = await service.refresh(session, refresh_token=body.refresh_token, policy=policy)
    except Unauthorized as exc:
        authentication_failed(
            request.app.state.runtime.limiter, client_ip(request), exc.instance_code
        )
        raise
    if isinstance(result, service.RefreshReused):
        # answered, not raised: the unit of work commits the family's revocation
        return problem_response(
            Unauthorized(
                "The refresh token was already used; every session of this login is revoked, "
                "log in again",
                code="refresh_token_reused",
            ),
            instance="/api/v1/auth/refresh",
        )
    return result


@router.post(
    "/logout",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="End a login (the refresh token's holder): its refresh tokens are revoked",
)
async def logout(caller: Caller, body: RefreshRequest, session: SessionDep) -> Response:
    await service.log_out(session, refresh_token=body.refresh_token)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/me", response_model=Me, summary="Who the gateway takes the caller to be (anyone)")
async def me(caller: Caller) -> Me:
    identity = caller
    return Me(
        sub=identity.sub,
        role=identity.role,
        name=identity.name,
        department_ids=list(identity.department_ids),
        grid_ids=list(identity.grid_ids),
        compound_ids=list(identity.compound_ids),
    )
