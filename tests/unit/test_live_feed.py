"""Who sees which event of the live map's feed: the REST API's operations and `Scope`."""

from __future__ import annotations

from zg_common.contracts.feed import FEED_BY_TYPE, FEED_TOPICS, LIVE_FEED, Viewer
from zg_common.identity import Identity

REPORTED = "intake.case.reported.v1"
STEP = "routing.case.transitioned.v1"
POSITION = "patrol.officer.position_reported.v1"
CAMERA = "video.camera.status_changed.v1"

OFFICER = Identity(sub="o", role="officer", grid_ids=("G01",), badge="ZG001")
ROADS = Identity(sub="r", role="department_staff", department_ids=("roads-contractor",))
CENTRE = Identity(sub="c", role="dispatcher")
RESIDENT = Identity(sub="x", role="resident")


def test_the_feed_relays_the_live_map_s_topics() -> None:
    assert set(FEED_TOPICS) == {
        "intake.case",
        "routing.case",
        "patrol.officer",
        "patrol.checkin",
        "patrol.plan",
        "video.camera",
        "lighting.fault",
        "access.compound",
        "access.gate",
    }
    assert len(FEED_BY_TYPE) == len(LIVE_FEED)


def test_an_officer_sees_the_events_of_their_grids() -> None:
    viewer = Viewer(OFFICER)
    assert viewer.sees(REPORTED, {"grid_id": "G01"})
    assert not viewer.sees(REPORTED, {"grid_id": "G02"})
    assert viewer.sees(STEP, {"grid_id": "G01", "department_id": "roads-contractor"})
    assert viewer.sees(POSITION, {"grid_id": "G01"})
    assert not viewer.sees(POSITION, {"grid_id": "G02"})
    assert viewer.sees(CAMERA, {"grid_id": "G09"}), "the camera registry is not row-scoped"


def test_a_department_sees_its_cases_and_the_step_that_takes_one_away() -> None:
    viewer = Viewer(ROADS)
    assert not viewer.sees(REPORTED, {"grid_id": "G01"}), "not yet its case"
    assert viewer.sees(STEP, {"grid_id": "G01", "department_id": "roads-contractor"})
    returned = {"grid_id": "G01", "department_id": None, "from_department_id": "roads-contractor"}
    assert viewer.sees(STEP, returned)
    assert not viewer.sees(STEP, {"grid_id": "G01", "department_id": "traffic-police"})
    assert not viewer.sees(POSITION, {"grid_id": "G01"}), "patrol.live is not theirs"
    assert not viewer.sees(CAMERA, {"grid_id": "G01"}), "nor is the camera registry"


def test_the_centre_sees_everything_and_a_resident_nothing() -> None:
    centre, resident = Viewer(CENTRE), Viewer(RESIDENT)
    for event_type in FEED_BY_TYPE:
        assert centre.sees(event_type, {})
    assert resident.allowed <= {t for t, e in FEED_BY_TYPE.items() if e.operation == "cases.read"}
    assert not resident.sees(REPORTED, {"grid_id": "G01"})
    assert not Viewer(OFFICER).sees("routing.calendar.changed.v1", {})
