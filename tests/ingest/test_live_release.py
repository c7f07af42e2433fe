"""The live national release as a readings source: recognised, its hours (labelled by their end),
the six 1-hour values with the o3/o3_24h column chosen from the values, NA vs "/", the published
AQI and primary pollutant stored, its stations merged into the stations layer by the layer's
rules, and `geoaq aq check-published` on it."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from click.testing import CliRunner
from helpers import DATA

from geoaq._errors import IngestError
from geoaq.cli import main
from geoaq.db import connection as db
from geoaq.ingest.layer import ingest
from geoaq.ingest.readings import detect_format, load_readings
from geoaq.ingest.readings.live import choose_o3
from geoaq.ingest.readings.stations import city_spelling
from geoaq.ingest.readings.times import FORMAT_HOUR_LABELS

LIVE = DATA / "cnemc_live_2026-03-01T12.csv"
LUOYANG = DATA.parent.parent / "data" / "demo" / "cnemc_stations_luoyang.csv"
HEADER = ("timepoint,stationcode,longitude,latitude,area,positionname,primarypollutant,aqi,pm10,"
          "pm10_24h,pm2_5,pm2_5_24h,o3,o3_24h,o3_8h,o3_8h_24h,no2,no2_24h,so2,so2_24h,co,co_24h")


def _file(tmp_path, *rows: str, name: str = "live.csv"):
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *rows]) + "\n", "utf-8")
    return path


def _stored(con, code: str) -> dict:
    frame = con.execute("SELECT * FROM readings WHERE station_code = ? ORDER BY time_bjt", [code]).df()
    return frame.iloc[0].to_dict()


def test_recognised_by_its_columns_in_any_order():
    header = HEADER.split(",")
    assert detect_format(header) == "live"
    assert detect_format(list(reversed(header))) == "live"
    assert detect_format(header[:6]) is None  # no pollutant columns: not a readings file
    assert FORMAT_HOUR_LABELS["live"] == "end"


def test_the_shared_hour_loads_with_what_was_published(db_path):
    report = load_readings(LIVE, db=db_path)
    assert report.file_format == "live" and report.rows_read == 1597
    assert (report.loaded, report.empty_station_hours, report.rejected) == (1590, 7, 0)
    assert report.period[0] == report.period[1] == pd.Timestamp("2026-03-01 12:00").to_pydatetime()
    assert report.hour_label == "end"
    summary = report.summary()
    assert "O3: column o3 read as the 1-hour value (o3_24h equals o3 on all 1,567 rows having both)" in summary
    assert "hour labels in the file: end of the hour (as the live release states)" in summary
    assert "stations layer: 1,597 stations in the file · new 1,597" in summary
    with db.connect(db_path) as con:
        beijing = _stored(con, "1001A")
        assert (beijing["pm25"], beijing["pm10"], beijing["o3"], beijing["co"]) == (69, 94, 43, 0.9)
        assert (beijing["published_aqi"], beijing["published_primary"], beijing["published_na"]) == (109, "PM2.5", False)
        assert pd.isna(beijing["unmeasured"])
        tie = _stored(con, "1590A")  # "颗粒物(PM10),细颗粒物(PM2.5)" in geoaq's tie order
        assert tie["published_primary"] == "PM2.5,PM10"
        not_measured = _stored(con, "1957A")  # so2 and co written "/"
        assert not_measured["unmeasured"] == "so2,co" and pd.isna(not_measured["so2"])
        na = _stored(con, "3669A")  # AQI "NA", PM10 and O3 "NA"
        assert pd.isna(na["published_aqi"]) and na["published_na"] and na["published_primary"] == ""
        assert pd.isna(na["pm10"]) and pd.isna(na["unmeasured"])
        stations = con.execute("SELECT code, name, city, ST_X(geom), ST_Y(geom) FROM stations "
                               "WHERE code = '1001A'").fetchone()
        assert stations == ("1001A", "万寿西宫", "北京市", 116.3611, 39.8786)
    again = load_readings(LIVE, db=db_path)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 1590)
    assert (again.station_counts.inserted, again.station_counts.updated) == (0, 0)


def test_stations_are_updated_through_the_layer_keeping_what_the_release_does_not_say(db_path):
    """The Luoyang list's stations (level, province, background flag) get the release's name and
    position; their city keeps the layer's spelling (洛阳, not 洛阳市); a bad row is a reject of
    the stations layer, the station-hour itself still loads."""
    ingest("stations", LUOYANG, db=db_path, constants={"level": "国控"})
    report = load_readings(LIVE, db=db_path)
    counts = report.station_counts
    # 9 of the list's 13 stations are in the release: 8 moved (the release's own position), 1 the same
    assert (counts.rows, counts.inserted, counts.updated, counts.unchanged, counts.rejected) == (
        1597, 1588, 8, 1, 0)
    with db.connect(db_path) as con:
        row = con.execute("SELECT name, city, level, province, reference_station, ST_X(geom), "
                          "source_file FROM stations WHERE code = '1812A'").fetchone()
        assert row[:5] == ("市委党校", "洛阳", "国控", "河南省", False)
        assert row[5] == 112.3934 and row[6].endswith("cnemc_live_2026-03-01T12.csv")
        new = con.execute("SELECT city, level FROM stations WHERE code = '3593A'").fetchone()
        assert new == ("洛阳", "国控")


def test_city_spelling():
    known = {"洛阳", "北京市"}
    assert city_spelling("洛阳市", known) == "洛阳"
    assert city_spelling("北京", known) == "北京市"
    assert city_spelling("郑州市", known) == "郑州市" and city_spelling(None, known) is None


def test_a_bad_station_row_is_a_stations_reject(tmp_path, db_path):
    path = _file(tmp_path,
                 "2026-03-01T1200,9001A,200.5,31.9,某市,某站,NA,21,NA,17,9,8,66,66,47,39,7,5,6,6,0.5,0.5",
                 "2026-03-01T1200,9002A,102.2,31.9,某市,另站,细颗粒物(PM2.5),80,60,50,58,50,40,40,35,33,20,20,5,5,0.5,0.5")
    report = load_readings(path, db=db_path)
    assert report.loaded == 2 and report.station_counts.rejected == 1
    with db.connect(db_path) as con:
        rejects = con.execute("SELECT layer, row_number, column_name, value, reason FROM rejects").fetchall()
        assert rejects == [("stations", 2, "lon/lat", "200.5, 31.9",
                            "outside the valid range (longitude -180..180, latitude -90..90)")]
        assert con.execute("SELECT count(*) FROM stations").fetchone()[0] == 1


@pytest.mark.parametrize(("o3", "o3_24h", "chosen"), [
    ([40, 50, 60], [40, 50, 60], "o3"),        # equal (the 2026 files at noon)
    ([40, 50, 60], [None, None, None], "o3"),  # o3_24h empty
    ([40, 50, 60], [45, 55, 60], "o3"),        # o3 ≤ o3_24h: o3_24h is the 24-hour maximum
    ([45, 55, 60], [40, 50, 60], "o3_24h"),    # o3 ≥ o3_24h: swapped, as in the 2022 files
    ([45, 55, 30], [40, 50, 60], "o3_24h"),    # contradictory: the fewer contradictions
    ([30, 35, 70], [40, 50, 60], "o3"),
])
def test_the_o3_column_is_chosen_from_the_values(o3, o3_24h, chosen):
    import numpy as np

    a = np.array(o3, dtype=float)
    b = np.array([np.nan if v is None else v for v in o3_24h], dtype=float)
    assert choose_o3(a, b)[0] == chosen


def test_a_2022_file_with_the_columns_swapped_uses_o3_24h(tmp_path, db_path):
    """An older archive file (timepoint 2022-01-04T16:00:00, empty cells, o3 = the 24-hour maximum):
    o3_24h is read as the hour's O3 and the report says why."""
    path = _file(tmp_path,
                 "2022-01-04T16:00:00,1001A,116.3621,39.8784,北京市,万寿西宫,细颗粒物(PM2.5),74,79,56,54,33,43,19,24,20,61,56,12,7,1.4,1",
                 "2022-01-04T16:00:00,1009A,116.6275,40.3275,北京市,怀柔镇,,50,50,34,27,17,53,45,40,40,25,22,6,3,0.7,0.5",
                 "2022-01-04T16:00:00,1015A,117.1444,39.1661,天津市,勤俭道,,,48,93,23,47,57,57,35,35,,62,9,11,,1.3")
    report = load_readings(path, db=db_path)
    assert "O3: column o3_24h read as the 1-hour value (o3 ≥ o3_24h on all 3 rows having both" in report.summary()
    with db.connect(db_path) as con:
        first = _stored(con, "1001A")
        assert first["o3"] == 19 and first["time_bjt"] == pd.Timestamp("2022-01-04 16:00")
        empty = _stored(con, "1015A")  # empty AQI and NO2, CO: missing, not "not measured"
        assert empty["published_na"] and pd.isna(empty["no2"]) and pd.isna(empty["unmeasured"])
        assert _stored(con, "1009A")["published_primary"] == ""


def test_bad_cells_are_rejects_and_the_hour_label_is_the_releases(tmp_path, db_path):
    path = _file(tmp_path,
                 "2026-03-01T1200,1001A,116.36,39.87,北京市,万寿西宫,细颗粒物(PM2.5),109,94,74,69,52,43,43,36,33,29,22,4,3,0.9,0.8",
                 "2026-03-01T1200,10 01A,116.36,39.87,北京市,坏站,NA,20,10,10,9,9,40,40,30,30,10,10,4,3,0.5,0.5",
                 "2026-03-01T1260,1003A,116.41,39.92,北京市,东四,NA,20,10,10,9,9,40,40,30,30,10,10,4,3,0.5,0.5",
                 "2026-03-01T1200,1004A,116.40,39.88,北京市,天坛,硫化氢(H2S),20,x,10,9,9,40,40,30,30,10,10,4,3,0.5,0.5")
    report = load_readings(path, db=db_path)
    reasons = dict(zip(report.rejects["row_number"], report.rejects["reason"], strict=False))
    assert reasons[3].startswith("not a station code") and reasons[4].startswith("not a time")
    rows5 = report.rejects[report.rejects["row_number"] == 5]
    assert set(rows5["reason"]) == {"not a number", "not a pollutant name the release uses"}
    assert report.loaded == 2
    with pytest.raises(IngestError, match="the live release labels each hour by its end"):
        load_readings(path, db=db_path, hour_label="start")


def test_a_start_labelled_station_file_is_stored_with_end_labels(tmp_path, db_path):
    path = tmp_path / "own.csv"
    path.write_text("station_code,time,PM2.5\n1811A,2026-02-28 23:00,40\n1811A,2026-03-01 00:00,41\n", "utf-8")
    report = load_readings(path, db=db_path, hour_label="start")
    assert "hour labels in the file: start of the hour (declared) (shifted by +1 h to end labels)" in report.summary()
    with db.connect(db_path) as con:
        times = [r[0] for r in con.execute("SELECT time_bjt FROM readings ORDER BY 1").fetchall()]
    assert times == [pd.Timestamp("2026-03-01 00:00"), pd.Timestamp("2026-03-01 01:00")]
    default = load_readings(path, db=tmp_path / "b.duckdb")
    assert "end of the hour (the default, the national platform's convention" in default.summary()


def test_check_published_reports_every_station_hour_that_differs(db_path):
    load_readings(LIVE, db=db_path)
    runner = CliRunner()
    table = runner.invoke(main, ["aq", "check-published", "--start", "2026-03-01", "--end", "2026-03-01",
                                 "--db", str(db_path)])
    assert table.exit_code == 0, table.output
    assert "1,590 个有发布 AQI 的站点小时，141 个不一致" in table.output
    assert "2026：按缺测规定应为 NA，发布为数值 141" in table.output and "2026：一致 1,449" in table.output
    result = runner.invoke(main, ["aq", "check-published", "--start", "2026-03-01", "--end", "2026-03-01",
                                  "--format", "csv", "--db", str(db_path)])
    frame = pd.read_csv(io.StringIO(result.output))
    assert len(frame) == 141 and set(frame["kind"]) == {"na_computed"}
    assert (frame["missing"] == "PM10").all() and (frame["aqi_present"] == frame["published_aqi"]).all()
    everything = runner.invoke(main, ["aq", "check-published", "--start", "2026-03-01", "--end", "2026-03-01",
                                      "--all", "--format", "csv", "--db", str(db_path)])
    assert len(pd.read_csv(io.StringIO(everything.output))) == 1590
    # the day before has nothing published in this database
    empty = runner.invoke(main, ["aq", "check-published", "--start", "2026-02-27", "--end", "2026-02-28",
                                 "--db", str(db_path)])
    assert empty.exit_code == 0 and "0 个有发布 AQI 的站点小时" in empty.output
