"""Settings of the access service (env prefix ZG_ACCESS_)."""

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import SettingsConfigDict

from zg_common.settings import ServiceSettings


class AccessSettings(ServiceSettings):
    model_config = SettingsConfigDict(
        env_prefix="ZG_ACCESS_", extra="ignore", frozen=True, populate_by_name=True
    )

    http_port: int = 8006
    # what residents' personal data is encrypted with, and what ID numbers are hashed with for
    # lookup (two different secrets; no default: never in the repository — `make run` keeps
    # them under .data/, compose and the chart demand them); earlier data secrets still read
    data_secret: SecretStr | None = None
    lookup_secret: SecretStr | None = None
    old_data_secrets: tuple[SecretStr, ...] = ()
    # a departed resident's personal data is deleted this many days after the departure
    retention_days: int = Field(default=180, ge=1, le=3650)
    # swipes are kept this long (the residents' card history), then deleted
    swipe_retention_days: int = Field(default=90, ge=1, le=3650)
    # this many refused swipes (cancelled or unknown cards) at one gate within the window
    # become a case; one alert per gate and window at most
    refused_swipes_threshold: int = Field(default=5, ge=1)
    refused_swipes_window_min: int = Field(default=30, ge=1, le=1440)
    # a gate not heard from (swipes or heartbeats) for this long is silent: a case
    gate_silent_after_s: float = Field(default=1800.0, gt=0)
    watch_interval_s: float = Field(default=30.0, gt=0)
    # a link code: how long it is valid, how many wrong tries end it
    link_code_ttl_s: int = Field(default=600, ge=60, le=86400)
    link_code_attempts: int = Field(default=5, ge=1, le=20)
    # who sends the link codes by SMS: "log" writes them to the service's log (development
    # and tests only; refused in production), or an HTTPS gateway of the operator's SMS
    # provider configured below
    sms_sender: str = Field(default="log", pattern=r"^(log|http)$")
    sms_http_url: str | None = None
    sms_http_token: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("ZG_ACCESS_SMS_HTTP_TOKEN")
    )
