"""Settings of the video-index service (env prefix ZG_VIDEO_INDEX_)."""

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from zg_common.settings import ServiceSettings


class VideoIndexSettings(ServiceSettings):
    model_config = SettingsConfigDict(
        env_prefix="ZG_VIDEO_INDEX_", extra="ignore", frozen=True, populate_by_name=True
    )

    http_port: int = 8005
    # how often this process reads the registry's changes into its camera index (other
    # replicas' writes; its own apply at once)
    index_refresh_interval_s: float = Field(default=1.0, gt=0)
    # the whole registry read again into the index (a drift would be logged)
    index_reconcile_interval_s: float = Field(default=600.0, gt=0)
    # a camera not heard from for this long goes offline; how often that is looked at
    heartbeat_timeout_s: float = Field(default=300.0, gt=0)
    health_watch_interval_s: float = Field(default=15.0, gt=0)
    # how often a process looks for changes of the grid copy that another replica applied
    territory_follow_s: float = Field(default=5.0, gt=0)
