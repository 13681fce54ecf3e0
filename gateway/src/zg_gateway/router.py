"""The gateway's own endpoints: authentication (everything else is forwarded)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response, status

from zg_common.authz import require
from zg_common.db import SessionDep
from zg_common.errors import Unauthorized, problem_response
from zg_common.identity import Identity
from zg_gateway import service
from zg_gateway.schemas import LoginRequest, Me, RefreshRequest, TokenPair

router = APIRouter(prefix="/api/v1/auth", tags=["authentication"])


def token_policy(request: Request) -> service.TokenPolicy:
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
    runtime.limiter.check(f"login:{body.username.lower()}", runtime.limits["login"])
    return await service.log_in(
        session, username=body.username, password=body.password, policy=policy
    )


@router.post(
    "/refresh",
    response_model=TokenPair,
    summary="Exchange a refresh token (its holder) for a new pair; the old one is spent",
)
async def refresh(
    caller: Caller, body: RefreshRequest, session: SessionDep, policy: Policy
) -> TokenPair | Response:
    result = await service.refresh(session, refresh_token=body.refresh_token, policy=policy)
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
    )
