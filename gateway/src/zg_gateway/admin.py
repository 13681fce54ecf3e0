"""Admin endpoints of the gateway: partner API keys (admins only, per the policy)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from zg_common.authz import require
from zg_common.db import SessionDep
from zg_common.identity import Identity
from zg_gateway import accounts, audit, keys
from zg_gateway.models import ApiKey
from zg_gateway.schemas import (
    AccountCreate,
    AccountRead,
    ApiKeyCreate,
    ApiKeyCreated,
    ApiKeyRead,
    AuditEntryRead,
    AuditPage,
)

router = APIRouter(prefix="/api/v1/admin/api-keys", tags=["administration"])
Admin = Annotated[Identity, require("api_keys.manage")]


def _read(row: ApiKey) -> ApiKeyRead:
    return ApiKeyRead.model_validate(row, from_attributes=True)


def _created(row: ApiKey, key: str) -> ApiKeyCreated:
    return ApiKeyCreated(**_read(row).model_dump(), key=key)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=ApiKeyCreated,
    summary="Create a partner key scoped to departments and operations (admin)",
)
async def create_key(caller: Admin, body: ApiKeyCreate, session: SessionDep) -> ApiKeyCreated:
    row, key = await keys.create_key(
        session,
        name=body.name,
        department_ids=body.department_ids,
        operations=body.operations,
        compound_ids=body.compound_ids,
    )
    return _created(row, key)


@router.get(
    "", response_model=list[ApiKeyRead], summary="List partner keys, without secrets (admin)"
)
async def list_keys(caller: Admin, session: SessionDep) -> list[ApiKeyRead]:
    return [_read(row) for row in await keys.list_keys(session)]


@router.post(
    "/{key_id}/rotate",
    status_code=status.HTTP_201_CREATED,
    response_model=ApiKeyCreated,
    summary="Replace a key by a new one with the same scope (admin)",
)
async def rotate_key(caller: Admin, key_id: uuid.UUID, session: SessionDep) -> ApiKeyCreated:
    row, key = await keys.rotate_key(session, key_id)
    return _created(row, key)


@router.delete(
    "/{key_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Revoke a key: it stops working at once (admin)",
)
async def revoke_key(caller: Admin, key_id: uuid.UUID, session: SessionDep) -> Response:
    await keys.revoke_key(session, key_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


audit_router = APIRouter(prefix="/api/v1/admin/audit", tags=["administration"])


@audit_router.get(
    "", response_model=AuditPage, summary="State-changing calls, newest first (admin)"
)
async def read_audit(
    caller: Annotated[Identity, require("audit.read")],
    session: SessionDep,
    since: datetime | None = None,
    until: datetime | None = None,
    sub: Annotated[str | None, Query(max_length=100)] = None,
    before_id: Annotated[int | None, Query(ge=1)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> AuditPage:
    rows = await audit.list_entries(
        session, since=since, until=until, sub=sub, before_id=before_id, limit=limit
    )
    return AuditPage(
        entries=[AuditEntryRead.model_validate(r, from_attributes=True) for r in rows],
        next_before_id=rows[-1].id if len(rows) == limit else None,
    )


accounts_router = APIRouter(prefix="/api/v1/admin/accounts", tags=["administration"])
AccountsAdmin = Annotated[Identity, require("accounts.manage")]


@accounts_router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=AccountRead,
    summary="Create an account (admin)",
)
async def create_account(
    caller: AccountsAdmin, body: AccountCreate, session: SessionDep
) -> AccountRead:
    account = await accounts.create_account(
        session,
        username=body.username,
        password=body.password,
        role=body.role,
        name=body.name,
        department_ids=body.department_ids,
        grid_ids=body.grid_ids,
        badge=body.badge,
        compound_ids=body.compound_ids,
    )
    return AccountRead.model_validate(account, from_attributes=True)


@accounts_router.get("", response_model=list[AccountRead], summary="List accounts (admin)")
async def list_accounts(caller: AccountsAdmin, session: SessionDep) -> list[AccountRead]:
    return [
        AccountRead.model_validate(a, from_attributes=True)
        for a in await accounts.list_accounts(session)
    ]


@accounts_router.delete(
    "/{account_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Disable an account and end its logins (admin)",
)
async def disable_account(
    caller: AccountsAdmin, account_id: uuid.UUID, session: SessionDep
) -> Response:
    await accounts.disable_account(session, account_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
