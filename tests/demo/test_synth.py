"""The shipped 洛阳市 demo data: the generator reproduces the committed synthetic files, the
synthetic data are labelled and geometrically sound, and the real extracts are intact."""

from __future__ import annotations

import csv
import gzip
import io
import tomllib
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
import shapely

from geoaq import config
from geoaq.demo import build as demo
from geoaq.demo import emergency as demo_emergency
from geoaq.demo import synth as demo_synth
from geoaq.geo import raster

DEMO_DIR = config.DEMO_DIR
SYNTH_DIR = DEMO_DIR / "synthetic"
RAW_DIR = Path("/work/shared/data/raw")  # the project's snapshot; absent on users' machines

#: real extracts: file -> (original header, data rows)
REAL_EXTRACTS = {
    "cnemc_stations_luoyang.csv": (
        "监测点编码,监测点名称,城市,经度,纬度,对照点,省级行政区,地级行政区", 13),
    "gem_coal_mines_luoyang.csv": (
        "id,country,project,status,owner,parent,capacity,production,mine-type,mine_size,"
        "mine_depth,workforce,coal_type,coal-grade,reserves,resources,opening_year,closing_year,"
        "coalfield,region,url,lat,lng,circle_value", 36),
    "gem_steel_plants_luoyang.csv": (
        "id,phase_id,plant_phase,status,project,project_other,parent,owner,ownership,province,"
        "country,region,status_1,steel_capacity_1,iron_capacity_1,process,equipment,status_2,"
        "steel_capacity_2,iron_capacity_2,process_2,equipment_2,status_3,steel_capacity_3,"
        "iron_capacity_3,process_3,equipment_3,url,lat,lng,steel_capacity,iron_capacity", 8),
    "firms_modis_c61_2025-04-22_luoyang.csv": (
        "latitude,longitude,brightness,scan,track,acq_date,acq_time,satellite,confidence,"
        "version,bright_t31,frp,daynight", 17),
}
RAW_NAMES = {
    "cnemc_stations_luoyang.csv": "cnemc_national_stations.csv",
    "gem_coal_mines_luoyang.csv": "gem_coal_mines_china_2024-05.csv",
    "gem_steel_plants_luoyang.csv": "gem_steel_plants_china_2024-04.csv",
    "firms_modis_c61_2025-04-22_luoyang.csv": "firms_modis_c61_global_24h_2025-04-22.csv",
}


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo_synth")
    demo_synth.write_all(out, seed=demo_synth.DEFAULT_SEED)
    return out


@pytest.fixture(scope="module")
def counties() -> gpd.GeoDataFrame:
    return demo_synth.counties_wgs84(gpd.read_file(DEMO_DIR / demo_synth.COUNTIES_FILE))


@pytest.fixture(scope="module")
def townships() -> gpd.GeoDataFrame:
    return gpd.read_file(SYNTH_DIR / "townships.geojson")


@pytest.fixture(scope="module")
def zones() -> gpd.GeoDataFrame:
    return gpd.read_file(SYNTH_DIR / "control_zones.geojson")


@pytest.fixture(scope="module")
def enterprises() -> pd.DataFrame:
    return pd.read_csv(SYNTH_DIR / "enterprises.csv", dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def readings() -> pd.DataFrame:
    return pd.read_csv(SYNTH_DIR / "station_readings_hourly.csv.gz", dtype={"station_code": str},
                       keep_default_na=False, na_values=[""])


def fires() -> gpd.GeoDataFrame:
    frame = pd.read_csv(DEMO_DIR / "firms_modis_c61_2025-04-22_luoyang.csv")
    return gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(frame.longitude, frame.latitude),
                            crs="EPSG:4326")


# --- reproducibility ---------------------------------------------------------------------


@pytest.mark.parametrize("name", ["townships.geojson", "control_zones.geojson", "enterprises.csv"])
def test_generator_reproduces_committed_file(generated: Path, name: str) -> None:
    assert (generated / name).read_bytes() == (SYNTH_DIR / name).read_bytes(), (
        f"{name} differs from the committed file: rerun `python -m geoaq.demo.synth` and commit")


def test_generator_reproduces_committed_readings(generated: Path) -> None:
    # The CSV inside is compared byte for byte. The compressed bytes depend on the zlib
    # build as well, so for those only the fixed header (mtime 0) is checked.
    name = "station_readings_hourly.csv.gz"
    new, committed = (generated / name).read_bytes(), (SYNTH_DIR / name).read_bytes()
    assert gzip.decompress(new) == gzip.decompress(committed)
    assert new[4:8] == committed[4:8] == b"\0\0\0\0"


def test_generator_reproduces_committed_landcover(generated: Path) -> None:
    # Pixels, grid and tags first (a clear message), then the bytes: GDAL writes no
    # timestamp, so the pinned rasterio/GDAL reproduces the file exactly.
    name = demo_synth.LANDCOVER_FILE
    with rasterio.open(generated / name) as new, rasterio.open(SYNTH_DIR / name) as committed:
        assert new.profile == committed.profile
        assert new.tags() == committed.tags()
        assert np.array_equal(new.read(1), committed.read(1)), f"{name}: the generated pixels differ"
    assert (generated / name).read_bytes() == (SYNTH_DIR / name).read_bytes(), (
        f"{name} has the same pixels but other bytes (another GDAL/zlib build?)")


@pytest.mark.parametrize("name", demo_emergency.OUTPUTS)
def test_generator_reproduces_committed_emergency_file(generated: Path, name: str) -> None:
    # the workbook is stored uncompressed with fixed times, so its bytes depend on nothing else
    assert (generated / name).read_bytes() == (SYNTH_DIR / name).read_bytes(), (
        f"{name} differs from the committed file: rerun `python -m geoaq.demo.synth` and commit")


def test_emergency_demo_is_labelled_and_lies_in_the_readings(enterprises, readings) -> None:
    reduction = pd.read_excel(SYNTH_DIR / "emergency_reduction_list.xlsx", header=None, dtype=str)
    assert "演示数据" in reduction.iloc[0, 0]
    table = reduction.iloc[3:]
    assert set(table.iloc[:, -1]) == {"true"}  # the synthetic column
    names = set(table.iloc[:, 2].dropna())
    assert all("（演示）" in n for n in names)
    keys = set(table.iloc[:, 3].dropna())
    assert keys - set(enterprises["企业编号"]) == {"DEMO-ENT-9001"}  # one unmatched row, on purpose
    for name in ("emergency_warnings.csv", "emergency_inspections.csv"):
        frame = pd.read_csv(SYNTH_DIR / name, dtype=str)
        assert set(frame["synthetic"]) == {"true"}
    warning = pd.read_csv(SYNTH_DIR / "emergency_warnings.csv", dtype=str).iloc[0]
    hours = pd.to_datetime(readings["datetime"])
    assert hours.min() < pd.Timestamp(warning["开始时间"]) < pd.Timestamp(warning["结束时间"]) < hours.max()
    assert "演示" in warning["发布单位"] and "演示" in warning["备注"]


def test_random_streams_depend_on_seed_and_output() -> None:
    first = demo_synth.rng_for(1, "townships").random()
    assert demo_synth.rng_for(1, "townships").random() == first
    assert demo_synth.rng_for(2, "townships").random() != first
    assert demo_synth.rng_for(1, "control_zones").random() != first


# --- labelling -------------------------------------------------------------------------------


def test_every_synthetic_row_is_flagged(townships, zones, enterprises, readings) -> None:
    assert townships["synthetic"].astype(bool).all() and len(townships)
    assert zones["synthetic"].astype(bool).all() and len(zones)
    assert (enterprises["synthetic"] == "true").all() and len(enterprises)
    assert (readings["synthetic"].astype(str).str.lower() == "true").all() and len(readings)


def test_synthetic_names_say_demo(townships, zones, enterprises) -> None:
    assert townships["name"].str.endswith("（演示）").all()
    for column in ("name", "authority", "document"):
        assert zones[column].str.endswith("（演示）").all()
    assert enterprises["企业名称"].str.endswith("（演示）").all()
    clustered = enterprises["产业集群"] != ""
    assert enterprises.loc[clustered, "产业集群"].str.endswith("（演示）").all()
    assert enterprises["企业编号"].str.fullmatch(r"DEMO-ENT-\d{4}").all()


# --- townships -----------------------------------------------------------------------------


def test_townships_partition_their_county(townships, counties) -> None:
    assert townships["adcode"].is_unique
    assert (townships["adcode"].str.len() == 9).all()
    assert (townships["adcode"].str[:6] == townships["parent_adcode"]).all()
    assert set(townships["parent_adcode"]) == set(counties["adcode"])
    assert townships.is_valid.all()
    metric_t, metric_c = townships.to_crs(demo_synth.METRIC_CRS), counties.to_crs(demo_synth.METRIC_CRS)
    for county in metric_c.itertuples():
        cells = metric_t[metric_t["parent_adcode"] == county.adcode]
        assert 6 <= len(cells) <= 15
        union = shapely.union_all(list(cells.geometry)).area
        assert union == pytest.approx(county.geometry.area, rel=0.01)
        assert cells.area.sum() - union < 1e-4 * county.geometry.area  # no overlaps
    assert (townships["level"] == "乡镇").all()
    assert (SYNTH_DIR / "townships.geojson").stat().st_size < 1_500_000


# --- control zones ---------------------------------------------------------------------------


def test_control_zones_valid_allowed_and_one_has_a_hole(zones) -> None:
    spec = tomllib.loads((config.PROJECT_ROOT / "layers" / "control_zones.toml").read_text("utf-8"))
    allowed = next(c["allowed"] for c in spec["columns"] if c["name"] == "zone_type")
    assert set(zones["zone_type"]) <= set(allowed)
    assert {"禁煤区", "高污染燃料禁燃区", "秸秆禁烧区", "高排放非道路移动机械禁用区"} <= set(zones["zone_type"])
    assert zones["zone_id"].is_unique
    assert zones.is_valid.all() and not zones.is_empty.any()
    assert set(zones.geom_type) <= {"Polygon", "MultiPolygon"}
    holes = [sum(len(p.interiors) for p in shapely.get_parts(g)) for g in zones.geometry]
    assert max(holes) >= 1


def test_real_fire_points_meet_the_zones(zones) -> None:
    points = fires()
    joined = gpd.sjoin(points, zones[["zone_type", "geometry"]], how="left", predicate="within")
    in_straw = joined.loc[joined["zone_type"] == "秸秆禁烧区"].index.nunique()
    outside = joined["zone_type"].isna().sum()
    assert in_straw >= 5
    assert outside >= 1


# --- land cover ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def landcover() -> tuple[np.ndarray, dict, dict]:
    with rasterio.open(SYNTH_DIR / demo_synth.LANDCOVER_FILE) as src:
        return src.read(1), src.profile, src.tags()


def test_landcover_is_a_labelled_categorical_geotiff(landcover) -> None:
    codes, profile, tags = landcover
    assert tags["synthetic"] == "true" and tags["label"] == "演示数据"
    assert tags["source"] == "generated by python -m geoaq.demo.synth"
    assert profile["count"] == 1 and profile["dtype"] == "uint8" and profile["nodata"] == 0
    assert profile["crs"].to_epsg() == 4326 and profile["compress"] == "deflate"
    assert profile["transform"].a == pytest.approx(0.002) and profile["transform"].e == pytest.approx(-0.002)
    classes = raster.load_class_map()
    assert set(np.unique(codes)) - {0} <= set(classes.classes)  # only WorldCover codes
    assert {10, 20, 30, 40, 50, 60, 80, 90} <= set(np.unique(codes))
    assert (SYNTH_DIR / demo_synth.LANDCOVER_FILE).stat().st_size < 1_500_000


def test_landcover_covers_the_prefecture_and_margin(counties) -> None:
    path = SYNTH_DIR / demo_synth.LANDCOVER_FILE
    outline = counties.union_all()
    with rasterio.open(path) as src:
        west, south, east, north = src.bounds
    minx, miny, maxx, maxy = outline.bounds
    assert west < minx - 0.1 and east > maxx + 0.1 and south < miny - 0.08 and north > maxy + 0.08
    # every point inside the prefecture has a class
    inside = demo_synth.random_points_in(outline, 500, np.random.default_rng(1))
    codes = raster.sample_classes(path, inside[:, 0], inside[:, 1], nodata=[0])
    assert not codes.mask.any()


def test_landcover_pattern_is_plausible(counties) -> None:
    path = SYNTH_DIR / demo_synth.LANDCOVER_FILE
    summary = raster.landcover_summary(path, counties.set_index("district"))
    share = summary["cropland_share"]
    assert share[["偃师区", "孟津区", "洛龙区", "伊川县"]].min() > 0.6  # plains and tablelands
    assert share[["栾川县", "嵩县"]].max() < 0.3  # mountains
    assert summary.loc["栾川县", "tree_cover"] > 0.5 * summary.loc["栾川县", "covered_ha"]
    city = summary.loc[list(demo_synth.URBAN_DISTRICTS)]
    assert city["built_up"].sum() > 0.45 * city["covered_ha"].sum()
    assert (summary["nodata_ha"] == 0).all()
    assert summary["covered_ha"].to_numpy() == pytest.approx(summary["polygon_ha"].to_numpy(), rel=0.03)


def test_real_fire_points_meet_the_landcover(zones) -> None:
    points = fires()
    classes = raster.classify_points(SYNTH_DIR / demo_synth.LANDCOVER_FILE, points["longitude"],
                                     points["latitude"])
    assert classes["cropland"].notna().all()
    assert classes["cropland"].sum() >= 12  # most burn on cropland
    assert (~classes["cropland"]).sum() >= 2  # some do not: other open burning
    straw = gpd.sjoin(points, zones.loc[zones["zone_type"] == "秸秆禁烧区", ["geometry"]],
                      predicate="within").index.unique()
    assert classes.loc[straw, "cropland"].all()


# --- enterprises -------------------------------------------------------------------------------


def test_enterprises_columns_values_and_places(enterprises, counties, zones) -> None:
    assert list(enterprises.columns) == ["企业编号", "企业名称", "产业集群", "行业", "绩效分级", "超低排放改造",
                                         "主要燃料", "在线监测", "区县", "运行状态", "经度", "纬度", "synthetic"]
    assert 100 <= len(enterprises) <= 150 and enterprises["企业编号"].is_unique
    assert enterprises["产业集群"].replace("", np.nan).nunique() == 8
    assert set(enterprises["绩效分级"]) <= {"A", "B", "C", "无"}
    assert set(enterprises["超低排放改造"]) <= {"已完成", "改造中", "未改造", "不适用"}
    points = gpd.GeoDataFrame(enterprises, crs="EPSG:4326", geometry=gpd.points_from_xy(
        enterprises["经度"].astype(float), enterprises["纬度"].astype(float)))
    located = gpd.sjoin(points, counties[["district", "geometry"]], how="left", predicate="within")
    assert (located["district"] == located["区县"]).all()
    banned = zones[zones["zone_type"].isin(["禁煤区", "高污染燃料禁燃区"])].union_all()
    coal_in_zone = points[(points["主要燃料"] == "煤") & points.within(banned)]
    assert len(coal_in_zone) == demo_synth.COAL_VIOLATIONS


# --- readings ----------------------------------------------------------------------------------


def test_readings_cover_the_stations_and_the_full_span(readings) -> None:
    codes = pd.read_csv(DEMO_DIR / "cnemc_stations_luoyang.csv", dtype=str)["监测点编码"]
    assert list(readings.columns) == ["station_code", "datetime", *demo_synth.POLLUTANTS, "synthetic"]
    assert sorted(readings["station_code"].unique()) == sorted(codes)
    hours = pd.date_range("2023-10-01 00:00", "2025-04-30 23:00", freq="h").strftime("%Y-%m-%d %H:%M")
    for _, group in readings.groupby("station_code"):
        assert list(group["datetime"]) == list(hours)


def test_readings_are_plausible(readings) -> None:
    values = readings[list(demo_synth.POLLUTANTS)]
    assert 0.005 < values.isna().to_numpy().mean() < 0.03
    bounds = {"PM2.5": (1, 700), "PM10": (1, 1000), "SO2": (1, 100), "NO2": (1, 250), "O3": (1, 400),
              "CO": (0.1, 10)}
    for name, (low, high) in bounds.items():
        assert values[name].min() >= low and values[name].max() <= high, name
    both = values[["PM2.5", "PM10"]].dropna()
    assert (both["PM10"] >= both["PM2.5"]).all()
    frame = readings.assign(when=pd.to_datetime(readings["datetime"]))
    monthly = frame.groupby(frame["when"].dt.to_period("M"))["PM2.5"].mean()
    assert 70 <= monthly["2024-01"] <= 95 and 22 <= monthly["2024-07"] <= 38
    daily = frame.set_index("when")["PM2.5"].resample("D").mean()
    assert (daily > 150).sum() >= 4
    ratio = monthly["2024-10":"2025-03"].mean() / monthly["2023-10":"2024-03"].mean()
    assert 0.9 < ratio < 0.995
    hourly = frame.groupby(frame["when"].dt.hour)[["O3", "NO2"]].mean()
    assert 13 <= hourly["O3"].idxmax() <= 17
    assert hourly["NO2"].loc[6:10].max() > hourly["NO2"].loc[12:16].max()


# --- real extracts -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(REAL_EXTRACTS))
def test_real_extract_header_and_rows(name: str) -> None:
    header, rows = REAL_EXTRACTS[name]
    text = (DEMO_DIR / name).read_bytes().decode("utf-8")
    records = list(csv.reader(io.StringIO(text, newline="")))
    assert ",".join(records[0]) == header
    assert len(records) - 1 == rows
    assert all(len(r) == len(records[0]) for r in records)


def test_real_station_extract_is_luoyang() -> None:
    stations = pd.read_csv(DEMO_DIR / "cnemc_stations_luoyang.csv", dtype=str)
    assert (stations["地级行政区"] == "洛阳市").all()


@pytest.mark.skipif(not RAW_DIR.is_dir(), reason="the project's raw data snapshot is not here")
@pytest.mark.parametrize("name", sorted(REAL_EXTRACTS))
def test_real_extract_rows_are_unchanged(name: str) -> None:
    raw = (RAW_DIR / RAW_NAMES[name]).read_bytes().splitlines(keepends=True)
    ours = (DEMO_DIR / name).read_bytes().splitlines(keepends=True)
    assert ours[0] == raw[0]
    body = set(raw[1:])
    assert all(line in body for line in ours[1:])


# --- the manifest ------------------------------------------------------------------------------


def test_manifest_loads_with_only_the_expected_rejects(tmp_path: Path) -> None:
    loads = demo.read_manifest(DEMO_DIR)
    assert all(load.file.is_file() for load in loads)
    reports = demo.build_demo(tmp_path / "demo.duckdb", DEMO_DIR)
    rejected = {(r.layer, Path(r.source_file).name): r.rejected_rows for r in reports}
    assert rejected.pop(("enterprises", "gem_steel_plants_luoyang.csv")) == 4  # GEM phase rows
    assert set(rejected.values()) == {0}
    # readings: [[readings]] entries; the emergency data: their own entries
    layer_reports = [r for r in reports if r.layer not in ("readings", *demo.EMERGENCY_KINDS)]
    assert all(r.loaded == r.rows_read for r, load in zip(layer_reports, loads, strict=True) if load.synthetic)
    (readings,) = [r for r in reports if r.layer == "readings"]
    # every generated reading is stored; hours without any value are counted, not stored
    assert readings.loaded + readings.empty_station_hours == readings.rows_read and readings.rejected_rows == 0
