"""How late each process's event loop runs what is due: the wait a request has behind the
other work of its process (other requests, consumers, relays), as a metric.

Every `INTERVAL_S` a timer is set for then; how late it fires is observed in
`zg_event_loop_lag_seconds`. A read that takes 40 ms through a service whose query takes 2 ms
spent the rest here (and in the machine's run queue, which this counts too: a process waiting
for a core runs its timers late as well). Twenty timers a second cost microseconds.
"""

from __future__ import annotations

import asyncio

from prometheus_client import Histogram

INTERVAL_S = 0.05
LOOP_LAG = Histogram(
    "zg_event_loop_lag_seconds",
    "How late the event loop ran a timer set for now: the wait behind the process's other work",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0),
)


async def watch(interval: float = INTERVAL_S) -> None:
    """Observe the loop's lateness until cancelled."""
    loop = asyncio.get_running_loop()
    while True:
        due = loop.time() + interval
        await asyncio.sleep(interval)
        LOOP_LAG.observe(max(0.0, loop.time() - due))
