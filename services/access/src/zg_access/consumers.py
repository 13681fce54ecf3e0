"""Kafka entrypoints of the access service: end the app links of accounts the gateway
disabled."""

from __future__ import annotations

from collections.abc import Sequence

from zg_access import linking
from zg_access.runtime import AccessRuntime
from zg_common.consumer import ConsumerSpec
from zg_common.contracts.gateway import TOPIC_PRINCIPAL, PrincipalRevoked


def consumers(runtime: AccessRuntime) -> Sequence[ConsumerSpec]:
    return (
        ConsumerSpec(
            name="access.principals",
            topics=(TOPIC_PRINCIPAL,),
            handlers={PrincipalRevoked.event_type: linking.unlink_revoked},
        ),
    )
