"""Open vocabularies: the values an event field takes today, read tolerantly by consumers.

Producers write enum members. A consumer built before a value was added (a new channel, a new
status) must still take the event: `read` gives None for a value it does not know, logs it once,
and the consumer applies the default it states where it reads the field. So adding a value is an
additive change, never a reason for the dead-letter topic.
"""

from __future__ import annotations

import logging
from enum import StrEnum
from typing import Any, Self

from pydantic import Field, JsonValue

log = logging.getLogger(__name__)

_reported: set[tuple[str, str]] = set()


class OpenVocabulary(StrEnum):
    """A StrEnum whose wire form is an open set of strings."""

    @classmethod
    def read(cls, value: str) -> Self | None:
        """The member for `value`, or None when this version does not know it (logged once)."""
        try:
            return cls(value)
        except ValueError:
            if (cls.__name__, value) not in _reported:
                _reported.add((cls.__name__, value))
                log.warning(
                    "an event carries a value this version does not know; using the default",
                    extra={"vocabulary": cls.__name__, "value": value},
                )
            return None

    @classmethod
    def values(cls) -> list[str]:
        return [member.value for member in cls]


def open_field(vocabulary: type[OpenVocabulary], description: str, **kwargs: Any) -> Any:
    """A `str` field whose known values are the vocabulary's (listed in the schema; consumers
    accept others, see `OpenVocabulary.read`)."""
    return Field(
        description=f"{description} (known values: {', '.join(vocabulary.values())}; "
        "consumers accept values added later)",
        json_schema_extra={"x-known-values": list[JsonValue](vocabulary.values())},
        **kwargs,
    )
