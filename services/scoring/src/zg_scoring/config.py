"""Settings of the scoring service (env prefix ZG_SCORING_)."""

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from zg_common.settings import ServiceSettings


class ScoringSettings(ServiceSettings):
    model_config = SettingsConfigDict(
        env_prefix="ZG_SCORING_", extra="ignore", frozen=True, populate_by_name=True
    )

    http_port: int = 8004
    rebuild_poll_s: float = Field(1.0, gt=0, description="how often queued rebuilds are looked for")
    consumer_batch: int = Field(
        2000, ge=1, le=50_000, description="events folded per transaction (one poll)"
    )
