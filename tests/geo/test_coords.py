"""Tests for geoaq.geo.coords: WGS-84 / GCJ-02 / BD-09 conversions.

`prcoords` (an independent, scalar implementation of the same public algorithm) is the
oracle; the Luoyang demo files check the conversion against real boundary data.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import prcoords
import pytest
import shapely
from shapely.geometry import LineString, MultiPolygon, Point, Polygon

from geoaq.geo import coords

DEMO = Path(__file__).parents[2] / "data" / "demo"
COUNTIES_GCJ02 = DEMO / "luoyang_counties_gcj02.geojson"
PREFECTURE_WGS84 = DEMO / "luoyang_prefecture_wgs84.geojson"
UTM_49N = "EPSG:32649"  # Luoyang is at 111-113 E: measure areas and distances in metres here

EARTH_RADIUS_M = 6371008.8


def haversine_m(lon1, lat1, lon2, lat2) -> np.ndarray:
    """Great-circle distance in metres between lon/lat points (arrays broadcast)."""
    phi1, phi2 = np.radians(lat1), np.radians(lat2)
    dphi = phi2 - phi1
    dlmb = np.radians(np.asarray(lon2) - np.asarray(lon1))
    a = np.sin(dphi / 2) ** 2 + np.cos(phi1) * np.cos(phi2) * np.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(a))


def oracle(fn, lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Apply a scalar prcoords function (Coords(lat, lon) in and out) to arrays."""
    out = np.array([fn(prcoords.Coords(la, lo)) for lo, la in zip(lon, lat, strict=True)])
    return out[:, 1], out[:, 0]


@pytest.fixture(scope="module")
def china_points() -> tuple[np.ndarray, np.ndarray]:
    """500 seeded random points spread over China's extent (all inside the rectangle)."""
    rng = np.random.default_rng(20240601)
    return rng.uniform(73.5, 135.0, 500), rng.uniform(18.0, 53.5, 500)


# --- agreement with the prcoords oracle -----------------------------------------------


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        (coords.wgs84_to_gcj02, prcoords.wgs_gcj),
        (coords.wgs84_to_bd09, prcoords.wgs_bd),
        (coords.gcj02_to_bd09, prcoords.gcj_bd),
    ],
)
def test_forward_matches_prcoords(china_points, ours, theirs):
    lon, lat = china_points
    got_lon, got_lat = ours(lon, lat)
    exp_lon, exp_lat = oracle(theirs, lon, lat)
    assert np.max(np.abs(got_lon - exp_lon)) < 1e-7
    assert np.max(np.abs(got_lat - exp_lat)) < 1e-7


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        (coords.gcj02_to_wgs84, prcoords.gcj_wgs_bored),
        (coords.bd09_to_wgs84, prcoords.bd_wgs_bored),
        (coords.bd09_to_gcj02, prcoords.bd_gcj_bored),
    ],
)
def test_inverse_matches_prcoords_within_1m(china_points, ours, theirs):
    # prcoords stops iterating at 1e-5 deg, so it is itself only good to about 2 cm.
    lon, lat = china_points
    got = ours(lon, lat)
    exp = oracle(theirs, lon, lat)
    assert np.max(haversine_m(*got, *exp)) < 1.0


# --- round trips and hand-known values ------------------------------------------------


@pytest.mark.parametrize(
    ("forward", "inverse"),
    [
        (coords.wgs84_to_gcj02, coords.gcj02_to_wgs84),
        (coords.wgs84_to_bd09, coords.bd09_to_wgs84),
        (coords.gcj02_to_bd09, coords.bd09_to_gcj02),
    ],
)
def test_round_trip_within_1cm(china_points, forward, inverse):
    lon, lat = china_points
    back = inverse(*forward(lon, lat))
    assert np.max(haversine_m(lon, lat, *back)) < 0.01


def test_published_beijing_pairs():
    # wandergis/coordtransform README (the widely copied reference implementation),
    # input (116.404, 39.915) near Tiananmen.
    gcj = coords.wgs84_to_gcj02(116.404, 39.915)
    assert haversine_m(*gcj, 116.41024449916938, 39.91640428150164) < 1.0
    bd = coords.gcj02_to_bd09(116.404, 39.915)
    assert haversine_m(*bd, 116.41036949371029, 39.92133699351021) < 1.0
    # Their inverse is the one-step approximation, good to decimetres for BD-09.
    gcj_back = coords.bd09_to_gcj02(116.404, 39.915)
    assert haversine_m(*gcj_back, 116.39762729119315, 39.90865673957631) < 1.0
    # Our iterative inverse recovers the published forward input exactly.
    wgs = coords.gcj02_to_wgs84(116.41024449916938, 39.91640428150164)
    assert haversine_m(*wgs, 116.404, 39.915) < 0.001


# --- shapes, scalars, NaN, convergence -------------------------------------------------


def test_scalar_in_scalar_out():
    lon, lat = coords.gcj02_to_wgs84(116.404, 39.915)
    assert np.ndim(lon) == 0 and np.ndim(lat) == 0
    assert isinstance(float(lon), float)
    assert bool(coords.outside_china(0.0, 0.0)) is True


def test_array_shape_and_broadcasting_kept():
    lon = np.array([[116.4, 112.45], [121.47, 104.07]])
    out_lon, out_lat = coords.wgs84_to_bd09(lon, 34.6)
    assert out_lon.shape == out_lat.shape == (2, 2)
    assert np.all(out_lon != lon)


def test_empty_and_nan_input():
    lon, lat = coords.gcj02_to_wgs84(np.array([]), np.array([]))
    assert lon.shape == lat.shape == (0,)
    lon, lat = coords.bd09_to_wgs84(np.array([116.4, np.nan]), np.array([39.9, 39.9]))
    assert np.isfinite(lon[0]) and np.isnan(lon[1]) and lat[1] == 39.9


def test_non_convergence_warns():
    with pytest.warns(RuntimeWarning, match="did not reach"):
        coords.gcj02_to_wgs84(116.404, 39.915, max_iter=1)


# --- outside China ----------------------------------------------------------------------

OUTSIDE = np.array(
    [
        (-0.1246, 51.5007),  # London
        (-74.0445, 40.6892),  # New York
        (151.2153, -33.8568),  # Sydney
        (139.6917, 35.6895),  # Tokyo, east of the rectangle
        (0.0, 0.0),  # the usual "missing" placeholder
        (116.4, 60.0),  # north of the rectangle
    ]
)


def test_outside_china_rectangle():
    assert coords.outside_china(OUTSIDE[:, 0], OUTSIDE[:, 1]).all()
    inside = np.array([(116.404, 39.915), (72.004, 0.8293), (137.8347, 55.8271)])
    assert not coords.outside_china(inside[:, 0], inside[:, 1]).any()


@pytest.mark.parametrize(
    "fn",
    [coords.wgs84_to_gcj02, coords.gcj02_to_wgs84, coords.wgs84_to_bd09, coords.bd09_to_wgs84],
)
def test_outside_china_unchanged(fn):
    lon, lat = fn(OUTSIDE[:, 0], OUTSIDE[:, 1])
    np.testing.assert_array_equal(lon, OUTSIDE[:, 0])
    np.testing.assert_array_equal(lat, OUTSIDE[:, 1])


def test_mixed_inside_and_outside():
    lon, lat = coords.gcj02_to_wgs84(np.array([116.404, -0.1246]), np.array([39.915, 51.5007]))
    assert lon[0] != 116.404 and (lon[1], lat[1]) == (-0.1246, 51.5007)


# --- to_wgs84_function -------------------------------------------------------------------


def test_to_wgs84_function_is_case_insensitive():
    assert coords.to_wgs84_function("GCJ02") is coords.gcj02_to_wgs84
    assert coords.to_wgs84_function("bd09") is coords.bd09_to_wgs84
    assert coords.to_wgs84_function("Bd09") is coords.bd09_to_wgs84


def test_to_wgs84_function_rejects_unknown():
    with pytest.raises(ValueError, match="'wgs-84'") as err:
        coords.to_wgs84_function("wgs-84")
    assert "gcj02" in str(err.value) and "bd09" in str(err.value)


# --- convert_geometries ------------------------------------------------------------------


def _vertexwise(geom, fn):
    """Reference result: convert each vertex separately with the scalar API."""
    return shapely.transform(geom, lambda xy: np.column_stack(fn(xy[:, 0], xy[:, 1])))


def test_convert_geometries_keeps_structure():
    shell = [(112.0, 34.0), (112.5, 34.0), (112.5, 34.5), (112.0, 34.5), (112.0, 34.0)]
    hole = [(112.1, 34.1), (112.2, 34.1), (112.2, 34.2), (112.1, 34.2), (112.1, 34.1)]
    with_hole = Polygon(shell, [hole])
    multi = MultiPolygon([with_hole, Polygon([(113, 35), (113.1, 35), (113.1, 35.1)])])
    geoms = np.array(
        [
            with_hole,
            multi,
            Polygon(),
            None,
            Point(112.45, 34.62),
            LineString([(112, 34), (113, 35)]),
        ],
        dtype=object,
    )
    out = coords.convert_geometries(geoms, "gcj02")

    assert isinstance(out, np.ndarray) and out.shape == geoms.shape
    assert out[3] is None
    assert out[2].is_empty and out[2].geom_type == "Polygon"
    np.testing.assert_array_equal(shapely.get_type_id(out[[0, 1, 4, 5]]), [3, 6, 0, 1])
    assert shapely.get_num_interior_rings(out[0]) == 1
    assert shapely.get_num_geometries(out[1]) == 2
    assert shapely.get_num_interior_rings(out[1].geoms[0]) == 1
    assert all(g.is_valid for g in out[[0, 1]])
    for before, after in zip(geoms[[0, 1, 4, 5]], out[[0, 1, 4, 5]], strict=True):
        assert shapely.get_num_coordinates(after) == shapely.get_num_coordinates(before)
        assert shapely.equals_exact(after, _vertexwise(before, coords.gcj02_to_wgs84), 0.0)
        assert not shapely.equals_exact(after, before, 1e-4)  # really moved (~0.005 deg)


def test_convert_geometries_keeps_z_and_accepts_bd09():
    line = LineString([(112.0, 34.0, 150.0), (112.1, 34.1, 250.0)])
    out = coords.convert_geometries(line, "BD09")
    assert out.has_z
    np.testing.assert_array_equal(shapely.get_coordinates(out, include_z=True)[:, 2], [150, 250])
    assert shapely.equals_exact(out, _vertexwise(line, coords.bd09_to_wgs84), 0.0)


def test_convert_geometries_geoseries_keeps_index():
    gs = gpd.GeoSeries([Point(112.45, 34.62), None], index=["a", "b"], crs="EPSG:4326")
    out = coords.convert_geometries(gs, "gcj02")
    assert isinstance(out, gpd.GeoSeries)
    assert list(out.index) == ["a", "b"] and out.crs == "EPSG:4326"
    assert out["b"] is None and out["a"].x != 112.45


def test_convert_geometries_rejects_unknown_source():
    with pytest.raises(ValueError, match="'utm'"):
        coords.convert_geometries(np.array([Point(112, 34)]), "utm")


# --- real data: Luoyang counties (GCJ-02) vs the WGS-84 prefecture outline ---------------


@pytest.fixture(scope="module")
def luoyang() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    return gpd.read_file(COUNTIES_GCJ02), gpd.read_file(PREFECTURE_WGS84)


def test_demo_files_content(luoyang):
    counties, prefecture = luoyang
    assert len(counties) == 14
    assert counties["adcode"].str.startswith("4103").all() and counties["adcode"].is_unique
    assert set(counties["city"]) == {"洛阳市"}
    assert {"adcode", "province", "city", "district", "source"} <= set(counties.columns)
    assert len(prefecture) == 1
    assert prefecture.loc[0, "区划码"] == "410300" and prefecture.loc[0, "地名"] == "洛阳市"


def _iou_and_centroid_m(geoms, outline) -> tuple[float, float]:
    union = gpd.GeoSeries(geoms, crs="EPSG:4326").to_crs(UTM_49N).union_all()
    iou = union.intersection(outline).area / union.union(outline).area
    return iou, union.centroid.distance(outline.centroid)


def test_luoyang_counties_line_up_after_conversion(luoyang):
    counties, prefecture = luoyang
    outline = prefecture.to_crs(UTM_49N).union_all()

    raw_iou, raw_dist = _iou_and_centroid_m(counties.geometry.to_numpy(), outline)
    converted = coords.convert_geometries(counties.geometry, "gcj02")
    iou, dist = _iou_and_centroid_m(converted.to_numpy(), outline)

    # Measured: raw IoU 0.9810, centroid 601 m; converted IoU 0.9894, centroid 146 m.
    # The remaining 146 m comes from the simplified outline's shape, not an offset: the
    # best-fitting translation of the converted union is ~50 m and gains 0.0001 IoU.
    assert iou >= 0.985
    assert iou > raw_iou + 0.005
    assert dist < 200.0
    assert raw_dist > 500.0 and dist < raw_dist / 3
