"""Fire events: detections grouped across satellites, Beijing days, confidence, stable ids."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest
from helpers import at_once

from geoaq._errors import FireRulesError
from geoaq.db import connection as db
from geoaq.fires import events as fires
from geoaq.fires.events import group_detections, summarize_events
from geoaq.fires.rules import FireRules, load_fire_rules
from geoaq.ingest.layer import ingest

RULES = FireRules(heat_industries=("钢铁",), heat_mine_minerals=("煤",))
HEADER = "latitude,longitude,bright_ti4,scan,track,acq_date,acq_time,satellite,confidence,version,bright_ti5,frp,daynight\n"


def detections(rows: list[tuple]) -> pd.DataFrame:
    """(lat, lon, 'YYYY-MM-DD HH:MM' UTC, satellite, instrument[, scan, track]) → detections."""
    records = []
    for row in rows:
        lat, lon, stamp, satellite, instrument, *pixel = row
        utc = pd.Timestamp(stamp)
        records.append({
            "latitude": lat, "longitude": lon, "acq_date": utc.date(), "acq_time": utc.strftime("%H%M"),
            "satellite": satellite, "instrument": instrument, "confidence_class": "nominal",
            "acquired_at_utc": utc, "frp": 5.0,
            "scan": pixel[0] if pixel else np.nan, "track": pixel[1] if pixel else np.nan,
        })
    return pd.DataFrame(records)


def test_same_fire_seen_by_several_satellites_is_one_event():
    frame = detections([
        (34.6000, 112.4000, "2025-04-23 05:30", "N", "VIIRS"),
        (34.6020, 112.4010, "2025-04-23 06:20", "N20", "VIIRS"),  # ~240 m away: same fire
        (34.6050, 112.4040, "2025-04-23 02:40", "T", "MODIS"),    # ~700 m: within MODIS's 1 km
        (34.6500, 112.4000, "2025-04-23 05:30", "N", "VIIRS"),    # 5.5 km away: another fire
    ])
    grouped = group_detections(frame, RULES)
    assert grouped["event_id"].nunique() == 2
    assert len(set(grouped["event_id"][:3])) == 1
    events = summarize_events(grouped).set_index("event_id")
    big = events.loc[grouped["event_id"][0]]
    assert big["detections"] == 3 and big["satellites"] == "N,N20,T"
    assert big["instruments"] == "MODIS,VIIRS"
    assert big["first_utc"] == pd.Timestamp("2025-04-23 02:40")


def test_viirs_pixels_link_only_within_375_m():
    frame = detections([(34.6000, 112.4000, "2025-04-23 05:30", "N", "VIIRS"),
                        (34.6030, 112.4000, "2025-04-23 05:31", "N20", "VIIRS")])  # ~333 m
    assert group_detections(frame, RULES)["event_id"].nunique() == 1
    frame = detections([(34.6000, 112.4000, "2025-04-23 05:30", "N", "VIIRS"),
                        (34.6040, 112.4000, "2025-04-23 05:31", "N20", "VIIRS")])  # ~444 m
    assert group_detections(frame, RULES)["event_id"].nunique() == 2


def test_scan_track_footprint_sets_the_linking_distance():
    # MODIS at the swath edge: 4.0 km × 2.0 km pixels link detections 3 km apart
    frame = detections([(34.600, 112.40, "2025-04-23 02:40", "T", "MODIS", 4.0, 2.0),
                        (34.627, 112.40, "2025-04-23 05:40", "A", "MODIS", 1.0, 1.0)])  # ~3.0 km
    assert group_detections(frame, RULES)["event_id"].nunique() == 1
    no_footprint = FireRules(use_scan_track=False)
    assert group_detections(frame, no_footprint)["event_id"].nunique() == 2


def test_beijing_day_boundary_splits_events():
    # 15:30 UTC is 23:30 in Beijing (same day); 16:30 UTC is 00:30 the next Beijing day
    frame = detections([(34.6, 112.4, "2025-04-23 15:30", "N", "VIIRS"),
                        (34.6, 112.4, "2025-04-23 16:30", "N20", "VIIRS"),
                        (34.6, 112.4, "2025-04-23 01:00", "T", "MODIS")])
    grouped = group_detections(frame, RULES)
    events = summarize_events(grouped).sort_values("first_utc")
    assert list(events["local_date"]) == [date(2025, 4, 23), date(2025, 4, 24)]
    assert list(events["detections"]) == [2, 1]
    assert grouped.loc[0, "event_id"].startswith("FE-20250423-")
    assert grouped.loc[1, "event_id"].startswith("FE-20250424-")


def test_time_chaining_window_instead_of_days():
    frame = detections([(34.6, 112.4, "2025-04-23 15:30", "N", "VIIRS"),
                        (34.6, 112.4, "2025-04-23 16:30", "N20", "VIIRS")])
    chained = FireRules(window_hours=6)
    assert group_detections(frame, chained)["event_id"].nunique() == 1


def test_event_id_is_stable_when_later_detections_join():
    first = detections([(34.6, 112.4, "2025-04-23 02:40", "T", "MODIS")])
    more = detections([(34.6, 112.4, "2025-04-23 02:40", "T", "MODIS"),
                       (34.601, 112.401, "2025-04-23 05:30", "N", "VIIRS")])
    assert group_detections(first, RULES)["event_id"][0] == group_detections(more, RULES)["event_id"][0]


@pytest.mark.parametrize(("given", "expected"), [
    ("l", "low"), ("n", "nominal"), ("h", "high"), ("Low", "low"), ("nominal", "nominal"),
    ("HIGH", "high"), (29, "low"), ("30", "nominal"), (79, "nominal"), (80, "high"), (100, "high"),
])
def test_confidence_words_letters_and_modis_percent(given, expected):
    assert fires.parse_confidence(given) == expected


@pytest.mark.parametrize("bad", ["sure", "101", -1])
def test_bad_confidence_is_refused(bad):
    with pytest.raises(ValueError, match="confidence"):
        fires.parse_confidence(bad)


def test_connected_labels_chain():
    labels = fires.connected_labels(5, np.array([0, 1, 3]), np.array([1, 2, 4]))
    assert list(labels) == [0, 0, 0, 3, 3]


def _write_firms(path, rows):
    path.write_text(HEADER + "".join(rows), encoding="utf-8")
    return path


def test_refresh_events_stores_events_and_reports_renames(tmp_path):
    con = db.connect(tmp_path / "f.duckdb")
    viirs = "{lat},{lon},330.1,0.4,0.4,{d},{t},{s},n,2.0NRT,290.0,3.1,D\n"
    _write_firms(tmp_path / "a.csv", [viirs.format(lat=34.6, lon=112.4, d="2025-04-23", t="0530", s="N")])
    ingest("fire_points", tmp_path / "a.csv", con=con)
    result = fires.refresh_events(con, date(2025, 4, 23), date(2025, 4, 23), RULES)
    assert (result.detections, result.events, result.renamed) == (1, 1, {})
    (old_id,) = con.execute("SELECT event_id FROM fire_events").fetchone()

    # an earlier pass of the same fire arrives later: it becomes the first detection
    _write_firms(tmp_path / "b.csv", [viirs.format(lat=34.601, lon=112.401, d="2025-04-23", t="0200", s="N20")])
    ingest("fire_points", tmp_path / "b.csv", con=con)
    result = fires.refresh_events(con, date(2025, 4, 23), date(2025, 4, 23), RULES)
    (new_id,) = con.execute("SELECT event_id FROM fire_events").fetchone()
    assert result.events == 1 and new_id != old_id and result.renamed == {old_id: new_id}
    members = con.execute("SELECT count(*) FROM fire_event_detections WHERE event_id = ?", [new_id]).fetchone()
    assert members == (2,)
    # recomputing the same data writes nothing (the app recomputes on every view)
    stamp = con.execute("SELECT computed_at FROM fire_events").fetchone()
    assert fires.refresh_events(con, date(2025, 4, 23), date(2025, 4, 23), RULES).renamed == {}
    assert con.execute("SELECT computed_at FROM fire_events").fetchone() == stamp
    con.close()


def test_refresh_only_touches_the_requested_days(tmp_path):
    con = db.connect(tmp_path / "f.duckdb")
    viirs = "{lat},{lon},330.1,0.4,0.4,{d},{t},N,n,2.0NRT,290.0,3.1,D\n"
    _write_firms(tmp_path / "a.csv", [viirs.format(lat=34.6, lon=112.4, d="2025-04-22", t="0530"),
                                      viirs.format(lat=34.6, lon=112.4, d="2025-04-23", t="0530")])
    ingest("fire_points", tmp_path / "a.csv", con=con)
    fires.refresh_events(con, None, None, RULES)
    assert con.execute("SELECT count(*) FROM fire_events").fetchone() == (2,)
    fires.refresh_events(con, date(2025, 4, 23), date(2025, 4, 23), RULES)
    days = [d for (d,) in con.execute("SELECT local_date FROM fire_events ORDER BY 1").fetchall()]
    assert days == [date(2025, 4, 22), date(2025, 4, 23)]
    con.close()


def test_connections_regrouping_the_same_days_at_once_all_succeed(tmp_path):
    """Two pages (or a page and the app's start-up computation) may check the same days at once:
    each gets the events, and they are written once."""
    path = tmp_path / "f.duckdb"
    con = db.connect(path)
    viirs = "{lat},{lon},330.1,0.4,0.4,{d},{t},N,n,2.0NRT,290.0,3.1,D\n"
    rows = [viirs.format(lat=34.6 + i / 100, lon=112.4, d=f"2025-04-{day}", t="0530")
            for day in (21, 22, 23) for i in range(40)]
    ingest("fire_points", _write_firms(tmp_path / "a.csv", rows), con=con)
    events = at_once(path, lambda connection: fires.refresh_events(connection, None, None, RULES).events)
    assert events == [120] * 4
    assert con.execute("SELECT count(*) FROM fire_events").fetchone() == (120,)
    assert con.execute("SELECT count(*) FROM fire_event_days").fetchone() == (3,)
    con.close()


def test_rules_file_loads_and_bad_values_are_named(tmp_path):
    rules = load_fire_rules()
    assert rules.viirs_pixel_m == 375 and rules.modis_pixel_m == 1000
    assert "钢铁" in rules.heat_industries and rules.landcover is not None
    bad = tmp_path / "fires.toml"
    bad.write_text('[categories]\nwithout_landcover = "crops"\n', encoding="utf-8")
    with pytest.raises(FireRulesError, match="without_landcover"):
        load_fire_rules(bad)


# --- vectorised grouping and summaries -------------------------------------------------------


def test_summary_of_small_events_by_hand():
    frame = detections([
        (34.6000, 112.4000, "2025-04-23 05:30", "T", "VIIRS"),
        (34.6010, 112.4010, "2025-04-23 06:20", "N", None),
        (34.6020, 112.4020, "2025-04-23 02:40", "N", "MODIS"),
        (34.7000, 112.5000, "2025-04-23 04:00", "N20", None),  # far away: its own event
    ])
    frame["confidence_class"] = ["low", None, "high", None]
    frame["frp"] = [np.nan, 2.0, 7.0, np.nan]
    events = summarize_events(group_detections(frame, RULES)).set_index("event_id")
    assert list(events.reset_index().columns) == [
        "event_id", "first_utc", "last_utc", "lon", "lat", "detections", "satellites", "instruments",
        "max_frp", "radius_m", "max_confidence", "local_date"]
    big, small = events.sort_values("detections", ascending=False).to_dict("records")
    assert big["detections"] == 3 and big["satellites"] == "N,T" and big["instruments"] == "MODIS,VIIRS"
    assert big["max_confidence"] == "high" and big["max_frp"] == 7.0
    assert big["first_utc"] == pd.Timestamp("2025-04-23 02:40") and big["last_utc"] == pd.Timestamp("2025-04-23 06:20")
    assert big["lon"] == pytest.approx(112.401) and big["lat"] == pytest.approx(34.601)
    assert big["local_date"] == date(2025, 4, 23) and big["radius_m"] == 1000.0  # MODIS/unknown: 1 km
    assert small["detections"] == 1 and small["satellites"] == "N20" and small["instruments"] == ""
    assert pd.isna(small["max_confidence"]) and np.isnan(small["max_frp"])


def test_event_ids_for_all_rows_equal_the_row_by_row_ids():
    rng = np.random.default_rng(5)
    stamps = pd.Timestamp("2025-04-23") + pd.to_timedelta(rng.integers(0, 3 * 1440, 200), unit="min")
    frame = detections([(34.6 + rng.normal(0, 0.05), 112.4 + rng.normal(0, 0.05), str(s),
                         str(rng.choice(["N", "N20", "T", "A"])), "VIIRS") for s in stamps])
    assert fires.event_ids_for(frame) == [fires.event_id_for(row) for _, row in frame.iterrows()]
    assert fires.event_ids_for(frame.iloc[0:0]) == []


def test_linked_pairs_equal_a_brute_force_count():
    rng = np.random.default_rng(9)
    n = 300
    lon, lat = 112.4 + rng.uniform(0, 0.05, n), 34.6 + rng.uniform(0, 0.05, n)
    radius, group = rng.choice([375.0, 1000.0], n), rng.integers(0, 4, n)
    left, right = fires.linked_pairs(lon, lat, radius, group)
    i, j = np.triu_indices(n, k=1)
    near = (group[i] == group[j]) & (fires.geodesic_m(lon[i], lat[i], lon[j], lat[j])
                                     <= np.maximum(radius[i], radius[j]))
    assert set(zip(left.tolist(), right.tolist(), strict=True)) == set(zip(i[near].tolist(), j[near].tolist(), strict=True))


# --- refreshing only what changed -----------------------------------------------------------

VIIRS_ROW = "{lat},{lon},330.1,0.4,0.4,{d},{t},{s},n,2.0NRT,290.0,{frp},D\n"
APRIL_23 = (date(2025, 4, 23), date(2025, 4, 23))


def _stored(con) -> tuple:
    """Everything refresh_events writes, with the times it was written."""
    return (con.execute("SELECT * EXCLUDE (geom) FROM fire_events ORDER BY event_id").fetchall(),
            con.execute("SELECT * FROM fire_event_detections ORDER BY ALL").fetchall(),
            con.execute("SELECT * FROM fire_event_days ORDER BY local_date").fetchall())


@pytest.fixture
def two_fires(tmp_path):
    """Two VIIRS detections ~444 m apart on Beijing 2025-04-23, refreshed once."""
    con = db.connect(tmp_path / "f.duckdb")
    _write_firms(tmp_path / "a.csv", [
        VIIRS_ROW.format(lat=34.600, lon=112.4, d="2025-04-23", t="0530", s="N", frp=3.1),
        VIIRS_ROW.format(lat=34.604, lon=112.4, d="2025-04-23", t="0531", s="N20", frp=3.1)])
    ingest("fire_points", tmp_path / "a.csv", con=con)
    assert fires.refresh_events(con, *APRIL_23, RULES).events == 2
    yield con
    con.close()


def test_refresh_skips_grouping_and_writes_nothing_when_nothing_changed(two_fires, monkeypatch):
    before = _stored(two_fires)
    assert len(before[2]) == 1  # the day is recorded with the rules it was computed with
    monkeypatch.setattr(fires, "group_detections", lambda *a: pytest.fail("regrouped"))
    result = fires.refresh_events(two_fires, *APRIL_23, RULES)
    assert (result.detections, result.events, result.renamed) == (2, 2, {})
    assert _stored(two_fires) == before


def test_refresh_recomputes_after_a_detection_is_added_or_removed(two_fires, tmp_path):
    _write_firms(tmp_path / "b.csv", [VIIRS_ROW.format(lat=34.7, lon=112.5, d="2025-04-23", t="0600", s="N", frp=1.0)])
    ingest("fire_points", tmp_path / "b.csv", con=two_fires)
    assert fires.refresh_events(two_fires, *APRIL_23, RULES).events == 3
    two_fires.execute("DELETE FROM fire_points WHERE latitude = 34.7")
    result = fires.refresh_events(two_fires, *APRIL_23, RULES)
    assert (result.detections, result.events) == (2, 2)
    assert two_fires.execute("SELECT count(*) FROM fire_events").fetchone() == (2,)


def test_refresh_recomputes_when_a_detection_changes_but_keeps_its_key(two_fires, tmp_path):
    _write_firms(tmp_path / "c.csv", [VIIRS_ROW.format(lat=34.600, lon=112.4, d="2025-04-23", t="0530", s="N", frp=9.5)])
    ingest("fire_points", tmp_path / "c.csv", con=two_fires)
    fires.refresh_events(two_fires, *APRIL_23, RULES)
    assert two_fires.execute("SELECT max(max_frp) FROM fire_events").fetchone() == (9.5,)


def test_refresh_recomputes_after_a_rules_change(two_fires):
    wider = FireRules(viirs_pixel_m=500, use_scan_track=False)  # 444 m apart: now one fire
    result = fires.refresh_events(two_fires, *APRIL_23, wider)
    assert result.events == 1 and len(result.renamed) == 1
    stored = two_fires.execute("SELECT detections, radius_m FROM fire_events").fetchall()
    assert stored == [(2, 500.0)]
    # a change that moves no detection still rewrites what depends on it (the linking radius)
    fires.refresh_events(two_fires, *APRIL_23, FireRules(viirs_pixel_m=600, use_scan_track=False))
    assert two_fires.execute("SELECT detections, radius_m FROM fire_events").fetchall() == [(2, 600.0)]
    assert fires.grouping_rules_hash(wider) != fires.grouping_rules_hash(RULES)
    assert fires.grouping_rules_hash(RULES) == fires.grouping_rules_hash(FireRules(heat_buffer_m=5))


def test_events_stored_before_the_days_were_recorded_are_checked_once(two_fires, monkeypatch):
    events_before = _stored(two_fires)[0]
    two_fires.execute("DELETE FROM fire_event_days")  # as a database from before migration 0004
    fires.refresh_events(two_fires, *APRIL_23, RULES)
    stored = _stored(two_fires)
    assert stored[0] == events_before and len(stored[2]) == 1  # events untouched, day recorded
    monkeypatch.setattr(fires, "group_detections", lambda *a: pytest.fail("regrouped"))
    assert fires.refresh_events(two_fires, *APRIL_23, RULES).events == 2


def test_events_removed_behind_refresh_s_back_are_recomputed(two_fires):
    two_fires.execute("DELETE FROM fire_event_detections WHERE satellite = 'N20'")
    two_fires.execute("DELETE FROM fire_events WHERE event_id NOT IN (SELECT event_id FROM fire_event_detections)")
    assert fires.refresh_events(two_fires, *APRIL_23, RULES).events == 2
    assert two_fires.execute("SELECT count(*) FROM fire_event_detections").fetchone() == (2,)


def test_events_are_current_compares_every_day():
    day = pd.Timestamp("2025-04-23")
    current = pd.DataFrame({"local_date": [day], "detections": [2], "detections_hash": np.array([7], dtype="uint64")})
    stored = pd.DataFrame({"local_date": [day], "events": [1], "members": [2], "rules_hash": ["r"],
                           "recorded_detections": [2], "recorded_hash": np.array([7], dtype="uint64"),
                           "recorded_events": [1]})
    assert fires.events_are_current(current, stored, "r")
    assert not fires.events_are_current(current, stored, "other rules")
    assert not fires.events_are_current(current.assign(detections_hash=np.array([8], dtype="uint64")), stored, "r")
    assert not fires.events_are_current(current, stored.assign(members=1), "r")
    assert not fires.events_are_current(current.iloc[0:0], stored, "r")  # detections gone
    assert not fires.events_are_current(current, stored.iloc[0:0], "r")  # never computed
    assert fires.events_are_current(current.iloc[0:0], stored.iloc[0:0], "r")
