"""Settings of the routing service (env prefix ZG_ROUTING_)."""

from pydantic import Field
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
    # false: nothing is dispatched by the rules; operators accept, shift leaders file and
    # dispatchers dispatch each case by hand, the work queue suggesting the rules' department
    auto_dispatch: bool = True
    # how often the deadline watch looks for clocks past 80 % of their limit or their deadline
    deadline_watch_interval_s: float = Field(default=15.0, gt=0)
    # how often a routing process looks for calendar changes made through another one
    calendar_refresh_interval_s: float = Field(default=30.0, gt=0)
    # how often a process looks for changes of the grid copy that another replica applied
    territory_follow_s: float = Field(default=5.0, gt=0)
