"""CSV exports of the lists: one row per line, the API's field names as the header, UTF-8 with a
byte-order mark (so that a spreadsheet opens the Chinese names right)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from typing import Any, Literal, TypeVar

from fastapi import Query, Response
from pydantic import BaseModel

from zg_common import csvcells

Format = Literal["json", "csv"]
FormatQuery = Query(description="json (default) or csv (a file to download)")
CSV_MEDIA_TYPE = "text/csv; charset=utf-8"


def _cell(value: Any) -> Any:
    if isinstance(value, dict | list):
        value = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return csvcells.cell(value)


T = TypeVar("T")


def csv_response(model: type[BaseModel], rows: Sequence[BaseModel], filename: str) -> Response:
    fields = list(model.model_fields)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(fields)
    for row in rows:
        data = row.model_dump(mode="json")
        writer.writerow([_cell(data[f]) for f in fields])
    return Response(
        content="\ufeff" + buffer.getvalue(),
        media_type=CSV_MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def json_or_csv(
    format: Format, body: T, model: type[BaseModel], rows: Sequence[BaseModel], filename: str
) -> T | Response:
    """The body as JSON, or as `format=csv` asks: its `rows` (of `model`) as `filename`."""
    return csv_response(model, rows, filename) if format == "csv" else body
