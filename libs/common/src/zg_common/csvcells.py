"""CSV cells that a spreadsheet will not run (CSV injection, CWE-1236): a text cell starting
with `=`, `+`, `-`, `@`, a tab or a carriage return is written with a leading `'`, which
spreadsheets show as text and do not evaluate; reading a CSV the platform wrote takes the `'`
off again, so an export imports back unchanged. Numbers are written as numbers."""

from __future__ import annotations

from typing import Any

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def cell(value: Any) -> Any:
    """A value as a CSV cell: None empty, formula-like text neutralised."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(TRIGGERS):
        return "'" + value
    return value


def read(text: str) -> str:
    """A cell as read back: the neutralising `'` removed."""
    return text[1:] if text.startswith("'") and text[1:].startswith(TRIGGERS) else text
