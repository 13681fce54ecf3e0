"""The routing rules: which rule decides a case, and managers' changes to the table. Rules are
consulted only when a case is dispatched, so a change never moves a case already dispatched;
every change is logged with who made it and why.

A rule's scope is a grid, a zone type, or every grid; the last is the category's owner (for a
component, 部件: the owner of that kind of facility) or line department (for an event). The
standard's order (shared/reference/domain-digital-city-management.md §2): a component goes to
its owner first, then the territory (先属主后属地); an event to the territory first, then the
line department (先属地后属主); the territory is the grid's rule, then the zone type's. A case
no rule matches goes to the fallback owner (属地兜底)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal

from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from zg_common.errors import FieldError, ValidationFailed
from zg_common.identity import Identity
from zg_routing import audit, repository
from zg_routing.exceptions import RuleExists, RuleNotFound
from zg_routing.models import Grid, RoutingRule, RoutingSetting
from zg_routing.rulebook import Rulebook

Scope = Literal["owner", "grid", "zone"]
ORDER: dict[str, tuple[Scope, ...]] = {
    "component": ("owner", "grid", "zone"),  # 先属主后属地
    "event": ("grid", "zone", "owner"),  # 先属地后属主
}


def kind_of(category: str) -> str:
    """Category codes start with their kind: C for components (部件), E for events (事件)."""
    return "component" if category.startswith("C") else "event"


def choose(
    candidates: Iterable[RoutingRule], *, category: str, grid_id: str, zone_type: str | None
) -> RoutingRule | None:
    """The rule that decides a case of `category` in this grid and zone, in the standard's
    order for its kind; None when no active rule applies (the fallback owner's case)."""
    by_scope: dict[str, RoutingRule] = {}
    for rule in sorted(candidates, key=lambda r: r.id):
        applies = (
            rule.active
            and rule.category == category
            and rule.grid_id in (None, grid_id)
            and rule.zone_type in (None, zone_type)
        )
        if applies:
            by_scope.setdefault(rule.scope, rule)
    return next((by_scope[s] for s in ORDER[kind_of(category)] if s in by_scope), None)


async def responsible(
    session: AsyncSession,
    rulebook: Rulebook,
    *,
    category: str,
    grid_id: str,
    zone_type: str | None,
) -> tuple[RoutingRule | None, str]:
    """The rule that decides the case (None: none applies) and the department it names, or
    the fallback owner (from the rules in memory, current for this transaction)."""
    candidates = await rulebook.rules_for(session, category)
    rule = choose(candidates, category=category, grid_id=grid_id, zone_type=zone_type)
    if rule is not None:
        return rule, rule.department_id
    return None, await rulebook.fallback_department_id(session)


def _snapshot(rule: RoutingRule) -> dict[str, Any]:
    return {
        "category": rule.category,
        "grid_id": rule.grid_id,
        "zone_type": rule.zone_type,
        "department_id": rule.department_id,
        "active": rule.active,
    }


def _bad(field: str, code: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, errors=[FieldError(field=field, code=code, message=message)])


async def _check_department(session: AsyncSession, department_id: str) -> None:
    if await repository.get_department(session, department_id) is None:
        raise _bad("department_id", "unknown_department", f"no department {department_id}")


async def create_rule(
    session: AsyncSession,
    *,
    category: str,
    grid_id: str | None,
    zone_type: str | None,
    department_id: str,
    reason: str,
    caller: Identity,
    categories: frozenset[str],
    zone_types: frozenset[str],
) -> RoutingRule:
    if category not in categories:
        raise _bad("category", "unknown_category", f"{category} is not a minor category")
    if grid_id is not None and zone_type is not None:
        raise _bad("zone_type", "one_scope", "a rule is for a grid or a zone type, not both")
    if grid_id is not None and await session.get(Grid, grid_id) is None:
        raise _bad("grid_id", "unknown_grid", f"no grid {grid_id}")
    if zone_type is not None and zone_type not in zone_types:
        raise _bad("zone_type", "unknown_zone_type", f"no zone type {zone_type}")
    await _check_department(session, department_id)
    number = await session.scalar(text("SELECT nextval('routing.routing_rule_seq')"))
    rule = RoutingRule(
        id=f"RM{number:05d}",
        category=category,
        grid_id=grid_id,
        zone_type=zone_type,
        department_id=department_id,
        active=True,
    )
    session.add(rule)
    await _flush_unique(session, rule)
    audit.record(session, rule.id, "created", None, _snapshot(rule), reason=reason, caller=caller)
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
    await _flush_unique(session, rule)
    change = "deactivated" if before["active"] and not rule.active else "updated"
    audit.record(session, rule.id, change, before, _snapshot(rule), reason=reason, caller=caller)
    return rule


async def _flush_unique(session: AsyncSession, rule: RoutingRule) -> None:
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError as exc:
        where = rule.grid_id or (f"zone {rule.zone_type}" if rule.zone_type else "every grid")
        raise RuleExists(
            f"An active rule for {rule.category} in {where} exists: change or deactivate it first"
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
    audit.record(session, "fallback", "updated", before, after, reason=reason, caller=caller)
    return department_id
