"""geoaq.routes.targets on the Luoyang demo: the day's findings become route targets."""

from __future__ import annotations

import io
import shutil
from datetime import date

import pandas as pd
import pytest

from geoaq._errors import RoutingInputError
from geoaq.db import connection as db
from geoaq.i18n import say
from geoaq.routes import targets as route_targets
from geoaq.routes.inputs import normalize_targets
from geoaq.routes.plan import plan_routes
from geoaq.routes.rules import load_route_rules, make_teams

DAY = date(2025, 4, 23)


@pytest.fixture
def con(tmp_path, demo_template):
    path = tmp_path / "demo.duckdb"
    shutil.copy(demo_template, path)
    connection = db.connect(path)
    yield connection
    connection.close()


def test_fire_targets_are_the_unverified_events_newest_first(con):
    from geoaq.fires import verification
    from geoaq.fires.check import check_fires

    events = check_fires(con, DAY, DAY)
    fires = route_targets.fire_targets(con, DAY)
    assert set(fires["target_id"]) == set(events["event_id"]) and len(fires) == 16
    detected = events.set_index("event_id").loc[fires["target_id"], "first_detected_bjt"]
    assert detected.is_monotonic_decreasing
    rules = load_route_rules()
    in_zone = events.set_index("event_id").loc[fires["target_id"], "in_control_zone"].to_numpy()
    base = rules.types["fire_event"].priority
    assert (fires["priority"].to_numpy() == [base + 5 if z else base for z in in_zone]).all()
    # seen on the day: the inspection cannot start before the first detection
    assert (fires["tw_start"] == detected.dt.strftime("%H:%M").to_numpy()).all()

    first = fires.iloc[0]["target_id"]
    verification.set_status(con, first, "verified", changed_by="王五")
    second = fires.iloc[1]["target_id"]
    verification.set_status(con, second, "dismissed", changed_by="王五", reason="not_a_fire")
    left = route_targets.fire_targets(con, DAY)
    assert first not in set(left["target_id"]) and second not in set(left["target_id"]) and len(left) == 14


def test_enterprise_targets_follow_the_compliance_rules(con):
    from geoaq.compliance import summary as compliance
    from geoaq.db import store
    from geoaq.layers import get_layer

    found = route_targets.enterprise_targets(con, DAY).set_index("target_id")
    enterprises = store.read_layer(con, get_layer("enterprises"))
    running = enterprises[~enterprises["status"].isin(["关停", "取消"])]  # closed ones are not inspected
    grade_c = {f"ENT-{i}" for i in running.loc[running["performance_grade"] == "C", "enterprise_id"]}
    assert grade_c <= set(found.index)
    closed = {f"ENT-{i}" for i in enterprises.loc[enterprises["status"].isin(["关停", "取消"]), "enterprise_id"]}
    assert not closed & set(found.index)
    summary = compliance.summarize(con, DAY, DAY)
    coal_names = {name for names in summary["coal_users"] for name in names}
    coal = found[found["kind"] == "coal_user"]
    assert set(coal["name"]) == coal_names and len(coal) == 5
    assert coal["reason"].map(say).str.contains("燃煤").all()
    near = found[found["reason"].map(say).str.contains("距国控站")]
    assert len(near) > 0 and near["reason"].map(say).str.contains("超标").all()
    # several flags: one target, highest priority, every reason
    both = coal[coal["reason"].map(say).str.contains("绩效分级 C")]
    assert len(both) > 0 and (both["priority"] == load_route_rules().types["coal_user"].priority).all()


def test_the_default_day_is_the_latest_findings_day(con):
    # the demo's MODIS passes of 2025-04-22 02:32 UTC are 10:32 on 2025-04-23, Beijing time
    assert route_targets.latest_findings_day(con) == DAY


def test_mines_under_rectification(con):
    mines = route_targets.mine_targets(con)
    assert len(mines) == 2 and (mines["kind"] == "mine_rectification").all()
    assert mines["reason"].map(say).str.contains("停产整治").all()


def test_random_draw_is_reproducible_and_keeps_quotas(con):
    first = route_targets.random_draw(con, {"enterprises": 4, "mines": 2, "enterprises:铸造": 1}, seed=42)
    again = route_targets.random_draw(con, {"enterprises": 4, "mines": 2, "enterprises:铸造": 1}, seed=42)
    other = route_targets.random_draw(con, {"enterprises": 4, "mines": 2, "enterprises:铸造": 1}, seed=43)
    assert list(first.targets["target_id"]) == list(again.targets["target_id"])
    assert list(first.targets["target_id"]) != list(other.targets["target_id"])
    assert first.targets["target_id"].is_unique and len(first.targets) == 7
    assert first.targets["target_id"].str.startswith("MINE-").sum() == 2
    assert "种子 42" in say(first.describe())
    excluded = set(first.targets["target_id"])
    drawn = route_targets.random_draw(con, {"enterprises": 200}, seed=42, exclude=excluded)
    assert not excluded & set(drawn.targets["target_id"])
    assert len(drawn.targets) == drawn.populations["enterprises"] < 126  # closed ones and excluded ones left out
    with pytest.raises(RoutingInputError, match="unknown category"):
        route_targets.parse_quotas(["factories=2"])
    assert route_targets.parse_quotas(["enterprises=2", "mines:煤=1"]) == {"enterprises": 2, "mines:煤": 1}


def test_collect_targets_and_plan(con):
    targets = route_targets.collect_targets(con, DAY, picked=[(112.45, 34.60, "某工地")],
                                            draw={"enterprises": 2}, seed=1)
    assert targets["target_id"].is_unique
    kinds = set(targets["kind"])
    assert {"fire_event", "coal_user", "grade_c", "mine_rectification", "picked", "random_draw"} <= kinds
    assert list(targets.columns) == route_targets.COLUMNS
    plan = plan_routes(targets, make_teams(2), day=DAY, work_limit=1000)
    assert plan.visited > 5
    visited = plan.stops.loc[~plan.stops["kind"].isin(["start", "end"])]
    fires = visited[visited["kind"] == "fire_event"]
    assert (fires["start"].dt.strftime("%H:%M") >= fires["tw_start"]).all()


def test_picked_points_and_targets_files(tmp_path):
    points = route_targets.parse_picked("112.45,34.60,某工地\n# comment\n\n112.50，34.61\n")
    assert points == [(112.45, 34.60, "某工地"), (112.50, 34.61)]
    frame = route_targets.picked_targets(points)
    assert list(frame["name"]) == ["某工地", "选点 2"] and (frame["kind"] == "picked").all()
    with pytest.raises(RoutingInputError, match="line 1"):
        route_targets.parse_picked("abc")
    with pytest.raises(RoutingInputError, match="picked point 1"):
        route_targets.picked_targets([(200.0, 34.6)])

    csv = tmp_path / "t.csv"
    csv.write_text("名称,经度,纬度,优先级\n甲,112.4,34.6,70\n乙,112.5,34.7,\n", encoding="gbk")
    read = route_targets.read_targets_file(csv)
    assert list(read["name"]) == ["甲", "乙"] and read.loc[0, "priority"] == "70"
    normalized = normalize_targets(read, load_route_rules())
    assert list(normalized["priority"]) == [70.0, load_route_rules().types["other"].priority]
    bad = tmp_path / "bad.csv"
    bad.write_text("名称,x坐标\n甲,1\n", encoding="utf-8")
    with pytest.raises(RoutingInputError, match="no longitude/latitude"):
        route_targets.read_targets_file(bad)
    geojson = tmp_path / "t.geojson"
    geojson.write_text('{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"丙"},'
                       '"geometry":{"type":"Point","coordinates":[112.4,34.6]}}]}', encoding="utf-8")
    read = route_targets.read_targets_file(geojson)
    assert read.loc[0, "name"] == "丙" and read.loc[0, "lon"] == pytest.approx(112.4)
    assert isinstance(read, pd.DataFrame)


def test_cli_routes_the_days_findings_and_a_draw(tmp_path, demo_template):
    """`geoaq route --from-findings DATE`: the day's open fire events (and the rest of the
    findings) become the targets; `--draw` adds a reproducible 双随机 sample."""
    from click.testing import CliRunner

    from geoaq.cli import main

    path = tmp_path / "demo.duckdb"
    shutil.copy(demo_template, path)
    args = ["route", "--db", str(path), "--from-findings", "2025-04-23", "--teams", "2", "--hours", "8",
            "--format", "csv", "--work-limit", "20000"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    stops = pd.read_csv(io.StringIO(result.stdout))  # warnings (targets left out) go to stderr
    connection = db.connect(path, read_only=True)
    try:
        fire_ids = set(route_targets.fire_targets(connection, DAY)["target_id"])
    finally:
        connection.close()
    listed = set(stops["编号"].dropna())
    assert fire_ids & listed, "no fire event of the day among the stops"
    drawn = CliRunner().invoke(main, [*args, "--draw", "mines=2", "--seed", "7"])
    again = CliRunner().invoke(main, [*args, "--draw", "mines=2", "--seed", "7"])
    assert drawn.exit_code == 0 and drawn.output == again.output
