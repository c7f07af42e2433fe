"""Warnings: entered, revised, cancelled (every change a new revision, naming who), loaded from
a file with rejects and without duplicates, the area checked against admin_units, in force by
time (a warning spanning two months)."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import pytest

from geoaq._errors import EmergencyInputError, MissingColumnsError, UnknownWarningError
from geoaq.db import store
from geoaq.emergency import alerts


def _issue(con, **values):
    options = {"area": "测试市", "level": "橙色", "start": "2025-01-30 20:00", "end": "2025-02-02 08:00",
               "issued_by": "测试市重污染天气应急指挥部", "recorded_by": "张三"} | values
    return alerts.issue_warning(con, **options)


@pytest.mark.parametrize(("text", "expected"), [
    ("2025-01-04 20:00", datetime(2025, 1, 4, 20)), ("2025/1/4 8:30", datetime(2025, 1, 4, 8, 30)),
    ("2025年1月4日20时", datetime(2025, 1, 4, 20)), ("2025-01-04", datetime(2025, 1, 4)),
    ("2025-01-04 24:00", datetime(2025, 1, 5)), ("2025-01-04T20:00:00", datetime(2025, 1, 4, 20)),
    ("2025-02-30 10:00", None), ("明天", None), (None, None),
])
def test_times_as_bureaus_write_them(text, expected):
    assert alerts.parse_time(text) == expected


def test_a_warning_spanning_two_months_is_in_force_on_each_of_its_days(area_con):
    wid, outcome = _issue(area_con)
    assert outcome == "new" and wid.startswith("YJ-202501302000-II-")
    assert [len(alerts.on_day(area_con, date(2025, m, d))) for m, d in ((1, 29), (1, 30), (1, 31), (2, 1),
                                                                         (2, 2), (2, 3))] == [0, 1, 1, 1, 1, 0]
    row = alerts.warning(area_con, wid)
    assert (row["level"], row["area"], row["status"], row["revision"]) == ("II", "测试市", "issued", 1)


def test_entering_the_same_warning_again_adds_no_revision(area_con):
    first, _ = _issue(area_con)
    again, outcome = _issue(area_con)
    assert (again, outcome) == (first, "unchanged")
    assert len(alerts.history(area_con, first)) == 1


def test_revisions_end_early_and_cancel_keep_the_history(area_con):
    wid, _ = _issue(area_con)
    assert alerts.revise_warning(area_con, wid, recorded_by="李四", end="2025-02-01 12:00") == "changed"
    assert alerts.revise_warning(area_con, wid, recorded_by="王五", cancel=True, note="会商后撤销") == "changed"
    history = alerts.history(area_con, wid)
    assert history["revision"].tolist() == [1, 2, 3]
    assert history["recorded_by"].tolist() == ["张三", "李四", "王五"]
    assert history["status"].tolist() == ["issued", "issued", "cancelled"]
    assert pd.Timestamp(history["end_at"].iloc[1]) == pd.Timestamp("2025-02-01 12:00")
    assert alerts.on_day(area_con, date(2025, 1, 31)).empty  # cancelled
    assert alerts.current_warnings(area_con, include_cancelled=False).empty


def test_a_county_area_must_be_a_county_of_admin_units(area_con):
    wid, _ = _issue(area_con, area="乙县", level="Ⅲ级")
    assert alerts.area_scope("乙县", alerts.areas(area_con)) == (alerts.COUNTY, "乙县")
    assert alerts.area_scope("410399", alerts.areas(area_con)) == (alerts.COUNTY, "乙县")
    assert alerts.area_scope("测试市", alerts.areas(area_con)) == (alerts.CITY, None)
    with pytest.raises(EmergencyInputError, match="'丙县' is neither the city nor a county"):
        _issue(area_con, area="丙县")


def test_a_bad_warning_names_every_problem_and_writes_nothing(area_con):
    with pytest.raises(EmergencyInputError) as caught:
        _issue(area_con, level="紫色", start="2025-02-02 08:00", end="2025-01-30 20:00", issued_by=" ")
    message = str(caught.value)
    assert "issued_by is empty" in message and "level '紫色' is not a warning level" in message
    assert "ends (2025-01-30 20:00) before or when it starts" in message
    assert alerts.current_warnings(area_con).empty
    with pytest.raises(UnknownWarningError, match="no warning 'YJ-X'"):
        alerts.warning(area_con, "YJ-X")


def test_a_warnings_file_loads_with_rejects_and_again_without_duplicates(area_con, tmp_path):
    path = tmp_path / "warnings.csv"
    path.write_text("测试市重污染天气预警发布记录\n"
                    "预警编号,预警区域,预警级别,开始时间,结束时间,发布单位,文号\n"
                    "W1,测试市,橙色预警（Ⅱ级）,2025-01-30 20:00,2025-02-02 08:00,指挥部,测重〔2025〕1号\n"
                    ",甲县,黄色,2025年2月10日8时,2025年2月11日20时,甲县指挥部,\n"
                    "W3,测试市,紫色,2025-03-01 00:00,2025-02-28 00:00,指挥部,\n", "utf-8")
    report = alerts.load_warnings(path, con=area_con, recorded_by="赵六")
    assert (report.rows_read, report.inserted, report.rejected_rows) == (3, 2, 1)
    reason = report.rejects["reason"].iloc[0]
    assert report.rejects["row_number"].tolist() == [5] and "紫色" in reason and "before or when it starts" in reason
    assert store.list_rejects(area_con, "emergency_warnings")["row_number"].tolist() == [5]
    again = alerts.load_warnings(path, con=area_con, recorded_by="赵六")
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 2)
    stored = alerts.current_warnings(area_con)
    assert sorted(stored["level"]) == ["II", "III"] and len(stored) == 2
    assert set(stored["source_file"]) == {str(path)} and set(stored["recorded_by"]) == {"赵六"}
    path.write_text(path.read_text("utf-8").replace("2025-02-02 08:00", "2025-02-01 08:00"), "utf-8")
    changed = alerts.load_warnings(path, con=area_con, recorded_by="赵六")
    assert (changed.inserted, changed.updated, changed.unchanged) == (0, 1, 1)
    assert alerts.warning(area_con, "W1")["revision"] == 2


def test_a_warnings_file_without_its_columns_is_refused(area_con, tmp_path):
    (tmp_path / "w.csv").write_text("区域,级别\n测试市,橙色\n", "utf-8")
    with pytest.raises(MissingColumnsError, match=r"\['start_at', 'end_at', 'issued_by'\]"):
        alerts.load_warnings(tmp_path / "w.csv", con=area_con, recorded_by="赵六")
    with pytest.raises(EmergencyInputError, match="recorded_by"):
        alerts.load_warnings(tmp_path / "w.csv", con=area_con, recorded_by=" ")
