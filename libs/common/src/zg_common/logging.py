"""JSON logs bound to the request and correlation ids carried through HTTP and Kafka headers."""

from __future__ import annotations

import json
import logging
import sys
import time
import uuid
from contextvars import ContextVar
from typing import Any

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)
correlation_id_var: ContextVar[str | None] = ContextVar("correlation_id", default=None)
# the id of the event a consumer is handling: what events published meanwhile were caused by
causation_id_var: ContextVar[str | None] = ContextVar("causation_id", default=None)

_STANDARD_ATTRS = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}


def new_id() -> str:
    return uuid.uuid4().hex


class JsonFormatter(logging.Formatter):
    """One JSON object per line; `extra={...}` fields become keys."""

    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "service": self.service,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        rid, cid = request_id_var.get(), correlation_id_var.get()
        if rid:
            entry["request_id"] = rid
        if cid:
            entry["correlation_id"] = cid
        for key, value in vars(record).items():
            if key not in _STANDARD_ATTRS and not key.startswith("_") and key != "color_message":
                entry[key] = value
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class ConsoleFormatter(JsonFormatter):
    """Short human-readable lines for a developer's terminal."""

    def format(self, record: logging.LogRecord) -> str:
        entry = json.loads(super().format(record))
        return render_console(entry)


def render_console(entry: dict[str, Any]) -> str:
    """Render one JSON log entry as `HH:MM:SS LEVEL msg k=v ...` (used by the supervisor too)."""
    ts = str(entry.pop("ts", ""))[11:23]
    level = entry.pop("level", "")
    msg = entry.pop("msg", "")
    entry.pop("service", None)
    entry.pop("logger", None)
    exc = entry.pop("exc", None)
    extras = " ".join(f"{k}={v}" for k, v in entry.items())
    line = f"{ts} {level:<7} {msg}" + (f"  {extras}" if extras else "")
    return line + (f"\n{exc}" if exc else "")


def configure_logging(service: str, *, level: str = "INFO", fmt: str = "json") -> None:
    """Route every logger (ours, uvicorn's, aiokafka's) through one handler on stdout."""
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(ConsoleFormatter(service) if fmt == "console" else JsonFormatter(service))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    # Our request middleware writes the access log with ids; uvicorn's own would duplicate it.
    logging.getLogger("uvicorn.access").disabled = True
    logging.getLogger("aiokafka").setLevel(max(logging.WARNING, root.level))
