"""Settings of the gateway (env prefix ZG_GATEWAY_)."""

from pathlib import Path

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import SettingsConfigDict

from zg_common.settings import ServiceSettings, default_ops_dir


class GatewaySettings(ServiceSettings):
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
    # Signs the access tokens the gateway issues; no default (secrets never in the repository).
    jwt_secret: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("ZG_JWT_SECRET")
    )
    jwt_issuer: str = "zongguan"
    access_token_ttl_s: int = Field(default=600, ge=30, le=3600)
    # how often each gateway reads the list of revoked access tokens (logouts, disabled
    # accounts): a revocation holds on every gateway within this
    revocation_poll_s: float = Field(default=2.0, gt=0, le=60)
    refresh_token_ttl_days: int = Field(default=30, ge=1, le=365)
    # Development and test only: where the demo accounts' passwords are written on first start.
    demo_credentials_file: Path | None = None
    # the operators' live map page (/ops): its own files; its libraries come from `web_dir`
    ops_dir: Path = Field(default_factory=default_ops_dir)
    # the live map's stream: a ticket's life, the heartbeat that keeps a quiet stream open and
    # moves its position, how long a stream lasts before the page reconnects with a new ticket
    # (the account is checked again then), and how many streams one gateway serves at once
    # (each holds a Kafka consumer)
    stream_ticket_ttl_s: int = Field(default=30, ge=5, le=300)
    stream_heartbeat_s: float = Field(default=15.0, gt=0, le=60)
    stream_max_age_s: float = Field(default=900.0, ge=5)
    stream_max_connections: int = Field(default=200, ge=1)
    # requests per minute (and burst) per caller: a user, a partner key, an anonymous IP
    rate_limit_user_per_minute: int = Field(default=600, ge=1)
    rate_limit_key_per_minute: int = Field(default=1200, ge=1)
    rate_limit_ip_per_minute: int = Field(default=300, ge=1)
    rate_limit_burst: int = Field(default=60, ge=1)
    # failed and successful logins alike, per username: slows password guessing
    rate_limit_login_per_minute: int = Field(default=10, ge=1)
    # browser origins of the web app allowed by CORS (JSON list); none by default
    cors_origins: list[str] = Field(default_factory=list)
    # A city OpenID Connect provider whose access tokens the gateway accepts beside its own
    oidc_issuer: str | None = None
    oidc_jwks_url: str | None = None
    oidc_audience: str = "zongguan-api"
    oidc_role_claim: str = "zg_role"
    oidc_department_claim: str = "zg_department_ids"
    oidc_grid_claim: str = "zg_grid_ids"
