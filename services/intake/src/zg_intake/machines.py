"""Cases that machines ask for: a video-analytics alarm at a camera, a compound gate's alert
(refused swipes, a gate gone silent), a street-light fault (a dead circuit, one pole). Each
becomes a case once per alarm, alert or fault id (a machine's repeats are the same case), in
the machine's channel, with no required questions."""

from __future__ import annotations

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from zg_common.consumer import PermanentError
from zg_common.contracts.access import GateAlertRaised
from zg_common.contracts.intake import Channel
from zg_common.contracts.lighting import LIGHTING_SYSTEM, FaultRaised
from zg_common.contracts.video_index import CameraAlarmRaised
from zg_common.errors import ValidationFailed
from zg_common.events import CloudEvent
from zg_common.identity import Identity
from zg_intake import repository
from zg_intake.schemas import CaseCreate, ExternalRef
from zg_intake.service import report_case
from zg_intake.territory import Reference

CAMERA_ALARM_SYSTEM = "camera-alarm"
GATE_ALERT_SYSTEM = "access-gate"


async def _report(
    session: AsyncSession,
    *,
    reference: Reference,
    system: str,
    alert_id: str,
    reporter: Identity,
    source: Channel,
    camera_id: str | None = None,
    **fields: object,
) -> None:
    if await repository.case_by_external_ref(session, system, alert_id):
        return
    try:
        data = CaseCreate.model_validate(
            {**fields, "external_ref": ExternalRef(system=system, id=alert_id[:100])}
        )
    except ValidationError as exc:
        raise PermanentError(f"{system} {alert_id} is not a valid report: {exc}") from exc
    try:
        await report_case(
            session,
            data=data,
            reference=reference,
            reporter=reporter,
            source=source,
            camera_id=camera_id,
        )
    except ValidationFailed as exc:  # unknown category, outside the district: never succeeds
        raise PermanentError(f"{system} {alert_id} refused: {exc.detail}") from exc


async def report_camera_alarm(
    session: AsyncSession, event: CloudEvent, *, reference: Reference
) -> None:
    """A video-analytics alarm becomes a case of the camera channel."""
    alarm = CameraAlarmRaised.parse(event)
    description = alarm.description or (
        f"Camera {alarm.camera_id} detected {alarm.category} "
        f"(confidence {alarm.confidence:.0%}) at {alarm.detected_at.isoformat()}"
    )
    await _report(
        session,
        reference=reference,
        system=CAMERA_ALARM_SYSTEM,
        alert_id=alarm.alarm_id,
        reporter=Identity(
            sub=f"camera:{alarm.camera_id}"[:100], role="partner", name="video analytics"
        ),
        source=Channel.CAMERA,
        camera_id=alarm.camera_id,
        category=alarm.category,
        lat=alarm.lat,
        lon=alarm.lon,
        description=description[:4000],
        media_url=alarm.snapshot_url,
    )


async def report_gate_alert(
    session: AsyncSession, event: CloudEvent, *, reference: Reference
) -> None:
    """A compound gate's alert becomes a case of the access-control channel."""
    alert = GateAlertRaised.parse(event)
    description = alert.description or f"Gate {alert.gate_id} of compound {alert.compound_id}"
    await _report(
        session,
        reference=reference,
        system=GATE_ALERT_SYSTEM,
        alert_id=alert.alert_id,
        reporter=Identity(
            sub=f"gate:{alert.gate_id}"[:100], role="partner", name="smart access (一卡通)"
        ),
        source=Channel.ACCESS_CONTROL,
        category=alert.category,
        lat=alert.lat,
        lon=alert.lon,
        description=description[:4000],
    )


async def report_light_fault(
    session: AsyncSession, event: CloudEvent, *, reference: Reference
) -> None:
    """A street-light fault (a dead circuit, or one pole) becomes a case of the device channel
    with the fault's kind as the category's `fault` answer."""
    fault = FaultRaised.parse(event)
    where = f"circuit {fault.circuit_id}" if fault.light_id is None else f"light {fault.light_id}"
    await _report(
        session,
        reference=reference,
        system=LIGHTING_SYSTEM,
        alert_id=fault.fault_id,
        reporter=Identity(
            sub=f"lighting:{fault.circuit_id}"[:100], role="partner", name="智慧路灯"
        ),
        source=Channel.DEVICE,
        category=fault.category,
        lat=fault.lat,
        lon=fault.lon,
        description=(fault.description or f"Street-light fault ({fault.kind}) on {where}")[:4000],
        attributes={"fault": fault.kind},
    )
