"""Video-index's per-process state, filled at start-up, and its runtime type."""

from __future__ import annotations

from dataclasses import dataclass, field

from zg_common.app import Runtime
from zg_common.jobs import Jobs
from zg_common.territory import CopyFollower
from zg_video_index.config import VideoIndexSettings
from zg_video_index.registry import LiveIndex, Territory


@dataclass
class State:
    grids: Territory = field(init=False)  # position -> grid
    index: LiveIndex = field(init=False)  # the camera index, kept in step with the registry
    # keeps the in-memory index of the territory copy in step with its tables
    territory_copy: CopyFollower = field(init=False)
    jobs: Jobs | None = None  # the camera imports (imports.jobs_of)


VideoIndexRuntime = Runtime[VideoIndexSettings, State]
