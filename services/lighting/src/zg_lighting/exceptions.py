"""Errors of the lighting service (problem+json codes)."""

from __future__ import annotations

from zg_common.errors import NotFound

__all__ = ["LightNotFound"]


class LightNotFound(NotFound):
    code = "light_not_found"
    title = "Street light not found"
