"""Answers to a category's questions, checked against their definitions (the data set's)."""

from __future__ import annotations

import json

import pytest

from tests.conftest import REPO
from zg_common.errors import ValidationFailed
from zg_intake.attributes import AttributeDef, check_answers


def definitions(code: str) -> list[AttributeDef]:
    majors = json.loads((REPO / "deploy/data/fangxing/categories.json").read_text("utf-8"))
    minor = next(c for m in majors for c in m["children"] if c["code"] == code)
    return [AttributeDef.from_data(a) for a in minor["attributes"]]


def errors_of(code: str, answers: dict[str, object], **options: bool) -> list[tuple[str, str]]:
    with pytest.raises(ValidationFailed) as refused:
        check_answers(definitions(code), answers, **options)  # type: ignore[arg-type]
    return [(e.field, e.code) for e in refused.value.errors]


def test_the_data_set_defines_questions() -> None:
    parking = definitions("E0403")
    assert [(d.code, d.datatype, d.order) for d in parking] == [
        ("vehicle", "singlevaluelist", 1),
        ("plate", "string", 2),
    ]
    assert definitions("C0109")[0].required
    assert definitions("E0104") == []


def test_good_answers_are_normalised() -> None:
    assert check_answers(definitions("E0403"), {"vehicle": "car", "plate": " 皖A12345 "}) == {
        "vehicle": "car",
        "plate": "皖A12345",
    }
    assert check_answers(definitions("E0101"), {"area_m2": "12.5"}) == {"area_m2": 12.5}
    assert check_answers(definitions("E0401"), {"goods": ["fruit", "food", "fruit"]}) == {
        "goods": ["fruit", "food"]
    }
    assert check_answers(definitions("E0401"), {"goods": "fruit"}) == {"goods": ["fruit"]}


def test_bad_answers_are_named() -> None:
    assert errors_of("E0403", {"vehicle": "tank", "colour": "red"}) == [
        ("attributes.vehicle", "not_a_choice"),
        ("attributes.colour", "unknown_attribute"),
    ]
    assert errors_of("E0101", {"area_m2": "big"}) == [("attributes.area_m2", "not_a_number")]
    assert errors_of("E0101", {"area_m2": "nan"}) == [("attributes.area_m2", "not_a_number")]
    assert errors_of("E0401", {"goods": ["fruit", "guns"]}) == [
        ("attributes.goods", "not_a_choice")
    ]
    assert errors_of("E0403", {"vehicle": ["car"]}) == [("attributes.vehicle", "invalid")]
    assert errors_of("E0403", {"plate": ""}) == [("attributes.plate", "invalid")]


def test_required_questions_unless_a_machine_reports() -> None:
    assert errors_of("C0109", {}) == [("attributes.fault", "missing")]
    assert check_answers(definitions("C0109"), {}, enforce_required=False) == {}
