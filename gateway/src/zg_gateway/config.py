"""Settings of the gateway (env prefix ZG_GATEWAY_)."""

import ipaddress
from pathlib import Path

from pydantic import AliasChoices, Field, SecretStr, field_validator
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
            "access": "http://127.0.0.1:8006",
            "lighting": "http://127.0.0.1:8007",
        },
        description="JSON object: service name -> base URL",
    )
    connect_timeout_s: float = Field(default=2.0, gt=0)
    upstream_timeout_s: float = Field(
        default=10.0, gt=0, description="whole-request budget per hop"
    )
    max_connections_per_service: int = Field(default=100, ge=1)
    # uploads (photos, videos, camera imports) stream through: how many at once per caller and
    # per service (kept well below the connections above, so that they never starve the other
    # requests), and how long one may take in all (100 MB at about 170 kB/s)
    uploads_per_caller: int = Field(default=2, ge=1)
    upload_slots_per_service: int = Field(default=16, ge=1)
    upload_deadline_s: float = Field(default=600.0, gt=0)
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
    # the gateway replicas add up their counts every so often (see ratelimit.py)
    rate_limit_sync_s: float = Field(default=1.0, gt=0, le=60)
    # logins per minute from one address, whatever the username
    rate_limit_login_ip_per_minute: int = Field(default=30, ge=1)
    # failed authentications (wrong password, unknown key, forged token) per minute from one
    # address before it is refused for the rest of the minute
    rate_limit_auth_failures_per_minute: int = Field(default=60, ge=1)
    # wrong passwords for one username from one address before it waits 1 s, 2 s, 4 s … up
    # to the maximum; failures from all addresses within 15 minutes that mark an attack, when
    # addresses the username never logged in from get one try a minute (logins.py)
    login_free_failures: int = Field(default=5, ge=1)
    login_max_backoff_s: int = Field(default=900, ge=1)
    login_attack_failures: int = Field(default=50, ge=1)
    # load balancers and proxies in front of the gateway (addresses or networks, JSON list):
    # only from them is X-Forwarded-For believed, and the client is the nearest address in it
    # that is not one of them; empty: the peer is the client
    trusted_proxies: list[str] = Field(default_factory=list)
    # browser origins of the web app allowed by CORS (JSON list); none by default
    cors_origins: list[str] = Field(default_factory=list)
    # A city OpenID Connect provider whose access tokens the gateway accepts beside its own
    oidc_issuer: str | None = None
    oidc_jwks_url: str | None = None
    oidc_audience: str = "zongguan-api"
    oidc_role_claim: str = "zg_role"
    oidc_department_claim: str = "zg_department_ids"
    oidc_grid_claim: str = "zg_grid_ids"
    oidc_compound_claim: str = "zg_compound_ids"

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        for item in value:
            ipaddress.ip_network(item, strict=False)  # a ValueError names the bad entry
        return value
