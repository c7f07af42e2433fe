"""The 重污染应急 page under Streamlit's AppTest: on the Luoyang demo (the list, its check, the
demo warning on the map with its checklist and findings, the assessment), entering a warning and
a finding, a forecast file, uploading a list, and on a database without any emergency data."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from helpers import open_page, table_with
from streamlit.testing.v1 import AppTest

from geoaq.db import connection as db
from geoaq.emergency import alerts, inspections

PAGE = "app_pages/emergency.py"
WARNING = "LY-YJ-2025-001"


def _page(**state) -> AppTest:
    return open_page(PAGE, **state)


_table = table_with


def _button(at: AppTest, label: str):
    return next(b for b in at.button if b.label == label)


def test_the_demo_list_check_warning_response_and_assessment(demo_db):
    at = _page()
    assert at.title[0].value == "重污染应急"
    assert [t.label for t in at.tabs] == ["应急减排清单", "清单核查", "预警", "应急响应", "响应评估"]
    assert any("演示数据" in i.value for i in at.info)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["清单行（生产线）"] == "152" and metrics["须采取措施的企业"] == "116"
    assert metrics["黄色预警（Ⅲ级）"] == "达到要求" and metrics["停产"] == "75"
    versions = _table(at, "清单年度", "生效日期")
    assert versions["清单年度"].tolist() == ["2024—2025年秋冬季"]
    shares = _table(at, "要求减排比例（%）", "清单减排比例（%）")
    assert len(shares) == 12 and set(shares["排放总量口径"]) == {"清单排放量"}
    problems = _table(at, "规则", "问题")
    assert "涉气污染企业应纳尽纳（seed 000）" in set(problems["规则"])
    assert _table(at, "预警编号", "预警区域")["预警编号"].tolist() == [WARNING]
    counties = _table(at, "区县", "合计", "须采取措施")
    assert counties["合计"].sum() == 118
    stations = _table(at, "站点", "小时AQI均值")
    assert len(stations) == 13 and set(stations["所用标准"]) == {"GB 3095-2012 / HJ 633-2012 / HJ 663-2013"}
    assert any("预警期间" in i.value and "预警前" in i.value for i in at.info)  # the assessment's summary
    inspected = _table(at, "项目", "内容")
    labels = {b.label for b in at.get("download_button")}
    assert {"下载核查结果（Excel）", "下载分区县检查表（Excel）", "下载应急响应评估（Excel）"} <= labels
    assert inspected is not None and len(at.get("component_instance")) == 1  # the map


def test_a_whole_societys_total_makes_the_list_fall_short(demo_db):
    at = _page(em_total_so2=100_000.0)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["黄色预警（Ⅲ级）"] == "未达到要求"
    shares = _table(at, "要求减排比例（%）", "排放总量口径")
    assert "全社会排放量（用户给出）" in set(shares["排放总量口径"])


def test_entering_a_warning_and_a_finding(demo_db):
    at = _page(em_area="偃师区", em_new_level="III", em_issued_by="偃师区重污染天气应急指挥部",
               em_start=pd.Timestamp("2025-01-25 08:00").to_pydatetime(),
               em_end=pd.Timestamp("2025-01-27 08:00").to_pydatetime())
    _button(at, "录入预警").click().run()
    assert not at.exception, at.exception
    assert any(s.value.startswith("已录入预警：偃师区 黄色预警（Ⅲ级）") for s in at.success)
    assert len(_table(at, "预警编号", "预警区域")) == 2
    at.session_state["em_inspector"] = "执法一组"
    at.session_state["em_result"] = "violation"
    at.session_state["em_finding"] = "窑炉正常生产"
    at.run()
    _button(at, "保存检查结果").click().run()
    assert not at.exception, at.exception
    assert any(s.value.startswith("已录入检查结果") for s in at.success), [e.value for e in at.error]
    con = db.connect(demo_db)
    try:
        warnings = alerts.current_warnings(con)
        assert set(warnings["area"]) == {"洛阳市", "偃师区"}
        found = inspections.findings(con, at.session_state["em_warning"])
        assert "violation" in set(found["result"]) and "test-admin" in set(found["recorded_by"])  # the signed-in account
    finally:
        con.close()


def test_a_bad_warning_is_a_message_and_nothing_is_written(demo_db):
    at = _page(em_issued_by="")
    _button(at, "录入预警").click().run()
    assert not at.exception and any("issued_by is empty" in e.value for e in at.error)
    assert len(_table(at, "预警编号", "预警区域")) == 1


def test_a_forecast_file_suggests_a_level(demo_db):
    at = _page()
    forecast = Path(__file__).resolve().parents[2] / "data" / "demo" / "synthetic" / "emergency_forecast.csv"
    at.file_uploader(key="em_forecast_file").set_value([("forecast.csv", forecast.read_bytes(), "text/csv")]).run()
    assert not at.exception, at.exception
    assert any(i.value.startswith("建议发布橙色预警（Ⅱ级）") for i in at.info)


def test_uploading_a_list_adds_a_version(demo_db, tmp_path):
    at = _page()
    csv = ("统一社会信用代码,企业名称,绩效分级,SO2排放量,NOx排放量,颗粒物排放量,VOCs排放量,黄色预警措施,橙色预警措施,红色预警措施\n"
           "DEMO-ENT-0001,新安县演示企业01（耐火材料）（演示）,B,1,2,3,4,限产20%,限产30%,停产\n").encode()
    at.text_input(key="em_list_year").set_value("2025—2026年秋冬季")
    at.text_input(key="em_list_effective").set_value("2025-10-01")
    at.file_uploader(key="em_list_file").set_value([("new_list.csv", csv, "text/csv")]).run()
    at.button(key="em_list_load").click().run()
    assert not at.exception, at.exception
    assert any("新增 1" in t.value for t in at.text) or any("版本 2025—2026年秋冬季" in s.value for s in at.success)
    assert _table(at, "清单年度", "生效日期")["清单年度"].tolist() == ["2025—2026年秋冬季", "2024—2025年秋冬季"]


def test_the_page_without_emergency_data(migrated_db, monkeypatch):
    monkeypatch.setenv("GEOAQ_DB", str(migrated_db))
    at = _page()
    infos = [i.value for i in at.info]
    assert any(v.startswith("尚未载入应急减排清单") for v in infos) and any(v.startswith("没有已发布的预警") for v in infos)
    assert not at.metric and not at.get("component_instance")
