"""Settings of the routing service (env prefix ZG_ROUTING_)."""

from pydantic_settings import SettingsConfigDict

from zg_common.settings import ServiceSettings


class RoutingSettings(ServiceSettings):
    model_config = SettingsConfigDict(
        env_prefix="ZG_ROUTING_", extra="ignore", frozen=True, populate_by_name=True
    )

    http_port: int = 8002

    # reports from the public (resident app, QR scan, 12345) wait for an officer's on-site
    # verification before they are accepted; after it the platform accepts, files and
    # dispatches them by the rules, as it does other reports at once
    verify_public_reports: bool = True
