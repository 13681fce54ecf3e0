"""Where a report is: its WGS84 position, grid, zone type and patrol point — from the scanned
code of a patrol point (a resident's report "there"), from a point's id (officers, the command
centre and partner systems — Open311's `address_id` — who know the points; not residents, whose
report at a point is the scan), or from coordinates inside the district."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from zg_common.errors import FieldError, ValidationFailed
from zg_common.geo import to_wgs84
from zg_common.identity import Identity
from zg_common.pointcodes import CodeRefused, check_current
from zg_intake.exceptions import invalid_field, outside_district
from zg_intake.schemas import CaseCreate
from zg_intake.territory import Place, PointRef, Reference


def place_of(data: CaseCreate, reference: Reference, reporter: Identity) -> Place:
    if data.point_code is not None:
        point = scanned_point(data.point_code, reference)
        return reference.territory.resolve(point.lat, point.lon, point=point)
    if data.patrol_point is not None:
        if reporter.role == "resident":  # a resident's report "there" is a scan (qr_scan)
            raise invalid_field(
                "patrol_point",
                "point_code_required",
                "send the scanned code of the point as point_code, not its id",
            )
        known = reference.territory.point(data.patrol_point)
        if known is None:
            raise invalid_field(
                "patrol_point", "unknown_patrol_point", f"no patrol point {data.patrol_point}"
            )
        return reference.territory.resolve(known.lat, known.lon, point=known)
    if data.lat is None or data.lon is None:
        message = "give lat and lon, or the point_code of the patrol point scanned"
        raise ValidationFailed(
            message,
            errors=[
                FieldError(field=f, code="missing", message=message)
                for f in ("lat", "lon")
                if getattr(data, f) is None
            ],
        )
    lat, lon = to_wgs84(data.lat, data.lon, data.crs)
    if not reference.district.contains(lat, lon):
        raise outside_district(lat, lon)
    return reference.territory.resolve(lat, lon)


def scanned_point(token: str, reference: Reference) -> PointRef:
    """The point a genuine, current code stands for (patrol signs codes, intake only verifies
    them with patrol's public keys); else 422 on `point_code` with the reason: malformed,
    unknown_key, bad_signature, revoked (the point's code was reissued), unknown_point. A card
    past its validity still names its point (the validity guards officers' check-ins)."""
    try:
        code = reference.point_codes.read(token)
        point = reference.territory.point(code.point_id)
        if point is None:
            raise CodeRefused("unknown_point", f"no patrol point {code.point_id} in service")
        # patrol dates codes in the district's day, up to a day ahead of UTC's
        tomorrow = (datetime.now(UTC) + timedelta(days=1)).date()
        check_current(code, serial=point.code_serial, today=tomorrow, valid_days=None)
    except CodeRefused as refused:
        raise invalid_field("point_code", refused.reason, refused.message) from refused
    return point
