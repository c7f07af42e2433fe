"""During and after a warning that spans two months (2025-01-30 20:00 – 2025-02-02 08:00): who
must act, per county, the stations' hourly AQI over exactly its hours, the checklist going out
and coming back as findings, the stop targets of the routes, and the response assessment."""

from __future__ import annotations

import io
from datetime import date

import openpyxl
import pandas as pd
import pytest
from emergency_cases import SHARE_ROWS, list_row, load_pm25, write_list

from geoaq._errors import EmergencyInputError
from geoaq.emergency import alerts, inspections
from geoaq.emergency.assessment import CITY, air_view, assess_warning, one_page
from geoaq.emergency.reduction_list import load_list
from geoaq.emergency.response import checklist, checklist_header, stop_targets, warning_response
from geoaq.i18n import say
from geoaq.tables import xlsx_blocks, xlsx_sheets

START, END = pd.Timestamp("2025-01-30 20:00"), pd.Timestamp("2025-02-02 08:00")
#: PM2.5 during the warning (160 and 250 µg/m³: hourly IAQI 210 and 300), 50 before (IAQI 69)
DURING = {"T001A": 160.0, "T002A": 250.0}


def _pm25(hour: pd.Timestamp, code: str) -> float:
    return DURING[code] if START < hour <= END else 50.0


@pytest.fixture
def warned(area_con, tmp_path):
    """The share list, readings from 27 January to 3 February, and a city-wide 橙色 warning."""
    load_list(write_list(tmp_path / "list.csv", SHARE_ROWS), con=area_con, list_year="2024-2025",
              effective_from="2024-10-01")
    load_pm25(area_con, tmp_path, _pm25, "2025-01-27 00:00", "2025-02-03 23:00")
    wid, _ = alerts.issue_warning(area_con, area="测试市", level="Ⅱ级", start=START, end=END, issued_by="指挥部",
                                  recorded_by="张三")
    return wid


def test_who_must_act_at_the_warnings_level(area_con, warned):
    response = warning_response(area_con, warned)
    assert response.version == ("2024-2025", date(2024, 10, 1)) and response.scope == ("city", None)
    lines = response.lines.set_index("enterprise_key")
    assert lines["kind"].to_dict() == {"E1": "none", "E2": "limit", "E3": "stop", "E4": "stop"}
    assert lines["must_act"].to_dict() == {"E1": False, "E2": True, "E3": True, "E4": True}
    assert lines.loc["E2", "cut_so2"] == 20.0 and lines.loc["E3", "cut_so2"] == 100.0
    assert sorted(response.must_act["enterprise_key"]) == ["E2", "E3", "E4"]
    counts = response.by_county.set_index("county")
    assert counts.loc["甲县", ["none", "limit", "stop", "total", "must_act"]].tolist() == [1, 1, 0, 2, 1]
    assert counts.loc["乙县", ["stop", "total", "must_act"]].tolist() == [2, 2, 2]
    placed = response.enterprises.set_index("enterprise_key")
    assert placed.loc["E3", ["lon", "lat"]].tolist() == [112.6, 34.1] and placed["matched"].all()
    assert response.fires.empty


def test_the_stations_over_exactly_the_warnings_hours_across_the_month_end(area_con, warned):
    stations = warning_response(area_con, warned).stations.set_index("station_code")
    # hours labelled 01-30 21:00 … 02-02 08:00: 3 + 24 + 24 + 9
    assert stations["hours"].tolist() == [60, 60]
    assert stations.loc["T001A", ["aqi_mean", "aqi_max", "heavy_hours", "pm25_mean"]].tolist() == [210, 210, 60, 160]
    assert stations.loc["T002A", ["aqi_mean", "heavy_hours"]].tolist() == [300, 60]
    assert set(stations["standard_name"]) == {"GB 3095-2012 / HJ 633-2012 / HJ 663-2013"}


def test_a_county_warning_binds_only_that_countys_rows(area_con, warned):
    wid, _ = alerts.issue_warning(area_con, area="乙县", level="黄色", start="2025-01-31 08:00",
                                  end="2025-02-01 08:00", issued_by="乙县指挥部", recorded_by="张三")
    response = warning_response(area_con, wid)
    assert response.scope == ("county", "乙县")
    assert sorted(response.lines["enterprise_key"]) == ["E3", "E4"]
    assert response.lines.set_index("enterprise_key")["kind"].to_dict() == {"E3": "limit", "E4": "equipment"}


def test_a_warning_before_any_list_version_says_so(area_con, warned):
    wid, _ = alerts.issue_warning(area_con, area="测试市", level="红色", start="2024-01-05 00:00",
                                  end="2024-01-06 00:00", issued_by="指挥部", recorded_by="张三")
    with pytest.raises(EmergencyInputError, match="no list version is in effect on 2024-01-05"):
        warning_response(area_con, wid)


def test_the_stop_targets_of_the_routes_c_grade_first(area_con, tmp_path):
    rows = [list_row("E1", "甲钢铁", "A", 10, {"III": "停产", "II": "停产", "I": "停产"}, industry="钢铁"),
            list_row("E2", "乙铸造", "B", 10, {"III": "限产20%", "II": "停产", "I": "停产"}),
            list_row("E4", "丁耐火", "B", 10, {"III": "限产20%", "II": "停产", "I": "停产"}, falsified="是"),
            list_row("E3", "丙石灰", "C", 10, {"III": "限产30%", "II": "停产", "I": "停产"}),
            list_row("X1", "不在图层", "C", 10, {"III": "停产", "II": "停产", "I": "停产"})]
    load_list(write_list(tmp_path / "list.csv", rows), con=area_con, list_year="2025", effective_from="2024-10-01")
    alerts.issue_warning(area_con, area="测试市", level="II", start=START, end=END, issued_by="指挥部", recorded_by="张三")
    found = stop_targets(area_con, date(2025, 2, 1))
    # full (C, and the falsifier lowered to C) first, then B, then A; X1 has no place on the map
    assert found["enterprise_key"].tolist() == ["E3", "E4", "E2", "E1"]
    assert found["grade_class"].tolist() == ["full", "full", "reduced", "exempt"]
    assert set(found["warning_id"]) == set(alerts.current_warnings(area_con)["warning_id"])
    assert stop_targets(area_con, date(2025, 2, 3)).empty  # the warning has ended
    assert stop_targets(area_con, date(2025, 1, 30))["enterprise_key"].tolist() == ["E3", "E4", "E2", "E1"]


def test_the_checklist_goes_out_per_county_and_comes_back_as_findings(area_con, warned, tmp_path):
    response = warning_response(area_con, warned)
    sheets = checklist(response)
    assert list(sheets) == ["乙县", "甲县"]
    assert sheets["甲县"][checklist_header("enterprise_key")].tolist() == ["E2"]
    assert sheets["乙县"][checklist_header("measure")].tolist() == ["停产", "停产"]
    assert sheets["乙县"][checklist_header("cut_so2")].tolist() == [100.0, 100.0]
    book = openpyxl.load_workbook(io.BytesIO(xlsx_sheets(sheets, "检查表")))
    # the inspectors fill in two rows of 乙县 and leave 甲县 blank
    sheet = book["乙县"]
    head = [c.value for c in sheet[2]]
    for row, (result, who) in zip((3, 4), (("已落实", "执法一组"), ("未落实", "执法二组")), strict=True):
        sheet.cell(row, head.index(checklist_header("inspected_at")) + 1, "2025-01-31 10:00")
        sheet.cell(row, head.index(checklist_header("inspector")) + 1, who)
        sheet.cell(row, head.index(checklist_header("result")) + 1, result)
    sheet.cell(4, head.index(checklist_header("finding")) + 1, "窑炉仍在生产")
    book.save(tmp_path / "returned.xlsx")
    report = inspections.load_inspections(tmp_path / "returned.xlsx", con=area_con, recorded_by="李四")
    assert (report.rows_read, report.not_inspected, report.inserted, report.rejected_rows) == (3, 1, 2, 0)
    found = inspections.findings(area_con, warned)
    assert found[["enterprise_key", "result", "inspector"]].values.tolist() == [
        ["E3", "compliant", "执法一组"], ["E4", "violation", "执法二组"]]
    again = inspections.load_inspections(tmp_path / "returned.xlsx", con=area_con, recorded_by="李四")
    assert (again.inserted, again.unchanged) == (0, 2) and len(inspections.findings(area_con, warned)) == 2


def test_a_finding_is_checked_against_the_warning_and_its_list(area_con, warned):
    with pytest.raises(EmergencyInputError) as caught:
        inspections.record_inspection(area_con, warned, "X9", result="差不多", inspector=" ", recorded_by="李四",
                                      inspected_at="2025-03-01 10:00")
    message = str(caught.value)
    assert "'X9' is not on the list" in message and "result '差不多'" in message
    assert "inspector is empty" in message and "outside the warning" in message
    assert inspections.record_inspection(area_con, warned, "E2", result="已落实", inspector="执法一组",
                                         recorded_by="李四", inspected_at="2025-02-01 09:00") == "new"
    assert inspections.record_inspection(area_con, warned, "E2", result="未落实", inspector="执法一组",
                                         recorded_by="李四", inspected_at="2025-02-01 09:00",
                                         finding="限产未落实") == "changed"
    assert inspections.findings(area_con, warned)["result"].tolist() == ["violation"]


def test_the_response_assessment_on_one_standard(area_con, warned):
    inspections.record_inspection(area_con, warned, "E2", result="compliant", inspector="执法一组", recorded_by="李四",
                                  inspected_at="2025-01-31 09:00")
    inspections.record_inspection(area_con, warned, "E3", result="violation", inspector="执法一组", recorded_by="李四",
                                  inspected_at="2025-01-31 11:00", finding="未停产")
    result = assess_warning(area_con, warned)
    assert result.before == (pd.Timestamp("2025-01-27 20:00"), START)
    assert (result.standard, result.basis_reason) == ("2012", "in_force_at_end")
    city = result.air[result.air["key"] == CITY].set_index("metric")
    # the city each hour: the stations' mean PM2.5, 205 during (IAQI 255) and 50 before (IAQI 69)
    assert city.loc["aqi_mean", ["during", "before"]].tolist() == [255.0, 69.0]
    assert city.loc["pm25_mean", ["during", "before", "change"]].tolist() == [205.0, 50.0, 155.0]
    assert city.loc["hours", ["during", "before"]].tolist() == [60.0, 72.0]
    assert city.loc["heavy_hours", "during"] == 60.0
    assert result.finding_counts() == {"must_act": 3, "inspected": 2, "compliant": 1, "violation": 1, "unable": 0}
    cuts = result.cuts.set_index("pollutant")
    assert cuts.loc["so2", ["emission_t", "required_t", "cut_t", "meets"]].tolist() == [400.0, 80.0, 220.0, True]
    blocks = one_page(result)
    assert len(blocks) == 6 and "GB 3095-2012" in blocks[4][0]
    assert blocks[5][1].iloc[:, 2].tolist() == ["丙石灰"]  # the violation, named
    workbook = pd.read_excel(io.BytesIO(xlsx_blocks(blocks, "评估", "评估")), header=None)
    assert "一、预警概况" in workbook[0].tolist() and "丙石灰" in workbook.astype(str).to_numpy().ravel().tolist()
    wide = air_view(result.air, "en")
    assert wide.iloc[0, 0] == "Whole city" and "Mean hourly AQI · during" in wide.columns


def test_the_assessment_on_the_2026_standard_names_it(area_con, warned):
    result = assess_warning(area_con, warned, basis="2026")
    assert result.standard == "2026" and result.basis_reason == "chosen"
    city = result.air[result.air["key"] == CITY].set_index("metric")
    assert city.loc["aqi_mean", "before"] != 69.0  # PM2.5 50 scores higher under HJ 633-2026
    assert "2026" in say(one_page(result, "en")[4][0])


def test_only_the_stations_of_the_warnings_area_are_shown_and_averaged(area_con, warned, tmp_path):
    from geoaq.ingest.layer import ingest
    from geoaq.ingest.readings import load_readings

    # a national feed stores every city's stations: one of 北京市, far from the counties, very clean
    (tmp_path / "far.csv").write_text("code,name,city,lon,lat\nB001A,北京站,北京市,116.4,39.9\n", "utf-8")
    ingest("stations", tmp_path / "far.csv", con=area_con, constants={"level": "国控"})
    hours = pd.date_range("2025-01-27 00:00", "2025-02-03 23:00", freq="h")
    pd.DataFrame({"station_code": "B001A", "datetime": hours.strftime("%Y-%m-%d %H:%M"), "PM2.5": 5.0}).to_csv(
        tmp_path / "far_readings.csv", index=False)
    load_readings(tmp_path / "far_readings.csv", con=area_con, fmt="station")
    response = warning_response(area_con, warned)
    assert response.station_codes == {"T001A", "T002A"}
    assert response.stations["station_code"].tolist() == ["T001A", "T002A"]
    city = assess_warning(area_con, warned).air.query("key == @CITY").set_index("metric")
    assert city.loc["pm25_mean", "during"] == 205.0  # not pulled down by 北京站
    county, _ = alerts.issue_warning(area_con, area="乙县", level="黄色", start="2025-01-31 08:00",
                                     end="2025-02-01 08:00", issued_by="乙县指挥部", recorded_by="张三")
    assert warning_response(area_con, county).stations["station_code"].tolist() == ["T002A"]
    assessed = assess_warning(area_con, county)
    assert set(assessed.air["key"]) == {CITY, "T002A"}
    assert assessed.air.query("key == @CITY")["name"].iloc[0] == "乙县"
    assert air_view(assessed.air, "en").iloc[0, 0] == "乙县"


def test_a_warning_whose_area_is_no_longer_known_is_not_applied_to_the_whole_list(area_con, warned):
    area_con.execute("UPDATE emergency_warnings SET area = '北京市'")  # admin_units replaced after it was entered
    with pytest.raises(EmergencyInputError, match="'北京市' is neither the city nor a county"):
        warning_response(area_con, warned)
    assert stop_targets(area_con, date(2025, 2, 1)).empty


def test_a_demo_warnings_assessment_says_it_is_demo_data(area_con, warned):
    demo, _ = alerts.issue_warning(area_con, area="测试市", level="黄色", start="2025-02-01 00:00",
                                   end="2025-02-02 00:00", issued_by="指挥部（演示）", recorded_by="geoaq demo",
                                   synthetic=True)
    items = one_page(assess_warning(area_con, demo))[0][1]
    assert items.iloc[0].tolist() == ["演示数据（非真实预警）", "是"]
    assert "Demo data (not a real warning)" in one_page(assess_warning(area_con, demo), "en")[0][1].iloc[:, 0].tolist()
    assert "演示数据（非真实预警）" not in one_page(assess_warning(area_con, warned))[0][1].iloc[:, 0].tolist()
