"""Deterministic synthetic data for the 洛阳市 demo (演示数据, not real).

No public file covers Luoyang's townships, control zones, enterprise clusters or hourly
station readings, and real land cover is too large to ship, so the demo generates them from
a seed. Everything here is labelled: every row carries `synthetic = true`, every name
carries （演示）, and the land-cover GeoTIFF carries the tags synthetic=true and
label=演示数据. Generation happens in WGS-84 (the real county outlines are GCJ-02 and are
converted first with `geoaq.geo.coords`), and areas and distances are measured in UTM zone 49N
(EPSG:32649).

The functions are small and pure (GeoDataFrames and DataFrames in, out); only `write_all`
and `main` read and write files, so `python -m geoaq.demo.synth` reproduces the committed
files in `data/demo/synthetic/` byte for byte: stable row and property order, coordinates
rounded to 6 decimals, gzip with mtime 0, a GeoTIFF with a fixed profile and no timestamp,
and one numpy `default_rng` stream per output derived from the seed, so changing one output
never shifts another.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import json
import zlib
from collections.abc import Iterable, Sequence
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import shapely.affinity
from rasterio.io import MemoryFile
from rasterio.transform import from_origin
from shapely.geometry import Point, mapping

from geoaq import config
from geoaq.demo import emergency as emergency_demo
from geoaq.geo.coords import convert_geometries

DEFAULT_SEED = 20250422
COUNTIES_FILE = "luoyang_counties_gcj02.geojson"
STATIONS_FILE = "cnemc_stations_luoyang.csv"
METRIC_CRS = "EPSG:32649"  # UTM 49N: Luoyang lies at 111.1–113.1° E
GRID = 1e-6  # degrees (~0.1 m): coordinate precision of everything written
DEMO = "（演示）"
CITY, PROVINCE, CITY_ADCODE = "洛阳市", "河南省", "410300"

#: the four old urban districts: their sub-units are 街道 and are numbered 001…
URBAN_DISTRICTS = ("老城区", "西工区", "瀍河回族区", "涧西区")
CENTRAL_DISTRICTS = (*URBAN_DISTRICTS, "洛龙区")

#: approximate WGS-84 positions of the county seats (城关), for the seat 禁燃区
COUNTY_SEATS: dict[str, tuple[float, float]] = {
    "偃师区": (112.789, 34.727),
    "孟津区": (112.445, 34.826),
    "新安县": (112.132, 34.728),
    "宜阳县": (112.179, 34.515),
    "伊川县": (112.425, 34.421),
    "汝阳县": (112.473, 34.153),
    "嵩县": (112.085, 34.134),
    "洛宁县": (111.653, 34.389),
    "栾川县": (111.615, 33.786),
}
#: centre of the built-up core of 洛阳 (between 西工区 and 洛龙区)
URBAN_CORE = (112.44, 34.655)

READINGS_START = "2023-10-01 00:00"
READINGS_END = "2025-04-30 23:00"
POLLUTANTS = ("PM2.5", "PM10", "SO2", "NO2", "O3", "CO")
#: city-mean PM2.5 (µg/m³) by calendar month for 2023-10…2024-09; the later months are
#: scaled by SEASON_FACTOR so that year-on-year targets have something to measure
MONTHLY_PM25 = {1: 88, 2: 74, 3: 56, 4: 46, 5: 40, 6: 32, 7: 28, 8: 27, 9: 32, 10: 46, 11: 66, 12: 82}
MONTHLY_NO2 = {1: 46, 2: 36, 3: 37, 4: 32, 5: 28, 6: 23, 7: 20, 8: 21, 9: 28, 10: 36, 11: 43, 12: 47}
MONTHLY_SO2 = {1: 15, 2: 13, 3: 12, 4: 10, 5: 9, 6: 8, 7: 7, 8: 7, 9: 8, 10: 10, 11: 13, 12: 15}
#: mean afternoon O3 rise (µg/m³) above the night level, and the night level, by month
MONTHLY_O3_RISE = {1: 40, 2: 55, 3: 80, 4: 112, 5: 145, 6: 162, 7: 150, 8: 138, 9: 112, 10: 80, 11: 50, 12: 38}
MONTHLY_O3_NIGHT = {1: 14, 2: 20, 3: 28, 4: 38, 5: 48, 6: 52, 7: 48, 8: 45, 9: 38, 10: 28, 11: 18, 12: 13}
SEASON_FACTOR = 0.96  # 2024-10…2025-04 vs a year earlier
#: multi-hour station outages: (station code, first missing hour, hours)
OUTAGES = (("1815A", "2024-01-17 10:00", 40), ("3593A", "2024-07-08 06:00", 75),
           ("1816A", "2025-02-10 14:00", 9))


# --- small helpers ---------------------------------------------------------------------


def rng_for(seed: int, part: str) -> np.random.Generator:
    """An independent, reproducible random stream per output (`part`), derived from `seed`."""
    return np.random.default_rng([seed, zlib.crc32(part.encode("utf-8"))])


def snap(geom: shapely.Geometry) -> shapely.Geometry:
    """Snap to the 1e-6° grid (valid output), so the written file is what was checked."""
    return shapely.set_precision(geom, GRID)


def polygonal(geom: shapely.Geometry) -> shapely.Geometry:
    """Keep only the polygon parts of an overlay result (drops slivers of lines/points)."""
    parts = [g for g in shapely.get_parts(geom) if g.geom_type in ("Polygon", "MultiPolygon")]
    if not parts:
        return shapely.Polygon()
    polys = [p for part in parts for p in shapely.get_parts(part)]
    return polys[0] if len(polys) == 1 else shapely.MultiPolygon(polys)


def area_km2(geoms: gpd.GeoSeries) -> np.ndarray:
    """Areas in km², measured in UTM 49N (never in degrees)."""
    return geoms.to_crs(METRIC_CRS).area.to_numpy() / 1e6


def counties_wgs84(counties_gcj02: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The real GCJ-02 county outlines converted to WGS-84 and snapped to the grid.

    Why: every synthetic layer is joined with WGS-84 fire points and stations, and the
    GCJ-02 outlines sit ~600 m off.
    """
    out = counties_gcj02[["adcode", "district", "city", "province", "geometry"]].copy()
    out["geometry"] = [snap(g) for g in convert_geometries(counties_gcj02.geometry, "gcj02")]
    out = gpd.GeoDataFrame(out, geometry="geometry", crs="EPSG:4326")
    return out.sort_values("adcode", kind="stable").reset_index(drop=True)


def random_points_in(geom: shapely.Geometry, n: int, rng: np.random.Generator) -> np.ndarray:
    """`n` uniformly random (lon, lat) points inside `geom`, by rejection sampling."""
    minx, miny, maxx, maxy = geom.bounds
    found: list[np.ndarray] = []
    count = 0
    while count < n:
        xy = rng.uniform((minx, miny), (maxx, maxy), size=(max(4 * n, 64), 2))
        inside = xy[shapely.contains_xy(geom, xy[:, 0], xy[:, 1])]
        found.append(inside)
        count += len(inside)
    return np.concatenate(found)[:n]


def scatter_in(geom: shapely.Geometry, centre: tuple[float, float], sigma_km: float, n: int,
               rng: np.random.Generator) -> np.ndarray:
    """`n` points normally scattered (sigma in km) around `centre`, all inside `geom`."""
    lat0 = np.radians(centre[1])
    deg = np.array([sigma_km / (111.32 * np.cos(lat0)), sigma_km / 110.57])
    found: list[np.ndarray] = []
    count = 0
    while count < n:
        xy = np.asarray(centre) + rng.normal(size=(max(4 * n, 32), 2)) * deg
        inside = xy[shapely.contains_xy(geom, xy[:, 0], xy[:, 1])]
        found.append(inside)
        count += len(inside)
    return np.round(np.concatenate(found)[:n], 6)


# --- townships (admin_units) ---------------------------------------------------------


def township_count(area: float) -> int:
    """Roughly 6–15 townships per county, growing with the square root of its area."""
    return int(np.clip(round(np.sqrt(area) / 3.5), 6, 15))


def _inner_centre(cell: shapely.Geometry, geom: shapely.Geometry) -> tuple[float, float]:
    """The cell's centroid, or a point on its surface when the centroid falls outside `geom`."""
    centre = shapely.centroid(cell)
    if cell.is_empty or not shapely.contains_xy(geom, centre.x, centre.y):
        centre = shapely.point_on_surface(cell if not cell.is_empty else geom)
    return centre.x, centre.y


def voronoi_partition(geom: shapely.Geometry, n: int, rng: np.random.Generator,
                      lloyd_steps: int = 3) -> list[shapely.Geometry]:
    """Split `geom` into `n` compact cells: seeded points, Lloyd-relaxed Voronoi, clipped.

    The Voronoi diagram is built on lon scaled by cos(lat) so cells are compact on the
    ground; the cells tile the plane, so the clipped cells partition `geom` exactly.
    """
    lat0 = shapely.centroid(geom).y
    kx = float(np.cos(np.radians(lat0)))
    points = random_points_in(geom, n, rng)
    minx, miny, maxx, maxy = geom.bounds
    frame = shapely.box(minx * kx - 1, miny - 1, maxx * kx + 1, maxy + 1)
    cells: list[shapely.Geometry] = []
    for step in range(lloyd_steps + 1):
        scaled = shapely.multipoints(np.column_stack([points[:, 0] * kx, points[:, 1]]))
        diagram = shapely.voronoi_polygons(scaled, extend_to=frame, ordered=True)
        raw = [shapely.affinity.scale(c, 1 / kx, 1, origin=(0, 0)) for c in shapely.get_parts(diagram)]
        cells = [polygonal(shapely.intersection(c, geom, grid_size=GRID)) for c in raw]
        if step < lloyd_steps:
            points = np.array([_inner_centre(c, geom) for c in cells])
    return [c for c in cells if not c.is_empty]


def make_townships(counties: gpd.GeoDataFrame, rng: np.random.Generator) -> gpd.GeoDataFrame:
    """Township-like polygons (乡镇/街道) partitioning every real county.

    adcode = county adcode + 3 digits (街道 001…, 乡镇 101…, as in the national code
    scheme); names say 演示 so nobody takes them for real townships.
    """
    rows = []
    areas = area_km2(counties.geometry)
    for county, area in zip(counties.itertuples(), areas, strict=True):
        cells = voronoi_partition(county.geometry, township_count(area), rng)
        order = sorted(range(len(cells)), key=lambda i: (-round(shapely.centroid(cells[i]).y, 3),
                                                         shapely.centroid(cells[i]).x))
        urban = county.district in URBAN_DISTRICTS
        for number, index in enumerate(order, start=1):
            kind, first = ("街道", 0) if urban else ("乡镇", 100)
            rows.append({
                "adcode": f"{county.adcode}{first + number:03d}",
                "name": f"{county.district}演示{kind}{number:02d}{DEMO}",
                "level": "乡镇",
                "parent_adcode": county.adcode,
                "city": CITY,
                "province": PROVINCE,
                "synthetic": True,
                "geometry": snap(shapely.orient_polygons(cells[index])),
            })
    return gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")


# --- control zones -------------------------------------------------------------------


def wobbly_ellipse(centre: tuple[float, float], rx_km: float, ry_km: float,
                   rng: np.random.Generator, harmonics: int = 4, amplitude: float = 0.08,
                   vertices: int = 96) -> shapely.Polygon:
    """A smooth irregular oval around `centre` (semi-axes in km), like a drawn zone outline."""
    theta = np.linspace(0, 2 * np.pi, vertices, endpoint=False)
    radius = np.ones_like(theta)
    for k in range(2, 2 + harmonics):
        radius += amplitude / (k - 1) * rng.uniform(-1, 1) * np.cos(k * theta + rng.uniform(0, 2 * np.pi))
    lat0 = np.radians(centre[1])
    x = centre[0] + rx_km * radius * np.cos(theta) / (111.32 * np.cos(lat0))
    y = centre[1] + ry_km * radius * np.sin(theta) / 110.57
    return shapely.Polygon(np.column_stack([x, y]))


def _zone(zone_id: str, name: str, zone_type: str, county: str, date: str, authority: str,
          document: str, geom: shapely.Geometry) -> dict:
    """One control-zone record; the name, authority and document are marked （演示）."""
    return {"zone_id": zone_id, "name": name + DEMO, "zone_type": zone_type, "county": county,
            "effective_date": date, "authority": authority + DEMO, "document": document + DEMO,
            "synthetic": True, "geometry": snap(shapely.orient_polygons(polygonal(geom)))}


def make_control_zones(counties: gpd.GeoDataFrame, townships: gpd.GeoDataFrame,
                       rng: np.random.Generator) -> gpd.GeoDataFrame:
    """Coal-ban, fuel-ban, machinery and straw-burning zones as a city would draw them.

    - 禁煤区 and 高污染燃料禁燃区 over part of the central districts (the built-up core);
    - 高污染燃料禁燃区 around every county seat;
    - 高排放非道路移动机械禁用区 in the urban core;
    - 秸秆禁烧区 over the agricultural townships of six districts/counties, with the county
      seat's 禁燃区 cut out (a hole: the town centre is not farmland).
    """
    by_name = counties.set_index("district").geometry
    central = shapely.union_all([by_name[d] for d in CENTRAL_DISTRICTS], grid_size=GRID)
    city_gov, city_doc = "洛阳市人民政府", "洛政〔{}〕XX号"
    zones = []
    core_ban = shapely.intersection(wobbly_ellipse(URBAN_CORE, 11.0, 6.0, rng), central, grid_size=GRID)
    fuel_ban = shapely.intersection(wobbly_ellipse(URBAN_CORE, 16.0, 8.5, rng), central, grid_size=GRID)
    machinery = shapely.intersection(wobbly_ellipse(URBAN_CORE, 7.5, 4.0, rng), central, grid_size=GRID)
    central_names = "、".join(CENTRAL_DISTRICTS)
    zones.append(_zone("LY-JMQ-01", "洛阳市中心城区禁煤区", "禁煤区", central_names, "2019-10-01",
                       city_gov, city_doc.format(2019), core_ban))
    zones.append(_zone("LY-JRQ-01", "洛阳市中心城区高污染燃料禁燃区", "高污染燃料禁燃区", central_names,
                       "2018-11-15", city_gov, city_doc.format(2018), fuel_ban))
    seat_zones: dict[str, shapely.Geometry] = {}
    for number, (county, seat) in enumerate(COUNTY_SEATS.items(), start=2):
        if not shapely.contains_xy(by_name[county], *seat):
            raise ValueError(f"county seat of {county} {seat} is not inside the county")
        radius = float(rng.uniform(2.6, 3.8))
        seat_zones[county] = shapely.intersection(
            wobbly_ellipse(seat, radius * 1.15, radius, rng), by_name[county], grid_size=GRID)
        zones.append(_zone(f"LY-JRQ-{number:02d}", f"{county}县城高污染燃料禁燃区", "高污染燃料禁燃区",
                           county, "2020-10-15", f"{county}人民政府", f"{county[:2]}政〔2020〕XX号",
                           seat_zones[county]))
    zones.append(_zone("LY-FDL-01", "洛阳市中心城区高排放非道路移动机械禁用区", "高排放非道路移动机械禁用区",
                       central_names, "2020-06-01", city_gov, city_doc.format(2020), machinery))
    # 秸秆禁烧区: (county, southern limit). In the hill counties the farmland lies in the
    # northern valleys, so only townships whose interior point is north of the limit count.
    straw = (("偃师区", None), ("孟津区", None), ("洛龙区", None), ("伊川县", 34.33),
             ("宜阳县", 34.45), ("汝阳县", 34.20))
    adcodes = counties.set_index("district")["adcode"]
    for number, (county, min_lat) in enumerate(straw, start=1):
        own = townships[townships["parent_adcode"] == adcodes[county]]
        if min_lat is not None:
            own = own[[shapely.point_on_surface(g).y >= min_lat for g in own.geometry]]
        farmland = shapely.union_all(list(own.geometry), grid_size=GRID)
        cut = fuel_ban if county == "洛龙区" else seat_zones[county]
        zones.append(_zone(f"LY-JSQ-{number:02d}", f"{county}秸秆禁烧区", "秸秆禁烧区", county,
                           "2021-05-20", f"{county}人民政府", f"{county[:2]}政办〔2021〕XX号",
                           shapely.difference(farmland, cut, grid_size=GRID)))
    return gpd.GeoDataFrame(zones, geometry="geometry", crs="EPSG:4326")


# --- enterprises ---------------------------------------------------------------------

#: (cluster industry, county, centre lon/lat, spread km, enterprises); cluster names are
#: "<county><industry>产业集群（演示）"
CLUSTERS = (
    ("耐火材料", "新安县", (112.215, 34.690), 2.5, 18),
    ("铸造", "偃师区", (112.700, 34.700), 2.5, 18),
    ("石灰", "伊川县", (112.350, 34.455), 2.5, 14),
    ("砖瓦", "宜阳县", (112.100, 34.495), 3.0, 14),
    ("石材加工", "孟津区", (112.560, 34.850), 2.0, 12),
    ("家具", "涧西区", (112.380, 34.630), 1.5, 14),
    ("塑料制品", "洛龙区", (112.500, 34.625), 1.5, 14),
    ("有色金属冶炼", "汝阳县", (112.440, 34.225), 2.5, 10),
)
#: enterprises outside any cluster: (industry, county, centre, spread km, count)
STANDALONE = (
    ("煤炭洗选", "新安县", (111.990, 34.760), 4.0, 3),
    ("煤炭洗选", "宜阳县", (112.050, 34.600), 4.0, 2),
    ("焦化", "孟津区", (112.300, 34.800), 3.0, 2),
    ("化工", "孟津区", (112.590, 34.895), 1.5, 2),
    ("人造板", "嵩县", (112.150, 34.200), 3.0, 2),
    ("人造板", "栾川县", (111.700, 33.850), 3.0, 1),
)
#: usual fuels per industry (the kiln/boiler fuel the compliance page looks at)
FUELS = {
    "耐火材料": (("天然气", 0.6), ("煤", 0.3), ("电", 0.1)),
    "铸造": (("电", 0.6), ("天然气", 0.25), ("煤", 0.15)),
    "石灰": (("煤", 0.6), ("天然气", 0.3), ("其他", 0.1)),
    "砖瓦": (("煤", 0.7), ("其他", 0.2), ("天然气", 0.1)),
    "石材加工": (("电", 0.9), ("无", 0.1)),
    "家具": (("电", 0.6), ("天然气", 0.3), ("生物质", 0.1)),
    "塑料制品": (("电", 0.8), ("天然气", 0.2)),
    "有色金属冶炼": (("天然气", 0.5), ("电", 0.3), ("煤", 0.2)),
    "煤炭洗选": (("电", 0.7), ("煤", 0.3)),
    "焦化": (("焦炉煤气", 1.0),),
    "化工": (("天然气", 0.7), ("煤", 0.3)),
    "人造板": (("生物质", 0.6), ("天然气", 0.2), ("煤", 0.2)),
}
GRADES = (("A", 0.1), ("B", 0.35), ("C", 0.4), ("无", 0.15))
#: industries without an ultra-low-emission retrofit programme
ULE_NOT_APPLICABLE = {"石材加工", "家具", "塑料制品", "人造板", "煤炭洗选"}
ULE = (("已完成", 0.45), ("改造中", 0.3), ("未改造", 0.25))
STATUS = (("运行", 0.85), ("停产", 0.08), ("关停", 0.04), ("在建", 0.03))
NO_COAL_ZONES = ("禁煤区", "高污染燃料禁燃区")
COAL_VIOLATIONS = 5
#: stations next to which the nearest enterprises are graded C (demo of "who pollutes here")
C_GRADE_STATIONS = ("1816A", "3341A", "3593A")


def _pick(rng: np.random.Generator, table: Sequence[tuple[str, float]], n: int) -> list[str]:
    values, weights = zip(*table, strict=True)
    p = np.asarray(weights, dtype=float)
    return [str(v) for v in rng.choice(np.asarray(values, dtype=object), size=n, p=p / p.sum())]


def make_enterprises(counties: gpd.GeoDataFrame, zones: gpd.GeoDataFrame, stations: pd.DataFrame,
                     rng: np.random.Generator) -> pd.DataFrame:
    """~130 enterprises in 8 clusters named after the seed-004 industries, plus a few loners.

    Points scatter around each cluster centre inside the right county. Nobody burns coal
    inside a coal-ban/禁燃区 zone except exactly COAL_VIOLATIONS enterprises (what the
    compliance page should find), and the enterprises nearest three national stations are
    graded C.
    """
    by_name = counties.set_index("district").geometry
    groups = [(industry, county, centre, spread, n, f"{county}{industry}产业集群{DEMO}")
              for industry, county, centre, spread, n in CLUSTERS]
    groups += [(industry, county, centre, spread, n, "") for industry, county, centre, spread, n in STANDALONE]
    frames = []
    per_county: dict[str, int] = {}
    for industry, county, centre, spread, n, cluster in groups:
        xy = scatter_in(by_name[county], centre, spread, n, rng)
        ule = ["不适用"] * n if industry in ULE_NOT_APPLICABLE else _pick(rng, ULE, n)
        numbers = range(per_county.get(county, 0) + 1, per_county.get(county, 0) + n + 1)
        per_county[county] = per_county.get(county, 0) + n
        frames.append(pd.DataFrame({
            "企业名称": [f"{county}演示企业{k:02d}（{industry}）{DEMO}" for k in numbers],
            "产业集群": cluster, "行业": industry,
            "绩效分级": _pick(rng, GRADES, n), "超低排放改造": ule,
            "主要燃料": _pick(rng, FUELS[industry], n),
            "在线监测": np.where(rng.random(n) < 0.55, "是", "否"),
            "区县": county, "运行状态": _pick(rng, STATUS, n),
            "经度": xy[:, 0], "纬度": xy[:, 1],
        }))
    out = pd.concat(frames, ignore_index=True)
    out.insert(0, "企业编号", [f"DEMO-ENT-{i:04d}" for i in range(1, len(out) + 1)])
    # big, well-run plants: A grade means ultra-low emissions done and online monitoring
    a_grade = out["绩效分级"] == "A"
    out.loc[a_grade & (out["超低排放改造"] != "不适用"), "超低排放改造"] = "已完成"
    out.loc[a_grade, "在线监测"] = "是"
    # coal only where allowed, except for a handful of deliberate violations
    no_coal = shapely.union_all(list(zones.loc[zones["zone_type"].isin(NO_COAL_ZONES), "geometry"]))
    inside = shapely.contains_xy(no_coal, out["经度"].to_numpy(), out["纬度"].to_numpy())
    clean = np.where(out["行业"].isin(ULE_NOT_APPLICABLE - {"煤炭洗选"}), "电", "天然气")
    out.loc[inside & (out["主要燃料"] == "煤"), "主要燃料"] = clean[inside & (out["主要燃料"] == "煤")]
    candidates = np.flatnonzero(inside & (out["运行状态"] == "运行").to_numpy())
    violators = np.sort(rng.choice(candidates, size=min(COAL_VIOLATIONS, len(candidates)), replace=False))
    out.loc[violators, "主要燃料"] = "煤"
    out.loc[violators, "绩效分级"] = "C"
    # the enterprises closest to some national stations are C-grade
    metric = gpd.GeoSeries(gpd.points_from_xy(out["经度"], out["纬度"]), crs="EPSG:4326").to_crs(METRIC_CRS)
    for code in C_GRADE_STATIONS:
        row = stations.loc[stations["监测点编码"] == code].iloc[0]
        station = gpd.GeoSeries([Point(float(row["经度"]), float(row["纬度"]))], crs="EPSG:4326")
        distance = metric.distance(station.to_crs(METRIC_CRS).iloc[0]).to_numpy()
        out.loc[np.argsort(distance, kind="stable")[:2], "绩效分级"] = "C"
    out["synthetic"] = "true"
    return out


# --- hourly station readings -----------------------------------------------------------


def _monthly_curve(hours: pd.DatetimeIndex, table: dict[int, float]) -> np.ndarray:
    """A smooth seasonal curve through `table`'s monthly values (placed mid-month)."""
    day = (hours.day_of_year.to_numpy() - 1 + hours.hour.to_numpy() / 24) / 365.25 * 12  # months
    knots = np.arange(-1, 13) + 0.5
    values = [table[12], *(table[m] for m in range(1, 13)), table[1]]
    return np.interp(day % 12, knots, values)


def _ar1(rng: np.random.Generator, shape: tuple[int, ...], e_fold_hours: float, sigma: float) -> np.ndarray:
    """AR(1) noise along the last axis, stationary standard deviation `sigma`."""
    phi = np.exp(-1.0 / e_fold_hours)
    shocks = rng.normal(scale=sigma * np.sqrt(1 - phi * phi), size=shape)
    out = np.empty(shape)
    out[..., 0] = rng.normal(scale=sigma, size=shape[:-1])
    for t in range(1, shape[-1]):
        out[..., t] = phi * out[..., t - 1] + shocks[..., t]
    return out


def _episodes(hours: pd.DatetimeIndex, rng: np.random.Generator) -> np.ndarray:
    """Winter heavy-pollution episodes (log boost): slow build-up over days, cold-front clean-out."""
    boost = np.zeros(len(hours))
    t = np.arange(len(hours), dtype=float)
    for winter in (2023, 2024):
        start = hours.get_loc(pd.Timestamp(f"{winter}-11-05 00:00"))
        for _ in range(6):
            begin = start + int(rng.integers(0, 110 * 24))
            build = float(rng.uniform(72, 150))  # hours of accumulation
            peak = float(np.log(rng.uniform(2.1, 2.9)))
            rising = (t >= begin) & (t < begin + build)
            boost[rising] = np.maximum(boost[rising], peak * ((t[rising] - begin) / build) ** 1.3)
            falling = (t >= begin + build) & (t < begin + build + 18)
            boost[falling] = np.maximum(boost[falling], peak * (1 - (t[falling] - begin - build) / 18))
    return boost


def _diurnal(hour: np.ndarray, peaks: Iterable[tuple[float, float, float]], base: float) -> np.ndarray:
    """base + Σ amplitude·exp(-(Δh/width)²) over (centre hour, width, amplitude), Δh circular."""
    out = np.full(hour.shape, base, dtype=float)
    for centre, width, amplitude in peaks:
        delta = (hour - centre + 12) % 24 - 12
        out += amplitude * np.exp(-((delta / width) ** 2))
    return out


def _season_scale(hours: pd.DatetimeIndex) -> np.ndarray:
    """1 until 2024-04, easing to SEASON_FACTOR by 2024-10 and staying there."""
    start, end = pd.Timestamp("2024-04-01"), pd.Timestamp("2024-10-01")
    frac = np.clip((hours - start) / (end - start), 0, 1)
    return 1 + (SEASON_FACTOR - 1) * np.asarray(frac, dtype=float)


def make_readings(codes: Sequence[str], rng: np.random.Generator) -> pd.DataFrame:
    """Plausible hourly PM2.5/PM10/SO2/NO2/O3/CO for Luoyang's national stations (Beijing time).

    A shared regional signal (seasonal curve × synoptic AR noise × winter episodes) makes the
    stations move together; each station adds its own level and noise. PM2.5 monthly means
    are calibrated to MONTHLY_PM25 (× SEASON_FACTOR from 2024-10). ~1–2 % of values are
    missing, plus a few multi-hour outages (OUTAGES). Units: µg/m³, CO mg/m³.
    """
    hours = pd.date_range(READINGS_START, READINGS_END, freq="h")
    n_t, n_s = len(hours), len(codes)
    hour = hours.hour.to_numpy().astype(float)
    scale = _season_scale(hours)
    # regional PM2.5: seasonal × synoptic × episodes, calibrated month by month
    synoptic = _ar1(rng, (n_t,), 40.0, 0.38)
    episodes = _episodes(hours, rng)
    shape = np.exp(synoptic - 0.38**2 / 2 + episodes) * _diurnal(hour, [(1, 5, 0.22), (9, 2.5, 0.06)], 0.9)
    target = _monthly_curve(hours, MONTHLY_PM25) * scale
    month = hours.year.to_numpy() * 12 + hours.month.to_numpy()
    regional = target * shape
    for _ in range(4):  # smooth month-by-month calibration of the mean
        realised = pd.Series(regional).groupby(month).transform("mean").to_numpy()
        wanted = pd.Series(target).groupby(month).transform("mean").to_numpy()
        factor = pd.Series(wanted / realised).rolling(24 * 15, center=True, min_periods=1).mean().to_numpy()
        regional = regional * factor
    # stations: level, own slow noise, white noise
    level = rng.uniform(0.9, 1.12, size=(n_s, 1))
    own = _ar1(rng, (n_s, n_t), 6.0, 0.17) + rng.normal(scale=0.07, size=(n_s, n_t))
    pm25 = regional * level * np.exp(own - 0.17**2 / 2)
    ratio = (_monthly_curve(hours, {1: 1.6, 2: 1.65, 3: 1.9, 4: 1.95, 5: 1.85, 6: 1.7, 7: 1.65, 8: 1.65,
                                     9: 1.7, 10: 1.75, 11: 1.7, 12: 1.6})
             - 0.22 * np.clip(episodes, 0, 1)
             + rng.uniform(-0.08, 0.08, size=(n_s, 1)) + _ar1(rng, (n_s, n_t), 8.0, 0.1))
    pm10 = pm25 * np.clip(ratio, 1.25, 2.8)
    stagnation = np.log(regional / target)  # >0 on polluted, stagnant days
    no2 = (_monthly_curve(hours, MONTHLY_NO2) * scale * np.exp(0.45 * stagnation)
           * _diurnal(hour, [(8, 2.2, 0.3), (21, 3.0, 0.45)], 0.78)
           * rng.uniform(0.8, 1.2, size=(n_s, 1)) * np.exp(_ar1(rng, (n_s, n_t), 4.0, 0.2) - 0.02))
    so2 = (_monthly_curve(hours, MONTHLY_SO2) * scale * np.exp(0.25 * stagnation)
           * _diurnal(hour, [(11, 3.0, 0.3)], 0.9) * rng.uniform(0.75, 1.3, size=(n_s, 1))
           * np.exp(_ar1(rng, (n_s, n_t), 5.0, 0.22) - 0.024))
    sunny = np.exp(np.repeat(_ar1(rng, (n_t // 24,), 2.5, 0.3), 24) - 0.045 - 0.5 * np.clip(stagnation, 0, None))
    sunny = 1.6 * np.tanh(sunny / 1.6)  # photochemistry saturates: no O3 beyond ~300 µg/m³
    o3 = (_monthly_curve(hours, MONTHLY_O3_NIGHT) * _diurnal(hour, [(16, 4.0, 0.25)], 0.85)
          + _monthly_curve(hours, MONTHLY_O3_RISE) * sunny * _diurnal(hour, [(15, 3.3, 1.0)], 0.0))
    o3 = o3 * rng.uniform(0.9, 1.1, size=(n_s, 1)) * np.exp(_ar1(rng, (n_s, n_t), 3.0, 0.12))
    night = (hour < 9) | (hour >= 20)  # NO titrates O3 where traffic NO2 is high
    o3 = np.clip(o3 - 0.35 * (no2 - no2.mean(axis=1, keepdims=True)) * night, 2, None)
    heating = np.clip((_monthly_curve(hours, MONTHLY_SO2) - 9) / 6, 0, 1)  # Nov 15 – Mar 15
    co = ((0.32 + 0.011 * pm25 / (1 + pm25 / 250) + 0.15 * heating)
          * rng.uniform(0.85, 1.15, size=(n_s, 1)) * np.exp(rng.normal(scale=0.08, size=(n_s, n_t))))
    values = {"PM2.5": pm25, "PM10": pm10, "SO2": so2, "NO2": no2, "O3": o3, "CO": co}
    values = {k: np.clip(np.round(v, 1 if k == "CO" else 0), 0.1 if k == "CO" else 1, None)
              for k, v in values.items()}
    # missing values: single cells, whole hours, and multi-hour outages
    gone_hour = rng.random((n_s, n_t)) < 0.006
    for code, first, length in OUTAGES:
        s = list(codes).index(code)
        t0 = hours.get_loc(pd.Timestamp(first))
        gone_hour[s, t0:t0 + length] = True
    for k in values:
        values[k][gone_hour | (rng.random((n_s, n_t)) < 0.008)] = np.nan
    frame = pd.DataFrame({
        "station_code": np.repeat(np.asarray(codes), n_t),
        "datetime": np.tile(hours.strftime("%Y-%m-%d %H:%M").to_numpy(), n_s),
    })
    for k in POLLUTANTS:
        column = values[k].reshape(-1)
        frame[k] = column if k == "CO" else pd.array(column, dtype="Float64").astype("Int64")
    frame["synthetic"] = "true"
    return frame


# --- land cover (a categorical raster) -------------------------------------------------

LANDCOVER_FILE = "landcover.tif"
LANDCOVER_RES = 0.002  # degrees (~185 m east-west, ~220 m north-south at 34.5° N)
LANDCOVER_MARGIN_KM = 10.0
LANDCOVER_TAGS = {"synthetic": "true", "label": "演示数据", "source": "generated by python -m geoaq.demo.synth",
                  "legend": "ESA WorldCover 2021 codes (data/rules/landcover.toml)"}
#: ESA WorldCover 2021 codes (the legend of data/rules/landcover.toml); 0 = no data
NODATA, TREE, SHRUB, GRASS, CROP, BUILT, BARE, WATER, WETLAND = 0, 10, 20, 30, 40, 50, 60, 80, 90
#: rough relief, 0 = plain … 1 = high mountains, at anchor points (lon, lat, relief); smooth
#: in between. Loess tablelands north, the Yi–Luo basin in the middle, the Xiong'er, Waifang
#: and Funiu mountains south and west.
RELIEF = (
    (112.45, 34.63, 0.02), (112.65, 34.67, 0.02), (112.85, 34.68, 0.05), (113.02, 34.73, 0.12),
    (112.30, 34.60, 0.12), (112.42, 34.44, 0.08), (112.58, 34.47, 0.14), (112.75, 34.42, 0.16),
    (112.72, 34.55, 0.22), (112.98, 34.50, 0.55), (113.05, 34.30, 0.40),
    (112.40, 34.78, 0.22), (112.62, 34.79, 0.18), (112.25, 34.83, 0.30), (112.80, 34.80, 0.14),
    (112.70, 35.00, 0.08), (112.40, 35.05, 0.35), (112.10, 35.12, 0.60),
    (112.13, 34.73, 0.22), (112.28, 34.70, 0.20), (112.00, 34.85, 0.42), (111.90, 34.98, 0.48),
    (112.18, 34.92, 0.40), (111.95, 34.68, 0.40), (111.70, 34.75, 0.45), (111.30, 34.70, 0.50),
    (112.18, 34.55, 0.12), (112.00, 34.58, 0.30), (112.10, 34.40, 0.42), (111.95, 34.30, 0.50),
    (111.65, 34.40, 0.12), (111.45, 34.33, 0.25), (111.50, 34.55, 0.52), (111.50, 34.18, 0.72),
    (111.20, 34.30, 0.70), (111.10, 34.05, 0.85),
    (112.08, 34.14, 0.30), (112.25, 34.27, 0.18), (111.90, 33.98, 0.62), (112.20, 33.80, 0.85),
    (111.85, 33.70, 0.92), (112.30, 34.05, 0.55),
    (111.62, 33.79, 0.52), (111.40, 33.90, 0.88), (111.80, 33.92, 0.80), (111.30, 33.68, 0.95),
    (111.55, 34.00, 0.85),
    (112.47, 34.17, 0.20), (112.58, 34.28, 0.12), (112.50, 34.05, 0.55), (112.35, 33.90, 0.85),
    (112.70, 34.15, 0.35), (112.90, 34.10, 0.30),
)
RELIEF_KERNEL_KM = 14.0
#: rivers: (polyline lon/lat, channel width km, half-width of the flat valley floor km)
RIVERS = (
    # 黄河 below the 小浪底 dam: a wide braided channel between wetland flats
    (((112.37, 34.918), (112.45, 34.885), (112.55, 34.872), (112.65, 34.862), (112.75, 34.843),
      (112.85, 34.846), (112.95, 34.858), (113.12, 34.880)), 0.9, 6.0),
    # 洛河
    (((111.00, 34.16), (111.15, 34.20), (111.28, 34.24), (111.45, 34.32), (111.65, 34.383),
      (111.85, 34.43), (112.02, 34.47), (112.18, 34.522), (112.26, 34.568), (112.33, 34.598), (112.42, 34.628),
      (112.55, 34.650), (112.70, 34.672), (112.85, 34.690), (113.00, 34.725), (113.12, 34.76)), 0.22, 4.5),
    # 伊河
    (((111.30, 33.74), (111.45, 33.76), (111.615, 33.780), (111.80, 33.88), (111.95, 34.00),
      (112.085, 34.128), (112.18, 34.20), (112.30, 34.32), (112.425, 34.415), (112.47, 34.56),
      (112.60, 34.62), (112.75, 34.66), (112.85, 34.690)), 0.18, 3.5),
    # 涧河
    (((111.75, 34.77), (111.95, 34.745), (112.132, 34.730), (112.25, 34.70), (112.42, 34.640)), 0.0, 2.5),
    # 北汝河
    (((112.15, 34.10), (112.30, 34.14), (112.473, 34.150), (112.65, 34.12), (112.85, 34.06),
      (113.05, 34.00)), 0.12, 2.5),
)
#: reservoirs as wide stretches of water along a polyline: (polyline, width km)
RESERVOIRS = (
    # 小浪底水库 on the Yellow River, upstream of the dam
    (((111.55, 35.02), (111.75, 35.04), (111.95, 35.07), (112.05, 35.055), (112.15, 35.01),
      (112.25, 34.958), (112.365, 34.922)), 1.6),
    (((112.13, 34.19), (112.19, 34.205), (112.23, 34.19)), 2.2),  # 陆浑水库
    (((111.20, 34.215), (111.26, 34.235), (111.32, 34.255)), 0.9),  # 故县水库
    (((112.33, 34.165), (112.37, 34.172)), 1.0),  # 前坪水库
)
#: open-pit mines and quarries (bare land): (lon, lat, radius km); 栾川 mines molybdenum
QUARRIES = ((111.46, 33.88, 1.4), (111.55, 33.86, 0.9), (111.38, 33.83, 0.8), (112.02, 34.80, 0.7),
            (111.98, 34.44, 0.6), (112.68, 34.53, 0.6), (112.25, 34.85, 0.5))
#: the built-up city of 洛阳 (centre, semi-axes km) and the county towns' radius (km)
URBAN_BUILT_CENTRE = (112.44, 34.667)
URBAN_AXES_KM = (10.5, 6.5)
#: village specks per pixel of the grid (drawn on cropland only: ~4 % of it becomes built-up)
VILLAGES_PER_PIXEL = 0.01
TOWN_RADIUS_KM = 2.3


def landcover_grid(outline: shapely.Geometry, margin_km: float = LANDCOVER_MARGIN_KM,
                   res: float = LANDCOVER_RES) -> tuple[float, float, int, int]:
    """(west, north, width, height) of a `res`-degree grid covering `outline` + `margin_km`.

    The edges are snapped outward to multiples of `res` so the pixel grid is a round one.
    """
    buffered = gpd.GeoSeries([outline], crs="EPSG:4326").to_crs(METRIC_CRS).buffer(margin_km * 1000)
    minx, miny, maxx, maxy = buffered.to_crs("EPSG:4326").total_bounds
    west, east = np.floor(minx / res) * res, np.ceil(maxx / res) * res
    south, north = np.floor(miny / res) * res, np.ceil(maxy / res) * res
    return round(float(west), 6), round(float(north), 6), int(round((east - west) / res)), int(round((north - south) / res))


def value_noise(rng: np.random.Generator, x: np.ndarray, y: np.ndarray, cell_km: float,
                octaves: int = 4) -> np.ndarray:
    """Smooth seeded noise in about [-1, 1] at points x/y (km): octaves of smoothstep-interpolated
    random lattices, each half the cell size and amplitude of the one before."""
    total = np.zeros(x.shape)
    weight = 0.0
    for octave in range(octaves):
        cell = cell_km / 2**octave
        gx, gy = (x - x.min()) / cell, (y - y.min()) / cell
        lattice = rng.uniform(-1, 1, size=(int(gy.max()) + 2, int(gx.max()) + 2))
        ix, iy = np.floor(gx).astype(int), np.floor(gy).astype(int)
        fx, fy = gx - ix, gy - iy
        sx, sy = fx * fx * (3 - 2 * fx), fy * fy * (3 - 2 * fy)
        top = lattice[iy, ix] * (1 - sx) + lattice[iy, ix + 1] * sx
        bottom = lattice[iy + 1, ix] * (1 - sx) + lattice[iy + 1, ix + 1] * sx
        total += 0.5**octave * (top * (1 - sy) + bottom * sy)
        weight += 0.5**octave
    return total / weight


def polyline_distance(x: np.ndarray, y: np.ndarray, line: np.ndarray) -> np.ndarray:
    """Distance (km) from points x/y (km) to the polyline `line` (n × 2, km)."""
    out = np.full(x.shape, np.inf)
    for (x0, y0), (x1, y1) in zip(line[:-1], line[1:], strict=True):
        dx, dy = x1 - x0, y1 - y0
        t = np.clip(((x - x0) * dx + (y - y0) * dy) / (dx * dx + dy * dy), 0, 1)
        out = np.minimum(out, np.hypot(x - x0 - t * dx, y - y0 - t * dy))
    return out


def make_landcover(counties: gpd.GeoDataFrame, rng: np.random.Generator) -> tuple[np.ndarray, tuple[float, float]]:
    """A plausible categorical land-cover grid (WorldCover codes, uint8) for the demo.

    Returns the array (rows north → south) and its (west, north) corner; pixels are
    LANDCOVER_RES degrees. Cropland fills the loess tablelands and the Yi–Luo valleys, shrub,
    grass and then forest take over as the relief rises to the southern mountains, built-up
    land marks the city, the county towns and scattered villages, rivers and reservoirs are
    water with wetland flats along the Yellow River, quarries are bare. Outside the prefecture
    + LANDCOVER_MARGIN_KM the value is 0 (no data). Synthetic (演示数据), not real land cover.
    """
    outline = shapely.union_all(list(counties.geometry), grid_size=GRID)
    west, north, width, height = landcover_grid(outline)
    lon = west + (np.arange(width) + 0.5) * LANDCOVER_RES
    lat = north - (np.arange(height) + 0.5) * LANDCOVER_RES
    lon0, lat0 = (west + width * LANDCOVER_RES / 2), (north - height * LANDCOVER_RES / 2)
    kx, ky = 111.32 * np.cos(np.radians(lat0)), 110.57  # km per degree

    def km(points: Iterable[tuple[float, float]]) -> np.ndarray:
        xy = np.asarray(list(points), dtype=float)
        return np.column_stack([(xy[:, 0] - lon0) * kx, (xy[:, 1] - lat0) * ky])

    x, y = np.meshgrid((lon - lon0) * kx, (lat - lat0) * ky)
    # relief: a kernel-weighted mean of the anchors, roughened by noise
    anchors = km((a, b) for a, b, _ in RELIEF)
    heights = np.array([h for _, _, h in RELIEF])
    weights = np.zeros(x.shape)
    relief = np.zeros(x.shape)
    for (ax, ay), h in zip(anchors, heights, strict=True):
        w = np.exp(-((x - ax) ** 2 + (y - ay) ** 2) / RELIEF_KERNEL_KM**2)
        weights += w
        relief += w * h
    relief = (relief + 1e-6 * 0.5) / (weights + 1e-6)
    # rivers meander: distances are measured on a gently warped plane
    wx = 0.8 * value_noise(rng, x, y, 6.0, 3)
    wy = 0.8 * value_noise(rng, x, y, 6.0, 3)
    valley = np.zeros(x.shape)
    channel = np.zeros(x.shape, dtype=bool)
    yellow_river = np.full(x.shape, np.inf)
    for number, (line, width_km, floor_km) in enumerate(RIVERS):
        d = polyline_distance(x + wx, y + wy, km(line))
        valley = np.maximum(valley, np.exp(-((d / floor_km) ** 2)))
        channel |= d < width_km / 2
        if number == 0:
            yellow_river = d
    rough = value_noise(rng, x, y, 12.0, 4)
    detail = value_noise(rng, x, y, 3.0, 3)
    fine = value_noise(rng, x, y, 1.2, 2)
    elevation = relief * (1 - 0.85 * valley) + 0.11 * rough
    codes = np.full(x.shape, CROP, dtype=np.uint8)
    hills = (elevation >= 0.32) & (elevation < 0.46)
    codes[hills & (detail < -0.05)] = GRASS
    codes[(elevation < 0.32) & (fine > 0.55) & (rough > 0.2)] = TREE  # orchards, shelter belts
    slopes = (elevation >= 0.46) & (elevation < 0.6)
    codes[slopes] = SHRUB
    codes[slopes & (detail > 0.2)] = GRASS
    codes[slopes & (detail < -0.3)] = TREE
    mountains = elevation >= 0.6
    codes[mountains] = TREE
    codes[mountains & (detail > 0.45)] = SHRUB
    # bare: open-pit mines and quarries
    for q_lon, q_lat, radius in QUARRIES:
        (qx, qy), = km([(q_lon, q_lat)])
        codes[np.hypot(x - qx, y - qy) < radius * (1 + 0.3 * fine)] = BARE
    # villages: small built-up specks (1–3 pixels a side), drawn only on farmland; their
    # places do not depend on the classes, so tuning a threshold does not move every village
    n_villages = int(VILLAGES_PER_PIXEL * codes.size)
    tops = rng.integers(0, codes.shape[0], n_villages)
    lefts = rng.integers(0, codes.shape[1], n_villages)
    sizes = rng.integers(1, 4, (n_villages, 2))
    village = np.zeros(codes.shape, dtype=bool)
    for top, left, (rows, cols) in zip(tops, lefts, sizes, strict=True):
        village[top:top + rows, left:left + cols] = True
    codes[village & (codes == CROP)] = BUILT
    # the city and the county towns
    cx, cy = km([URBAN_BUILT_CENTRE])[0]
    core = np.hypot((x - cx) / URBAN_AXES_KM[0], (y - cy) / URBAN_AXES_KM[1])
    codes[core + 0.25 * detail + 0.1 * fine < 1] = BUILT
    for seat in COUNTY_SEATS.values():
        sx, sy = km([seat])[0]
        codes[np.hypot(x - sx, y - sy) + 0.8 * detail + 0.3 * fine < TOWN_RADIUS_KM] = BUILT
    # the Yellow River: wetland flats and sand bars beside a wide channel
    codes[(yellow_river < 2.2 + 1.2 * rough) & (yellow_river >= 0.45)] = WETLAND
    codes[(yellow_river < 1.2) & (yellow_river >= 0.45) & (fine > 0.3)] = BARE
    codes[channel] = WATER
    for line, width_km in RESERVOIRS:
        d = polyline_distance(x + 0.3 * wx, y + 0.3 * wy, km(line))
        codes[d < width_km / 2 * (1 + 0.35 * detail)] = WATER
    # no data beyond the prefecture + margin
    zone = gpd.GeoSeries([outline], crs="EPSG:4326").to_crs(METRIC_CRS).buffer(LANDCOVER_MARGIN_KM * 1000)
    inside = shapely.contains_xy(zone.to_crs("EPSG:4326").iloc[0], *np.meshgrid(lon, lat))
    codes[~inside] = NODATA
    return codes, (west, north)


def landcover_tif(codes: np.ndarray, corner: tuple[float, float]) -> bytes:
    """GeoTIFF bytes: uint8, EPSG:4326, DEFLATE, 256×256 tiles, nodata 0, tagged 演示数据.

    Nothing variable is embedded (GDAL writes no timestamp), so equal arrays give equal bytes.
    """
    profile = {"driver": "GTiff", "width": codes.shape[1], "height": codes.shape[0], "count": 1,
               "dtype": "uint8", "crs": "EPSG:4326", "nodata": NODATA,
               "transform": from_origin(corner[0], corner[1], LANDCOVER_RES, LANDCOVER_RES),
               "compress": "deflate", "zlevel": 9, "predictor": 1, "tiled": True,
               "blockxsize": 256, "blockysize": 256, "interleave": "band"}
    with MemoryFile() as memory:
        with memory.open(**profile) as dst:
            dst.write(codes, 1)
            dst.update_tags(**LANDCOVER_TAGS)
        return memory.read()


# --- writing -------------------------------------------------------------------------


def _rounded(coords: object) -> object:
    if isinstance(coords, (list, tuple)):
        if coords and isinstance(coords[0], float | int):
            return [round(float(c), 6) for c in coords]
        return [_rounded(c) for c in coords]
    return coords


def geojson_text(frame: gpd.GeoDataFrame) -> str:
    """A FeatureCollection with sorted property keys and 6-decimal coordinates, one feature a line."""
    lines = []
    for record in frame.to_dict("records"):
        geom = record.pop("geometry")
        geometry = mapping(geom)
        feature = {"type": "Feature", "properties": dict(sorted(record.items())),
                   "geometry": {"type": geometry["type"], "coordinates": _rounded(geometry["coordinates"])}}
        lines.append(json.dumps(feature, ensure_ascii=False, separators=(",", ":")))
    return '{"type":"FeatureCollection","features":[\n' + ",\n".join(lines) + "\n]}\n"


def enterprises_csv(frame: pd.DataFrame) -> str:
    """UTF-8 CSV text (LF line ends, coordinates with 6 decimals)."""
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False, lineterminator="\n", float_format="%.6f", quoting=csv.QUOTE_MINIMAL)
    return buffer.getvalue()


def readings_csv_gz(frame: pd.DataFrame) -> bytes:
    """Gzipped CSV bytes; mtime 0 and a fixed inner name, so equal data give equal bytes."""
    text = frame.to_csv(index=False, lineterminator="\n", float_format="%.1f", na_rep="")
    buffer = io.BytesIO()
    with gzip.GzipFile(filename="station_readings_hourly.csv", mode="wb", fileobj=buffer,
                       compresslevel=9, mtime=0) as handle:
        handle.write(text.encode("utf-8"))
    return buffer.getvalue()


OUTPUTS = ("townships.geojson", "control_zones.geojson", "enterprises.csv", "station_readings_hourly.csv.gz",
           LANDCOVER_FILE, *emergency_demo.OUTPUTS)


def write_all(out_dir: str | Path | None = None, seed: int = DEFAULT_SEED, *,
              source_dir: str | Path | None = None) -> list[Path]:
    """Generate every synthetic demo file into `out_dir` (default: ``synthetic/`` of the demo
    data, `config.demo_dir`) from the real files in `source_dir` (default: the demo data)."""
    source = Path(source_dir) if source_dir is not None else config.demo_dir()
    out = Path(out_dir) if out_dir is not None else config.demo_dir() / "synthetic"
    out.mkdir(parents=True, exist_ok=True)
    counties = counties_wgs84(gpd.read_file(source / COUNTIES_FILE))
    stations = pd.read_csv(source / STATIONS_FILE, dtype=str, encoding="utf-8")
    townships = make_townships(counties, rng_for(seed, "townships"))
    zones = make_control_zones(counties, townships, rng_for(seed, "control_zones"))
    enterprises = make_enterprises(counties, zones, stations, rng_for(seed, "enterprises"))
    readings = make_readings(sorted(stations["监测点编码"]), rng_for(seed, "readings"))
    landcover, corner = make_landcover(counties, rng_for(seed, "landcover"))
    contents = {
        "townships.geojson": geojson_text(townships).encode("utf-8"),
        "control_zones.geojson": geojson_text(zones).encode("utf-8"),
        "enterprises.csv": enterprises_csv(enterprises).encode("utf-8"),
        "station_readings_hourly.csv.gz": readings_csv_gz(readings),
        LANDCOVER_FILE: landcover_tif(landcover, corner),
        **emergency_demo.outputs(enterprises, rng_for(seed, "emergency_list"), rng_for(seed, "emergency_inspections")),
    }
    written = []
    for name in OUTPUTS:
        (out / name).write_bytes(contents[name])
        written.append(out / name)
    return written


def main(argv: Sequence[str] | None = None) -> None:
    """`python -m geoaq.demo.synth [--out DIR] [--seed N]`."""
    parser = argparse.ArgumentParser(prog="python -m geoaq.demo.synth", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=None,
                        help="output directory (default: the demo data's synthetic/)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed")
    args = parser.parse_args(argv)
    for path in write_all(args.out, args.seed):
        print(f"{path} ({path.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
