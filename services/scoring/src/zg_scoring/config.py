"""Settings of the scoring service (env prefix ZG_SCORING_)."""

from datetime import time

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from zg_common.settings import ServiceSettings


class ScoringSettings(ServiceSettings):
    model_config = SettingsConfigDict(
        env_prefix="ZG_SCORING_", extra="ignore", frozen=True, populate_by_name=True
    )

    http_port: int = 8004
    rebuild_poll_s: float = Field(1.0, gt=0, description="how often queued rebuilds are looked for")
    report_close_day: int = Field(
        5, ge=1, le=28, description="the day of the next month a month's reports are final"
    )
    report_close_time: time = Field(time(0, 0), description="local time on that day")
    report_check_s: float = Field(60.0, gt=0, description="how often closing is looked at")
    consumer_batch: int = Field(
        2000, ge=1, le=50_000, description="events folded per transaction (one poll)"
    )
    replay_batch: int = Field(
        5000, ge=1, le=50_000, description="events a rebuild folds per transaction"
    )
    replay_processes: int | None = Field(
        None,
        ge=1,
        description="processes a rebuild shares the partitions among (default: two per CPU, "
        "at most one per partition number)",
    )
