"""Smart-access service (门禁, 一卡通): the residential compounds with their gates and
households, the residents registered on arrival and cancelled on departure with their cards,
the gates' swipes, and the cases gates ask for. Residents' personal data is encrypted at rest,
masked in answers, audited when read in full and deleted after the retention period."""

from __future__ import annotations

from fastapi import FastAPI

from zg_access import gates, gates_router, refdata, retention, self_router
from zg_access.config import AccessSettings
from zg_access.consumers import consumers
from zg_access.models import SCHEMA, outbox
from zg_access.router import router
from zg_access.runtime import State
from zg_common.app import ServiceSpec, create_service_app
from zg_common.contracts.access import CONTRACTS


def create_app(settings: AccessSettings | None = None) -> FastAPI:
    return create_service_app(
        settings or AccessSettings(),
        ServiceSpec(
            name="access",
            title="Zongguan smart access",
            description="Residential compounds, residents and their cards (一卡通): registered "
            "on arrival, cancelled on departure (人来登记、人走注销); gates' swipes.",
            schema=SCHEMA,
            package_file=__file__,
            state=State,
            routers=[self_router.router, router, gates_router.router],
            outbox=outbox,
            produces=CONTRACTS,
            on_startup=[refdata.load],
            consumers=consumers,
            purges=[retention.housekeeping],
            workers=[gates.watch],
        ),
    )
