"""Managers change the routing rules table through the API. Rules are consulted only when a
case is dispatched, so a change never moves a case already dispatched; every change is logged
with who made it and why."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from zg_common.errors import Conflict, FieldError, NotFound, ValidationFailed
from zg_common.identity import Identity
from zg_routing import repository
from zg_routing.models import Grid, RoutingRule, RoutingRuleChange, RoutingSetting


class RuleNotFound(NotFound):
    code = "routing_rule_not_found"
    title = "Routing rule not found"


class RuleExists(Conflict):
    code = "routing_rule_exists"
    title = "An active rule for this category and grid exists"


def _snapshot(rule: RoutingRule) -> dict[str, Any]:
    return {
        "category": rule.category,
        "grid_id": rule.grid_id,
        "department_id": rule.department_id,
        "active": rule.active,
    }


def _bad(field: str, code: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, errors=[FieldError(field=field, code=code, message=message)])


async def _check_department(session: AsyncSession, department_id: str) -> None:
    if await repository.get_department(session, department_id) is None:
        raise _bad("department_id", "unknown_department", f"no department {department_id}")


async def _log(
    session: AsyncSession,
    rule_id: str,
    change: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    *,
    reason: str,
    caller: Identity,
) -> None:
    session.add(
        RoutingRuleChange(
            rule_id=rule_id,
            change=change,
            before=before,
            after=after,
            reason=reason,
            actor_sub=caller.sub,
            actor_role=caller.role,
            at=datetime.now(UTC),
        )
    )


async def create_rule(
    session: AsyncSession,
    *,
    category: str,
    grid_id: str | None,
    department_id: str,
    reason: str,
    caller: Identity,
    categories: frozenset[str],
) -> RoutingRule:
    if category not in categories:
        raise _bad("category", "unknown_category", f"{category} is not a minor category")
    if grid_id is not None and await session.get(Grid, grid_id) is None:
        raise _bad("grid_id", "unknown_grid", f"no grid {grid_id}")
    await _check_department(session, department_id)
    number = await session.scalar(text("SELECT nextval('routing.routing_rule_seq')"))
    rule = RoutingRule(
        id=f"RM{number:05d}",
        category=category,
        grid_id=grid_id,
        department_id=department_id,
        active=True,
    )
    session.add(rule)
    await _flush_unique(session, category, grid_id)
    await _log(session, rule.id, "created", None, _snapshot(rule), reason=reason, caller=caller)
    return rule


async def update_rule(
    session: AsyncSession,
    rule_id: str,
    *,
    department_id: str | None,
    active: bool | None,
    reason: str,
    caller: Identity,
) -> RoutingRule:
    rule = await session.scalar(
        select(RoutingRule).where(RoutingRule.id == rule_id).with_for_update()
    )
    if rule is None:
        raise RuleNotFound(f"No routing rule {rule_id}")
    before = _snapshot(rule)
    if department_id is not None:
        await _check_department(session, department_id)
        rule.department_id = department_id
    if active is not None:
        rule.active = active
    await _flush_unique(session, rule.category, rule.grid_id)
    change = "deactivated" if before["active"] and not rule.active else "updated"
    await _log(session, rule.id, change, before, _snapshot(rule), reason=reason, caller=caller)
    return rule


async def _flush_unique(session: AsyncSession, category: str, grid_id: str | None) -> None:
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError as exc:
        raise RuleExists(
            f"An active rule for {category} in {grid_id or 'every grid'} exists: change or "
            "deactivate it first"
        ) from exc


async def set_fallback(
    session: AsyncSession, *, department_id: str, reason: str, caller: Identity
) -> str:
    await _check_department(session, department_id)
    setting = await session.get(RoutingSetting, 1, with_for_update=True)
    assert setting is not None
    before = {"fallback_department_id": setting.fallback_department_id}
    setting.fallback_department_id = department_id
    after = {"fallback_department_id": department_id}
    await _log(session, "fallback", "updated", before, after, reason=reason, caller=caller)
    return department_id


async def changes_of(session: AsyncSession, rule_id: str) -> list[RoutingRuleChange]:
    return list(
        await session.scalars(
            select(RoutingRuleChange)
            .where(RoutingRuleChange.rule_id == rule_id)
            .order_by(RoutingRuleChange.id)
        )
    )
