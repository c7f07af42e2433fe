"""geoaq.ingest.readings: hourly readings in three formats, units, rejects, atomicity, idempotence, CLI."""

from __future__ import annotations

import csv
import gzip
import io
import shutil
from datetime import datetime

import pyarrow as pa
import pytest
from click.testing import CliRunner
from helpers import DATA

from geoaq._errors import EncodingError, IngestError, MissingColumnsError
from geoaq.cli import main
from geoaq.db import connection as db
from geoaq.db import store
from geoaq.ingest.layer import ingest
from geoaq.ingest.readings import (
    MOLAR_VOLUME_BEFORE,
    MOLAR_VOLUME_FROM,
    UnitError,
    detect_format,
    load_readings,
    parse_times,
    parse_units,
    pollutant_key,
)

NATIONAL = DATA / "cnemc_china_sites_20190101_excerpt.csv"
HAIKOU = DATA / "cnemc_hourly_1410A_haikou_excerpt.csv"
UCI = DATA / "uci_beijing_PRSA_Dongsi_excerpt.csv"
HAIKOU_GBK = DATA / "readings_haikou_gbk.csv"
REJECTS = DATA / "readings_rejects.csv"
NATIONAL_REJECTS = DATA / "cnemc_china_sites_rejects.csv"
REJECT_FIELDS = ["row_number", "column_name", "value", "reason"]
VALUES = "pm25, pm10, so2, no2, o3, co, published_aqi"


def reading(con, code: str, when: str) -> tuple | None:
    return con.execute(f"SELECT {VALUES} FROM readings WHERE station_code = ? "  # noqa: S608
                       "AND time_bjt = ?::TIMESTAMP", [code, when]).fetchone()


def count(con, table: str = "readings") -> int:
    return con.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]  # noqa: S608


def snapshot(con) -> dict[str, list[tuple]]:
    return {table: con.execute(f'SELECT * EXCLUDE (loaded_at) FROM "{table}" ORDER BY ALL').fetchall()  # noqa: S608
            if table == "readings" else con.execute(f'SELECT * FROM "{table}" ORDER BY ALL').fetchall()  # noqa: S608
            for table in ("readings", "rejects", "ingest_runs")}


def rejects_of(report) -> list[tuple]:
    frame = report.rejects.astype(object).where(report.rejects.notna(), None)
    return list(frame[REJECT_FIELDS].itertuples(index=False, name=None))


# --- the three formats -----------------------------------------------------------------------


def test_national_release_excerpt_is_verbatim():
    raw = NATIONAL.read_bytes()
    assert raw.startswith(b"date,hour,type,1001A,") and b"\r\n" in raw and not raw.endswith(b"\n")


def test_national_release(con):
    report = load_readings(NATIONAL, con=con)
    assert report.file_format == "national"
    assert report.rows_read == 60  # 4 hours x 15 types, derived rows included
    # 6 stations with values (1011A only at 00:00, 1813A never): 4 + 4 + 1 + 4 + 4 + 4
    assert (report.loaded, report.inserted, report.empty_station_hours) == (21, 21, 7)
    assert report.stations == 6 and report.rejects.empty
    assert report.period == (datetime(2019, 1, 1, 0), datetime(2019, 1, 1, 3))
    # the hourly rows, not the *_24h / O3_8h ones; the published AQI row in published_aqi
    assert reading(con, "1811A", "2019-01-01 00:00") == (138, 196, 15, 55, 3, 1.5, 183)
    assert reading(con, "1001A", "2019-01-01 03:00") == (46, 70, 8, 72, None, 0.9, 64)
    # 1812A at 00:00 has no PM or AQI published, only gases
    assert reading(con, "1812A", "2019-01-01 00:00") == (None, None, 18, 71, None, 0.8, None)
    assert reading(con, "1813A", "2019-01-01 00:00") is None
    source = con.execute("SELECT DISTINCT source_file, synthetic FROM readings").fetchall()
    assert source == [(str(NATIONAL), False)]
    row = con.execute("SELECT source_row FROM readings WHERE station_code = '1001A' "
                      "AND time_bjt = '2019-01-01 01:00'").fetchone()[0]
    assert row == 17  # the hour's first row (its AQI row) in spreadsheet numbering


def test_station_file_takes_its_code_from_the_file_name(con):
    report = load_readings(HAIKOU, con=con)
    assert report.file_format == "station"
    assert report.station_source == "the file name (1410A)"
    assert "stations from the file name (1410A)" in report.summary()
    assert (report.rows_read, report.loaded) == (48, 48)
    assert report.units == {"pm25": "ug/m3", "so2": "ug/m3", "no2": "ug/m3", "o3": "ug/m3",
                            "co": "mg/m3"}
    # 2014-05-13 02:00:00,21.0,16.0,6.0,0.543,  (no PM10 column, SO2 empty)
    assert reading(con, "1410A", "2014-05-13 02:00") == (21, None, None, 6, 16, 0.543, None)


def test_station_code_needed_when_the_file_name_has_none(con, tmp_path):
    unnamed = tmp_path / "haikou.csv"
    shutil.copyfile(HAIKOU, unnamed)
    with pytest.raises(MissingColumnsError, match="no station code.*pass --station CODE"):
        load_readings(unnamed, con=con)
    assert count(con) == 0
    report = load_readings(unnamed, con=con, station="1410A")
    assert report.station_source == "--station 1410A" and report.loaded == 48


def test_ymdh_station_names_are_not_guessed(con):
    with pytest.raises(IngestError, match=r"'station' column holds station names \(Dongsi\).*"
                                          r"pass --station CODE"):
        load_readings(UCI, con=con, units={"co": "ug/m3"})
    assert count(con) == 0


def test_ymdh_with_declared_co_unit(con):
    report = load_readings(UCI, con=con, station="1003A", units={"co": "ug/m3"})
    assert report.file_format == "ymdh"
    assert report.loaded == 48 and report.rejects.empty
    assert report.units["co"] == "ug/m3"
    assert "CO: µg/m³ (declared) → mg/m³ ÷ 1000" in report.summary()
    assert "No" in report.ignored_columns and "TEMP" in report.ignored_columns
    # 1,2013,3,1,0,9,9,3,17,300,89,...  CO 300 µg/m³ -> 0.3 mg/m³
    assert reading(con, "1003A", "2013-03-01 00:00") == (9, 9, 3, 17, 89, 0.3, None)
    # 4,2013,3,1,3,3,3,5,18,NA,NA,...  "NA" is no value
    assert reading(con, "1003A", "2013-03-01 03:00") == (3, 3, 5, 18, None, None, None)
    # 48,2013,3,2,23,108,131,73,110,2600,2,...
    assert reading(con, "1003A", "2013-03-02 23:00")[5] == pytest.approx(2.6)


def test_undeclared_microgram_co_refuses_the_whole_file(con):
    before = snapshot(con)
    with pytest.raises(UnitError) as caught:
        load_readings(UCI, con=con, station="1003A")
    message = str(caught.value)
    assert "CO looks like µg/m³ (median 500)" in message
    assert "--unit co=ug/m3" in message and "Nothing was loaded" in message
    assert snapshot(con) == before


def test_gbk_file_with_chinese_headers_and_units(con):
    report = load_readings(HAIKOU_GBK, con=con)
    assert report.encoding == "gb18030" and "GBK/GB18030" in report.summary()
    assert report.station_source == "column 站点编码"
    assert report.columns == {"pm25": "细颗粒物(μg/m3)", "so2": "二氧化硫(μg/m3)",
                              "no2": "二氧化氮(μg/m3)", "o3": "臭氧(μg/m3)", "co": "一氧化碳(mg/m3)"}
    assert report.loaded == 24
    gbk = con.execute(f"SELECT time_bjt, {VALUES} FROM readings ORDER BY 1").fetchall()  # noqa: S608
    load_readings(HAIKOU, con=con)  # the same hours, verbatim: nothing changes
    same_hours = (f"SELECT time_bjt, {VALUES} FROM readings "  # noqa: S608
                  "WHERE time_bjt < '2014-05-14 01:00' ORDER BY 1")
    assert con.execute(same_hours).fetchall() == gbk
    with pytest.raises(EncodingError):
        load_readings(HAIKOU_GBK, con=con, encoding="utf-8")


def test_gzip_file(con, tmp_path):
    packed = tmp_path / "cnemc_hourly_1410A.csv.gz"
    packed.write_bytes(gzip.compress(HAIKOU.read_bytes()))
    report = load_readings(packed, con=con)
    assert report.file_format == "station (gzip)" and report.loaded == 48


def test_format_can_be_named_and_must_fit(con):
    assert load_readings(HAIKOU, con=con, fmt="station").loaded == 48
    with pytest.raises(MissingColumnsError, match="--format national needs the header"):
        load_readings(HAIKOU, con=con, fmt="national")
    with pytest.raises(MissingColumnsError, match="format ymdh needs year, month, day and hour"):
        load_readings(HAIKOU, con=con, fmt="ymdh")
    with pytest.raises(IngestError, match="unknown readings format 'daily'"):
        load_readings(HAIKOU, con=con, fmt="daily")


@pytest.mark.parametrize("header, expected", [
    (["date", "hour", "type", "1001A"], "national"),
    (["year", "month", "day", "hour", "PM2.5", "station"], "ymdh"),
    (["年", "月", "日", "时", "细颗粒物"], "ymdh"),
    (["datetime", "PM2.5", "O3", "NO2", "CO", "SO2"], "station"),
    (["监测时间", "PM₂.₅", "SO₂"], "station"),
    (["日期", "小时", "AQI"], "station"),
    (["时间", "可吸入颗粒物浓度"], "station"),
    (["name", "lon", "lat"], None),
    (["datetime", "O3_8h"], None),  # a derived column is not the hourly O3
])
def test_detect_format(header, expected):
    assert detect_format(header) == expected


@pytest.mark.parametrize("spelling, key", [
    ("PM2.5", "pm25"), ("pm25", "pm25"), ("pm2_5", "pm25"), ("细颗粒物", "pm25"),
    ("PM2.5(μg/m³)", "pm25"), ("细颗粒物(PM2.5)", "pm25"), ("ＰＭ２．５", "pm25"),
    ("PM10", "pm10"), ("可吸入颗粒物", "pm10"), ("SO2", "so2"), ("二氧化硫", "so2"),
    ("NO2", "no2"), ("二氧化氮", "no2"), ("O3", "o3"), ("臭氧", "o3"), ("CO", "co"),
    ("一氧化碳", "co"), ("CO(mg/m3)", "co"), ("AQI", "published_aqi"), ("O3_8h", None),
])
def test_pollutant_spellings(spelling, key):
    assert pollutant_key(spelling) == key


def test_time_spellings():
    times, reasons = parse_times(pa.array([
        "2019-01-01 08:00:00", "2019-01-01 08:00", "2019/1/1 8:00", "2019-01-01T08:00:00",
        "20190101 08", "2019010108", "2019年1月1日 8时", "2019-01-01T00:00:00Z",
        "2019-01-01T08:00:00+08:00", " 2019-01-01 08:00 ",
        "2019-02-30 08:00", "2019-01-01", "2019-01-01 08:30", "soon", None, "NA",
    ]))
    assert [str(t) for t in times[:10]] == ["2019-01-01T08:00:00"] * 10
    assert list(reasons[10:]) == [
        "no such date", "a date without an hour: readings are hourly",
        "not on the full hour: readings are hourly", "not a time (expected e.g. 2019-01-01 08:00)",
        "no time", "no time",
    ]


# --- units -----------------------------------------------------------------------------------


def test_unit_spellings():
    assert parse_units({"CO": "µg/m³", "pm2.5": "ug/m3", "一氧化碳": "mg/m3", "o3": "ppb"}) == {
        "co": "mg/m3", "pm25": "ug/m3", "o3": "ppb"}
    assert parse_units({"SO2": "微克/立方米"}) == {"so2": "ug/m3"}
    with pytest.raises(IngestError, match="cannot be in ppm/ppb"):
        parse_units({"pm10": "ppm"})
    with pytest.raises(IngestError, match="unknown unit 'g/l'"):
        parse_units({"co": "g/l"})
    with pytest.raises(IngestError, match="unknown pollutant 'benzene'"):
        parse_units({"benzene": "ug/m3"})


def test_ppm_and_ppb_at_the_reference_state_of_the_hour(con, tmp_path):
    """GB 3095-2012: 273.15 K before 2018-09-01, 298.15 K (amendment of 2018) from then on."""
    path = tmp_path / "gases.csv"
    path.write_text("station_code,datetime,CO,O3,SO2\n"
                    "1001A,2018-08-31 23:00,1,100,10\n"
                    "1001A,2018-09-01 00:00,1,100,10\n", "utf-8")
    report = load_readings(path, con=con, units={"co": "ppm", "o3": "ppb", "so2": "ppb"})
    assert report.loaded == 2
    before = reading(con, "1001A", "2018-08-31 23:00")
    after = reading(con, "1001A", "2018-09-01 00:00")
    assert before[5] == pytest.approx(28.010 / 22.414, rel=1e-4)  # CO mg/m³
    assert after[5] == pytest.approx(28.010 / 24.465, rel=1e-4)
    assert before[4] == pytest.approx(100 * 47.997 / 22.414, rel=1e-4)  # O3 µg/m³
    assert after[2] == pytest.approx(10 * 64.058 / 24.465, rel=1e-4)  # SO2 µg/m³
    assert abs(MOLAR_VOLUME_BEFORE - 22.414) < 1e-3 and abs(MOLAR_VOLUME_FROM - 24.465) < 1e-3


def test_declared_unit_must_match_the_header(con):
    with pytest.raises(UnitError, match="contradicts the header '一氧化碳\\(mg/m3\\)'"):
        load_readings(HAIKOU_GBK, con=con, units={"co": "ug/m3"})


def test_declared_microgram_for_milligram_values_is_refused(con):
    with pytest.raises(UnitError, match="CO in µg/m³ \\(declared\\).*look like mg/m³ already"):
        load_readings(HAIKOU, con=con, units={"co": "ug/m3"})
    assert count(con) == 0


def test_particles_in_milligram_are_refused(con, tmp_path):
    path = tmp_path / "mg.csv"
    rows = "".join(f"1001A,2019-01-01 {h:02d}:00,0.0{h % 9 + 1}\n" for h in range(24))
    path.write_text("station_code,datetime,PM2.5\n" + rows, "utf-8")
    with pytest.raises(UnitError, match="PM2.5 looks like mg/m³.*--unit pm25=mg/m3"):
        load_readings(path, con=con)
    report = load_readings(path, con=con, units={"pm25": "mg/m3"})
    assert reading(con, "1001A", "2019-01-01 00:00")[0] == pytest.approx(10)
    assert report.loaded == 24


# --- rejects ---------------------------------------------------------------------------------


def test_station_file_rejects(con):
    report = load_readings(REJECTS, con=con)
    assert rejects_of(report) == [
        (3, "datetime", "2019-13-01 00:00", "no such date"),
        (4, "PM2.5", "-5", "negative concentration"),
        (5, "PM10", "12000", "above the plausible ceiling of 10,000 µg/m³"),
        (6, "station_code+datetime", "1811A 2019-01-01 00:00",
         "duplicate of row 2 (same station and hour)"),
        (7, "SO2", "abc", "not a number"),
        (8, "datetime", "2019-01-01 05:30", "not on the full hour: readings are hourly"),
        (9, "datetime", "2019-01-02", "a date without an hour: readings are hourly"),
        (10, "station_code", None, "no station code"),
        (11, "station_code", "1811 A", "not a station code (letters, digits, - and _ only)"),
        (12, None, None, "expected 9 fields, found 10"),
        (14, "datetime", "2019-02-30 00:00", "no such date"),
        (16, "AQI", "600", "above the plausible ceiling of 500"),
    ]
    # rows 2, 4, 5, 7 (value problems: the rest is loaded), 15, 16, 17; row 13 has no value
    assert (report.loaded, report.empty_station_hours) == (7, 1)
    assert (report.dropped_station_hours, report.dropped_values, report.rejected_rows) == (8, 4, 12)
    assert reading(con, "1811A", "2019-01-01 00:00") == (138, 196, 15, 55, 3, 1.5, 183)  # first kept
    assert reading(con, "1811A", "2019-01-01 02:00") == (None, 181, 14, 56, 2, 1.5, 186)
    assert reading(con, "1811A", "2019-01-01 03:00")[1] is None
    assert reading(con, "1811A", "2019-01-01 04:00")[2] is None
    assert reading(con, "1812A", "2019-01-01 02:00") == (126, 159, 10, 62, 2, 0.6, 166)  # 2019年1月1日 2时
    assert reading(con, "1812A", "2019-01-01 03:00")[6] is None
    assert reading(con, "1812A", "2019-01-01 04:00")[:2] == (None, None)  # "NA" and "—"
    stored = store.list_rejects(con, "readings")
    assert len(stored) == 12 and set(stored["layer"]) == {"readings"}
    assert set(stored["source_file"]) == {str(REJECTS)}
    run = con.execute("SELECT layer, rows_read, inserted, rejected_rows, file_format FROM ingest_runs").fetchone()
    assert run == ("readings", 16, 7, 12, "station")
    text = report.summary()
    assert "rejected 12 rows (8 station-hours and 4 single values left out)" in text
    assert "row 5 [PM10] '12000': above the plausible ceiling of 10,000 µg/m³" in text


def test_national_release_rejects(con):
    report = load_readings(NATIONAL_REJECTS, con=con)
    assert rejects_of(report) == [
        (5, "1003A", "x", "not a number"),
        (6, "1003A", "-16", "negative concentration"),
        (8, "type", "NO2", "duplicate of row 7 (same date, hour and type)"),
        (11, "date", "2019013x", "not a date (expected YYYYMMDD)"),
        (12, "hour", "24", "hour must be a whole number 0–23"),
    ]
    assert "ignored rows of unknown type: XYZ" in report.summary()
    assert reading(con, "1003A", "2019-01-01 00:00") == (68, None, None, 74, 7, 1.6, 92)
    assert reading(con, "1811A", "2019-01-01 01:00") == (132, None, None, None, None, None, None)
    assert report.loaded == 6


def test_national_value_rejects_quote_the_file(con, tmp_path):
    """Numbers are read as numbers; a reject still quotes the cell as the file spells it."""
    path = tmp_path / "china_sites_20190101.csv"
    path.write_text("date,hour,type,1001A,1003A,1011A\n20190101,0,PM2.5,53,-7.50,40\n"
                    "20190101,0,CO,1.2,160,0.9\n", "utf-8")
    report = load_readings(path, con=con)
    assert rejects_of(report) == [
        (2, "1003A", "-7.50", "negative concentration"),
        (3, "1003A", "160", "above the plausible ceiling of 150 mg/m³"),
    ]


def test_unknown_station_codes_are_a_warning(con):
    ingest("stations", DATA / "cnemc_stations_luoyang_gbk.csv", con=con)
    report = load_readings(NATIONAL, con=con)
    assert report.unknown_stations == ["1001A", "1003A", "1011A", "1410A"]
    assert report.loaded == 21 and report.rejects.empty
    assert "warning: 4 station codes are not in the stations layer (1001A, 1003A" in report.summary()


@pytest.mark.parametrize("text, error", [
    ("", "the file is empty"),
    ("station_code,datetime,PM2.5\n", "header but no data rows"),
    ("name,lon,lat\na,1,2\n", "not a readings file I recognise"),
    ("station_code,datetime,PM2.5,pm25\n1001A,2019-01-01 00:00,1,2\n", "both look like PM2.5"),
])
def test_file_level_errors(con, tmp_path, text, error):
    path = tmp_path / "bad.csv"
    path.write_text(text, "utf-8")
    with pytest.raises(IngestError, match=error):
        load_readings(path, con=con)
    assert count(con, "ingest_runs") == 0


# --- one transaction, idempotence ------------------------------------------------------------


@pytest.mark.parametrize("failing", ["record_rejects", "record_run"])
def test_failure_after_writing_rolls_back(con, monkeypatch, failing):
    load_readings(NATIONAL, con=con)
    before = snapshot(con)
    written = {}
    real = store.record_rejects

    def look_then(*args, **kwargs):
        written["rows"] = count(con)
        if failing == "record_rejects":
            raise RuntimeError("disk full")
        return real(*args, **kwargs)

    monkeypatch.setattr(store, "record_rejects", look_then)
    if failing == "record_run":
        monkeypatch.setattr(store, "record_run", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("disk full")))
    with pytest.raises(RuntimeError, match="disk full"):
        load_readings(REJECTS, con=con)
    # the rows were in, inside the transaction: 7 station-hours, 5 of them already there
    assert written["rows"] == 21 + 7 - 5
    assert snapshot(con) == before
    monkeypatch.undo()
    assert load_readings(REJECTS, con=con).loaded == 7  # the connection is still usable


def test_failed_first_load_leaves_no_database(db_path):
    with pytest.raises(UnitError):
        load_readings(UCI, db=db_path, station="1003A")
    assert not db_path.exists()


def test_reloading_adds_nothing_and_changes_replace(con, tmp_path):
    first = load_readings(NATIONAL, con=con)
    again = load_readings(NATIONAL, con=con)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 21)
    assert count(con) == 21
    assert con.execute("SELECT DISTINCT ingest_id FROM readings").fetchall() == [(first.ingest_id,)]
    edited = tmp_path / "china_sites_20190101.csv"
    edited.write_bytes(NATIONAL.read_bytes().replace(b"20190101,0,PM2.5,53,", b"20190101,0,PM2.5,54,"))
    changed = load_readings(edited, con=con)
    assert (changed.inserted, changed.updated, changed.unchanged) == (0, 1, 20)
    assert count(con) == 21
    assert reading(con, "1001A", "2019-01-01 00:00")[0] == 54
    assert con.execute("SELECT ingest_id, source_file FROM readings WHERE station_code = '1001A' "
                       "AND time_bjt = '2019-01-01 00:00'").fetchone() == (changed.ingest_id, str(edited))


def test_a_file_without_a_column_keeps_the_stored_values(con, tmp_path):
    """A station file without PM10 or AQI does not erase what the national release gave."""
    path = tmp_path / "1811A.csv"
    path.write_text("datetime,PM2.5,SO2\n2019-01-01 00:00,138,\n2019-01-01 01:00,130,16\n", "utf-8")
    load_readings(NATIONAL, con=con)
    report = load_readings(path, con=con)
    assert (report.inserted, report.updated, report.unchanged) == (0, 2, 0)
    # the empty SO2 cell replaces; PM10, NO2, O3, CO and AQI stay as the national release had them
    assert reading(con, "1811A", "2019-01-01 00:00") == (138, 196, None, 55, 3, 1.5, 183)
    assert reading(con, "1811A", "2019-01-01 01:00") == (130, 185, 16, 56, 3, 1.4, 175)
    again = load_readings(path, con=con)
    assert (again.updated, again.unchanged) == (0, 2)


def test_progress_callback(con):
    stages = []
    load_readings(NATIONAL, con=con, progress=lambda stage, done, total: stages.append((stage, done, total)))
    assert [s for s, _, _ in stages] == ["reading", "validating", "writing", "done"]
    assert stages[-1] == ("done", 28, 28)  # 7 stations x 4 hours considered


def test_report_fields(con):
    report = load_readings(REJECTS, con=con)
    assert list(report.rejects.columns) == REJECT_FIELDS
    assert report.seconds > 0 and report.ingest_id >= 1
    assert report.new == report.inserted and report.changed == report.updated


# --- command line ----------------------------------------------------------------------------


@pytest.fixture
def runner():
    return CliRunner()


def test_cli_aq_load_and_rejects(runner, tmp_path):
    path = str(tmp_path / "cli.duckdb")
    result = runner.invoke(main, ["aq", "load", str(UCI), "--station", "1003A", "--unit",
                                  "co=ug/m3", "--db", path])
    assert result.exit_code == 0, result.output
    assert "format ymdh" in result.output and "station-hours loaded 48 (new 48" in result.output
    refused = runner.invoke(main, ["aq", "load", str(UCI), "--station", "1003A", "--db", path])
    assert refused.exit_code == 1
    assert "CO looks like µg/m³ (median 500)" in refused.output
    assert "Traceback" not in refused.output
    loaded = runner.invoke(main, ["aq", "load", str(REJECTS), str(NATIONAL), "--db", path])
    assert loaded.exit_code == 0, loaded.output
    assert loaded.output.count("readings ← ") == 2
    listed = runner.invoke(main, ["rejects", "--layer", "readings", "--format", "csv", "--db", path])
    assert listed.exit_code == 0, listed.output
    rows = list(csv.DictReader(io.StringIO(listed.output)))
    assert len(rows) == 12 and {r["layer"] for r in rows} == {"readings"}
    assert rows[1]["row_number"] == "4" and rows[1]["column_name"] == "PM2.5"
    assert rows[1]["reason"] == "negative concentration"
    con = db.connect(path, read_only=True)
    try:
        assert count(con) == 48 + 7 + 21 - 5  # 1811A and 1812A share 5 hours in both files
    finally:
        con.close()


def test_cli_aq_load_goes_on_after_a_bad_file(runner, tmp_path):
    path = str(tmp_path / "cli.duckdb")
    result = runner.invoke(main, ["aq", "load", str(UCI), str(NATIONAL), "--db", path])
    assert result.exit_code == 1
    assert "pass --station CODE" in result.output
    assert "station-hours loaded 21" in result.output
    assert f"1 of 2 files were not loaded (nothing of them was written): {UCI}" in result.output


def test_cli_aq_load_options_are_checked(runner, tmp_path):
    path = tmp_path / "cli.duckdb"
    bad_unit = runner.invoke(main, ["aq", "load", str(HAIKOU), "--unit", "co=grams", "--db", str(path)])
    assert bad_unit.exit_code == 1 and "unknown unit 'grams'" in bad_unit.output
    no_pair = runner.invoke(main, ["aq", "load", str(HAIKOU), "--unit", "co", "--db", str(path)])
    assert no_pair.exit_code == 2 and "--unit" in no_pair.output
    bad_format = runner.invoke(main, ["aq", "load", str(HAIKOU), "--format", "xls", "--db", str(path)])
    assert bad_format.exit_code == 2
    assert not path.exists()
    assert "load" in runner.invoke(main, ["aq", "--help"]).output
