"""Settings of the lighting service (env prefix ZG_LIGHTING_)."""

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from zg_common.settings import ServiceSettings


class LightingSettings(ServiceSettings):
    model_config = SettingsConfigDict(
        env_prefix="ZG_LIGHTING_", extra="ignore", frozen=True, populate_by_name=True
    )

    http_port: int = 8007
    # how often the lights are judged against the schedule and their reports (one replica at
    # a time), and how long a problem must last before it is a fault (a flicker of the
    # platform's reports is not a case)
    evaluate_interval_s: float = Field(default=30.0, gt=0)
    fault_after_s: float = Field(default=600.0, ge=0)
    # a circuit is dead (one case, not one per pole) when this share of its lights, and at
    # least this many, are out
    dead_circuit_share: float = Field(default=0.5, gt=0, le=1)
    dead_circuit_min: int = Field(default=3, ge=1)
    # a light whose latest report is older than this is not judged (unknown)
    report_stale_s: float = Field(default=1800.0, gt=0)
    # energy between two reports of a light counts up to this gap (a longer silence is unknown)
    energy_gap_cap_s: float = Field(default=900.0, gt=0)
