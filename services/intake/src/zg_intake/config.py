"""Settings of the intake service (env prefix ZG_INTAKE_)."""

from pydantic_settings import SettingsConfigDict

from zg_common.settings import ServiceSettings


class IntakeSettings(ServiceSettings):
    model_config = SettingsConfigDict(
        env_prefix="ZG_INTAKE_", extra="ignore", frozen=True, populate_by_name=True
    )

    http_port: int = 8001
