"""The demo's heavy-pollution emergency data (演示数据, not real): an emission-reduction list
(应急减排清单) for the generated Luoyang enterprises, one warning inside the generated readings'
period, the inspection findings of that warning, and the forecast that would have suggested it.

No public 应急减排清单 of Luoyang with per-enterprise figures was at hand, so the list is made
from the generated enterprises (`synth.make_enterprises`): every running or idle one, one to
three production lines a kiln industry, annual emissions drawn per line from ranges typical of
the industry, and the measures the 2020 technical guide's grading implies (A 无需减排, B 限产,
C and ungraded 限产/停用 at Ⅲ, 停产 at Ⅱ and Ⅰ). The real GEM steel plants of the enterprises
layer are left off on purpose: a list of made-up figures must not name real plants, and the
check then shows them as missing (应纳尽纳). A few rows break a rule on purpose, so the checks
have something to find (`DELIBERATE`). The warning (橙色, Ⅱ级, 2025-01-04 20:00 – 2025-01-07
12:00) lies on the generated readings' January 2025 episode (city daily AQI 231 and 235 on the
5th and 6th).

The workbook is written as a bureau keeps it: a title row, a two-row header under merged cells,
an enterprise's cells merged down over its lines; stored uncompressed with fixed timestamps,
so the same seed gives the same bytes.
"""

from __future__ import annotations

import io
import re
import zipfile
from datetime import datetime

import numpy as np
import pandas as pd

DEMO = "（演示）"
LIST_YEAR = "2024—2025年秋冬季"
EFFECTIVE_FROM = "2024-10-01"
WARNING_ID = "LY-YJ-2025-001"
WARNING = {"预警编号": WARNING_ID, "预警区域": "洛阳市", "预警级别": "橙色预警（Ⅱ级）",
           "开始时间": "2025-01-04 20:00", "结束时间": "2025-01-07 12:00",
           "发布单位": "洛阳市重污染天气应急指挥部办公室" + DEMO, "文号": "洛重应急〔2025〕1号" + DEMO,
           "备注": "演示数据：依据生成的空气质量数据设定，非真实预警"}
#: the forecast issued before the warning (日期, 预报AQI): > 200 on two days → 橙色
FORECAST = (("2025-01-04", 186), ("2025-01-05", 228), ("2025-01-06", 236), ("2025-01-07", 163),
            ("2025-01-08", 118))
INSPECTORS = tuple(f"执法{n}组{DEMO}" for n in ("一", "二", "三", "四"))
#: the rules the demo list breaks on purpose (one row each), so the checks have something to find
DELIBERATE = ("c_without_cut", "measure_without_cut", "missing_from_list", "falsified_lowered", "unmatched",
              "grade_differs")

#: per industry: production lines of one enterprise, and (low, high) t/a per line of SO2, NOx, PM, VOCs
INDUSTRIES = {
    "耐火材料": (("1#隧道窑", "2#隧道窑"), ((1.5, 6), (4, 16), (1, 4), (0, 0.3))),
    "铸造": (("熔炼工序", "制芯工序"), ((0.3, 1.5), (0.8, 3), (1.5, 5), (0.8, 3))),
    "石灰": (("1#石灰窑", "2#石灰窑", "3#石灰窑"), ((2, 8), (8, 25), (1.5, 6), (0, 0.2))),
    "砖瓦": (("隧道窑",), ((4, 14), (4, 11), (1.5, 5), (0, 0.3))),
    "石材加工": (("",), ((0, 0), (0, 0), (0.8, 4), (0, 0))),
    "家具": (("喷涂工序",), ((0, 0.1), (0.1, 0.5), (0.4, 1.8), (3, 14))),
    "塑料制品": (("注塑工序",), ((0, 0), (0, 0.2), (0.1, 0.6), (2, 8))),
    "有色金属冶炼": (("熔炼炉", "精炼炉"), ((4, 18), (2.5, 9), (1, 4), (0.1, 0.6))),
    "煤炭洗选": (("",), ((0, 0.2), (0, 0.3), (1, 4), (0, 0))),
    "焦化": (("1#焦炉", "2#焦炉"), ((18, 55), (70, 190), (9, 28), (18, 55))),
    "化工": (("",), ((2, 9), (5, 14), (0.5, 2), (5, 18))),
    "人造板": (("热压工序",), ((0.2, 1), (1.5, 5), (2, 6), (3, 9))),
}
VOC_INDUSTRIES = ("家具", "塑料制品", "人造板")
HEADER_TOP = ["序号", "区县", "企业名称", "统一社会信用代码", "行业", "生产线/工序", "绩效分级", "弄虚作假",
              "超低排放改造", "年排放量（t/a）", *["黄色预警（Ⅲ级）"] * 5, *["橙色预警（Ⅱ级）"] * 5,
              *["红色预警（Ⅰ级）"] * 5, "联系人", "联系电话", "清单年度", "生效日期", "synthetic"]
SUB = ["措施", "SO2减排量", "NOx减排量", "颗粒物减排量", "VOCs减排量"]
POLLUTANT_HEADS = ("SO2", "NOx", "颗粒物", "VOCs")
LEVEL_CODES = ("III", "II", "I")
#: the files `outputs` writes (into data/demo/synthetic/)
OUTPUTS = ("emergency_reduction_list.xlsx", "emergency_warnings.csv", "emergency_inspections.csv",
           "emergency_forecast.csv")


def _measures(grade: str, industry: str, lines: int, line: int) -> dict[str, tuple[str, tuple | None]]:
    """level → (measure text, cut shares of the line's emission per pollutant, or None: the rules
    derive it) for a line of an enterprise of `grade`."""
    voc = industry in VOC_INDUSTRIES
    if grade == "A":
        return dict.fromkeys(LEVEL_CODES, ("无需减排", None))
    if grade == "B":
        if voc:
            return {"III": ("错峰生产（喷涂工序夜间作业）", (0, 0, 0.2, 0.25)), "II": ("限产30%", None),
                    "I": ("停产", None)}
        return {"III": ("限产20%", None), "II": ("限产30%", None), "I": ("限产50%", None)}
    if voc:
        return {"III": ("停止喷涂工序", (0, 0.2, 0.5, 0.8)), "II": ("停产", None), "I": ("停产", None)}
    if lines > 1 and line == lines - 1:
        return {"III": ("停产", None), "II": ("停产", None), "I": ("停产", None)}
    if lines == 1 and industry in ("耐火材料", "石灰", "砖瓦", "有色金属冶炼", "焦化"):
        return {"III": ("停用1#窑（炉）", (0.5, 0.5, 0.5, 0.5)), "II": ("停产", None), "I": ("停产", None)}
    return {"III": ("限产50%", None), "II": ("停产", None), "I": ("停产", None)}


def make_reduction_list(enterprises: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """The list's rows (the workbook's columns, Chinese headers flattened as 年排放量SO2,
    黄色预警措施, 黄色预警SO2减排量 …), one per production line of every generated enterprise that
    is running or idle, plus the `DELIBERATE` rows."""
    listed = enterprises[enterprises["运行状态"].isin(["运行", "停产"])].reset_index(drop=True)
    required = listed.index[listed["行业"].isin(["耐火材料", "铸造", "石灰", "砖瓦"])]
    left_off = int(rng.choice(required))  # missing_from_list
    pick = rng.permutation([i for i in listed.index if i != left_off])
    c_rows = [i for i in pick if listed.at[i, "绩效分级"] == "C" and listed.at[i, "行业"] not in VOC_INDUSTRIES]
    b_rows = [i for i in pick if listed.at[i, "绩效分级"] == "B"]
    no_cut, graded_differently = c_rows[0], c_rows[1]
    c_exempt = c_rows[2]
    falsifier = b_rows[0]
    rows = []
    for i, ent in listed.iterrows():
        if i == left_off:
            continue
        grade = ent["绩效分级"]
        listed_grade = {"无": "未分级"}.get(grade, grade)
        if i == graded_differently:
            listed_grade = "B"
        names, ranges = INDUSTRIES[ent["行业"]]
        count = 1 if len(names) == 1 else int(rng.integers(1, len(names) + 1))
        for line in range(count):
            emission = [round(float(rng.uniform(lo, hi)), 2) for lo, hi in ranges]
            row = {"区县": ent["区县"], "企业名称": ent["企业名称"], "统一社会信用代码": ent["企业编号"],
                   "行业": ent["行业"], "生产线/工序": names[line] if count > 1 or names[0] else "",
                   "绩效分级": listed_grade + ("级" if listed_grade in ("A", "B", "C") else ""),
                   "弄虚作假": "是" if i == falsifier else "否",
                   "超低排放改造": ent["超低排放改造"],
                   **{f"年排放量{h}": v for h, v in zip(POLLUTANT_HEADS, emission, strict=True)}}
            measures = _measures("C" if i == falsifier else grade if grade in ("A", "B") else "C",
                                 ent["行业"], count, line)
            if i == c_exempt:
                measures["III"] = ("无需减排", None)  # c_without_cut
            if i == no_cut:
                measures["III"] = ("停用2#窑", ())  # measure_without_cut: no figure given
            for level, head in zip(LEVEL_CODES, ("黄色预警", "橙色预警", "红色预警"), strict=True):
                text, shares = measures[level]
                row[f"{head}措施"] = text
                for h, e, share in zip(POLLUTANT_HEADS, emission, shares or (None,) * 4, strict=False):
                    row[f"{head}{h}减排量"] = None if share is None else round(e * share, 3)
            rows.append(row)
    # unmatched: an enterprise registered after the enterprises layer was drawn
    rows.append({"区县": "伊川县", "企业名称": f"伊川县演示新建企业（石灰）{DEMO}", "统一社会信用代码": "DEMO-ENT-9001",
                 "行业": "石灰", "生产线/工序": "", "绩效分级": "C级", "弄虚作假": "否", "超低排放改造": "未改造",
                 **{f"年排放量{h}": v for h, v in zip(POLLUTANT_HEADS, (3.1, 9.6, 2.2, 0.0), strict=True)},
                 **{f"{head}措施": "停产" for head in ("黄色预警", "橙色预警", "红色预警")}})
    frame = pd.DataFrame(rows)
    frame.insert(0, "序号", range(1, len(frame) + 1))
    frame["联系人"] = "环保负责人" + DEMO
    frame["联系电话"] = ""
    frame["清单年度"] = LIST_YEAR
    frame["生效日期"] = EFFECTIVE_FROM
    frame["synthetic"] = "true"
    return frame


def _flat_columns() -> list[str]:
    heads = []
    for top, index in zip(HEADER_TOP, range(len(HEADER_TOP)), strict=True):
        if top == "年排放量（t/a）":
            heads += [f"年排放量{h}" for h in POLLUTANT_HEADS]
        elif "预警" in top:
            level_head = top.split("（")[0]
            position = HEADER_TOP[:index].count(top)
            heads.append(f"{level_head}{'措施' if position == 0 else POLLUTANT_HEADS[position - 1] + '减排量'}")
        else:
            heads.append(top)
    return heads


def reduction_list_xlsx(frame: pd.DataFrame) -> bytes:
    """The list as a bureau's workbook (see the module notes), the same bytes for the same rows."""
    import openpyxl
    from openpyxl.styles import Alignment, Font

    flat = _flat_columns()
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "应急减排清单"
    width = len(flat)
    sheet.cell(1, 1, f"洛阳市{LIST_YEAR}重污染天气应急减排清单（演示数据，非真实）").font = Font(bold=True, size=14)
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    column = 1
    for top in dict.fromkeys(HEADER_TOP):
        span = HEADER_TOP.count(top) if "预警" in top else (4 if top == "年排放量（t/a）" else 1)
        sheet.cell(2, column, top)
        if span == 1:
            sheet.merge_cells(start_row=2, start_column=column, end_row=3, end_column=column)
        else:
            sheet.merge_cells(start_row=2, start_column=column, end_row=2, end_column=column + span - 1)
            subs = POLLUTANT_HEADS if top == "年排放量（t/a）" else SUB
            for offset, sub in enumerate(subs):
                sheet.cell(3, column + offset, sub)
        column += span
    for cell in (*sheet[2], *sheet[3]):
        cell.font, cell.alignment = Font(bold=True), Alignment(horizontal="center", vertical="center", wrap_text=True)
    merged_down = ("区县", "企业名称", "统一社会信用代码", "行业", "绩效分级", "弄虚作假", "超低排放改造")
    first_row = 4
    for offset, values in enumerate(frame[flat].itertuples(index=False)):
        for col, value in enumerate(values, start=1):
            if value is not None and not (isinstance(value, float) and np.isnan(value)) and value != "":
                sheet.cell(first_row + offset, col, value)
    keys = frame["统一社会信用代码"].tolist()
    start = 0
    for end in range(1, len(keys) + 1):
        if end == len(keys) or keys[end] != keys[start]:
            if end - start > 1:
                for name in merged_down:
                    col = flat.index(name) + 1
                    sheet.merge_cells(start_row=first_row + start, start_column=col,
                                      end_row=first_row + end - 1, end_column=col)
            start = end
    sheet.freeze_panes = "D4"
    fixed = datetime(2024, 10, 1)
    book.properties.creator = "geoaq demo（演示数据）"
    book.properties.created = book.properties.modified = fixed
    raw = io.BytesIO()
    book.save(raw)
    return _stored_zip(raw.getvalue())


def _stored_zip(data: bytes) -> bytes:
    """The same archive, uncompressed, with fixed member times and the workbook's "modified"
    time (openpyxl writes the clock's) fixed: no zlib and no clock in it."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as target:
        for info in source.infolist():
            member = zipfile.ZipInfo(info.filename, date_time=(2024, 10, 1, 0, 0, 0))
            member.external_attr = 0o644 << 16
            body = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                body = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>2024-10-01T00:00:00Z", body)
            target.writestr(member, body)
    return out.getvalue()


def warnings_frame() -> pd.DataFrame:
    return pd.DataFrame([WARNING | {"synthetic": "true"}])


def forecast_frame() -> pd.DataFrame:
    return pd.DataFrame({"日期": [d for d, _ in FORECAST], "预报AQI": [v for _, v in FORECAST],
                         "说明": "演示数据：生成的预报"})


def make_inspections(reduction: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Findings of the demo warning (Ⅱ级): about 40 % of the lines that must act at Ⅱ checked
    between the 5th 09:00 and the 7th 11:00 by four teams; most in place, some not."""
    acting = reduction[~reduction["橙色预警措施"].isin(["无需减排"])].reset_index(drop=True)
    chosen = np.sort(rng.choice(len(acting), size=int(round(len(acting) * 0.4)), replace=False))
    start = pd.Timestamp("2025-01-05 09:00")
    minutes = np.sort(rng.integers(0, int((pd.Timestamp("2025-01-07 11:00") - start).total_seconds() // 60),
                                   size=len(chosen)))
    outcome = rng.choice(["已落实", "未落实", "未能检查"], size=len(chosen), p=[0.84, 0.11, 0.05])
    notes = {"已落实": "", "未落实": "应急减排措施未落实，生产线正常运行" + DEMO,
             "未能检查": "企业大门紧闭，无法进入" + DEMO}
    return pd.DataFrame({
        "预警编号": WARNING_ID,
        "统一社会信用代码": acting.loc[chosen, "统一社会信用代码"].to_numpy(),
        "企业名称": acting.loc[chosen, "企业名称"].to_numpy(),
        "生产线/工序": acting.loc[chosen, "生产线/工序"].to_numpy(),
        "检查时间": [(start + pd.Timedelta(minutes=int(m))).strftime("%Y-%m-%d %H:%M") for m in minutes],
        "检查人": [INSPECTORS[int(k)] for k in rng.integers(0, len(INSPECTORS), size=len(chosen))],
        "检查结果": outcome,
        "发现问题": [notes[o] for o in outcome],
        "synthetic": "true",
    })


def csv_text(frame: pd.DataFrame) -> str:
    """UTF-8 CSV text with LF line ends (the same bytes for the same rows)."""
    return frame.to_csv(index=False, lineterminator="\n")


def outputs(enterprises: pd.DataFrame, rng_list: np.random.Generator,
            rng_inspections: np.random.Generator) -> dict[str, bytes]:
    """Every emergency demo file's name and bytes."""
    reduction = make_reduction_list(enterprises, rng_list)
    return {
        "emergency_reduction_list.xlsx": reduction_list_xlsx(reduction),
        "emergency_warnings.csv": csv_text(warnings_frame()).encode("utf-8"),
        "emergency_inspections.csv": csv_text(make_inspections(reduction, rng_inspections)).encode("utf-8"),
        "emergency_forecast.csv": csv_text(forecast_frame()).encode("utf-8"),
    }
