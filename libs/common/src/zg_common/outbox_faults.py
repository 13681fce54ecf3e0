"""What the outbox relay counts, and how it reads a failure: the broker away (an outage), the
producer broken, or the row's own fault (`zg_common.outbox`)."""

from __future__ import annotations

from typing import Any

from aiokafka import errors as aiokafka_errors
from aiokafka.errors import KafkaError
from prometheus_client import Counter, Gauge, Histogram

OUTBOX_PUBLISHED = Counter(
    "zg_outbox_published_total", "Events published from the outbox", ["service"]
)
# how many rows a relay publishes at once: about one per commit when idle, more under load
OUTBOX_BATCH_ROWS = Histogram(
    "zg_outbox_batch_rows",
    "Rows an outbox relay published in one batch",
    ["service"],
    buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256),
)
OUTBOX_FAILURES = Counter("zg_outbox_publish_failures_total", "Failed outbox batches", ["service"])
OUTBOX_ROW_FAILURES = Counter(
    "zg_outbox_row_failures_total", "Outbox rows the broker refused (counted per row)", ["service"]
)
OUTBOX_SET_ASIDE = Counter(
    "zg_outbox_rows_set_aside_total",
    "Outbox rows set aside after their attempts (an operator looks at last_error)",
    ["service"],
)
OUTBOX_PRODUCER_REBUILDS = Counter(
    "zg_outbox_producer_rebuilds_total", "Producers built anew after a fatal error", ["service"]
)
OUTBOX_BACKLOG_AGE = Gauge(
    "zg_outbox_oldest_unpublished_seconds", "Age of the oldest unpublished event", ["service"]
)


def _outage(exc: BaseException) -> bool:
    """A broker-wide failure (unreachable, timed out, no leader): retried as a whole, nothing
    counted against the rows."""
    return isinstance(exc, TimeoutError) or (
        isinstance(exc, KafkaError) and bool(getattr(exc, "retriable", False))
    )


# The producer itself is unusable (closed, its sender gone, fenced, its sequence lost): not the
# row's fault — counted against no row, and the relay builds a new producer.
BROKEN_PRODUCER: tuple[type[BaseException], ...] = (
    aiokafka_errors.ProducerClosed,
    aiokafka_errors.IllegalStateError,
    aiokafka_errors.OutOfOrderSequenceNumber,
    aiokafka_errors.ProducerFenced,
    aiokafka_errors.InvalidProducerEpoch,
    aiokafka_errors.ClusterAuthorizationFailedError,
)


def unusable(producer: Any) -> bool:
    """A producer that can send nothing any more: stopped, or its sender task ended. (aiokafka
    says so only through private attributes; a send on a stopped producer may otherwise wait
    for metadata it can never fetch, which looks like an outage.)"""
    if getattr(producer, "_closed", False):
        return True
    sender = getattr(getattr(producer, "_sender", None), "sender_task", None)
    return sender is not None and sender.done()


def not_the_rows(exc: BaseException) -> bool:
    return _outage(exc) or isinstance(exc, BROKEN_PRODUCER)
