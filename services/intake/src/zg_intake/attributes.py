"""Per-category questions (Open311 service attributes, data in categories.json) and checking a
report's answers against them: required ones present, list answers from the list, numbers that
are numbers, nothing unknown."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from zg_common.errors import FieldError, ValidationFailed

Answer = str | float | list[str]
DATATYPES = ("string", "number", "datetime", "text", "singlevaluelist", "multivaluelist")


@dataclass(frozen=True)
class AttributeDef:
    code: str
    datatype: str
    required: bool
    description: str
    order: int
    values: tuple[tuple[str, str], ...] = ()  # (key, name) for the list types
    datatype_description: str = ""

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> AttributeDef:
        if data["datatype"] not in DATATYPES:
            raise ValueError(f"attribute {data['code']}: unknown datatype {data['datatype']}")
        return cls(
            code=data["code"],
            datatype=data["datatype"],
            required=bool(data.get("required", False)),
            description=data["description"],
            order=int(data["order"]),
            values=tuple((v["key"], v["name"]) for v in data.get("values", [])),
            datatype_description=data.get("datatype_description", ""),
        )

    def to_data(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "datatype": self.datatype,
            "required": self.required,
            "description": self.description,
            "order": self.order,
            "datatype_description": self.datatype_description,
            "values": [{"key": k, "name": n} for k, n in self.values],
        }


def check_answers(
    definitions: Sequence[AttributeDef],
    answers: Mapping[str, Answer],
    *,
    enforce_required: bool = True,
    field: str = "attributes",
) -> dict[str, Answer]:
    """The answers, normalised (numbers as floats, lists deduplicated), or a ValidationFailed
    naming every bad one as `attributes.<code>`."""
    by_code = {d.code: d for d in definitions}
    errors: list[FieldError] = []
    clean: dict[str, Answer] = {}

    def bad(code: str, kind: str, message: str) -> None:
        errors.append(FieldError(field=f"{field}.{code}", code=kind, message=message))

    for code, answer in answers.items():
        definition = by_code.get(code)
        if definition is None:
            bad(code, "unknown_attribute", "this category asks no such question")
            continue
        value = _check(definition, answer, bad)
        if value is not None:
            clean[code] = value
    if enforce_required:
        for d in definitions:
            if d.required and d.code not in answers:
                bad(d.code, "missing", f"required: {d.description}")
    if errors:
        raise ValidationFailed(
            "Invalid answers to the category's questions: "
            + ", ".join(sorted({e.field for e in errors})),
            errors=errors,
        )
    return clean


def _check(definition: AttributeDef, answer: Answer, bad: Any) -> Answer | None:
    code, kind = definition.code, definition.datatype
    keys = [k for k, _ in definition.values]
    if kind == "multivaluelist":
        chosen = [answer] if isinstance(answer, str) else answer
        if not isinstance(chosen, list) or not all(isinstance(c, str) for c in chosen):
            bad(code, "invalid", "a list of choices")
            return None
        unknown = [c for c in chosen if c not in keys]
        if unknown:
            bad(code, "not_a_choice", f"choose from {', '.join(keys)}")
            return None
        return list(dict.fromkeys(chosen))
    if isinstance(answer, list):
        bad(code, "invalid", "one value, not a list")
        return None
    if kind == "singlevaluelist":
        if answer not in keys:
            bad(code, "not_a_choice", f"choose one of {', '.join(keys)}")
            return None
        return answer
    if kind == "number":
        try:
            number = float(answer)
        except ValueError:
            bad(code, "not_a_number", "a number")
            return None
        if not math.isfinite(number):
            bad(code, "not_a_number", "a finite number")
            return None
        return number
    text = str(answer).strip()
    if kind == "datetime":
        try:
            datetime.fromisoformat(text)
        except ValueError:
            bad(code, "not_a_datetime", "an ISO 8601 date and time")
            return None
    limit = 2000 if kind == "text" else 200
    if not text or len(text) > limit:
        bad(code, "invalid", f"1 to {limit} characters")
        return None
    return text
