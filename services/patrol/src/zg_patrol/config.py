"""Settings of the patrol service (env prefix ZG_PATROL_)."""

from pydantic_settings import SettingsConfigDict

from zg_common.settings import ServiceSettings


class PatrolSettings(ServiceSettings):
    model_config = SettingsConfigDict(
        env_prefix="ZG_PATROL_", extra="ignore", frozen=True, populate_by_name=True
    )

    http_port: int = 8003
