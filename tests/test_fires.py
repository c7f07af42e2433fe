"""Fire events: detections grouped across satellites, Beijing days, confidence, stable ids."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from geoaq import db, fires
from geoaq.fires import FireRules, group_detections, summarize_events
from geoaq.ingest import ingest

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


def test_rules_file_loads_and_bad_values_are_named(tmp_path):
    rules = fires.load_fire_rules()
    assert rules.viirs_pixel_m == 375 and rules.modis_pixel_m == 1000
    assert "钢铁" in rules.heat_industries and rules.landcover is not None
    bad = tmp_path / "fires.toml"
    bad.write_text('[categories]\nwithout_landcover = "crops"\n', encoding="utf-8")
    with pytest.raises(fires.FireRulesError, match="without_landcover"):
        fires.load_fire_rules(bad)
