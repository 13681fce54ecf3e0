"""Settings of the intake service (env prefix ZG_INTAKE_)."""

from ipaddress import IPv4Network, IPv6Network
from pathlib import Path

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import SettingsConfigDict

from zg_common.egress import EgressPolicy
from zg_common.settings import ServiceSettings, find_repo_root


def default_media_root() -> Path:
    return (find_repo_root() or Path.cwd()) / ".data" / "media"


class IntakeSettings(ServiceSettings):
    model_config = SettingsConfigDict(
        env_prefix="ZG_INTAKE_", extra="ignore", frozen=True, populate_by_name=True
    )

    http_port: int = 8001

    # Media: a folder by default; an S3-compatible bucket when media_s3_endpoint is set.
    media_root: Path = Field(default_factory=default_media_root)
    media_s3_endpoint: str | None = None
    media_s3_bucket: str = "zongguan-media"
    media_s3_region: str = "us-east-1"
    media_s3_prefix: str = ""
    media_s3_access_key: SecretStr | None = None
    media_s3_secret_key: SecretStr | None = None
    media_max_photo_bytes: int = Field(default=20 * 1024 * 1024, ge=1024)
    media_max_video_bytes: int = Field(default=100 * 1024 * 1024, ge=1024)
    media_max_pixels: int = Field(default=60_000_000, ge=10_000)
    media_max_per_case: int = Field(default=9, ge=1)
    # what one caller may upload in 24 hours (photos and videos, as received)
    media_quota_bytes_per_day: int = Field(default=2 * 1024**3, ge=1024)
    # an upload never attached to a case is removed after this many hours
    media_unattached_ttl_h: int = Field(default=24, ge=1)

    # Open311 GeoReport v2 (/open311/v2): the jurisdiction this endpoint serves, and whether
    # anyone may list requests (the spec's public GETs) or only partner keys, by their rules
    open311_jurisdiction_id: str = "fangxing.baohe.hefei"
    open311_public_requests: bool = True
    # public listings (callers the row rules do not give a case) show places rounded to this
    # many decimals of a degree (3: about 110 m); camera alarms and hotline orders not at all
    open311_public_precision: int = Field(default=3, ge=0, le=6)
    # the platform's address as callers reach it (the gateway), for Open311's discovery
    public_url: str | None = Field(
        default=None, validation_alias=AliasChoices("ZG_PUBLIC_URL", "ZG_INTAKE_PUBLIC_URL")
    )

    # Webhooks: delivery attempts (retried base, 2 x base, 4 x base ... seconds apart, at most
    # an hour), the per-attempt timeout and how often the worker looks for due deliveries
    webhook_max_attempts: int = Field(default=10, ge=1)
    webhook_retry_base_s: float = Field(default=10.0, gt=0)
    webhook_timeout_s: float = Field(default=10.0, gt=0)
    webhook_poll_interval_s: float = Field(default=1.0, gt=0)
    # Where webhooks may be delivered (zg_common.egress, checked at connect time): addresses
    # on the internet (`public`), and these networks besides — an intranet partner's, or
    # loopback for `make run` and the tests. `resolve_names` off: only IP literals and
    # localhost, so that not even a DNS lookup leaves the machine (the tests, the fuzzing).
    webhook_public: bool = True
    webhook_allowed_networks: tuple[IPv4Network | IPv6Network, ...] = ()
    webhook_resolve_names: bool = True

    def egress_policy(self) -> EgressPolicy:
        return EgressPolicy(
            allowed_networks=self.webhook_allowed_networks,
            public=self.webhook_public,
            resolve_names=self.webhook_resolve_names,
        )

    # patrol's public keys its points' QR codes are verified with (a resident's report "there"
    # carries the code: zg_common.pointcodes); the same list patrol reads
    qr_public_keys: tuple[str, ...] = Field(
        default=(), validation_alias=AliasChoices("ZG_QR_PUBLIC_KEYS", "ZG_INTAKE_QR_PUBLIC_KEYS")
    )

    # how often a process looks for changes of the territory copy that another replica applied
    territory_follow_s: float = Field(default=5.0, gt=0)
