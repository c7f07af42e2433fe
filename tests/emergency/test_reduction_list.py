"""Loading the 应急减排清单: files as bureaus keep them, every problem collected, rejects with
file/row/column/reason, one transaction, no duplicates on a re-load, versions kept, rows without
an enterprise reported and kept."""

from __future__ import annotations

from datetime import date

import openpyxl
import pandas as pd
import pytest
from emergency_cases import SHARE_ROWS, list_row, write_list

from geoaq._errors import IngestError, MissingColumnsError
from geoaq.db import store
from geoaq.emergency import reduction_list
from geoaq.emergency.reduction_list import load_list, read_list, resolve_version, versions

V1 = ("2024-2025", date(2024, 10, 1))


def _load(con, path, **options):
    return load_list(path, con=con, list_year=options.pop("list_year", V1[0]),
                     effective_from=options.pop("effective_from", V1[1]), **options)


def _count(con, table: str) -> int:
    return con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608


def test_a_csv_list_under_a_title_loads_every_row_and_measure(area_con, tmp_path):
    report = _load(area_con, write_list(tmp_path / "list.csv", SHARE_ROWS))
    assert (report.rows_read, report.inserted, report.rejected_rows, len(report.unmatched)) == (4, 4, 0, 0)
    rows, measures = read_list(area_con, V1)
    assert rows["enterprise_key"].tolist() == ["E1", "E2", "E3", "E4"]
    assert rows["grade"].tolist() == ["A", "B", "C", "C"]  # A级 and C级 kept as the rules spell them
    assert rows[["so2", "nox", "pm", "vocs"]].to_numpy().tolist() == [[100.0] * 4] * 4
    assert rows["source_row"].tolist() == [3, 4, 5, 6]  # the title is row 1, the header row 2
    e4 = measures[measures["row_key"] == "E4|"].set_index("level")
    assert e4.loc["III", "measure"] == "停用1#窑" and e4.loc["III", "cut_vocs"] == 20.0
    assert pd.isna(e4.loc["II", "cut_so2"])  # not given: derived from 停产 when checked
    assert report.columns["so2"] == "SO2年排放量(t/a)" and report.columns["measure_II"] == "橙色预警措施"


def test_a_reload_of_the_same_list_adds_nothing(area_con, tmp_path):
    path = write_list(tmp_path / "list.csv", SHARE_ROWS)
    _load(area_con, path)
    again = _load(area_con, path)
    assert (again.inserted, again.updated, again.unchanged, again.removed) == (0, 0, 4, 0)
    assert _count(area_con, "emergency_list_rows") == 4 and _count(area_con, "emergency_list_measures") == 12
    assert len(versions(area_con)) == 1


def test_a_changed_list_replaces_changed_rows_and_removes_dropped_ones(area_con, tmp_path):
    _load(area_con, write_list(tmp_path / "list.csv", SHARE_ROWS))
    changed = [SHARE_ROWS[0], list_row("E2", "乙铸造", "B", 100, {"III": "限产15%", "II": "限产20%", "I": "限产40%"}),
               SHARE_ROWS[2]]
    report = _load(area_con, write_list(tmp_path / "list2.csv", changed))
    assert (report.inserted, report.updated, report.unchanged, report.removed) == (0, 1, 2, 1)
    rows, measures = read_list(area_con, V1)
    assert rows["enterprise_key"].tolist() == ["E1", "E2", "E3"]
    assert measures.set_index(["row_key", "level"]).at[("E2|", "III"), "measure"] == "限产15%"
    assert _count(area_con, "emergency_list_measures") == 9


def test_versions_are_kept_and_the_one_in_effect_is_found(area_con, tmp_path):
    path = write_list(tmp_path / "list.csv", SHARE_ROWS)
    _load(area_con, path)
    _load(area_con, write_list(tmp_path / "later.csv", SHARE_ROWS[:2]), list_year="2025-2026",
          effective_from="2025-10-01")
    stored = versions(area_con)
    assert stored[["list_year", "rows"]].values.tolist() == [["2025-2026", 2], ["2024-2025", 4]]
    assert resolve_version(area_con) == ("2025-2026", date(2025, 10, 1))
    assert resolve_version(area_con, on=date(2025, 1, 5)) == V1
    assert resolve_version(area_con, "2024-2025") == V1
    assert resolve_version(area_con, "2025-2026@2025-10-01") == ("2025-2026", date(2025, 10, 1))
    with pytest.raises(reduction_list.EmergencyInputError, match="no list version is in effect on 2024-09-30"):
        resolve_version(area_con, on=date(2024, 9, 30))
    with pytest.raises(reduction_list.EmergencyInputError, match="no list version '2019'"):
        resolve_version(area_con, "2019")
    assert len(read_list(area_con, V1)[0]) == 4  # the earlier version is untouched


def test_every_problem_is_a_reject_with_row_column_and_reason(area_con, tmp_path):
    rows = [
        SHARE_ROWS[0],
        list_row("", "无编号企业", "C", 10, {"III": "停产", "II": "停产", "I": "停产"}),
        list_row("E8", "负排放", "C", (-1, 2, "x", 4), {"III": "停产", "II": "停产", "I": "停产"}),
        list_row("E9", "判断错", "B", 10, {"III": "停产", "II": "停产", "I": "停产"}, falsified="也许"),
        list_row("E1", "甲钢铁", "A", 50, {"III": "无需减排", "II": "无需减排", "I": "无需减排"}, industry="钢铁"),
        list_row("E3", "丙石灰", "C", 100, {"III": "停产", "II": "停产", "I": "停产"},
                 cuts={"II": ("十", "", "", "")}),
    ]
    report = _load(area_con, write_list(tmp_path / "bad.csv", rows))
    rejects = report.rejects
    found = {(r.row_number, r.column_name, r.reason) for r in rejects.itertuples()}
    assert (4, "统一社会信用代码", "required value is empty") in found
    assert (5, "SO2年排放量(t/a)", "below the minimum 0") in found
    assert (5, "颗粒物年排放量(t/a)", "not a number") in found
    assert (6, "弄虚作假", "not a yes/no value (expected 是/否, Y/N, true/false, 1/0)") in found
    assert (7, "统一社会信用代码", "duplicate of row 3 (same enterprise and production line)") in found
    assert (8, "橙色预警SO2减排量", "not a number") in found
    assert report.inserted == 1 and report.rejected_rows == 5
    stored = store.list_rejects(area_con, "emergency_list")
    assert len(stored) == len(rejects) and set(stored["source_file"]) == {str(tmp_path / "bad.csv")}


def test_a_list_row_without_an_enterprise_is_reported_not_dropped(area_con, tmp_path):
    rows = [*SHARE_ROWS, list_row("X9", "新建企业", "C", 5, {"III": "停产", "II": "停产", "I": "停产"})]
    report = _load(area_con, write_list(tmp_path / "list.csv", rows))
    assert report.unmatched["enterprise_key"].tolist() == ["X9"] and report.inserted == 5
    assert "X9" in read_list(area_con, V1)[0]["enterprise_key"].tolist()


def test_missing_columns_refuse_the_file_naming_each_and_nothing_is_written(area_con, tmp_path):
    frame = pd.DataFrame(SHARE_ROWS).drop(columns=["VOCs年排放量(t/a)", "红色预警措施"])
    path = tmp_path / "short.csv"
    frame.to_csv(path, index=False)
    with pytest.raises(MissingColumnsError) as caught:
        _load(area_con, path)
    message = str(caught.value)
    assert "vocs 年排放量" in message and "I 级措施" in message and "Columns found" in message
    assert not store.table_exists(area_con, "emergency_lists") or versions(area_con).empty


def test_a_load_that_fails_while_writing_changes_nothing(area_con, tmp_path, monkeypatch):
    _load(area_con, write_list(tmp_path / "list.csv", SHARE_ROWS))
    before = (_count(area_con, "emergency_list_rows"), _count(area_con, "ingest_runs"), _count(area_con, "rejects"))

    def broken(*_args, **_kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(store, "record_run", broken)
    bad = [SHARE_ROWS[0], list_row("", "无编号", "C", 1, {"III": "停产", "II": "停产", "I": "停产"})]
    with pytest.raises(RuntimeError):
        _load(area_con, write_list(tmp_path / "list2.csv", bad))
    after = (_count(area_con, "emergency_list_rows"), _count(area_con, "ingest_runs"), _count(area_con, "rejects"))
    assert after == before
    assert len(read_list(area_con, V1)[0]) == 4


def test_the_version_comes_from_the_files_own_columns_or_is_asked_for(area_con, tmp_path):
    rows = [r | {"清单年度": "2024—2025年秋冬季", "生效日期": "2024/10/1"} for r in SHARE_ROWS]
    report = load_list(write_list(tmp_path / "own.csv", rows), con=area_con)
    assert (report.list_year, report.effective_from) == ("2024—2025年秋冬季", date(2024, 10, 1))
    with pytest.raises(IngestError, match="清单年度.*not given.*--year"):
        load_list(write_list(tmp_path / "bare.csv", SHARE_ROWS), con=area_con)
    with pytest.raises(IngestError, match="--effective 2024-11-01 but the file's 生效日期"):
        load_list(tmp_path / "own.csv", con=area_con, effective_from="2024-11-01")
    mixed = [rows[0], rows[1] | {"清单年度": "2025年"}]
    with pytest.raises(IngestError, match="several 清单年度"):
        load_list(write_list(tmp_path / "mixed.csv", mixed), con=area_con)


def test_kg_per_year_is_converted_and_tonnes_per_day_refused(area_con, tmp_path):
    frame = pd.DataFrame(SHARE_ROWS).rename(columns={"SO2年排放量(t/a)": "SO2年排放量（kg/a）"})
    frame["SO2年排放量（kg/a）"] = 2500
    frame.to_csv(tmp_path / "kg.csv", index=False)
    _load(area_con, tmp_path / "kg.csv")
    assert read_list(area_con, V1)[0]["so2"].tolist() == [2.5] * 4
    frame.rename(columns={"SO2年排放量（kg/a）": "SO2排放量（吨/天）"}).to_csv(tmp_path / "td.csv", index=False)
    with pytest.raises(IngestError, match="t/a.*吨/天"):
        _load(area_con, tmp_path / "td.csv")


def test_a_workbook_with_merged_cells_two_header_rows_totals_and_several_sheets(area_con, tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "甲县"
    sheet.append(["测试市应急减排清单"])
    sheet.append(["企业名称", "统一社会信用代码", "生产线", "绩效分级", "年排放量（吨/年）", None, None, None,
                  "黄色预警", None, "橙色预警", None, "红色预警", None])
    sheet.append([None, None, None, None, "SO2", "NOx", "颗粒物", "VOCs", "措施", "SO2减排量", "措施", "SO2减排量",
                  "措施", "SO2减排量"])
    sheet.append(["乙铸造", "E2", "熔炼", "B", 6, 6, 6, 6, "限产50%", None, "停产", None, "停产", None])
    sheet.append([None, None, "制芯", None, 4, 4, 4, 4, "停用制芯机", 1, "停产", None, "停产", None])
    sheet.append(["合计", None, None, None, 10, 10, 10, 10])
    for cells in ("E2:H2", "I2:J2", "K2:L2", "M2:N2"):
        sheet.merge_cells(cells)
    for column in "ABCD":
        sheet.merge_cells(f"{column}2:{column}3")
        sheet.merge_cells(f"{column}4:{column}5") if column != "C" else None
    other = book.create_sheet("乙县")
    other.append(["企业名称", "统一社会信用代码", "绩效分级", "SO2年排放量", "NOx年排放量", "颗粒物年排放量",
                  "VOCs年排放量", "黄色预警措施", "橙色预警措施", "红色预警措施"])
    other.append(["丙石灰", "E3", "C", 100, 100, 100, 100, "限产30%", "停产", "停产"])
    other.append(["乙铸造", "E2", "B", 1, 1, 1, 1, "停产", "停产", "停产"])  # E2's whole-enterprise row: its own key
    book.create_sheet("说明").append(["本表为演示"])
    book.save(tmp_path / "list.xlsx")
    report = _load(area_con, tmp_path / "list.xlsx")
    assert report.sheets == ["甲县", "乙县"] and report.summary_rows == 1 and report.rejected_rows == 0
    rows, measures = read_list(area_con, V1)
    assert rows["row_key"].tolist() == ["E2|熔炼", "E2|制芯", "E3|", "E2|"]
    assert rows.loc[1, "enterprise_name"] == "乙铸造" and rows.loc[1, "grade"] == "B"  # merged down
    assert rows.loc[0, "so2"] == 6.0 and rows.loc[1, "source_row"] == 5
    cut = measures.set_index(["row_key", "level"]).at[("E2|制芯", "III"), "cut_so2"]
    assert cut == 1.0
    assert report.source_file.endswith("list.xlsx")


def test_the_same_line_on_two_sheets_is_rejected_once(area_con, tmp_path):
    book = openpyxl.Workbook()
    for title in ("一", "二"):
        sheet = book.active if title == "一" else book.create_sheet(title)
        sheet.title = title
        sheet.append(["企业名称", "统一社会信用代码", "绩效分级", "SO2排放量", "NOx排放量", "颗粒物排放量", "VOCs排放量",
                      "黄色预警措施", "橙色预警措施", "红色预警措施"])
        sheet.append(["丙石灰", "E3", "C", 1, 1, 1, 1, "停产", "停产", "停产"])
    book.save(tmp_path / "twice.xlsx")
    report = _load(area_con, tmp_path / "twice.xlsx")
    assert report.inserted == 1 and report.rejected_rows == 1
    assert "of another sheet" in report.rejects["reason"].iloc[0]


def test_an_xls_or_unknown_file_is_refused_saying_what_to_do(area_con, tmp_path):
    (tmp_path / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(IngestError, match=r"save it as \.xlsx"):
        _load(area_con, tmp_path / "old.xls")
    (tmp_path / "list.pdf").write_bytes(b"%PDF")
    with pytest.raises(IngestError, match="unsupported file type .pdf"):
        _load(area_con, tmp_path / "list.pdf")


def test_grams_tonnes_of_ten_thousand_and_a_bare_kg_tail_are_converted(area_con, tmp_path):
    frame = pd.DataFrame(SHARE_ROWS).rename(columns={
        "SO2年排放量(t/a)": "SO2年排放量（g/a）", "NOx年排放量(t/a)": "NOx年排放量（万吨/年）",
        "颗粒物年排放量(t/a)": "颗粒物年排放量kg/a", "橙色预警SO2减排量": "橙色预警SO2减排量（kg/a）"})
    frame["SO2年排放量（g/a）"] = 3_000_000
    frame["NOx年排放量（万吨/年）"] = 0.01
    frame["颗粒物年排放量kg/a"] = 500
    frame["橙色预警SO2减排量（kg/a）"] = 1000
    frame.to_csv(tmp_path / "units.csv", index=False)
    _load(area_con, tmp_path / "units.csv")
    rows, measures = read_list(area_con, V1)
    assert rows[["so2", "nox", "pm", "vocs"]].to_numpy().tolist() == [[3.0, 100.0, 0.5, 100.0]] * 4
    assert measures.query("level == 'II'")["cut_so2"].tolist() == [1.0] * 4


@pytest.mark.parametrize("header", ["SO2排放量（tons）", "SO2排放量kg/d", "SO2排放量(m3/h)", "SO2排放量（吨/月）",
                                    "SO2年排放量(mg/m3)"])
def test_an_amount_in_an_unknown_unit_refuses_the_file_and_writes_nothing(area_con, tmp_path, header):
    _load(area_con, write_list(tmp_path / "list.csv", SHARE_ROWS))
    frame = pd.DataFrame(SHARE_ROWS).rename(columns={"SO2年排放量(t/a)": header})
    frame["SO2年排放量(t/a)"] = 1  # not read: the unit is refused before any row is
    frame.to_csv(tmp_path / "odd.csv", index=False)
    runs = _count(area_con, "ingest_runs")
    with pytest.raises(IngestError, match="mass per year") as caught:
        _load(area_con, tmp_path / "odd.csv")
    assert repr(header) in str(caught.value)
    assert _count(area_con, "ingest_runs") == runs and read_list(area_con, V1)[0]["so2"].tolist() == [100.0] * 4


def test_malformed_workbooks_are_refused_saying_why(area_con, tmp_path):
    import zipfile

    good = write_list(tmp_path / "good.xlsx", SHARE_ROWS)
    (tmp_path / "garbage.xlsx").write_bytes(b"not a workbook")
    (tmp_path / "cut.xlsx").write_bytes(good.read_bytes()[: len(good.read_bytes()) // 2])
    with zipfile.ZipFile(tmp_path / "zip.xlsx", "w") as archive:
        archive.writestr("notes.txt", "a zip, not a workbook")
    for name in ("garbage.xlsx", "cut.xlsx", "zip.xlsx"):
        with pytest.raises(IngestError, match="not a readable Excel workbook"):
            _load(area_con, tmp_path / name)
    openpyxl.Workbook().save(tmp_path / "blank.xlsx")
    with pytest.raises(IngestError, match="the file is empty"):
        _load(area_con, tmp_path / "blank.xlsx")
    (tmp_path / "empty.csv").write_text("", "utf-8")
    with pytest.raises(IngestError, match="the file is empty"):
        _load(area_con, tmp_path / "empty.csv")
    (tmp_path / "binary.csv").write_bytes(bytes(range(256)) * 8)
    with pytest.raises(IngestError, match="encoding"):
        _load(area_con, tmp_path / "binary.csv")
    assert versions(area_con).empty


def test_formulas_never_calculated_refuse_the_workbook(area_con, tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    columns = list(SHARE_ROWS[0])
    sheet.append(columns)
    for row in SHARE_ROWS:
        sheet.append([row[c] for c in columns])
    sheet["I2"] = "=50+50"  # E1's SO2, written by a program: no value Excel calculated
    book.save(tmp_path / "formula.xlsx")
    with pytest.raises(IngestError, match=r"1 cell\(s\) hold a formula without a calculated value \(I2\)"):
        _load(area_con, tmp_path / "formula.xlsx")
    assert versions(area_con).empty


def test_a_file_with_no_loadable_row_leaves_the_stored_version_alone(area_con, tmp_path):
    _load(area_con, write_list(tmp_path / "list.csv", SHARE_ROWS))
    pd.DataFrame(columns=list(SHARE_ROWS[0])).to_csv(tmp_path / "header.csv", index=False)
    with pytest.raises(IngestError, match=r"no row of the list can be loaded \(0 read, 0 rejected\); nothing"):
        _load(area_con, tmp_path / "header.csv")
    bad = [list_row("", "无编号", "C", 1, {"III": "停产", "II": "停产", "I": "停产"}),
           list_row("E9", "负数", "C", -1, {"III": "停产", "II": "停产", "I": "停产"})]
    with pytest.raises(IngestError, match=r"\(2 read, 2 rejected: row 3 统一社会信用代码: required value is empty"):
        _load(area_con, write_list(tmp_path / "bad.csv", bad))
    assert len(read_list(area_con, V1)[0]) == 4 and _count(area_con, "emergency_list_measures") == 12


def test_keys_typed_full_width_or_in_lower_case_still_find_their_enterprise(area_con, tmp_path, rules):
    from geoaq.emergency.checks import check_list

    typed = [SHARE_ROWS[0] | {"统一社会信用代码": " Ｅ１ "}, SHARE_ROWS[1] | {"统一社会信用代码": "e2"}, *SHARE_ROWS[2:]]
    report = _load(area_con, write_list(tmp_path / "typed.csv", typed))
    assert report.unmatched.empty
    result = check_list(area_con, V1, rules=rules)
    assert not (result.problems["rule"] == "unmatched").any()
    missing = result.problems.loc[result.problems["rule"] == "missing_from_list", "enterprise_key"].tolist()
    assert missing == ["E5"]  # E1 and E2 are listed, as typed
