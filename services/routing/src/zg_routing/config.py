"""Settings of the routing service (env prefix ZG_ROUTING_)."""

from pydantic_settings import SettingsConfigDict

from zg_common.settings import ServiceSettings


class RoutingSettings(ServiceSettings):
    model_config = SettingsConfigDict(
        env_prefix="ZG_ROUTING_", extra="ignore", frozen=True, populate_by_name=True
    )

    http_port: int = 8002
