"""`geoaq ingest`, `geoaq rejects`, `geoaq layers`: load a file, list its rejects, list the layers;
errors are one line and a non-zero exit."""

from __future__ import annotations

import csv
import io

import pytest
from click.testing import CliRunner

from geoaq.cli import main

STATIONS = (
    "监测点编码,监测点名称,城市,经度,纬度,对照点\n"
    "1811A,中信二小,洛阳,112.3628,34.6692,N\n"
    "1812A,市委党校,洛阳,112.3931,34.6516,N\n"
    "1813A,市监测站,洛阳,34.67,112.4333,N\n"  # swapped
    "1814A,豫西宾馆,洛阳,,34.6871,N\n"  # missing longitude
)


@pytest.fixture
def runner():
    return CliRunner()


@pytest.fixture
def stations_csv(tmp_path):
    path = tmp_path / "站点.csv"
    path.write_text(STATIONS, encoding="gbk")
    return path


def test_ingest_prints_report_and_rejects_are_listed(runner, tmp_path, stations_csv):
    db = str(tmp_path / "cli.duckdb")
    result = runner.invoke(main, ["ingest", "stations", str(stations_csv), "--db", db])
    assert result.exit_code == 0, result.output
    assert "rows read 4 · loaded 2 (new 2" in result.output
    assert "rejected 2" in result.output
    assert "GBK/GB18030" in result.output
    assert "look swapped" in result.output

    listed = runner.invoke(main, ["rejects", "--layer", "stations", "--format", "csv", "--db", db])
    assert listed.exit_code == 0, listed.output
    rows = list(csv.DictReader(io.StringIO(listed.output)))
    assert [r["row_number"] for r in rows] == ["4", "5"]
    assert rows[0]["column_name"] == "经度/纬度" and "swapped" in rows[0]["reason"]
    assert rows[1]["reason"] == "coordinate missing or not a number"

    table = runner.invoke(main, ["rejects", "--db", db])
    assert "站点.csv" in table.output and "swapped" in table.output

    again = runner.invoke(main, ["ingest", "stations", str(stations_csv), "--db", db])
    assert "unchanged 2" in again.output and "new 0" in again.output


def test_layers_lists_registry_with_counts(runner, tmp_path, stations_csv):
    db = str(tmp_path / "cli.duckdb")
    runner.invoke(main, ["ingest", "stations", str(stations_csv), "--db", db])
    result = runner.invoke(main, ["layers", "--db", db])
    assert result.exit_code == 0
    assert "stations" in result.output and "2 rows" in result.output
    assert "fire_points" in result.output and "0 rows" in result.output


def test_missing_column_is_one_line_error(runner, tmp_path):
    path = tmp_path / "no_code.csv"
    path.write_text("名称,经度,纬度\n甲,112.1,34.5\n", encoding="utf-8")
    db = tmp_path / "cli.duckdb"
    result = runner.invoke(main, ["ingest", "stations", str(path), "--db", str(db)])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert "no_code.csv" in result.output and "code" in result.output and "['名称', '经度', '纬度']" in result.output


def test_map_and_set_options(runner, tmp_path):
    path = tmp_path / "units.csv"
    path.write_text("区划,名字,wkt\n410302,老城区,\"POLYGON((112.4 34.6,112.5 34.6,112.5 34.7,112.4 34.7,112.4 34.6))\"\n",
                    encoding="utf-8")
    db = str(tmp_path / "cli.duckdb")
    result = runner.invoke(main, ["ingest", "admin_units", str(path), "--db", db, "--map", "adcode=区划",
                                  "--map", "name=名字", "--set", "level=县"])
    assert result.exit_code == 0, result.output
    assert "new 1" in result.output
    bad = runner.invoke(main, ["ingest", "admin_units", str(path), "--db", db, "--set", "level"])
    assert bad.exit_code == 2 and "COLUMN=VALUE" in bad.output


def test_unknown_layer_names_the_known_ones(runner, tmp_path, stations_csv):
    result = runner.invoke(main, ["ingest", "noise", str(stations_csv), "--db", str(tmp_path / "x.duckdb")])
    assert result.exit_code == 1
    assert "unknown layer 'noise'" in result.output and "fire_points" in result.output


def test_a_fire_load_regroups_the_events_itself(runner, tmp_path):
    """The loading command groups the new detections into events once, so the first page or
    check that reads them finds them grouped (a season's regrouping is not left to a reader)."""
    from helpers import DATA

    from geoaq.db import connection as db
    from geoaq.db.named import run
    from geoaq.fires.events import refresh_events

    path = str(tmp_path / "fires.duckdb")
    result = runner.invoke(main, ["--lang", "en", "ingest", "fire_points", str(DATA / "firms_viirs_snpp_china.csv"),
                                  "--db", path])
    assert result.exit_code == 0, result.output
    assert "fire events regrouped:" in result.output
    con = db.connect(path)
    try:
        assert run(con, "fire_events_in_range", ["2000-01-01", "2100-01-01"]).df().shape[0] > 0
        before = db.data_versions(path).of(["fire_events", "fire_event_days"])
        refresh_events(con)  # a reader's check now finds every day current: nothing is written
        assert db.data_versions(path).of(["fire_events", "fire_event_days"]) == before
    finally:
        con.close()
    again = runner.invoke(main, ["--lang", "en", "ingest", "fire_points", str(DATA / "firms_viirs_snpp_china.csv"),
                                 "--db", path])
    assert again.exit_code == 0 and "regrouped" not in again.output  # nothing new: nothing to regroup
