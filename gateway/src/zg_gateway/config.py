"""Settings of the gateway (env prefix ZG_GATEWAY_)."""

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from zg_common.settings import CommonSettings


class GatewaySettings(CommonSettings):
    model_config = SettingsConfigDict(
        env_prefix="ZG_GATEWAY_", extra="ignore", frozen=True, populate_by_name=True
    )

    http_port: int = 8000
    service_urls: dict[str, str] = Field(
        default_factory=lambda: {
            "intake": "http://127.0.0.1:8001",
            "routing": "http://127.0.0.1:8002",
            "patrol": "http://127.0.0.1:8003",
            "scoring": "http://127.0.0.1:8004",
            "video-index": "http://127.0.0.1:8005",
        },
        description="JSON object: service name -> base URL",
    )
    connect_timeout_s: float = Field(default=2.0, gt=0)
    upstream_timeout_s: float = Field(
        default=10.0, gt=0, description="whole-request budget per hop"
    )
    max_connections_per_service: int = Field(default=100, ge=1)
    openapi_cache_s: float = Field(default=30.0, ge=0)
