"""Targets and evaluations across the change of standard: a target set under GB 3095-2012 is
assessed on that basis by default, both periods of a relative target on one basis (同口径), the
reason says which; a period spanning 2026-03-01 is evaluated in two labelled parts.

The air is the same every hour: PM2.5 65 µg/m³ (IAQI 88, 良, under HJ 633-2012; 105, 轻度污染,
under HJ 633-2026), the other pollutants low. So March 2025 and March 2026 are equally good on one
basis, and a mixed comparison would invent a fall of 100 points in the good-day ratio."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from geoaq._errors import TargetsError
from geoaq.compliance import summary as compliance
from geoaq.compliance.targets import Target, load_targets
from geoaq.db import connection as db
from geoaq.i18n import say
from geoaq.ingest.layer import ingest
from geoaq.ingest.readings import load_readings

MARCH_2026 = (date(2026, 3, 1), date(2026, 3, 31))
SPANNING = (date(2026, 2, 15), date(2026, 3, 31))


def _hours(first: str, last: str) -> pd.DatetimeIndex:
    """Hour labels (their end, as stored) of the Beijing days first … last."""
    return pd.date_range(pd.Timestamp(first) + pd.Timedelta(hours=1),
                         pd.Timestamp(last) + pd.Timedelta(days=1), freq="h")


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("basis")
    connection = db.connect(tmp / "b.duckdb")
    (tmp / "stations.csv").write_text("code,name,city,level,lon,lat\nS1,甲站,测试市,国控,112.11,34.11\n", "utf-8")
    ingest("stations", tmp / "stations.csv", con=connection)
    hours = _hours("2025-03-01", "2025-03-31").append(_hours("2026-02-15", "2026-03-31"))
    rows = "".join(f"S1,{h:%Y-%m-%d %H:%M},65,70,5,20,60,0.5\n" for h in hours)
    (tmp / "s1.csv").write_text("station_code,datetime,PM2.5,PM10,SO2,NO2,O3,CO\n" + rows, "utf-8")
    load_readings(tmp / "s1.csv", con=connection)
    yield connection
    connection.close()


def _target(**overrides) -> Target:
    base = {"id": "good", "plan": "测试方案 优良天数比率同比不降", "source": "test", "scope_level": "city",
            "scope_name": "测试市", "start": MARCH_2026[0], "end": MARCH_2026[1], "metric": "good_day_ratio",
            "kind": "relative", "unit": "absolute", "op": ">=", "value": 0.0, "standard": "2012"}
    return Target(**(base | overrides))


def _city(summary: pd.DataFrame) -> pd.Series:
    return summary.set_index(["scope_type", "scope_id"]).loc[("city", "测试市")]


def test_a_2012_target_is_assessed_on_the_2012_basis_for_both_years(con):
    summary = compliance.summarize(con, *MARCH_2026, targets=[_target()])
    (result,) = _city(summary)["targets"]
    assert result["status"] == "compliant" and result["standard"] == "2012"
    reason = say(result["reason"], "zh")
    assert "优良天数比率 100%，上年同期 100%" in reason
    assert reason.endswith("（按 GB 3095-2012 / HJ 633-2012 / HJ 663-2013 口径：目标制定时所用的标准）")


def test_the_user_may_assess_every_target_by_another_version(con):
    summary = compliance.summarize(con, *MARCH_2026, targets=[_target()], target_standard="2026")
    (result,) = _city(summary)["targets"]
    reason = say(result["reason"], "zh")
    assert result["standard"] == "2026" and result["status"] == "compliant"
    assert "优良天数比率 0%，上年同期 0%" in reason and "按 GB 3095-2026 / HJ 633-2026 口径：所选口径" in reason


def test_a_target_without_a_standard_takes_the_one_in_force_at_its_end(con):
    summary = compliance.summarize(con, *MARCH_2026, targets=[_target(standard="")])
    (result,) = _city(summary)["targets"]
    assert result["standard"] == "2026"
    assert say(result["reason"], "zh").endswith("口径：后一时段末施行的标准）")
    assert "按 GB 3095-2026 / HJ 633-2026 口径" in say(result["reason"], "zh")


def test_a_period_spanning_the_change_is_evaluated_in_two_labelled_parts(con):
    summary = compliance.summarize(con, *SPANNING, targets=[])
    results = _city(summary)["station_results"]
    assert [(r["start"], r["end"], r["standard"]) for r in results] == [
        ("2026-02-15", "2026-02-28", "2012"), ("2026-03-01", "2026-03-31", "2026")]
    assert [r["good_day_ratio"] for r in results] == [100.0, 0.0]
    worded = compliance.worded(summary)
    assert set(worded["standard"]) == {"按施行标准（各时段按当时施行的标准，跨标准分段）"}
    city = worded.set_index(["scope_type", "scope_id"]).loc[("city", "测试市")]
    assert city["notes"][0] == "评价方法 HJ 663-2013；HJ 663-2026 的例外事件与三年滑动评价尚未实现"
    assert [r["standard"] for r in city["station_results"]] == [
        "GB 3095-2012 / HJ 633-2012 / HJ 663-2013", "GB 3095-2026 / HJ 633-2026（过渡期限值）"]
    before = compliance.worded(compliance.summarize(con, date(2026, 2, 15), date(2026, 2, 28), targets=[]))
    assert before.set_index(["scope_type", "scope_id"]).loc[("city", "测试市"), "notes"] == []


def test_the_report_command_states_the_basis_and_the_notes(con, tmp_path):
    from click.testing import CliRunner

    from geoaq.cli import main

    path = con.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchone()[0]
    copy = tmp_path / "copy.duckdb"
    con.execute("CHECKPOINT")
    copy.write_bytes(Path(path).read_bytes())
    result = CliRunner().invoke(main, ["report", "--start", "2026-02-15", "--end", "2026-03-31", "--db", str(copy)])
    assert result.exit_code == 0, result.output
    assert "达标评估 2026-02-15 至 2026-03-31（北京时间，按施行标准（各时段按当时施行的标准，跨标准分段））" in result.output
    assert "注：评价方法 HJ 663-2013；HJ 663-2026 的例外事件与三年滑动评价尚未实现" in result.output


def test_the_shipped_plan_targets_name_the_2012_basis():
    targets = load_targets()
    assert {t.standard for t in targets} == {"2012"}
    # every one of the five plans has target rows (seed 002's ranks, seed 003's attainment and
    # rank joined those of seeds 000, 001 and 004); all five were set under GB 3095-2012
    assert {t.source.split(" (")[0] for t in targets} == {f"seed 00{n}" for n in range(5)}


def test_a_target_naming_an_unknown_standard_is_refused(tmp_path):
    path = tmp_path / "targets.toml"
    path.write_text('[[target]]\nid = "x"\nplan = "p"\nscope = { level = "city", name = "洛阳" }\n'
                    'start = 2026-01-01\nend = 2026-12-31\nmetric = "pm25_mean"\nkind = "absolute"\n'
                    'op = "<="\nvalue = 40\nstandard = "2020"\n', "utf-8")
    with pytest.raises(TargetsError, match=r"target #1 \(x\): standard '2020' is not one of \['2012', '2026'\]"):
        load_targets(path)
