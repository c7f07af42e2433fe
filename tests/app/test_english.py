"""Every page, the map and the exports in English: no Chinese character outside the data.

Each page runs under Streamlit's AppTest on a copy of the demo database with the language
switch on English, opened as far as the tests can take it (an event picked, a scope picked,
routes planned, a file uploaded). Every text the page shows is collected — titles, markdown,
captions, metric labels and values, widget labels, options, placeholders and help, alerts,
expander labels, download-button labels, dataframe headings and cells, chart specs and data.
The data values are then removed: the text of every column of every layer table, the stored
rejects and the readings' station codes (station, county, township, zone, enterprise and mine
names, industries, statuses, zone types …), the plans' names of data/targets.toml, and the
language switch's own two names (it names each language in that language, on purpose).
Whatever Chinese character remains is a word that did not come from the English locale.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest
from english import LANG, check_english, data_values
from google.protobuf.message import Message as Proto
from helpers import DATA
from streamlit.testing.v1 import AppTest

from geoaq.db import connection as db
from geoaq.db import store
from geoaq.i18n import say
from geoaq.layers import load_registry

APP = str(Path(__file__).resolve().parents[2] / "app.py")
#: what a page shows of a component (the folium map) is checked on the map itself (below)
SKIPPED_ELEMENTS = {"component_instance"}


# --- what a page shows -------------------------------------------------------------------------


def _proto_strings(message: Proto) -> list[str]:
    """Every string field of a protobuf message, nested messages included (bytes skipped)."""
    found = []
    for field, value in message.ListFields():
        values = value if field.is_repeated else [value]
        for item in values:
            if isinstance(item, Proto):
                found += _proto_strings(item)
            elif isinstance(item, str):
                found.append(item)
    return found


def _frame_strings(frame: pd.DataFrame) -> list[str]:
    cells = [str(v) for column in frame.columns for v in frame[column].tolist() if v is not None]
    return [*map(str, frame.columns), *map(str, frame.index.names), *cells]


def _arrow_strings(data: bytes) -> list[str]:
    if not data:
        return []
    try:
        return _frame_strings(pa.ipc.open_stream(data).read_all().to_pandas())
    except pa.ArrowInvalid:
        return []


def _json_strings(text: str) -> list[str]:
    """A JSON document's strings, decoded (a chart spec writes "\\u4e2d" for 中)."""
    try:
        document = json.loads(text)
    except (ValueError, TypeError):
        return [text]
    found: list[str] = []

    def visit(value) -> None:
        if isinstance(value, str):
            found.append(value)
        elif isinstance(value, dict):
            for key, item in value.items():
                found.append(str(key))
                visit(item)
        elif isinstance(value, list):
            for item in value:
                visit(item)

    visit(document)
    return found


def _walk(node):
    yield node
    for child in getattr(node, "children", {}).values():
        yield from _walk(child)


def page_texts(at: AppTest) -> list[str]:
    """Every text the page shows (see the module docstring)."""
    texts: list[str] = []
    for node in _walk(at._tree):
        kind = getattr(node, "type", "")
        if kind in SKIPPED_ELEMENTS:
            continue
        if kind in {"arrow_data_frame", "arrow_table"}:
            texts += _frame_strings(node.value)
            proto = getattr(node, "proto", None)
            texts += [s for s in _proto_strings(proto) if not s.startswith("{")] if proto is not None else []
            continue
        proto = getattr(node, "proto", None)
        if not isinstance(proto, Proto):
            continue
        if kind == "arrow_vega_lite_chart":
            texts += _json_strings(proto.spec)
            texts += [s for d in proto.datasets for s in _arrow_strings(d.data.data)]
            texts += _arrow_strings(proto.data.data)
            continue
        texts += _proto_strings(proto)
    return texts


def _english(path: str, **state) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=300)
    at.session_state["lang"] = LANG
    for key, value in state.items():
        at.session_state[key] = value
    at.run()
    at.switch_page(path).run()
    assert not at.exception, at.exception
    return at


@pytest.fixture(scope="module")
def data(tmp_path_factory, demo_template):
    """The demo database's data values (the upload test adds its own rejects)."""
    path = tmp_path_factory.mktemp("english") / "demo.duckdb"
    path.write_bytes(demo_template.read_bytes())
    return data_values(path)


# --- the pages ---------------------------------------------------------------------------------


def test_map_page_in_english(demo_db, data):
    at = _english("app_pages/map.py", map_zone="LY-JMQ-01", show_landcover=True)
    texts = page_texts(at)
    assert "Air-pollution governance map" in texts
    check_english(texts, data)


def test_map_page_with_a_clicked_fire_in_english(demo_db, data):
    from geoaq.fires.check import check_fires

    con = db.connect(demo_db)
    try:
        day = pd.Timestamp(con.execute("SELECT max(acq_date) FROM fire_points").fetchone()[0]).date()
        period = (day - pd.Timedelta(days=1), day + pd.Timedelta(days=1))
        event = check_fires(con, *period)["event_id"].iloc[0]
    finally:
        con.close()
    at = _english("app_pages/map.py", map_dates=period, map_event=event)
    assert not at.exception, at.exception
    texts = page_texts(at)
    assert any(event in x for x in texts)
    check_english(texts, data)


def test_fires_page_in_english_with_an_event_open(demo_db, data):
    at = _english("app_pages/fires.py")
    at.selectbox(key="fire_event").set_value(at.selectbox(key="fire_event").options[1]).run()
    assert not at.exception, at.exception
    texts = page_texts(at)
    assert {"Fire events", "Save status"} <= set(texts)
    check_english(texts, data)


def test_compliance_page_in_english_with_a_scope_open(demo_db, data):
    at = _english("app_pages/compliance.py")
    at.selectbox(key="comp_scope").set_value("zone|LY-JMQ-01").run()
    assert not at.exception, at.exception
    texts = page_texts(at)
    assert any(x.startswith("Coal user") for x in texts) and "not compliant" in " ".join(texts)
    check_english(texts, data)
    at.selectbox(key="comp_scope").set_value("city|洛阳").run()
    assert not at.exception, at.exception
    check_english(page_texts(at), data)


def test_air_quality_page_in_english(demo_db, data):
    at = _english("app_pages/air_quality.py")
    texts = page_texts(at)
    assert "Latest hourly AQI" in texts
    check_english(texts, data)


def test_data_page_in_english_after_an_upload(demo_db, data):
    at = _english("app_pages/data.py")
    at.selectbox(key="data_target").set_value("stations").run()
    bad = (DATA / "stations_rejects.csv").read_bytes()
    at.file_uploader(key="data_files").set_value([("stations_rejects.csv", bad, "text/csv")]).run()
    at.button(key="data_load").click().run()
    assert not at.exception, at.exception
    check_english(page_texts(at), data + data_values(demo_db))


def test_routes_page_in_english_with_routes_planned(demo_db, data):
    at = _english("app_pages/routes.py", route_work_limit=30_000, route_teams=2,
                  route_picked="112.45,34.62\n112.50,34.66,Site 2")
    check_english(page_texts(at), data)
    at.button(key="route_solve").click().run()
    assert not at.exception, at.exception
    texts = page_texts(at)
    assert any(x.startswith("Team 1:") for x in texts)
    check_english(texts, data)


def test_emergency_page_in_english_with_a_warning_open(demo_db, data):
    at = _english("app_pages/emergency.py")
    texts = page_texts(at)
    assert {"Reduction list", "Response", "Assessment"} <= set(texts)
    assert any(x.startswith("Whole city mean hourly AQI") for x in texts)
    check_english(texts, data)


# --- the map without a browser -----------------------------------------------------------------


def _map_texts(fmap) -> list[str]:
    """The strings of a folium map's page: its script's JSON (\\u escapes decoded) and HTML."""
    page = fmap.get_root().render()
    page = re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), page)
    return [html_text for html_text in re.split(r"<[^>]*>|[\"\n]", page) if html_text.strip()]


def test_the_emergency_map_in_english(demo_db, data):
    """The 重污染应急 page's map: enterprises by measure, stations by their AQI during the warning."""
    from geoaq.emergency.response import warning_response
    from geoaq.web.map import build_map
    from geoaq.web.views.emergency import enterprises_overlay, stations_overlay

    registry = load_registry()
    con = db.connect(demo_db)
    try:
        response = warning_response(con, "LY-YJ-2025-001")
        stations = store.read_layer(con, registry["stations"])
    finally:
        con.close()
    fmap = build_map([(registry["stations"], stations)], lang=LANG,
                     overlays=(enterprises_overlay(response.enterprises, LANG),
                               stations_overlay(stations, response.stations, LANG)))
    texts = _map_texts(fmap)
    assert "Stop production" in " ".join(texts) and "Mean hourly AQI" in " ".join(texts)
    check_english(texts, data)


def test_the_maps_legends_popups_and_tooltips_in_english(demo_db, data):
    """The map page's map (layers, stations by AQI, fires, land cover), the fires page's and the
    compliance page's (scopes by status, sensitive areas), built as the pages build them."""
    from geoaq.aq import readings as aq
    from geoaq.aq.aqi import aqi_level_table
    from geoaq.compliance.summary import scope_geometries, sensitive_areas, summarize
    from geoaq.fires.check import check_fires, event_detections
    from geoaq.web.cache import landcover_image
    from geoaq.web.map import AMAP, build_map, tianditu
    from geoaq.web.views.compliance import scopes_overlay, sensitive_overlay
    from geoaq.web.views.fires import events_on_map
    from geoaq.web.views.stations import aqi_legend, stations_overlay

    registry = load_registry()
    con = db.connect(demo_db)
    try:
        layers = [(spec, store.read_layer(con, spec)) for spec in registry.values()]
        start, end = aq.readings_period(con)[1].date(), aq.readings_period(con)[1].date()
        fire_day = pd.Timestamp(con.execute("SELECT max(acq_date) FROM fire_points").fetchone()[0]).date()
        checked = check_fires(con, fire_day, fire_day)
        detections = event_detections(con, list(checked["event_id"]))
        hourly = aq.hourly_table(con, start, end)
        summary = summarize(con, fire_day, fire_day)
        geometries = scope_geometries(con)
        sensitive = sensitive_areas(con, fire_day, fire_day)
    finally:
        con.close()
    stations = next(frame for spec, frame in layers if spec.name == "stations")
    overlay = stations_overlay(stations, hourly, hourly["time_bjt"].max(), LANG)
    legend = aqi_legend(aqi_level_table(), LANG, registry["stations"].title(LANG))
    events, event_layers = events_on_map(checked, detections, LANG)
    _, compact = events_on_map(checked, None, LANG, threshold=0)
    scopes = tuple(scopes_overlay(summary, geometries, kind, LANG) for kind in ("county", "zone", "cluster"))
    image = landcover_image(str(demo_db), LANG)
    maps = [
        build_map(layers, lang=LANG, overlays=(overlay, *events), images=(image,) if image else (), draw=True),
        build_map(layers[:2], lang=LANG, layers=compact),
        build_map(layers[:1], lang=LANG, overlays=(*scopes, sensitive_overlay(sensitive, stations, LANG))),
        build_map(layers[:1], lang=LANG, tiles=AMAP),
        build_map(layers[:1], lang=LANG, tiles=tianditu("token")),
    ]
    assert legend and any("AQI" in e["label"] for e in legend)
    texts = [x for fmap in maps for x in _map_texts(fmap)] + [e["label"] for e in legend]
    assert "Legend" in texts
    # the base maps' attributions name their owners (高德地图, 天地图): proper names
    owners = ["© 高德地图 AutoNavi (GCJ-02)", "© 国家地理信息公共服务平台 天地图"]
    check_english(texts, data + owners)


# --- the exports -------------------------------------------------------------------------------


def _texts_of(data: bytes | str) -> list[str]:
    text = data.decode("utf-8-sig") if isinstance(data, bytes) else data
    return [x for x in re.split(r"<[^>]*>|[\n,]", text) if x.strip()]


def test_route_sheets_and_files_in_english(demo_db, data):
    from geoaq.routes.export import export, stop_table
    from geoaq.routes.plan import plan_routes
    from geoaq.routes.rules import load_route_rules, make_teams
    from geoaq.routes.targets import collect_targets, latest_findings_day

    rules = load_route_rules()
    con = db.connect(demo_db)
    try:
        day = latest_findings_day(con)
        targets = collect_targets(con, day, picked=[(112.45, 34.62)], draw={"mines": 2}, seed=3, lang=LANG)
    finally:
        con.close()
    plan = plan_routes(targets, make_teams(2, hours=3, rules=rules, lang=LANG), rules=rules, day=day,
                       work_limit=20_000)
    assert len(plan.dropped), "a short day leaves targets out, so their reasons are checked too"
    texts = [x for fmt in ("csv", "html", "gpx", "kml") for x in _texts_of(export(plan, fmt, lang=LANG, rules=rules))]
    table = stop_table(plan, lang=LANG, rules=rules)
    texts += _frame_strings(table) + [plan.summary(LANG)] + [say(w, LANG) for w in plan.warnings]
    assert "Inspection route · Team 1" in " ".join(texts) and "Signature" in texts
    chinese = export(plan, "csv", rules=rules).decode("utf-8-sig")
    assert "序号" in chinese and "预计到达" in chinese  # the inspectors' default stays Chinese
    check_english(texts, data)


def test_emergency_checklist_check_and_assessment_in_english(demo_db, data):
    from geoaq.emergency import present
    from geoaq.emergency.assessment import assess_warning, one_page
    from geoaq.emergency.checks import check_list
    from geoaq.emergency.response import checklist, checklist_title
    from geoaq.tables import xlsx_blocks, xlsx_sheets

    con = db.connect(demo_db)
    try:
        result = check_list(con)
        assessed = assess_warning(con, "LY-YJ-2025-001")
    finally:
        con.close()
    sheets = checklist(assessed.response, LANG)
    workbook = pd.read_excel(io.BytesIO(xlsx_sheets(sheets, checklist_title(assessed.response, LANG))),
                             sheet_name=None, header=None)
    blocks = one_page(assessed, LANG)
    report = pd.read_excel(io.BytesIO(xlsx_blocks(blocks, "Assessment", "Assessment")), header=None)
    texts = [*(x for frame in workbook.values() for x in _frame_strings(frame)), *_frame_strings(report),
             *_frame_strings(present.shares_table(result.shares, LANG)),
             *_frame_strings(present.problems_table(result.problems, LANG)), *(h for h, _ in blocks)]
    assert "Measure required" in texts and "Result (in place / not in place / could not be inspected)" in texts
    assert list(checklist(assessed.response)[next(iter(sheets))].columns)[:3] == ["序号", "预警编号", "区县"]
    check_english(texts, data)


def test_compliance_table_and_township_notice_in_english(demo_db, data):
    from geoaq.compliance.summary import flatten, summarize
    from geoaq.fires.check import check_fires
    from geoaq.fires.notice import notice_table, notice_title, notice_xlsx_bytes

    con = db.connect(demo_db)
    try:
        day = pd.Timestamp(con.execute("SELECT max(acq_date) FROM fire_points").fetchone()[0]).date()
        summary = summarize(con, day.replace(month=1, day=1), day)
        checked = check_fires(con, day - pd.Timedelta(days=3), day)
    finally:
        con.close()
    flat = flatten(summary, LANG)
    notice = notice_table(checked, LANG)
    workbook = pd.read_excel(io.BytesIO(notice_xlsx_bytes(notice, notice_title(day, day, LANG), LANG)), header=None)
    texts = _frame_strings(flat) + _frame_strings(notice) + _frame_strings(workbook)
    assert "not compliant" in set(flat["status"]) and "Township" in notice.columns
    assert list(notice_table(checked).columns)[:3] == ["事件编号", "区县", "乡镇"]  # for the townships: Chinese
    check_english(texts, data)
