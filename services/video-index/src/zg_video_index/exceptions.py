"""Errors of the video index (problem+json codes)."""

from __future__ import annotations

from zg_common.errors import GridNotFound, NotFound, ProblemError

__all__ = ["CameraNotFound", "GridNotFound", "ImportRejected"]


class CameraNotFound(NotFound):
    code = "camera_not_found"
    title = "Camera not found"


class ImportRejected(ProblemError):
    status, code, title = 422, "import_rejected", "The file has invalid rows; nothing was stored"
