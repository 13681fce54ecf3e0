"""Settings of the patrol service (env prefix ZG_PATROL_)."""

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import SettingsConfigDict

from zg_common.settings import ServiceSettings


class PatrolSettings(ServiceSettings):
    model_config = SettingsConfigDict(
        env_prefix="ZG_PATROL_", extra="ignore", frozen=True, populate_by_name=True
    )

    http_port: int = 8003

    # the route solver's budget for a whole day's plan, and its worker processes (0: one per
    # core)
    plan_time_limit_s: float = Field(default=7.0, gt=0, le=600)
    plan_workers: int = Field(default=0, ge=0, le=64)
    # signs the patrol points' QR codes; no default (never in the repository): `make run`
    # keeps one under .data/, compose demands it
    qr_secret: SecretStr | None = None
    # the public keys of earlier secrets whose printed codes are still taken (the current
    # secret's is always); the same list intake reads (zg_common.pointcodes)
    qr_public_keys: tuple[str, ...] = Field(
        default=(), validation_alias=AliasChoices("ZG_QR_PUBLIC_KEYS", "ZG_PATROL_QR_PUBLIC_KEYS")
    )
    # how often the windows that closed are looked at for missed visits
    missed_watch_interval_s: float = Field(default=30.0, gt=0)
    # how often case tasks waiting for a route are looked for, and the solver's budget for
    # planning the rest of one grid's shift again (a task, a drop-out)
    task_watch_interval_s: float = Field(default=2.0, gt=0)
    replan_time_limit_s: float = Field(default=1.0, gt=0, le=60)
    # the platform makes today's plan when nobody has, and tomorrow's from this hour (local)
    auto_plan: bool = True
    auto_plan_ahead_hour: int = Field(default=18, ge=0, le=23)
