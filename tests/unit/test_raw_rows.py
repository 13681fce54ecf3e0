"""`RawColumns`: the columns a hot path's INSERT writes, and its arguments."""

from __future__ import annotations

import json
import uuid
from typing import cast

import pytest
from sqlalchemy import Table

from zg_common.rows import RawColumns
from zg_intake.models import Case, CaseStatusChange
from zg_intake.repository import INSERT_CASE

CASES = cast(Table, Case.__table__)


def test_the_database_makes_its_own_columns() -> None:
    names = [c.name for c in RawColumns(CASES).columns]
    # identity, the trigger-made number and the generated is_open are not written
    assert "seq" not in names and "number" not in names and "is_open" not in names
    assert names[0] == "id" and "attributes" in names and "reported_at" in names


def test_missing_values_take_the_python_defaults_and_json_is_text() -> None:
    columns = RawColumns(CASES)
    args = dict(zip([c.name for c in columns.columns], columns.args({"lat": 1.5}), strict=True))
    assert args["lat"] == 1.5
    assert args["urgency"] == "normal" and args["crs"] == "WGS84" and args["report_count"] == 1
    assert isinstance(args["id"], uuid.UUID)  # a callable default, called
    assert args["attributes"] == "{}"  # JSONB goes as text to the dialect's codec
    assert args["description"] is None  # no default: NULL (the database refuses it)


def test_json_values_are_encoded_once() -> None:
    columns = RawColumns(CASES, ["id", "attributes"])
    row = columns.args({"id": "x", "attributes": {"depth_cm": 12}})
    assert row == ["x", json.dumps({"depth_cm": 12})]


def test_chosen_columns_keep_the_table_order_and_unknown_ones_are_refused() -> None:
    columns = RawColumns(cast(Table, CaseStatusChange.__table__), ["note", "case_id"])
    assert columns.names == '"case_id", "note"' and columns.placeholders(3) == "$3, $4"
    with pytest.raises(ValueError, match="no columns"):
        RawColumns(CASES, ["id", "colour"])


def test_the_report_statement_numbers_one_placeholder_per_argument() -> None:
    n = len(RawColumns(CASES).columns)
    assert f"${n + 2}::text" in INSERT_CASE and f"${n + 3}" not in INSERT_CASE
