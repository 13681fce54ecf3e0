"""Routing's rules in memory (`Rulebook`) follow every change of the rows at the next
transaction, whoever made it (a trigger raises the directory's version), and are read once per
transaction, not once per case."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from tests.helpers import statements_of
from zg_common.db import unit_of_work
from zg_routing import rules
from zg_routing.rulebook import Rulebook

PARKING, GRID, ZONE = "E0403", "G04", "core"  # the data set sends it to the traffic police


async def decide(session: AsyncSession, book: Rulebook) -> str:
    _, department = await rules.responsible(
        session, book, category=PARKING, grid_id=GRID, zone_type=ZONE
    )
    return department


async def move_parking(sessions: Any, *, from_: str, to: str) -> None:
    """What another process does (here: plain SQL): the parking rules of one department go to
    another."""
    async with unit_of_work(sessions) as session:
        await session.execute(
            text(
                "UPDATE routing.routing_rule SET department_id = :to "
                "WHERE category = :c AND department_id = :from_"
            ),
            {"c": PARKING, "to": to, "from_": from_},
        )


async def test_a_change_by_anyone_decides_the_next_transaction(
    routing_loaded: tuple[Any, Any],
) -> None:
    sessions, _ = routing_loaded
    book = Rulebook()
    async with unit_of_work(sessions) as session:
        assert await decide(session, book) == "traffic-police"
        version = book.book.version if book.book else None
    try:
        await move_parking(sessions, from_="traffic-police", to="city-management")
        async with unit_of_work(sessions) as session:
            assert await decide(session, book) == "city-management"
            assert book.book is not None and book.book.version != version
    finally:
        await move_parking(sessions, from_="city-management", to="traffic-police")
    async with unit_of_work(sessions) as session:
        assert await decide(session, book) == "traffic-police"


async def test_the_rules_are_read_once_per_transaction(
    routing_engine: AsyncEngine, routing_loaded: tuple[Any, Any]
) -> None:
    sessions, _ = routing_loaded
    book = Rulebook()
    async with unit_of_work(sessions) as session:
        await decide(session, book)  # loads the book
    async with unit_of_work(sessions) as session:
        with statements_of(routing_engine) as statements:
            for _ in range(10):
                assert await decide(session, book) == "traffic-police"
    # the version, once: no rule, department or setting read for the ten cases
    assert len(statements) == 1 and "directory_version" in statements[0]
