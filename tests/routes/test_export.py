"""geoaq.routes.export and geoaq.web.views.routes: GPX/KML parse back with the right points, CSV,
printable HTML and the map escape everything, nothing from a CDN; the `geoaq route` CLI."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from datetime import date

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from geoaq.cli import main
from geoaq.routes import export as route_export
from geoaq.routes.plan import plan_routes
from geoaq.routes.rules import Team
from geoaq.web.assets import cdn_urls_in
from geoaq.web.client_files import client_source
from geoaq.web.views import routes as route_view

HOSTILE = '<b>粗体</b><img src=x onerror="alert(1)"> & "引号" `${1}` C:\\u0041'
DEPOT = (112.4826, 34.6252)
GPX = "{http://www.topografix.com/GPX/1/1}"
KML = "{http://www.opengis.net/kml/2.2}"


@pytest.fixture(scope="module")
def plan():
    rng = np.random.default_rng(3)
    targets = pd.DataFrame({"target_id": [f"T{i}" for i in range(9)],
                            "name": [HOSTILE if i == 4 else f"点位{i}" for i in range(9)],
                            "lon": DEPOT[0] + rng.uniform(-0.1, 0.1, 9), "lat": DEPOT[1] + rng.uniform(-0.08, 0.08, 9),
                            "kind": ["fire_event", "grade_c", "coal_user"] * 3, "reason": [HOSTILE] + [""] * 8,
                            "priority": [200 if i == 4 else None for i in range(9)]})
    teams = [Team("第1组", start=DEPOT, hours=3), Team("第2组", start=(112.40, 34.66), end=DEPOT, hours=3)]
    return plan_routes(targets, teams, day=date(2025, 4, 23), work_limit=1000)


def _visits(plan, team=None):
    stops = plan.stops if team is None else plan.team_stops(team)
    return stops[~stops["kind"].isin(["start", "end"])]


def test_gpx_parses_back_with_the_right_points(plan):
    root = ET.fromstring(route_export.to_gpx(plan).encode("utf-8"))
    assert root.tag == f"{GPX}gpx" and root.get("version") == "1.1"
    waypoints = root.findall(f"{GPX}wpt")
    visits = _visits(plan)
    assert len(waypoints) == len(visits) > 0
    for point, row in zip(waypoints, visits.itertuples(), strict=True):
        assert float(point.get("lon")) == pytest.approx(row.lon, abs=1e-7)
        assert float(point.get("lat")) == pytest.approx(row.lat, abs=1e-7)
        assert point.find(f"{GPX}name").text == f"{row.team} {row.seq:02d} {row.name}"
        eta_utc = pd.Timestamp(point.find(f"{GPX}time").text).tz_localize(None)
        assert eta_utc == row.arrival - pd.Timedelta(hours=8)  # GPX times are UTC
    routes = root.findall(f"{GPX}rte")
    assert [r.find(f"{GPX}name").text for r in routes] == plan.team_names()
    for route, team in zip(routes, plan.team_names(), strict=True):
        stops = plan.team_stops(team)
        points = [(float(p.get("lon")), float(p.get("lat"))) for p in route.findall(f"{GPX}rtept")]
        assert np.allclose(points, np.column_stack([stops["lon"], stops["lat"]]), atol=1e-7)
    assert len(root.findall(f"{GPX}trk")) == len(plan.team_names())
    assert any(HOSTILE in (p.find(f"{GPX}name").text or "") for p in waypoints)  # escaped, parsed back intact


def test_kml_parses_back_with_the_right_points(plan):
    team = plan.team_names()[0]
    root = ET.fromstring(route_export.to_kml(plan, team).encode("utf-8"))
    folders = root.findall(f"{KML}Document/{KML}Folder")
    assert [f.find(f"{KML}name").text for f in folders] == [team]
    marks = [m for m in folders[0].findall(f"{KML}Placemark") if m.find(f"{KML}Point") is not None]
    visits = _visits(plan, team)
    assert len(marks) == len(visits)
    for mark, row in zip(marks, visits.itertuples(), strict=True):
        lon, lat, _ = (float(v) for v in mark.find(f"{KML}Point/{KML}coordinates").text.split(","))
        assert (lon, lat) == pytest.approx((row.lon, row.lat), abs=1e-7)
    line = folders[0].find(f"{KML}Placemark/{KML}LineString/{KML}coordinates").text.split()
    assert len(line) == len(plan.team_stops(team))


def test_gcj02_export_moves_points_by_the_chinese_offset(plan):
    wgs = ET.fromstring(route_export.to_gpx(plan).encode()).find(f"{GPX}wpt")
    gcj = ET.fromstring(route_export.to_gpx(plan, coords="gcj02").encode()).find(f"{GPX}wpt")
    from geoaq.routes.travel import great_circle_m

    shift = great_circle_m(float(wgs.get("lon")), float(wgs.get("lat")), float(gcj.get("lon")), float(gcj.get("lat")))
    assert 100 < shift < 1000
    with pytest.raises(ValueError):
        route_export.to_gpx(plan, coords="utm")


def test_csv_reads_back(plan):
    table = pd.read_csv(io.BytesIO(route_export.to_csv(plan)), encoding="utf-8-sig")
    assert len(table) == len(plan.stops)
    assert {"小组", "序号", "预计到达", "名称", "经度", "纬度"} <= set(table.columns)
    english = pd.read_csv(io.BytesIO(route_export.to_csv(plan, lang="en")), encoding="utf-8-sig")
    assert {"Team", "ETA", "Name"} <= set(english.columns)


def test_html_sheet_per_team_escapes_everything(plan):
    document = route_export.html_sheets(plan)
    assert document.count('<section class="sheet">') == len(plan.team_names())
    assert "page-break-after" in document
    assert "<img" not in document and "<b>粗体" not in document
    assert "&lt;b&gt;粗体&lt;/b&gt;" in document
    assert "核查结果" in document and "签字" in document
    one = route_export.html_sheet(plan, plan.team_names()[1])
    assert one.count("<section") == 1


def test_route_map_draws_paths_and_numbered_markers_offline(plan):
    fmap = route_view.route_map(plan, lang="zh")
    page = fmap.get_root().render()
    assert cdn_urls_in(page) == []
    assert page.count("L.polyline(") == len(plan.team_names())
    assert "geoaq.stopMarkers(" in page and '"label": "1"' in page  # numbered markers, drawn by
    assert "L.divIcon(" in client_source("geoaq_map.js") and "geoaq-stop-icon" in client_source("geoaq_map.js")
    assert "L.Icon.Default" not in page and ".setIcon(" not in page  # no default marker image is ever asked for
    # the layer control names the team groups: they must be defined before its script runs
    control = page.index("L.control.layers(")
    assert all(page.index(f"var {group}") < control for group in
               {line.split("var ")[1].split(" ")[0] for line in page.splitlines() if "L.featureGroup(" in line})
    assert "<img src=x" not in page  # every label is escaped
    # tooltips and popups sit in JavaScript template literals: no backtick, ${ or \\ survives
    assert "&amp;#96;&amp;#36;{1}&amp;#96;" not in page and "&#96;&#36;{1}&#96;" in page
    assert "C:&#92;u0041" in page
    targets = route_view.targets_map(plan.targets, depots=[DEPOT])
    assert cdn_urls_in(targets.get_root().render()) == []


# --- the CLI -------------------------------------------------------------------------------


@pytest.fixture
def targets_csv(tmp_path):
    path = tmp_path / "targets.csv"
    path.write_text("编号,名称,经度,纬度,类型,最晚\nA1,甲企业,112.45,34.60,coal_user,\nA2,乙火点,112.50,34.66,fire_event,"
                    "12:00\nA3,丙矿山,112.38,34.63,mine_rectification,\n", encoding="gbk")
    return path


def test_cli_route_table_and_files(tmp_path, targets_csv):
    runner = CliRunner()
    result = runner.invoke(main, ["route", "--targets", str(targets_csv), "--teams", "2", "--hours", "6",
                                  "--date", "2025-04-23", "--work-limit", "20000"])
    assert result.exit_code == 0, result.output
    assert "objective" in result.output and "searched" in result.output and "甲企业" in result.output
    out = tmp_path / "r.gpx"
    result = runner.invoke(main, ["route", "--targets", str(targets_csv), "--start", "112.48,34.62", "--format", "gpx",
                                  "--out", str(out), "--work-limit", "20000"])
    assert result.exit_code == 0, result.output
    assert len(ET.parse(out).getroot().findall(f"{GPX}wpt")) == 3
    result = runner.invoke(main, ["route", "--pick", "112.45,34.60,某工地", "--pick", "112.50,34.61", "--format", "kml",
                                  "--work-limit", "20000"])
    assert result.exit_code == 0, result.output
    assert "某工地" in result.output and result.output.startswith("<?xml")


def test_cli_route_with_a_matrix(tmp_path, targets_csv):
    matrix = tmp_path / "m.csv"
    matrix.write_text("0,5,9\n5,0,7\n9,7,0\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["route", "--targets", str(targets_csv), "--matrix", str(matrix),
                                       "--matrix-unit", "km", "--format", "csv", "--work-limit", "20000"])
    assert result.exit_code == 0, result.output
    assert "supplied 3 × 3 matrix" not in result.output  # csv only: the table
    assert "甲企业" in result.output


@pytest.mark.parametrize(("args", "message"), [
    (["--pick", "112.45,34.60", "--hours", "0"], "working hours must be more than 0"),
    (["--pick", "112.45"], "LON,LAT"),
    ([], "no targets"),
    (["--pick", "112.45,34.60", "--matrix", "MISSING.csv"], "does not exist"),
])
def test_cli_route_bad_input_is_one_clear_line(args, message):
    result = CliRunner().invoke(main, ["route", *args])
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output and not isinstance(result.exception, ValueError | KeyError | TypeError)


def test_cli_route_matrix_of_the_wrong_size(tmp_path, targets_csv):
    matrix = tmp_path / "m.csv"
    matrix.write_text("0,5\n5,0\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["route", "--targets", str(targets_csv), "--matrix", str(matrix)])
    assert result.exit_code == 1
    assert "matrix is 2 × 2, but there are 3 targets" in result.output
