"""The path parameters of patrol's endpoints, checked the same way everywhere."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path

GridId = Annotated[str, Path(pattern=r"^G\d{2,3}$")]
PointId = Annotated[str, Path(pattern=r"^P\d{4,6}$")]
RouteId = Annotated[str, Path(pattern=r"^R\d{2,4}$")]
Badge = Annotated[str, Path(pattern=r"^[A-Z]{2}\d{3,6}$")]
