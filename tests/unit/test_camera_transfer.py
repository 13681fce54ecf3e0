"""Camera files: CSV rows numbered by their line (the header is line 1), a header that is not
the registry's refused as a whole, GeoJSON features numbered from 1, and what is exported can
be imported again."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from zg_video_index import transfer

HEADER = ",".join(transfer.COLUMNS)


def test_csv_rows_carry_their_line_and_blank_cells_are_none() -> None:
    text = (
        f"{HEADER}\n"
        "TW-1,public_security,Pole 1,Police,31.8,117.3,6,90,60,100,rtsp://x/1\n"
        "\n"
        '"TW-2",public_security,"Pole, two",Police,31.8,117.3,,90,60,100,\n'
        "TW-3,public_security,short row\n"
    )
    rows = transfer.rows_of_csv(text)
    assert [line for line, _ in rows] == [2, 4, 5]
    assert rows[1][1]["name"] == "Pole, two" and rows[1][1]["height_m"] is None
    assert rows[1][1]["stream_url"] is None
    assert [(e.line, e.code) for e in transfer.shape_errors(rows)] == [(5, "wrong_cell_count")]


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "empty_file"),
        ("id,kind,name\nX,body,n\n", "bad_header"),
        (f"{HEADER},colour\n", "bad_header"),
    ],
)
def test_a_file_that_is_not_the_registrys_is_refused_as_a_whole(text: str, code: str) -> None:
    with pytest.raises(transfer.Unreadable) as refused:
        transfer.rows_of_csv(text)
    assert (refused.value.error.line, refused.value.error.code) == (1, code)


def test_geojson_features_are_numbered_from_one_and_must_be_points() -> None:
    document = (
        '{"type": "FeatureCollection", "features": ['
        '{"type": "Feature", "geometry": {"type": "Point", "coordinates": [117.3, 31.8]},'
        ' "properties": {"id": "A", "grid_id": "G01", "status": "online"}},'
        '{"type": "Feature", "geometry": {"type": "LineString", "coordinates": []},'
        ' "properties": {"id": "B"}}]}'
    )
    rows = transfer.rows_of_geojson(document)
    assert rows[0] == (1, {"id": "A", "lat": 31.8, "lon": 117.3}), "derived fields dropped"
    assert [(e.line, e.code) for e in transfer.shape_errors(rows)] == [(2, "not_a_point")]
    for bad, code in (("{", "not_json"), ('{"type": "Feature"}', "not_feature_collection")):
        with pytest.raises(transfer.Unreadable) as refused:
            transfer.rows_of_geojson(bad)
        assert refused.value.error.code == code


def test_what_is_exported_imports_again() -> None:
    camera: Any = SimpleNamespace(
        id="TW-9",
        kind="public_security",
        name="杆 9",
        owner="公安",
        lat=31.8,
        lon=117.3,
        height_m=6.5,
        heading_deg=None,
        fov_deg=360.0,
        range_m=80.0,
        stream_url="rtsp://x/9",
        grid_id="G04",
        status="online",
    )
    for with_streams in (True, False):
        csv_rows = transfer.rows_of_csv(transfer.to_csv([camera], with_streams=with_streams))
        json_rows = transfer.rows_of_geojson(
            transfer.to_geojson([camera], with_streams=with_streams)
        )
        for _, row in csv_rows + json_rows:
            assert float(row["lat"]) == 31.8 and row["name"] == "杆 9"
            assert row["heading_deg"] is None
            assert row["stream_url"] == ("rtsp://x/9" if with_streams else None)


def test_an_export_runs_no_formula_and_imports_back_unchanged() -> None:
    """CSV injection: a camera named `=HYPERLINK(...)` is text in a spreadsheet, and the
    platform reads its own export back to the same name."""
    from zg_common import csvcells
    from zg_video_index.transfer import rows_of_csv

    for name in ('=HYPERLINK("http://x","y")', "+1", "-2+3", "@SUM(A1)", "\tx", "plain"):
        written = csvcells.cell(name)
        assert written == (name if name == "plain" else "'" + name)
        assert csvcells.read(written) == name
    assert csvcells.cell(-3.5) == -3.5 and csvcells.cell(None) == ""
    text = (
        "id,kind,name,owner,lat,lon,fov_deg,range_m\n"
        "XQ-1,fixed,'=cmd|' /C calc'!A0,'@owner,31.8,117.3,60,80\n"
    )
    ((_, row),) = rows_of_csv(text)
    assert row["name"] == "=cmd|' /C calc'!A0" and row["owner"] == "@owner"
