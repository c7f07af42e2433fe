"""`geoaq aq hourly|evaluate` and `geoaq report` on the demo database."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from click.testing import CliRunner

from geoaq.cli import main
from geoaq.demo.build import build_demo

SEASON = ["--start", "2024-10-01", "--end", "2025-03-31"]


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = tmp_path_factory.mktemp("cli_aq") / "demo.duckdb"
    build_demo(path)
    return str(path)


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def test_hourly_aqi_for_chosen_stations(db):
    result = run("aq", "hourly", "--start", "2025-01-15", "--end", "2025-01-15", "--stations", "1811A,1812A",
                 "--format", "csv", "--db", db)
    assert result.exit_code == 0, result.output
    table = pd.read_csv(io.StringIO(result.output))
    assert len(table) == 48 and set(table["station_code"]) == {"1811A", "1812A"}
    assert {"aqi", "primary_pollutant", "level", "iaqi_pm25", "iaqi_o3"} <= set(table.columns)
    assert (table["aqi"] == table[[c for c in table.columns if c.startswith("iaqi_")]].max(axis=1)).all()
    header = run("aq", "hourly", "--start", "2025-01-15", "--end", "2025-01-15", "--db", db).output
    assert "Beijing time" in header and "standard 2012" in header


def test_evaluate_by_station_city_and_district(db):
    stations = pd.read_csv(io.StringIO(run("aq", "evaluate", *SEASON, "--format", "csv", "--db", db).output))
    assert len(stations) == 13 and set(stations["status"]) <= {"有效", "数据不足"}
    city = pd.read_csv(io.StringIO(run("aq", "evaluate", *SEASON, "--by", "city", "--format", "csv", "--db", db).output))
    assert list(city["city"]) == ["洛阳"] and str(city["standard"].iloc[0]) == "2012"
    assert stations["pm25_mean"].min() <= city["pm25_mean"].iloc[0] <= stations["pm25_mean"].max()
    district = run("aq", "evaluate", *SEASON, "--by", "district", "--db", db)
    assert district.exit_code == 0 and "洛龙区" in district.output
    short = run("aq", "evaluate", "--start", "2025-04-25", "--end", "2025-05-31", "--format", "csv", "--db", db)
    assert "数据不足" in short.output  # readings stop on 2025-04-30


def test_unknown_standard_is_one_line(db):
    result = run("aq", "evaluate", *SEASON, "--standard", "2026", "--db", db)
    assert result.exit_code == 1 and "'2026' is not available" in result.output


def test_report_table_csv_xlsx(db, tmp_path):
    table = run("report", *SEASON, "--db", db)
    assert table.exit_code == 0, table.output
    assert "达标评估 2024-10-01 至 2025-03-31" in table.output and "[未达标]" in table.output
    assert "燃煤企业" in table.output
    out = tmp_path / "r.csv"
    run("report", *SEASON, "--format", "csv", "--out", str(out), "--db", db)
    frame = pd.read_csv(out, encoding="utf-8-sig")
    assert set(frame["scope_type"]) == {"city", "county", "zone", "cluster"}
    xlsx = tmp_path / "r.xlsx"
    result = run("report", *SEASON, "--district", "410311", "--format", "xlsx", "--out", str(xlsx), "--db", db)
    assert result.exit_code == 0 and "1 scopes" in result.output
    assert pd.read_excel(xlsx, header=1)["scope_id"].astype(str).tolist() == ["410311"]
    missing = run("report", *SEASON, "--zone", "NOPE", "--db", db)
    assert missing.exit_code == 1 and "NOPE" in missing.output
