"""Assessment periods (考核周期): calendar days, ISO weeks and months in the district's local
time (Asia/Shanghai), each `[start, end)`, or a range of local dates with both ends included.

    period=2026-10        the month
    period=2026-W43       the ISO week (Monday to Sunday)
    period=2026-10-27     the day
    from=2026-10-01&to=2026-10-15
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from zg_common.errors import FieldError, ValidationFailed

LOCAL_TZ = ZoneInfo("Asia/Shanghai")
MAX_RANGE_DAYS = 366

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")
_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")

Kind = Literal["day", "week", "month", "range"]


def local_midnight(day: date) -> datetime:
    """The moment a local day starts, in UTC."""
    return datetime.combine(day, time(0), LOCAL_TZ).astimezone(UTC)


def local_day(moment: datetime) -> date:
    return moment.astimezone(LOCAL_TZ).date()


@dataclass(frozen=True)
class Period:
    kind: Kind
    label: str
    first: date  # the first local day
    last: date  # the last local day (included)

    @property
    def start(self) -> datetime:
        return local_midnight(self.first)

    @property
    def end(self) -> datetime:
        """The moment after the period (its last day's end)."""
        return local_midnight(self.last + timedelta(days=1))

    def days(self) -> list[Period]:
        count = (self.last - self.first).days + 1
        return [day_period(self.first + timedelta(days=n)) for n in range(count)]

    def contains(self, moment: datetime) -> bool:
        return self.start <= moment < self.end


def day_period(day: date) -> Period:
    return Period("day", day.isoformat(), day, day)


def month_period(year: int, month: int) -> Period:
    first = date(year, month, 1)
    following = date(year + month // 12, month % 12 + 1, 1)
    return Period("month", f"{year:04d}-{month:02d}", first, following - timedelta(days=1))


def week_period(year: int, week: int) -> Period:
    first = date.fromisocalendar(year, week, 1)
    return Period("week", f"{year:04d}-W{week:02d}", first, first + timedelta(days=6))


def _invalid(field: str, code: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, errors=[FieldError(field=field, code=code, message=message)])


def parse_period(text: str) -> Period:
    """`2026-10`, `2026-W43` or `2026-10-27`; anything else is a 422 `invalid_period`."""
    try:
        if m := _MONTH.match(text):
            return month_period(int(m[1]), int(m[2]))
        if m := _WEEK.match(text):
            return week_period(int(m[1]), int(m[2]))
        if m := _DAY.match(text):
            return day_period(date(int(m[1]), int(m[2]), int(m[3])))
    except ValueError:
        pass  # a month 13, a week 54, a day 31 of November
    raise _invalid(
        "period",
        "invalid_period",
        f"{text!r} is not a period: give a month (2026-10), an ISO week (2026-W43) or a day "
        "(2026-10-27)",
    )


def resolve(period: str | None, first: date | None, last: date | None, *, now: datetime) -> Period:
    """The period a request asks for: `period`, or `from` and `to` (local dates, both
    included), or when neither is given the current local month."""
    if period is not None:
        if first is not None or last is not None:
            raise _invalid(
                "period", "period_and_range", "give either period or from and to, not both"
            )
        return parse_period(period)
    if first is None and last is None:
        today = local_day(now)
        return month_period(today.year, today.month)
    if first is None or last is None:
        missing = "from" if first is None else "to"
        raise _invalid(missing, "range_incomplete", "a range needs both from and to")
    if first > last:
        raise _invalid("from", "range_inverted", "from must not be after to")
    if (last - first).days + 1 > MAX_RANGE_DAYS:
        raise _invalid("to", "range_too_long", f"a range covers at most {MAX_RANGE_DAYS} days")
    return Period("range", f"{first.isoformat()}..{last.isoformat()}", first, last)


def month_of(day: date) -> Period:
    return month_period(day.year, day.month)


def month(text: str) -> Period:
    period = parse_period(text)
    if period.kind != "month":
        raise ValidationFailed(
            "A month is asked for (2026-10)",
            errors=[FieldError(field="period", code="not_a_month", message="2026-10")],
        )
    return period
