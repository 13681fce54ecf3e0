"""Kafka entrypoints of the lighting service: none. It learns its lights' state from the
street-lighting platform over HTTP (`POST /api/v1/lighting/reports`) and tells the platform's
other services what it found (`lighting.fault`); it needs nothing they publish."""

from __future__ import annotations

from collections.abc import Sequence

from zg_common.consumer import ConsumerSpec
from zg_lighting.runtime import LightingRuntime


def consumers(runtime: LightingRuntime) -> Sequence[ConsumerSpec]:
    return ()
