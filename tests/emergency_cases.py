"""Constructed data for the emergency tests (imported as `emergency_cases`): two counties, a handful of enterprises, two
stations with hourly readings, and lists written as a bureau would (CSV or Excel) where every
emission, measure and cut is chosen so that each share is known by hand."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from geoaq.db import connection as db
from geoaq.ingest.layer import ingest
from geoaq.ingest.readings import load_readings

#: two counties of a made-up city, as squares (WGS-84)
COUNTIES = {"410398": ("甲县", (112.0, 34.0)), "410399": ("乙县", (112.5, 34.0))}
CITY = "测试市"

#: the enterprises layer: id, name, industry, grade, ultra-low emission, county, status, lon, lat
ENTERPRISES = [
    ("E1", "甲钢铁", "钢铁", "A", "已完成", "甲县", "运行", 112.1, 34.1),
    ("E2", "乙铸造", "铸造", "B", "不适用", "甲县", "运行", 112.2, 34.2),
    ("E3", "丙石灰", "石灰", "C", "未改造", "乙县", "运行", 112.6, 34.1),
    ("E4", "丁耐火", "耐火材料", "C", "改造中", "乙县", "运行", 112.7, 34.2),
    ("E5", "戊砖瓦", "砖瓦", "C", "未改造", "乙县", "运行", 112.8, 34.3),     # not on the list
    ("E6", "己铸造", "铸造", "B", "不适用", "甲县", "关停", 112.3, 34.3),     # closed: not required
    ("E7", "庚其他", "其他", "无", "不适用", "甲县", "运行", 112.35, 34.35),  # not a listed industry
]

HEADER = ["统一社会信用代码", "企业名称", "区县", "行业", "生产线", "绩效分级", "弄虚作假", "超低排放",
          "SO2年排放量(t/a)", "NOx年排放量(t/a)", "颗粒物年排放量(t/a)", "VOCs年排放量(t/a)"]
LEVEL_HEADS = {"III": "黄色预警", "II": "橙色预警", "I": "红色预警"}


def list_row(key: str, name: str, grade: str, emission: float | tuple, measures: dict, *, county: str = "甲县",
             industry: str = "铸造", line: str = "", falsified: str = "否", ule: str = "",
             cuts: dict | None = None) -> dict:
    """One row of a list file: emissions (one number for all four pollutants, or four), the
    measure at each level (III/II/I) and the cuts given (level → four numbers)."""
    values = emission if isinstance(emission, tuple) else (emission,) * 4
    row = dict(zip(HEADER, [key, name, county, industry, line, grade, falsified, ule, *values], strict=True))
    for level, head in LEVEL_HEADS.items():
        row[f"{head}措施"] = measures.get(level, "")
        given = (cuts or {}).get(level, ("",) * 4)
        for pollutant, value in zip(("SO2", "NOx", "颗粒物", "VOCs"), given, strict=True):
            row[f"{head}{pollutant}减排量"] = value
    return row


#: the list of the share tests: four enterprises of 100 t/a of each pollutant (400 in all)
#:   E1 A  III 无需减排   II 无需减排   I 限产10%   → cuts   0 /   0 /  10
#:   E2 B  III 限产10%    II 限产20%    I 限产40%   → cuts  10 /  20 /  40
#:   E3 C  III 限产30%    II 停产       I 停产      → cuts  30 / 100 / 100
#:   E4 C  III 停用1#窑 (20 given)  II 停产  I 停产 → cuts  20 / 100 / 100
#: totals: III 60 (15 %), II 220 (55 %), I 250 (62.5 %) of 400
SHARE_ROWS = [
    list_row("E1", "甲钢铁", "A级", 100, {"III": "无需减排", "II": "无需减排", "I": "限产10%"}, industry="钢铁",
             ule="已完成"),
    list_row("E2", "乙铸造", "B", 100, {"III": "限产10%", "II": "限产20%", "I": "限产40%"}),
    list_row("E3", "丙石灰", "C", 100, {"III": "限产30%", "II": "停产", "I": "停产"}, county="乙县", industry="石灰"),
    list_row("E4", "丁耐火", "C级", 100, {"III": "停用1#窑", "II": "停产", "I": "停产"}, county="乙县",
             industry="耐火材料", cuts={"III": (20, 20, 20, 20)}),
]


def write_list(path: Path, rows: list[dict], *, title: str | None = "测试市重污染天气应急减排清单") -> Path:
    """The rows as a CSV (UTF-8) or an Excel file, a title row above the header when given."""
    frame = pd.DataFrame(rows)
    if path.suffix == ".xlsx":
        with pd.ExcelWriter(path, engine="openpyxl") as writer:
            frame.to_excel(writer, index=False, startrow=1 if title else 0)
            if title:
                writer.sheets["Sheet1"].cell(1, 1, title)
        return path
    text = frame.to_csv(index=False, lineterminator="\n")
    path.write_text((f"{title}\n" if title else "") + text, encoding="utf-8")
    return path


def _counties_geojson(path: Path) -> Path:
    features = []
    for adcode, (name, (lon, lat)) in COUNTIES.items():
        ring = [[lon, lat], [lon + 0.45, lat], [lon + 0.45, lat + 0.45], [lon, lat + 0.45], [lon, lat]]
        features.append({"type": "Feature", "properties": {"adcode": adcode, "name": name, "level": "县",
                                                           "city": CITY, "province": "测试省"},
                         "geometry": {"type": "Polygon", "coordinates": [ring]}})
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False), "utf-8")
    return path


def _enterprises_csv(path: Path) -> Path:
    frame = pd.DataFrame(ENTERPRISES, columns=["enterprise_id", "name", "industry", "performance_grade",
                                               "ultra_low_emission", "county", "status", "lon", "lat"])
    frame.to_csv(path, index=False)
    return path


#: stations of the readings: code → (name, lon, lat)
STATIONS = {"T001A": ("测试站一", 112.2, 34.2), "T002A": ("测试站二", 112.7, 34.2)}


def readings_csv(path: Path, values: Callable[[pd.Timestamp, str], float], start: str, end: str) -> Path:
    """Hourly PM2.5 of the stations from `values(hour, station)` (other pollutants absent), hours
    labelled by their end (the national convention)."""
    hours = pd.date_range(start, end, freq="h")
    rows = [{"station_code": code, "datetime": f"{hour:%Y-%m-%d %H:%M}", "PM2.5": values(hour, code)}
            for code in STATIONS for hour in hours]
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def load_pm25(con, tmp_path: Path, values: Callable[[pd.Timestamp, str], float], start: str, end: str) -> None:
    load_readings(readings_csv(tmp_path / "readings.csv", values, start, end), con=con, fmt="station")


def build_area(path: Path, tmp_path: Path) -> Path:
    """Load the two counties, the enterprises and the two stations into the database at `path`."""
    con = db.connect(path)
    try:
        ingest("admin_units", _counties_geojson(tmp_path / "counties.geojson"), con=con)
        ingest("enterprises", _enterprises_csv(tmp_path / "enterprises.csv"), con=con)
        stations = pd.DataFrame([(c, n, lon, lat) for c, (n, lon, lat) in STATIONS.items()],
                                columns=["code", "name", "lon", "lat"])
        stations.to_csv(tmp_path / "stations.csv", index=False)
        ingest("stations", tmp_path / "stations.csv", con=con, constants={"level": "国控", "city": CITY})
    finally:
        con.close()
    return path
