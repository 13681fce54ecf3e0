"""Open311 GeoReport v2 wire format, shared by the gateway and intake: the format chosen by the
path's extension, JSON as bare arrays, XML with a UTF-8 declaration, and the spec's error body
(`[{code, description}]`, 403 for keys, 404 for unknown things, 400 for everything else)."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any
from xml.etree import ElementTree as ET

from fastapi.responses import Response

from zg_common.errors import ProblemError

PREFIX = "/open311/v2"
JSON_TYPE = "application/json; charset=utf-8"
XML_TYPE = "text/xml; charset=utf-8"


def wants_xml(path: str) -> bool:
    return path.endswith(".xml")


def is_open311(path: str) -> bool:
    return path == PREFIX or path.startswith(PREFIX + "/")


def to_xml(root: str, item: str | None, value: Any) -> bytes:
    """`value` (a list of dicts under <root><item>…, or one dict under <root>) as XML."""
    element = ET.Element(root)
    if item is None:
        _fill(element, value)
    else:
        for entry in value:
            _fill(ET.SubElement(element, item), entry)
    body: bytes = ET.tostring(element, encoding="unicode").encode("utf-8")
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + body


# list fields and the element name of their items
XML_ITEMS = {
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
}


def _fill(element: ET.Element, value: Any) -> None:
    if isinstance(value, Mapping):
        for key, inner in value.items():
            if inner is None:
                continue
            child = ET.SubElement(element, key)
            if isinstance(inner, list):
                for entry in inner:
                    _fill(ET.SubElement(child, XML_ITEMS.get(key, "item")), entry)
            else:
                _fill(child, inner)
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = NOT_XML.sub("\ufffd", str(value))


# characters XML 1.0 cannot carry (a control character in a description would make the whole
# document unreadable): shown as U+FFFD
NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def render(
    path: str,
    value: Any,
    *,
    xml_root: str,
    xml_item: str | None,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
) -> Response:
    if wants_xml(path):
        return Response(
            to_xml(xml_root, xml_item, value), status, headers=headers, media_type=XML_TYPE
        )
    body = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return Response(body, status, headers=headers, media_type=JSON_TYPE)


def status_for(problem_status: int) -> int:
    """The spec's statuses: 403 for credentials, 404 for unknown things, 400 for the rest of
    the client errors; rate limits (429) and server errors keep theirs (clients retry on them)."""
    if problem_status in (401, 403):
        return 403
    if problem_status == 404:
        return 404
    if problem_status in (429,) or problem_status >= 500:
        return problem_status
    return 400


def error_response(
    path: str,
    status: int,
    errors: Sequence[tuple[int | str, str]],
    headers: Mapping[str, str] | None = None,
) -> Response:
    items = [{"code": code, "description": description} for code, description in errors]
    return render(path, items, xml_root="errors", xml_item="error", status=status, headers=headers)


def problem_as_open311(path: str, problem: ProblemError) -> Response:
    """A problem (from the gateway or a service) in Open311's error format; each field error
    becomes one entry, described with its field."""
    status = status_for(problem.status)
    errors: list[tuple[int | str, str]] = [
        (status, f"{e.field}: {e.message}") for e in problem.errors
    ] or [(status, problem.detail or problem.title)]
    headers = {k: v for k, v in problem.headers.items() if k.lower() == "retry-after"}
    return error_response(path, status, errors, headers)
