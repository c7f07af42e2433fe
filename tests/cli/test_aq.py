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
    assert set(table["standard"]) == {2012} and (table["standard_name"] == "GB 3095-2012 / HJ 633-2012 / HJ 663-2013").all()
    header = run("--lang", "en", "aq", "hourly", "--start", "2025-01-15", "--end", "2025-01-15", "--db", db).output
    assert "Beijing time, hours labelled by their end" in header
    assert "standard GB 3095-2012 / HJ 633-2012 / HJ 663-2013" in header
    assert "按施行标准" in run("aq", "hourly", "--start", "2025-01-15", "--end", "2025-01-15", "--db", db).output


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
    result = run("aq", "evaluate", *SEASON, "--standard", "2035", "--db", db)
    assert result.exit_code == 2 and "'2035' is not available; use in_force or one of 2012, 2026" in result.output
    assert "Traceback" not in result.output


def test_one_standard_for_the_whole_period(db):
    """--standard 2026 scores the 2024-25 season by GB 3095-2026 (按新标准回溯) and says so."""
    old = pd.read_csv(io.StringIO(run("aq", "evaluate", *SEASON, "--by", "city", "--format", "csv",
                                      "--db", db).output))
    new = pd.read_csv(io.StringIO(run("aq", "evaluate", *SEASON, "--by", "city", "--standard", "2026",
                                      "--format", "csv", "--db", db).output))
    assert list(old["standard"]) == [2012] and list(new["standard"]) == [2026]
    assert new["pm25_mean"].iloc[0] == pytest.approx(old["pm25_mean"].iloc[0])  # the same air …
    assert new["good_day_ratio"].iloc[0] < old["good_day_ratio"].iloc[0]  # … fewer good days
    assert new["composite_index"].isna().all() and old["composite_index"].notna().all()
    table = run("aq", "evaluate", *SEASON, "--by", "city", "--standard", "2026", "--db", db).output
    assert "按新标准回溯（GB 3095-2026 / HJ 633-2026）" in table
    assert "评价方法 HJ 663-2013；HJ 663-2026 的例外事件与三年滑动评价尚未实现" in table


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
