"""A constructed city for the rankings tests, where every value, rank and allowance is known.

Five counties (squares of 0.45°) of 测试市, four with one station each, 戊县 without. The air is
the same every hour but PM2.5: SO2 6, NO2 20, PM10 70, O3 80 µg/m³, CO 0.8 mg/m³, so the
composite index (2018 rule, GB 3095-2012 divisors) is 2.3 + PM2.5/35:

=========  ===========  ===========  ===========  =======================
station    2024-01      2024-12      2025-01      notes
=========  ===========  ===========  ===========  =======================
S1 甲县     35 (3.30)    70 (4.30)    35 (3.30)    2024-02-01…05: PM2.5 200
S2 乙区     35 (3.30)    35 (3.30)    70 (4.30)
S3 丙县     70 (4.30)    52.5 (3.80)  70 (4.30)    tied with 乙区 in 2025-01
S4 丁县     35 (3.30)    35 (3.30)    35, 10 days  数据不足 in 2025-01
=========  ===========  ===========  ===========  =======================

So January 2025 ranks 甲县 1, 乙区 and 丙县 tied 2, 丁县 数据不足, 戊县 without a station;
December 2024 ranked 乙区 and 丁县 tied 1, 丙县 3, 甲县 4; January 2024 甲县, 乙区, 丁县 tied 1,
丙县 4.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from geoaq.db import connection as db
from geoaq.ingest.layer import ingest
from geoaq.ingest.readings import load_readings

CITY = "测试市"
#: adcode → (name, south-west corner)
COUNTIES = {"419901": ("甲县", (112.0, 34.0)), "419902": ("乙区", (112.5, 34.0)),
            "419903": ("丙县", (113.0, 34.0)), "419904": ("丁县", (113.5, 34.0)),
            "419905": ("戊县", (114.0, 34.0))}
#: station → (name, lon, lat)
STATIONS = {"S1": ("甲站", 112.2, 34.2), "S2": ("乙站", 112.7, 34.2), "S3": ("丙站", 113.2, 34.2),
            "S4": ("丁站", 113.7, 34.2)}
PM25 = {  # (first day, last day) → station → PM2.5
    ("2024-01-01", "2024-01-31"): {"S1": 35, "S2": 35, "S3": 70, "S4": 35},
    ("2024-02-01", "2024-02-05"): {"S1": 200},
    ("2024-12-01", "2024-12-31"): {"S1": 70, "S2": 35, "S3": 52.5, "S4": 35},
    ("2025-01-01", "2025-01-10"): {"S1": 35, "S2": 70, "S3": 70, "S4": 35},
    ("2025-01-11", "2025-01-31"): {"S1": 35, "S2": 70, "S3": 70},
}


def composite(pm25: float) -> float:
    return 6 / 60 + 20 / 40 + 70 / 70 + pm25 / 35 + 0.8 / 4 + 80 / 160


def _hours(first: str, last: str) -> pd.DatetimeIndex:
    """Hour labels (their end, as stored) of the Beijing days first … last."""
    return pd.date_range(pd.Timestamp(first) + pd.Timedelta(hours=1), pd.Timestamp(last) + pd.Timedelta(days=1),
                         freq="h")


def build(path: Path, tmp: Path) -> Path:
    """The constructed city in the database at `path`."""
    features = []
    for adcode, (name, (lon, lat)) in COUNTIES.items():
        ring = [[lon, lat], [lon + 0.45, lat], [lon + 0.45, lat + 0.45], [lon, lat + 0.45], [lon, lat]]
        features.append({"type": "Feature", "properties": {"adcode": adcode, "name": name, "level": "县",
                                                           "city": CITY, "parent_adcode": "419900"},
                         "geometry": {"type": "Polygon", "coordinates": [ring]}})
    (tmp / "counties.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": features},
                                                     ensure_ascii=False), "utf-8")
    rows = "".join(f"{code},{name},{CITY},国控,{lon},{lat}\n" for code, (name, lon, lat) in STATIONS.items())
    (tmp / "stations.csv").write_text("code,name,city,level,lon,lat\n" + rows, "utf-8")
    lines = []
    for (first, last), values in PM25.items():
        for hour in _hours(first, last):
            lines += [f"{code},{hour:%Y-%m-%d %H:%M},{pm25},70,6,20,80,0.8\n" for code, pm25 in values.items()]
    (tmp / "readings.csv").write_text("station_code,datetime,PM2.5,PM10,SO2,NO2,O3,CO\n" + "".join(lines), "utf-8")
    con = db.connect(path)
    try:
        ingest("admin_units", tmp / "counties.geojson", con=con)
        ingest("stations", tmp / "stations.csv", con=con)
        load_readings(tmp / "readings.csv", con=con)
    finally:
        con.close()
    return path
