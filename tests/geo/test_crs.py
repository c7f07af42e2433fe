"""geoaq.geo.crs and CRS handling in ingest: reprojection, GCJ-02, conflicts, implausible numbers."""

from __future__ import annotations

import json

import numpy as np
import pyproj
import pytest
import shapely
from helpers import DATA, LUOYANG_STATIONS, haversine_m

from geoaq._errors import CRSError, IngestError
from geoaq.db import store
from geoaq.geo import crs as geoaq_crs
from geoaq.ingest.layer import ingest

GK_114 = pyproj.CRS.from_epsg(4547)  # CGCS2000 / 3-degree Gauss-Kruger CM 114E
UTM_49N = pyproj.CRS.from_epsg(32649)


def stored_points(con, registry, layer="stations") -> dict[str, tuple[float, float]]:
    gdf = store.read_layer(con, registry[layer])
    return {code: (geom.x, geom.y) for code, geom in zip(gdf["code"], gdf.geometry, strict=True)}


def distances_to_cnemc(points: dict[str, tuple[float, float]]) -> np.ndarray:
    codes = sorted(LUOYANG_STATIONS)
    assert sorted(points) == codes
    got = np.array([points[c] for c in codes])
    want = np.array([LUOYANG_STATIONS[c] for c in codes])
    return haversine_m(got[:, 0], got[:, 1], want[:, 0], want[:, 1])


# --- parse / choose ------------------------------------------------------------------------


@pytest.mark.parametrize("text,label", [
    ("EPSG:4326", "EPSG:4326"), ("4326", "EPSG:4326"), ("epsg:4547", "EPSG:4547"),
    ("EPSG:32649", "EPSG:32649"), ("gcj02", "gcj02"), ("GCJ-02", "gcj02"), ("gcj_02", "gcj02"),
    ("BD-09", "bd09"), ("bd09", "bd09"),
])
def test_parse_crs(text, label) -> None:
    parsed_label, parsed = geoaq_crs.parse_crs(text)
    assert parsed_label == label
    assert (parsed is None) == (label in {"gcj02", "bd09"})


def test_parse_unknown_crs() -> None:
    with pytest.raises(CRSError, match=r"unknown CRS 'EPSG:999999': expected EPSG:<code>, gcj02 or bd09"):
        geoaq_crs.parse_crs("EPSG:999999")


def test_choose_source_crs() -> None:
    wgs84 = pyproj.CRS.from_epsg(4326)
    assert geoaq_crs.choose_source_crs(None, None, "EPSG:4326", "f") == geoaq_crs.SourceCRS(
        "EPSG:4326", wgs84, "layer default")
    chosen = geoaq_crs.choose_source_crs(UTM_49N, None, "EPSG:4326", "f")
    assert (chosen.label, chosen.decided_by, chosen.is_geographic) == ("EPSG:32649", "file", False)
    chosen = geoaq_crs.choose_source_crs(None, "EPSG:4547", "EPSG:4326", "f")
    assert (chosen.label, chosen.decided_by) == ("EPSG:4547", "--crs")
    same = geoaq_crs.choose_source_crs(UTM_49N, "32649", "EPSG:4326", "f")
    assert same.label == "EPSG:32649"
    gcj = geoaq_crs.choose_source_crs(wgs84, "gcj02", "EPSG:4326", "f")  # lon/lat file, GCJ-02 data
    assert (gcj.label, gcj.crs, gcj.is_geographic, gcj.is_wgs84) == ("gcj02", None, True, False)


def test_choose_source_crs_conflict_names_both() -> None:
    with pytest.raises(CRSError, match=r"^zones\.gpkg: the file declares EPSG:32649 but --crs says "
                                       r"EPSG:4547; drop --crs"):
        geoaq_crs.choose_source_crs(UTM_49N, "EPSG:4547", "EPSG:4326", "zones.gpkg")
    with pytest.raises(CRSError, match=r"the file declares the projected CRS EPSG:32649, but --crs "
                                       r"says bd09 \(a lon/lat datum\)"):
        geoaq_crs.choose_source_crs(UTM_49N, "bd09", "EPSG:4326", "zones.gpkg")


def test_check_plausible_lets_a_few_bad_rows_through() -> None:
    wgs84 = geoaq_crs.SourceCRS("EPSG:4326", pyproj.CRS.from_epsg(4326), "layer default")
    xs = np.array([112.36, 112.39, 112.43, 349936.0])  # one row in metres: left to the row check
    ys = np.array([34.67, 34.65, 34.67, 3839114.0])
    geoaq_crs.check_plausible(xs, ys, wgs84, "f.csv")
    geoaq_crs.check_plausible(np.array([np.nan]), np.array([np.nan]), wgs84, "f.csv")


def test_lonlat_to_wgs84_from_gauss_kruger_within_1_m() -> None:
    lon = np.array([c[0] for c in LUOYANG_STATIONS.values()])
    lat = np.array([c[1] for c in LUOYANG_STATIONS.values()])
    x, y = pyproj.Transformer.from_crs(4326, GK_114, always_xy=True).transform(lon, lat)
    source = geoaq_crs.SourceCRS("EPSG:4547", GK_114, "--crs")
    back_lon, back_lat = geoaq_crs.lonlat_to_wgs84(np.asarray(x), np.asarray(y), source)
    assert haversine_m(back_lon, back_lat, lon, lat).max() < 1.0


# --- through ingest ----------------------------------------------------------------------


def test_projected_csv_with_crs_lands_within_1_m(con, registry) -> None:
    """x/y in EPSG:4547 metres, declared with crs=: the stored points are the CNEMC ones."""
    report = ingest("stations", DATA / "stations_cgcs2000_gk114.csv", con=con, crs="EPSG:4547")
    assert (report.inserted, report.rejected_rows) == (4, 0)
    assert report.source_crs == "EPSG:4547 (--crs)"
    assert distances_to_cnemc(stored_points(con, registry)).max() < 1.0


def test_gcj02_csv_is_converted_to_wgs84(con, registry) -> None:
    report = ingest("stations", DATA / "stations_gcj02.csv", con=con, crs="gcj02")
    assert report.source_crs == "gcj02 (--crs)"
    assert distances_to_cnemc(stored_points(con, registry)).max() < 1.0


def test_gcj02_csv_without_crs_stays_shifted(con, registry) -> None:
    """Read as WGS-84 the GCJ-02 numbers are hundreds of metres off: the declaration matters."""
    ingest("stations", DATA / "stations_gcj02.csv", con=con)
    offsets = distances_to_cnemc(stored_points(con, registry))
    assert (offsets > 100).all() and (offsets < 1000).all()


def test_projected_geopackage_is_reprojected_within_1_m(con, registry) -> None:
    report = ingest("admin_units", DATA / "luoyang_counties_utm49n.gpkg", con=con)
    assert report.source_crs == "EPSG:32649 (file)"
    stored = store.read_layer(con, registry["admin_units"]).set_index("adcode")
    import geopandas as gpd

    original = gpd.read_file(DATA / "luoyang_counties.geojson").set_index("adcode")
    for adcode, geom in original.geometry.items():
        want = shapely.get_coordinates(geom)
        got = shapely.get_coordinates(stored.geometry[adcode])
        assert got.shape == want.shape
        assert haversine_m(got[:, 0], got[:, 1], want[:, 0], want[:, 1]).max() < 1.0


def test_geojson_crs_member_is_honoured(tmp_path, con, registry) -> None:
    """A legacy GeoJSON `crs` member (as QGIS/GDAL write for projected data) is the file's CRS."""
    to_utm = pyproj.Transformer.from_crs(4326, UTM_49N, always_xy=True)
    features = []
    for code, (lon, lat) in LUOYANG_STATIONS.items():
        x, y = to_utm.transform(lon, lat)
        features.append({"type": "Feature", "properties": {"code": code, "name": code},
                         "geometry": {"type": "Point", "coordinates": [x, y]}})
    path = tmp_path / "stations_utm.geojson"
    path.write_text(json.dumps({
        "type": "FeatureCollection",
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::32649"}},
        "features": features}), "utf-8")
    report = ingest("stations", path, con=con)
    assert report.source_crs == "EPSG:32649 (file)"
    assert distances_to_cnemc(stored_points(con, registry)).max() < 1.0

    bad = tmp_path / "bad_crs.geojson"
    bad.write_text(path.read_text("utf-8").replace("urn:ogc:def:crs:EPSG::32649", "EPSG:999999"))
    with pytest.raises(IngestError, match=r"GeoJSON crs member 'EPSG:999999' is not a known CRS"):
        ingest("stations", bad, con=con)


def test_file_crs_conflicting_with_declared_crs(db_path) -> None:
    path = DATA / "luoyang_counties_utm49n.gpkg"
    with pytest.raises(CRSError, match=rf"^{path}: the file declares EPSG:32649 but --crs says "
                                       r"EPSG:4326"):
        ingest("admin_units", path, db=db_path, crs="EPSG:4326")
    with pytest.raises(CRSError, match=r"declares the projected CRS EPSG:32649, but --crs says gcj02"):
        ingest("admin_units", path, db=db_path, crs="gcj02")
    assert not db_path.exists()  # refused before anything was opened


def test_declaring_the_files_own_crs_is_fine(con) -> None:
    report = ingest("admin_units", DATA / "luoyang_counties_utm49n.gpkg", con=con,
                    crs="EPSG:32649")
    assert (report.inserted, report.source_crs) == (4, "EPSG:32649 (--crs)")


def test_projected_numbers_declared_as_wgs84(db_path) -> None:
    path = DATA / "stations_cgcs2000_gk114.csv"
    with pytest.raises(CRSError, match=rf"^{path}: most coordinates are not degrees \(e\.g\. "
                                       r"x=349937, y=3\.83911e\+06\) but the source CRS is "
                                       r"EPSG:4326 \(layer default\); declare the real one"):
        ingest("stations", path, db=db_path)
    with pytest.raises(CRSError, match=r"most coordinates are not degrees .* EPSG:4326 \(--crs\)"):
        ingest("stations", path, db=db_path, crs="EPSG:4326")
    assert not db_path.exists()


@pytest.mark.parametrize("declared", ["EPSG:4547", "EPSG:32649"])
def test_degrees_declared_as_projected(db_path, declared) -> None:
    path = DATA / "cnemc_stations_luoyang_gbk.csv"
    with pytest.raises(CRSError, match=rf"^{path}: the coordinates look like degrees \(e\.g\. "
                                       rf"x=112\.363, y=34\.6692\) but the source CRS is the "
                                       rf"projected {declared} \(--crs\); use --crs EPSG:4326"):
        ingest("stations", path, db=db_path, crs=declared)


def test_degrees_in_a_file_that_says_projected(tmp_path, db_path) -> None:
    """A .prj that lies (UTM declared, degrees stored) is refused too."""
    import geopandas as gpd

    gdf = gpd.read_file(DATA / "luoyang_counties.geojson").set_crs(32649, allow_override=True)
    path = tmp_path / "counties_lying_prj.gpkg"
    gdf.to_file(path, driver="GPKG")
    with pytest.raises(CRSError, match=r"look like degrees .* projected EPSG:32649 \(file\)"):
        ingest("admin_units", path, db=db_path)
