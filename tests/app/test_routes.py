"""The 巡查路线 page under Streamlit's AppTest, on the Luoyang demo database."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[2] / "app.py")


def _routes_page(**state) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    at.session_state["route_work_limit"] = 1000  # a quick search for the test
    for key, value in state.items():
        at.session_state[key] = value
    at.run()
    at.switch_page("app_pages/routes.py").run()
    assert not at.exception, at.exception
    return at


def test_routes_page_lists_targets_plans_and_offers_downloads(demo_db):
    at = _routes_page(route_teams=3, route_hours=4.0, route_start="112.45,34.62")
    assert at.title[0].value == "巡查路线"
    assert any(s.value.startswith("待查目标（") for s in at.subheader)
    listed = at.dataframe[0].value  # the editable target list (include / exclude)
    assert "include" in listed.columns and listed["include"].all() and len(listed) > 20
    at.button(key="route_solve").click().run()
    assert not at.exception, at.exception
    metrics = {m.label: m.value for m in at.metric}
    routed, total = (int(v) for v in metrics["已排入目标"].split(" / "))
    assert 0 < routed <= total
    assert float(metrics["求解用时（秒）"]) > 0
    assert any("求解目标值" in c.value and "搜索" in c.value for c in at.caption)
    headings = [s.value for s in at.subheader if s.value.startswith("第")]
    assert len(headings) == 3 and all("上限 4 小时" in h for h in headings)  # teams and hours are used
    labels = {b.label for b in at.get("download_button")}
    assert {"全部路线 GPX", "全部路线 KML", "全部路线 CSV", "打印路线单（全部）", "GPX", "KML"} <= labels
    # the stop tables: start, stops with ETAs, end
    tables = [d.value for d in at.dataframe]
    assert any("预计到达" in table.columns and len(table) >= 3 for table in tables)

    at.number_input(key="route_hours").set_value(0.0).run()  # a team with zero hours: a message
    at.button(key="route_solve").click().run()
    assert not at.exception
    assert any("working hours must be more than 0" in e.value for e in at.error)


def test_routes_page_bad_start_is_a_message(demo_db):
    at = _routes_page(route_start="abc")
    assert any("LON,LAT" in e.value for e in at.error)


def test_routes_page_in_english_with_picked_points_and_draw(demo_db):
    at = _routes_page(lang="en", route_picked="112.45,34.60,Site A", route_draw_ent=2, route_seed=5,
                      route_use_enterprises=False, route_use_fires=False)
    assert at.title[0].value == "Routes"
    at.button(key="route_solve").click().run()
    assert not at.exception, at.exception
    assert "Targets routed" in {m.label for m in at.metric}
