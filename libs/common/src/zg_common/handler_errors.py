"""What an event handler's failure means to the consumer: permanent (straight to the dead-letter
topic), or an outage of the database (wait, count nothing against the event)."""

from __future__ import annotations

import uuid

from pydantic import ValidationError
from sqlalchemy.exc import InterfaceError, OperationalError

from zg_common.errors import NotFound, database_unavailable


class PermanentError(Exception):
    """Raised by a handler for an event that can never succeed: no retries, straight to the DLQ."""


class MissingReference(PermanentError, LookupError):
    """The event names something this service does not know (a department, a case): trying the
    same event again finds the same nothing, so it is not retried."""


class MalformedEvent(PermanentError, ValueError):
    """The event's content can never be applied (an id that is not one): not retried."""


def event_uuid(value: str, what: str = "id") -> uuid.UUID:
    """An id an event carries that must be a UUID (the platform's cases); anything else is a
    malformed event, dead-lettered at once instead of retried (as a bare ValueError would be)."""
    try:
        return uuid.UUID(value)
    except ValueError as exc:
        raise MalformedEvent(f"{what} {value!r} is not a UUID") from exc


# What a handler raises for an event that can never succeed. A `NotFound` is the same "not
# found" a use case raises to an HTTP caller; from an event it is permanent too.
PERMANENT: tuple[type[BaseException], ...] = (PermanentError, ValidationError, NotFound)


def is_outage(exc: BaseException) -> bool:
    """A failure to reach the database rather than a fault of the event. Handlers only do
    database work (calls to other systems go through an outbox of their own), so a connection
    error means an outage; so does PostgreSQL starting up or shutting down (57P0x), refusing
    connections (53300) or the pool timing out — the same reading as the HTTP side's 503."""
    if isinstance(exc, OperationalError | InterfaceError):
        return True
    return database_unavailable(exc)
