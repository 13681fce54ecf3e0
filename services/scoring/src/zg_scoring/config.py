"""Settings of the scoring service (env prefix ZG_SCORING_)."""

from pydantic_settings import SettingsConfigDict

from zg_common.settings import ServiceSettings


class ScoringSettings(ServiceSettings):
    model_config = SettingsConfigDict(
        env_prefix="ZG_SCORING_", extra="ignore", frozen=True, populate_by_name=True
    )

    http_port: int = 8004
