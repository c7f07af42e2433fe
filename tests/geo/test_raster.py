"""geoaq.geo.raster: class map, sampling at WGS-84 points, true-area zonal statistics, overlay PNG.

Every raster here is a small GeoTIFF written into tmp_path: a geographic one (EPSG:4326,
1/64° pixels, so pixel edges are exact binary numbers), a UTM zone 49N one (EPSG:32649,
100 m pixels) and a Web Mercator one.
"""

from __future__ import annotations

import math
import struct
import warnings
import zlib
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import pytest
import rasterio
import shapely
from rasterio.transform import from_origin

from geoaq._errors import GeoaqError
from geoaq.geo import raster

GEO_RES = 1 / 64  # degrees, exact in binary
GEO_ORIGIN = (112.0, 35.0)  # west, north
UTM_ORIGIN = (500_000.0, 3_830_000.0)  # on the central meridian of zone 49 (111° E)
GEOD = pyproj.Geod(ellps="WGS84")
TO_WGS84 = pyproj.Transformer.from_crs("EPSG:32649", "EPSG:4326", always_xy=True)


def write_tif(path: Path, data: np.ndarray, crs: str, transform, nodata: float | None = None) -> Path:
    bands = data if data.ndim == 3 else data[None]
    with rasterio.open(path, "w", driver="GTiff", width=bands.shape[2], height=bands.shape[1],
                       count=bands.shape[0], dtype=bands.dtype, crs=crs, transform=transform,
                       nodata=nodata) as dst:
        dst.write(bands)
    return path


def geo_codes() -> np.ndarray:
    """40 rows × 48 columns, every pixel its own code 1000 + 100·row + column."""
    rows, cols = np.mgrid[0:40, 0:48]
    return (1000 + 100 * rows + cols).astype(np.uint16)


@pytest.fixture(scope="module")
def geo_tif(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = geo_codes()
    data[5, 7] = 0  # nodata
    return write_tif(tmp_path_factory.mktemp("geo") / "geo.tif", data, "EPSG:4326",
                     from_origin(*GEO_ORIGIN, GEO_RES, GEO_RES), nodata=0)


@pytest.fixture(scope="module")
def utm_tif(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """50 × 60 pixels of 100 m: grassland (30) with a 3 × 4 block of cropland (40) at rows
    10–12, columns 20–23, a 2 × 2 nodata (0) block at rows 30–31, columns 5–6."""
    data = np.full((50, 60), 30, dtype=np.uint8)
    data[10:13, 20:24] = 40
    data[30:32, 5:7] = 0
    return write_tif(tmp_path_factory.mktemp("utm") / "utm.tif", data, "EPSG:32649",
                     from_origin(*UTM_ORIGIN, 100, 100), nodata=0)


def utm_pixel_centre(row: float, col: float) -> tuple[float, float]:
    return UTM_ORIGIN[0] + (col + 0.5) * 100, UTM_ORIGIN[1] - (row + 0.5) * 100


def utm_box(row0: int, col0: int, rows: int, cols: int) -> shapely.Polygon:
    x0, y0 = UTM_ORIGIN[0] + col0 * 100, UTM_ORIGIN[1] - row0 * 100
    return shapely.box(x0, y0 - rows * 100, x0 + cols * 100, y0)


def to_wgs84(*geoms: shapely.Geometry, crs: str = "EPSG:32649", index=None) -> gpd.GeoSeries:
    return gpd.GeoSeries(list(geoms), crs=crs, index=index).to_crs("EPSG:4326")


# --- the class map ---------------------------------------------------------------------------


def test_default_class_map_is_the_worldcover_legend() -> None:
    classes = raster.load_class_map()
    assert list(classes.classes) == [10, 20, 30, 40, 50, 60, 70, 80, 90, 95, 100]
    assert classes.cropland == {40} and classes.nodata == {0}
    crop = classes.classes[40]
    assert (crop.key, crop.zh, crop.en, crop.color) == ("cropland", "耕地", "Cropland", "#f096ff")
    assert classes.classes[10].zh == "林地" and classes.classes[80].zh == "水体"
    assert classes.name(77) == "未知类别 (77)" and classes.name(77, "en") == "unknown class (77)"
    assert classes.key(77) == "code_77"
    codes = np.ma.MaskedArray([40, 10, 40], mask=[False, False, True])
    assert classes.is_cropland(codes).tolist() == [True, False, False]


def test_class_map_problems_are_all_reported_with_file_and_key(tmp_path: Path) -> None:
    path = tmp_path / "landcover.toml"
    path.write_text("""
croplands = [40]
nodata = [10]
[classes]
10 = { key = "tree_cover", zh = "林地", en = "Tree cover", color = "#006400" }
x1 = { key = "bad", zh = "坏", en = "Bad", color = "#000000" }
40 = { key = "tree_cover", zh = "耕地", en = "Cropland", color = "pink", extra = 1 }
""", encoding="utf-8")
    with pytest.raises(raster.ClassMapError) as caught:
        raster.load_class_map(path)
    message = str(caught.value)
    assert message.startswith(str(path))
    for fragment in ("unknown key(s) ['croplands']", "classes.x1", "classes.40.key 'tree_cover'",
                     "classes.40.color", "classes.40: unknown key(s) ['extra']", "cropland is missing",
                     "nodata lists [10]"):
        assert fragment in message
    assert isinstance(caught.value, GeoaqError) and isinstance(caught.value, ValueError)


def test_class_map_cropland_must_be_a_class(tmp_path: Path) -> None:
    path = tmp_path / "own.toml"
    path.write_text('cropland = [103]\n[classes]\n101 = { key = "paddy", zh = "水田", en = "Paddy field", '
                    'color = "#00ff00" }\n', encoding="utf-8")
    with pytest.raises(raster.ClassMapError, match=r"cropland lists \[103\], which are not in \[classes\]"):
        raster.load_class_map(path)


def test_class_map_missing_or_not_toml(tmp_path: Path) -> None:
    with pytest.raises(raster.ClassMapError, match="not found"):
        raster.load_class_map(tmp_path / "nope.toml")
    (tmp_path / "broken.toml").write_text("cropland = [40", encoding="utf-8")
    with pytest.raises(raster.ClassMapError, match="broken.toml: not valid UTF-8 TOML"):
        raster.load_class_map(tmp_path / "broken.toml")


# --- sampling --------------------------------------------------------------------------------


def test_sample_at_pixel_centres_of_a_geographic_raster(geo_tif: Path) -> None:
    rows, cols = np.array([0, 0, 39, 17, 39]), np.array([0, 47, 0, 23, 47])
    lon = GEO_ORIGIN[0] + (cols + 0.5) * GEO_RES
    lat = GEO_ORIGIN[1] - (rows + 0.5) * GEO_RES
    codes = raster.sample_classes(geo_tif, lon, lat)
    assert not codes.mask.any()
    assert codes.tolist() == (1000 + 100 * rows + cols).tolist()


def test_sample_on_pixel_edges_belongs_east_and_south(geo_tif: Path) -> None:
    west, north = GEO_ORIGIN
    east, south = west + 48 * GEO_RES, north - 40 * GEO_RES
    lon = np.array([west, west + 3 * GEO_RES, west + 3 * GEO_RES - 1e-9, east - 1e-9, east, west, west])
    lat = np.array([north, north - 2 * GEO_RES, north - 2 * GEO_RES + 1e-9, north - GEO_RES / 2,
                    north - GEO_RES / 2, south + 1e-9, south])
    codes = raster.sample_classes(geo_tif, lon, lat)
    assert codes.mask.tolist() == [False, False, False, False, True, False, True]
    assert codes.compressed().tolist() == [1000, 1203, 1102, 1047, 4900]


def test_sample_outside_nodata_and_bad_coordinates_are_missing(geo_tif: Path) -> None:
    lon = np.array([111.9, 112.1, GEO_ORIGIN[0] + 7.5 * GEO_RES, np.nan, 112.1, 112.1])
    lat = np.array([34.9, 35.1, GEO_ORIGIN[1] - 5.5 * GEO_RES, 34.9, np.inf, 34.9])
    codes = raster.sample_classes(geo_tif, lon, lat)
    assert codes.mask.tolist() == [True, True, True, True, True, False]
    # the class map's nodata codes are missing too
    extra = raster.sample_classes(geo_tif, [112.1], [34.9], nodata=[int(codes[-1])])
    assert extra.mask.all()


def test_sample_keeps_the_input_shape(geo_tif: Path) -> None:
    lon = np.full((2, 3), GEO_ORIGIN[0] + 0.5 * GEO_RES)
    codes = raster.sample_classes(geo_tif, lon, GEO_ORIGIN[1] - 0.5 * GEO_RES)  # lat broadcast
    assert codes.shape == (2, 3) and (codes == 1000).all()


def test_sample_transforms_wgs84_points_to_a_utm_raster(utm_tif: Path) -> None:
    centres = [utm_pixel_centre(11, 21), utm_pixel_centre(0, 0), utm_pixel_centre(49, 59)]
    # 1 m either side of the corner between rows 9/10 and columns 19/20
    corner = (UTM_ORIGIN[0] + 20 * 100, UTM_ORIGIN[1] - 10 * 100)
    near = [(corner[0] + 1, corner[1] - 1), (corner[0] - 1, corner[1] + 1), (corner[0] - 1, corner[1] - 1)]
    outside = [(UTM_ORIGIN[0] - 1, UTM_ORIGIN[1] - 50), (UTM_ORIGIN[0] + 50, UTM_ORIGIN[1] + 1)]
    x, y = np.array(centres + near + outside).T
    lon, lat = TO_WGS84.transform(x, y)
    codes = raster.sample_classes(utm_tif, lon, lat)
    assert codes.mask.tolist() == [False] * 6 + [True, True]
    assert codes.compressed().tolist() == [40, 30, 30, 40, 30, 30]
    nodata = raster.sample_classes(utm_tif, *TO_WGS84.transform(*utm_pixel_centre(30, 5)))
    assert nodata.mask.all()


def test_sample_many_points_block_by_block(utm_tif: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(7)
    x = rng.uniform(UTM_ORIGIN[0] - 300, UTM_ORIGIN[0] + 6300, 400)
    y = rng.uniform(UTM_ORIGIN[1] - 5300, UTM_ORIGIN[1] + 300, 400)
    lon, lat = TO_WGS84.transform(x, y)
    at_once = raster.sample_classes(utm_tif, lon, lat)
    monkeypatch.setattr(raster, "_SINGLE_READ_PIXELS", 10)
    blockwise = raster.sample_classes(utm_tif, lon, lat)
    assert (at_once.mask == blockwise.mask).all() and (at_once.filled(-1) == blockwise.filled(-1)).all()
    assert at_once.mask.any() and (~at_once.mask).sum() > 300


def test_classify_points_with_the_class_map(utm_tif: Path, tmp_path: Path) -> None:
    data = np.array([[40, 10], [0, 77]], dtype=np.uint8)
    path = write_tif(tmp_path / "small.tif", data, "EPSG:32649", from_origin(*UTM_ORIGIN, 100, 100))
    x = UTM_ORIGIN[0] + np.array([50, 150, 50, 150, 500])
    y = UTM_ORIGIN[1] - np.array([50, 50, 150, 150, 500])
    table = raster.classify_points(path, *TO_WGS84.transform(x, y))
    assert table["landcover_code"].tolist() == [40, 10, pd.NA, 77, pd.NA]
    assert table["cropland"].tolist() == [True, False, pd.NA, False, pd.NA]
    assert table["landcover_key"].tolist() == ["cropland", "tree_cover", pd.NA, "code_77", pd.NA]
    assert table["landcover_zh"].tolist()[:2] == ["耕地", "林地"]
    assert table.loc[3, "landcover_zh"] == "未知类别 (77)"  # 0 has no nodata tag: the class map's nodata


# --- errors ----------------------------------------------------------------------------------


def test_missing_and_unreadable_rasters(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "landcover.tif"
    with pytest.raises(raster.RasterReadError, match=f"{missing}: land-cover raster not found") as caught:
        raster.sample_classes(missing, [112.0], [34.0])
    assert isinstance(caught.value, GeoaqError) and isinstance(caught.value, OSError)
    junk = tmp_path / "junk.tif"
    junk.write_text("not a GeoTIFF", encoding="utf-8")
    with pytest.raises(raster.RasterReadError, match="junk.tif: cannot read the land-cover raster"):
        raster.cropland_hectares(junk, gpd.GeoSeries([shapely.box(112, 34, 113, 35)], crs=4326), [40])


def test_not_categorical_rasters(tmp_path: Path) -> None:
    transform = from_origin(*UTM_ORIGIN, 100, 100)
    floats = write_tif(tmp_path / "ndvi.tif", np.zeros((4, 4), dtype=np.float32), "EPSG:32649", transform)
    with pytest.raises(raster.RasterFormatError, match=r"ndvi.tif: data type float32 is not categorical") as caught:
        raster.sample_classes(floats, [111.0], [34.6])
    assert isinstance(caught.value, GeoaqError) and isinstance(caught.value, ValueError)
    two = write_tif(tmp_path / "rgb.tif", np.zeros((2, 4, 4), dtype=np.uint8), "EPSG:32649", transform)
    with pytest.raises(raster.RasterFormatError, match="rgb.tif: has 2 bands"):
        raster.raster_overlay_png(two, raster.load_class_map())
    with rasterio.open(tmp_path / "nocrs.tif", "w", driver="GTiff", width=4, height=4, count=1,
                       dtype="uint8", transform=transform) as dst:
        dst.write(np.zeros((1, 4, 4), dtype=np.uint8))
    with pytest.raises(raster.RasterFormatError, match="nocrs.tif: has no coordinate reference system"):
        raster.sample_classes(tmp_path / "nocrs.tif", [111.0], [34.6])


# --- true pixel areas ------------------------------------------------------------------------


def test_ellipsoid_band_area_of_the_whole_earth() -> None:
    whole = raster.ellipsoid_band_area(-90.0, 90.0, 6378137.0, 298.257223563) * 2 * math.pi
    assert whole == pytest.approx(510_065_621.7e6, rel=1e-9)  # WGS-84 surface area, m²
    sphere = raster.ellipsoid_band_area(0.0, 90.0, 6_371_000.0, 0.0) * 2 * math.pi
    assert sphere == pytest.approx(2 * math.pi * 6_371_000.0**2)


def test_cropland_hectares_of_utm_pixels(utm_tif: Path) -> None:
    exact = utm_box(10, 20, 3, 4)  # exactly the 12 cropland pixels
    wider = utm_box(8, 18, 7, 8)  # the cropland and grassland around it
    grass = utm_box(20, 20, 5, 5)  # grassland only
    polygons = to_wgs84(exact, wider, grass, index=["exact", "wider", "grass"])
    hectares = raster.cropland_hectares(utm_tif, gpd.GeoDataFrame(geometry=polygons), [40])
    assert hectares.index.tolist() == ["exact", "wider", "grass"]
    assert hectares["exact"] == pytest.approx(12.0, rel=1e-3)  # 12 pixels of 1 ha
    # the true area is 12 ha of map area over UTM's areal scale k0² on the central meridian
    k = pyproj.Proj("EPSG:32649").get_factors(*TO_WGS84.transform(*exact.centroid.coords[0])).areal_scale
    assert hectares["exact"] == pytest.approx(12.0 / k, rel=1e-6)
    assert hectares["wider"] == pytest.approx(hectares["exact"])
    assert hectares["grass"] == 0.0


def test_pixel_centre_rule(utm_tif: Path) -> None:
    # covers 40 % of column 19 and 60 % of column 24 around the cropland block: only the
    # pixels whose centres are inside count (column 24 is grassland)
    x0, y0 = UTM_ORIGIN[0] + 19.6 * 100, UTM_ORIGIN[1] - 10 * 100
    polygon = shapely.box(x0, y0 - 300, x0 + 500, y0)
    table = raster.class_hectares(utm_tif, to_wgs84(polygon))
    assert table.loc[0, 40] == pytest.approx(12.0, rel=1e-3)
    assert table.loc[0, 30] == pytest.approx(3.0, rel=1e-3)


def test_cropland_hectares_of_a_geographic_raster_is_geodesic(tmp_path: Path) -> None:
    path = write_tif(tmp_path / "crop.tif", np.full((64, 64), 40, dtype=np.uint8), "EPSG:4326",
                     from_origin(*GEO_ORIGIN, GEO_RES, GEO_RES))
    west, north = GEO_ORIGIN[0] + 5 * GEO_RES, GEO_ORIGIN[1] - 3 * GEO_RES
    east, south = west + 40 * GEO_RES, north - 50 * GEO_RES
    box = shapely.box(west, south, east, north)
    hectares = raster.cropland_hectares(path, gpd.GeoSeries([box], crs="EPSG:4326"), [40])
    # Geod measures edges as geodesics: densify the east-west edges so they follow the parallels
    dense = shapely.segmentize(box, GEO_RES / 16)
    geodesic = abs(GEOD.geometry_area_perimeter(dense)[0]) / 10_000
    assert hectares[0] == pytest.approx(geodesic, rel=1e-5)
    naive = 40 * 50 * GEO_RES**2 * (111_320**2) / 10_000  # "degrees² × 111 km²": wrong by cos φ
    assert abs(hectares[0] / naive - 1) > 0.15


def test_cropland_hectares_of_a_web_mercator_raster(tmp_path: Path) -> None:
    to_merc = pyproj.Transformer.from_crs("EPSG:4326", "EPSG:3857", always_xy=True)
    x0, y0 = (round(v, -2) for v in to_merc.transform(112.5, 34.6))
    path = write_tif(tmp_path / "merc.tif", np.full((30, 30), 40, dtype=np.uint8), "EPSG:3857",
                     from_origin(x0, y0, 100, 100))
    box = shapely.box(x0 + 500, y0 - 2500, x0 + 2500, y0 - 500)  # 20 × 20 pixels of 1 "map ha"
    polygon = to_wgs84(box, crs="EPSG:3857")
    hectares = raster.cropland_hectares(path, polygon, [40])[0]
    geodesic = abs(GEOD.geometry_area_perimeter(shapely.segmentize(polygon[0], 1e-4))[0]) / 10_000
    assert hectares == pytest.approx(geodesic, rel=2e-3)
    assert hectares == pytest.approx(400 * math.cos(math.radians(34.59)) ** 2, rel=5e-3)  # not 400


def test_unknown_cropland_is_nan_not_zero(utm_tif: Path) -> None:
    far = shapely.box(0, 0, 1000, 1000)  # far outside the raster
    nodata_only = utm_box(30, 5, 2, 2)
    polygons = gpd.GeoSeries([*to_wgs84(far, nodata_only), shapely.Polygon(), None,
                              *to_wgs84(utm_box(10, 20, 3, 4))], crs="EPSG:4326")
    hectares = raster.cropland_hectares(utm_tif, polygons, [40])
    assert hectares[:4].isna().all() and hectares[4] == pytest.approx(12.0, rel=1e-3)
    table = raster.class_hectares(utm_tif, polygons)
    assert table.loc[1, "nodata_ha"] == pytest.approx(4.0, rel=1e-3)
    assert table.loc[1, 40] == 0.0 and table.loc[[0, 2, 3]].isna().all().all()
    summary = raster.landcover_summary(utm_tif, polygons)
    assert summary["cropland_ha"][:4].isna().all() and summary["cropland_share"][:4].isna().all()
    assert summary["covered_ha"].tolist()[:4] == [0.0, pytest.approx(4.0, rel=1e-3), 0.0, 0.0]


def test_zonal_statistics_in_strips_give_the_same_areas(utm_tif: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    polygon = to_wgs84(shapely.Point(utm_pixel_centre(15, 25)).buffer(1200))
    whole = raster.class_hectares(utm_tif, polygon)
    monkeypatch.setattr(raster, "_STRIP_ROWS", 3)
    assert raster.class_hectares(utm_tif, polygon).to_numpy() == pytest.approx(whole.to_numpy())


def test_landcover_summary(utm_tif: Path) -> None:
    polygons = gpd.GeoDataFrame({"name": ["a"]}, geometry=to_wgs84(utm_box(8, 3, 25, 25)))
    summary = raster.landcover_summary(utm_tif, polygons)
    assert list(summary.columns) == ["grassland", "cropland", "cropland_ha", "cropland_share", "nodata_ha",
                                     "covered_ha", "polygon_ha"]
    row = summary.iloc[0]
    assert row["cropland"] == row["cropland_ha"] == pytest.approx(12.0, rel=1e-3)
    assert row["nodata_ha"] == pytest.approx(4.0, rel=1e-3)
    assert row["covered_ha"] == pytest.approx(row["polygon_ha"], rel=1e-6) == pytest.approx(625, rel=1e-3)
    assert row["cropland_share"] == pytest.approx(12 / 621, rel=1e-6)


# --- fires per 1,000 ha ----------------------------------------------------------------------


def test_fires_per_1000ha_never_divides_by_zero() -> None:
    counts = pd.Series({"偃师区": 5, "嵩县": 2, "伊川县": 0, "外地": 1})
    cropland = pd.Series({"偃师区": 2500.0, "嵩县": 0.0, "伊川县": 100.0, "栾川县": np.nan, "洛龙区": 800.0})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        rate = raster.fires_per_1000ha(counts, cropland)
    assert rate.name == "fires_per_1000ha"
    assert rate.index.tolist() == ["偃师区", "嵩县", "伊川县", "栾川县", "洛龙区", "外地"]
    assert rate["偃师区"] == pytest.approx(2.0)
    assert rate["伊川县"] == 0.0 and rate["洛龙区"] == 0.0  # no events: 0, not NaN
    assert rate[["嵩县", "栾川县", "外地"]].isna().all()


# --- the overlay -----------------------------------------------------------------------------


def decode_png(data: bytes) -> np.ndarray:
    """RGBA array of a PNG written by raster.png_rgba (8-bit RGBA, filter 0)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height, depth, colour = struct.unpack(">IIBB", data[16:26])
    assert (depth, colour) == (8, 6)
    chunks, position = b"", 8
    while position < len(data):
        (length,), tag = struct.unpack(">I", data[position:position + 4]), data[position + 4:position + 8]
        if tag == b"IDAT":
            chunks += data[position + 8:position + 8 + length]
        position += 12 + length
    raw = np.frombuffer(zlib.decompress(chunks), dtype=np.uint8).reshape(height, width * 4 + 1)
    assert (raw[:, 0] == 0).all()
    return raw[:, 1:].reshape(height, width, 4)


def test_overlay_png_is_web_mercator_with_wgs84_bounds(tmp_path: Path) -> None:
    # 20°–50° N: tree cover north of 35°, cropland south of it, nodata in the west (0.5°)
    data = np.full((600, 100), 40, dtype=np.uint8)
    data[:300] = 10
    data[:, :10] = 0
    path = write_tif(tmp_path / "big.tif", data, "EPSG:4326", from_origin(110.0, 50.0, 0.05, 0.05), nodata=0)
    classes = raster.load_class_map()
    png, (west, south, east, north) = raster.raster_overlay_png(path, classes, max_size=256)
    image = decode_png(png)
    assert max(image.shape[:2]) == 256
    assert (west, south, east, north) == pytest.approx((110.0, 20.0, 115.0, 50.0), abs=0.1)
    # the 35° N boundary sits where Mercator puts it, not half-way down the image
    merc = pyproj.Transformer.from_crs("EPSG:4326", "EPSG:3857", always_xy=True)
    y_north, y_35, y_south = (merc.transform(112, lat)[1] for lat in (north, 35.0, south))
    expected_rows = (y_north - y_35) / (y_north - y_south) * image.shape[0]
    column = image[:, image.shape[1] // 2]
    tree = np.all(column == (0x00, 0x64, 0x00, 153), axis=1)
    crop = np.all(column == (0xF0, 0x96, 0xFF, 153), axis=1)
    assert (tree | crop).all()
    assert abs(tree.sum() - expected_rows) <= 1
    assert tree.sum() - image.shape[0] / 2 > 10  # an EPSG:4326 image would put it half-way
    assert (image[:, 0, 3] == 0).all()  # nodata is transparent


def test_overlay_png_of_a_utm_raster_cropped_to_bounds(utm_tif: Path) -> None:
    classes = raster.load_class_map()
    png, bounds = raster.raster_overlay_png(utm_tif, classes)
    image = decode_png(png)
    assert min(image.shape[:2]) >= 50 and max(image.shape[:2]) <= 70
    lon, lat = TO_WGS84.transform([UTM_ORIGIN[0], UTM_ORIGIN[0] + 6000], [UTM_ORIGIN[1] - 5000, UTM_ORIGIN[1]])
    assert bounds == pytest.approx((lon[0], lat[0], lon[1], lat[1]), abs=2e-3)
    assert len(png) < 5000
    inner = (lon[0] + 0.01, lat[0] + 0.01, lon[0] + 0.03, lat[0] + 0.02)
    png_small, small = raster.raster_overlay_png(utm_tif, classes, bounds=inner, max_size=16, opacity=1.0)
    assert max(decode_png(png_small).shape[:2]) <= 16
    assert small[0] <= inner[0] < inner[2] <= small[2] and small[1] <= inner[1] < inner[3] <= small[3]
    assert small[2] - small[0] < 0.05
    assert set(decode_png(png_small)[..., 3].ravel()) <= {0, 255}
    with pytest.raises(ValueError, match="do not overlap"):
        raster.raster_overlay_png(utm_tif, classes, bounds=(100.0, 10.0, 101.0, 11.0))
