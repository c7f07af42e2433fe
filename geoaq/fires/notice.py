"""The township notice (火点核查通知): the checked events as the table sent to townships.

One row per fire event with county, township, longitude, latitude, time (Beijing), satellite,
zone, category and status, written as CSV (UTF-8 with BOM, so Excel opens it correctly) or
as an Excel workbook with a title stating the period.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd

from geoaq.fires.events import CATEGORIES
from geoaq.tables import write_table, xlsx_bytes

STATUS_LABELS = {"suspected": {"zh": "疑似", "en": "Suspected"},
                 "verified": {"zh": "核定", "en": "Verified"},
                 "dismissed": {"zh": "排除", "en": "Dismissed"}}
NOTICE_COLUMNS = {
    "zh": ["事件编号", "区县", "乡镇", "经度", "纬度", "时间(北京时间)", "卫星", "管控区", "类别", "状态", "扣减(元)"],
    "en": ["Event", "County", "Township", "Longitude", "Latitude", "Time (Beijing)", "Satellite",
           "Zone", "Category", "Status", "Penalty (CNY)"],
}


def notice_table(checked: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """The notice rows from `fire_check.check_fires` output; pure."""
    zones = checked["zone_names"].map(lambda names: "、".join(names) if len(names) else "—")
    table = pd.DataFrame({
        0: checked["event_id"],
        1: checked["county_name"].fillna("—"),
        2: checked["township_name"].fillna("—"),
        3: checked["lon"].round(5),
        4: checked["lat"].round(5),
        5: pd.to_datetime(checked["first_detected_bjt"]).dt.strftime("%Y-%m-%d %H:%M"),
        6: checked["satellites"],
        7: zones,
        8: checked["category"].map(lambda c: CATEGORIES[c][lang]),
        9: checked["status"].map(lambda s: STATUS_LABELS[s][lang]),
        10: checked["penalty_yuan"].fillna(0).astype("int64"),
    })
    table.columns = NOTICE_COLUMNS[lang]
    return table.sort_values([NOTICE_COLUMNS[lang][1], NOTICE_COLUMNS[lang][2], NOTICE_COLUMNS[lang][5]],
                             kind="stable").reset_index(drop=True)


def notice_title(start: date, end: date, lang: str = "zh") -> str:
    if lang == "zh":
        return f"卫星火点核查通知（{start} 至 {end}，北京时间）"
    return f"Satellite fire check notice ({start} to {end}, Beijing time)"


def notice_xlsx_bytes(table: pd.DataFrame, title: str) -> bytes:
    """The notice as an Excel workbook: a title row stating the period, then the table."""
    return xlsx_bytes(table, title, "火点核查")


def write_notice(table: pd.DataFrame, path: Path, title: str) -> Path:
    """Write the notice as .csv (UTF-8 with BOM, for Excel) or .xlsx; returns the path."""
    return write_table(table, path, title, "火点核查")
