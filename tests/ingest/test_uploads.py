"""geoaq.ingest.uploads: what the data page does with uploaded files, without Streamlit."""

from __future__ import annotations

import pytest
from helpers import DATA, table_rows

from geoaq.db import connection as db
from geoaq.db import store
from geoaq.ingest.uploads import (
    MB,
    READINGS,
    UploadedBytes,
    UploadError,
    group_files,
    load_uploads,
    oversize,
    parse_pairs,
    rejects_table,
    safe_name,
    stage_fraction,
)

BAD_STATIONS = ("code,name,lon,lat\nUP01,上传站一,112.45,34.62\nUP02,上传站二,34.63,112.46\n"
                "UP03,,112.47,34.64\n").encode()


def _file(name: str) -> UploadedBytes:
    return UploadedBytes(name, (DATA / name).read_bytes())


def test_names_groups_and_pairs() -> None:
    assert safe_name("C:\\Users\\王\\站点.csv") == "站点.csv" and safe_name("../..") == "upload"
    groups, orphans = group_files(["a.SHP", "a.dbf", "A.shx", "b.csv", "c.prj"])
    assert groups == [("a.SHP", ["a.dbf", "A.shx"]), ("b.csv", [])] and orphans == ["c.prj"]
    assert parse_pairs("name=站名\nlevel = 县，city=洛阳", "map") == {"name": "站名", "level": "县", "city": "洛阳"}
    with pytest.raises(UploadError, match="NAME=VALUE"):
        parse_pairs("name", "map")
    assert oversize([UploadedBytes("big.csv", b"x" * (MB + 1)), UploadedBytes("s.csv", b"x")], 1) == [
        ("big.csv", pytest.approx(1.0, abs=0.01))]
    assert [stage_fraction(s, 5, 10) for s in ("reading", "validating", "writing", "done")] == [
        0.02, 0.05 + 0.375, 0.85, 1.0]


def test_good_bad_failed_and_too_large_files_in_one_upload(migrated_db) -> None:
    progress = []
    outcomes = load_uploads("stations", [
        UploadedBytes("坏站点.csv", BAD_STATIONS),
        _file("stations_gcj02.csv"),
        UploadedBytes("no_coordinates.csv", "code,name\nX1,无坐标\n".encode()),
        UploadedBytes("huge.csv", b"x" * (2 * MB)),
    ], db=migrated_db, options={"crs": "gcj02"}, limit_mb=1,
        progress=lambda name, done: progress.append((name, done)))
    by_name = {o.name: o for o in outcomes}
    bad = by_name["坏站点.csv"]
    assert bad.ok and (bad.rows_read, bad.loaded, bad.rejected) == (3, 1, 2)
    assert "geoaq-upload-" not in bad.summary and bad.summary.startswith("stations ← 坏站点.csv")
    reasons = dict(zip(bad.rejects["row_number"], bad.rejects["reason"], strict=True))
    assert "swapped" in reasons[3] and "required value is empty" in reasons[4]
    assert set(bad.rejects["file"]) == {"坏站点.csv"}
    assert by_name["stations_gcj02.csv"].ok and "gcj02" in by_name["stations_gcj02.csv"].summary.lower()
    failed = by_name["no_coordinates.csv"]
    assert not failed.ok and failed.error and "geoaq-upload-" not in failed.error
    huge = by_name["huge.csv"]
    assert huge.too_large and not huge.ok and "1 MB" in huge.error
    assert progress[-1][1] == pytest.approx(1.0) and all(0 <= done <= 1 for _, done in progress)
    con = db.connect(migrated_db, read_only=True)
    try:
        codes = set(con.execute("SELECT code FROM stations").df()["code"])
        stored = rejects_table(store.list_rejects(con, "stations"))
    finally:
        con.close()
    assert "UP01" in codes and "X1" not in codes and len(codes) == 1 + 4  # UP01 + the 4 GCJ-02 stations
    assert set(stored["file"]) == {"坏站点.csv"} and len(stored) == 2


def test_shapefile_parts_and_zip(migrated_db) -> None:
    parts = [_file(f"luoyang_counties_utf8.{s}") for s in ("shp", "shx", "dbf", "prj", "cpg")]
    outcomes = load_uploads("admin_units", [*parts, _file("luoyang_counties_shp.zip"),
                                            _file("luoyang_counties_gbk_nocpg.dbf")], db=migrated_db)
    by_name = {o.name: o for o in outcomes}
    assert by_name["luoyang_counties_utf8.shp"].ok and by_name["luoyang_counties_utf8.shp"].loaded == 4
    assert sorted(by_name["luoyang_counties_utf8.shp"].parts) == sorted(p.name for p in parts[1:])
    assert by_name["luoyang_counties_shp.zip"].ok and by_name["luoyang_counties_shp.zip"].loaded == 4
    orphan = by_name["luoyang_counties_gbk_nocpg.dbf"]
    assert not orphan.ok and "without its .shp" in orphan.error


def test_readings_upload_keeps_the_file_name_and_reports_rejects(migrated_db) -> None:
    outcomes = load_uploads(READINGS, [_file("readings_rejects.csv"),
                                       UploadedBytes("not_readings.csv", b"hello,world\n1,2\n")],
                            db=migrated_db, options={"fmt": "auto", "encoding": "auto"})
    good, bad = outcomes
    assert good.ok and good.loaded > 0 and good.rejected > 0 and set(good.rejects["file"]) == {"readings_rejects.csv"}
    assert not bad.ok and "not a readings file" in bad.error
    con = db.connect(migrated_db, read_only=True)
    try:
        assert table_rows(con, "readings") == good.loaded
    finally:
        con.close()


def test_unknown_options_are_refused(migrated_db) -> None:
    [outcome] = load_uploads("stations", [UploadedBytes("s.csv", b"code,name,lon,lat\n")], db=migrated_db,
                             options={"fmt": "national"})
    assert not outcome.ok and "unknown option" in outcome.error


def test_only_an_account_that_manages_data_uploads(migrated_db) -> None:
    from geoaq._errors import AccessDeniedError
    from geoaq.accounts.roles import ROLES, Actor

    for role in ROLES:
        actor = Actor(account_id=1, name=f"a-{role}", role=role, counties=frozenset({"410311"}) if role == "county" else frozenset())
        upload = [_file("stations_gcj02.csv")]
        if role == "admin":
            assert all(o.ok for o in load_uploads("stations", upload, db=migrated_db, options={"crs": "gcj02"},
                                                  actor=actor))
        else:
            with pytest.raises(AccessDeniedError, match="may not load files"):
                load_uploads("stations", upload, db=migrated_db, options={"crs": "gcj02"}, actor=actor)
    con = db.connect(migrated_db, read_only=True)
    try:
        assert int(con.execute("SELECT count(*) FROM ingest_runs").fetchone()[0]) == 1  # the admin's only
    finally:
        con.close()
