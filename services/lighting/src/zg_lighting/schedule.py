"""When the street lights should be on: from a season's minutes after sunset to its minutes
before sunrise, dimmed in the small hours. Sunrise and sunset by NOAA's solar equations
(https://gml.noaa.gov/grad/solcalc/solareqns.PDF: the fractional year, the equation of time,
the declination, the hour angle at the zenith 90.833°, i.e. refraction and the sun's disc),
good to a minute or two at the district's latitude."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Any, Literal

Desired = Literal["on", "dimmed", "off"]


def sun_times(day: date, lat: float, lon: float) -> tuple[datetime, datetime]:
    """(sunrise, sunset) of the day at the place, in UTC (NOAA's general solar position)."""
    n = day.timetuple().tm_yday
    days = 366 if day.year % 4 == 0 and (day.year % 100 != 0 or day.year % 400 == 0) else 365
    g = 2 * math.pi / days * (n - 1)
    eqtime = 229.18 * (
        0.000075
        + 0.001868 * math.cos(g)
        - 0.032077 * math.sin(g)
        - 0.014615 * math.cos(2 * g)
        - 0.040849 * math.sin(2 * g)
    )
    decl = (
        0.006918
        - 0.399912 * math.cos(g)
        + 0.070257 * math.sin(g)
        - 0.006758 * math.cos(2 * g)
        + 0.000907 * math.sin(2 * g)
        - 0.002697 * math.cos(3 * g)
        + 0.00148 * math.sin(3 * g)
    )
    phi = math.radians(lat)
    cos_ha = math.cos(math.radians(90.833)) / (math.cos(phi) * math.cos(decl)) - math.tan(
        phi
    ) * math.tan(decl)
    ha = math.degrees(math.acos(max(-1.0, min(1.0, cos_ha))))
    midnight = datetime.combine(day, time(0), tzinfo=UTC)
    sunrise = midnight + timedelta(minutes=720 - 4 * (lon + ha) - eqtime)
    sunset = midnight + timedelta(minutes=720 - 4 * (lon - ha) - eqtime)
    return sunrise, sunset


@dataclass(frozen=True)
class Night:
    """One evening's plan (the night that begins on `day`, local)."""

    day: date
    season: str
    sunset: datetime
    on_at: datetime
    dim_from: datetime
    dim_to: datetime
    off_at: datetime
    sunrise: datetime  # the next morning's
    dim_pct: int


class Schedule:
    def __init__(self, document: dict[str, Any]) -> None:
        spec = document["schedule"]
        hours, minutes = document.get("timezone", "+08:00").lstrip("+").split(":")
        self.zone = timezone(timedelta(hours=int(hours), minutes=int(minutes)))
        self.lat, self.lon = float(spec["latitude"]), float(spec["longitude"])
        self.seasons = {m: s for s in spec["seasons"] for m in s["months"]}
        self.dim_from = time.fromisoformat(spec["dim"]["from"])
        self.dim_to = time.fromisoformat(spec["dim"]["to"])
        self.dim_pct = int(spec["dim"]["level_pct"])

    def night(self, day: date) -> Night:
        season = self.seasons[day.month]
        _, sunset = sun_times(day, self.lat, self.lon)
        sunrise, _ = sun_times(day + timedelta(days=1), self.lat, self.lon)

        def local(d: date, t: time) -> datetime:
            return datetime.combine(d, t, tzinfo=self.zone)

        dim_from = local(
            day + timedelta(days=1) if self.dim_from < time(12) else day, self.dim_from
        )
        return Night(
            day=day,
            season=season["name"],
            sunset=sunset.astimezone(self.zone),
            on_at=(sunset + timedelta(minutes=season["on_after_sunset_min"])).astimezone(self.zone),
            dim_from=dim_from,
            dim_to=local(day + timedelta(days=1), self.dim_to),
            off_at=(sunrise - timedelta(minutes=season["off_before_sunrise_min"])).astimezone(
                self.zone
            ),
            sunrise=sunrise.astimezone(self.zone),
            dim_pct=self.dim_pct,
        )

    def night_of(self, at: datetime) -> date:
        """The night a moment belongs to: its local day, or the day before before noon."""
        local = at.astimezone(self.zone)
        return local.date() - timedelta(days=1) if local.hour < 12 else local.date()

    def desired(self, at: datetime) -> Desired:
        plan = self.night(self.night_of(at))
        if not plan.on_at <= at < plan.off_at:
            return "off"
        return "dimmed" if plan.dim_from <= at < plan.dim_to else "on"

    def settled(self, at: datetime, margin: timedelta) -> bool:
        """Whether the lights have had `margin` since the last switching (a light still
        switching is not judged)."""
        plan = self.night(self.night_of(at))
        edges = (plan.on_at, plan.dim_from, plan.dim_to, plan.off_at)
        return all(abs(at - edge) >= margin for edge in edges)
