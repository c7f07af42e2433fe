"""geoaq.db.cellcover: the cell-cover join gives exactly the pairs of geopandas `sjoin(intersects)`.

Layers are real layer tables loaded through `geoaq.ingest.layer` from GeoJSON files written here.
Hand-made shapes use binary-exact coordinates (multiples of 1/1024 degree) so that "exactly on
an edge", "exactly on a grid line" and "exactly on a vertex" mean what they say.
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from helpers import at_once
from shapely import affinity
from shapely.geometry import MultiPolygon, Polygon, box, mapping

from geoaq.db import cellcover as spatialjoin
from geoaq.db import connection as db
from geoaq.db import store
from geoaq.ingest.layer import ingest
from geoaq.layers import get_layer

X0, Y0 = 112.0, 34.0  # south-west corner of the test area (Luoyang)
U = 1 / 1024  # binary-exact unit


def write_geojson(path: Path, features: list[tuple[dict, object]]) -> Path:
    collection = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": props, "geometry": mapping(geom)}
        for props, geom in features
    ]}
    path.write_text(json.dumps(collection, ensure_ascii=False), encoding="utf-8")
    return path


def load_admin_units(con, tmp_path: Path, shapes: dict[str, object], name: str = "units") -> None:
    """Load polygons keyed by adcode into `admin_units` through the ingest path."""
    features = [({"adcode": code, "name": f"单元{code}", "level": "乡镇"}, geom)
                for code, geom in shapes.items()]
    report = ingest("admin_units", write_geojson(tmp_path / f"{name}.geojson", features), con=con)
    assert report.rejected_rows == 0 and report.repaired == 0, report.summary()


def stored_polygons(con, layer: str) -> gpd.GeoDataFrame:
    return store.read_layer(con, get_layer(layer))


def register_points(con, xy: np.ndarray, name: str = "fires") -> pd.DataFrame:
    frame = pd.DataFrame({"point_id": np.arange(len(xy), dtype=np.int64),
                          "lon": xy[:, 0], "lat": xy[:, 1]})
    con.register(name, frame)
    return frame


def pairs_of(frame: pd.DataFrame, key: str) -> set[tuple[int, str]]:
    return set(zip(frame["point_id"].astype(int), frame[key].astype(str), strict=True))


def sjoin_pairs(points: pd.DataFrame, polygons: gpd.GeoDataFrame, key: str) -> set[tuple[int, str]]:
    geoms = gpd.GeoDataFrame(points[["point_id"]], crs=4326,
                             geometry=gpd.points_from_xy(points["lon"], points["lat"]))
    joined = gpd.sjoin(geoms, polygons[[key, "geometry"]], predicate="intersects")
    return pairs_of(joined, key)


def attribute(con, xy: np.ndarray, layer: str = "admin_units", key: str = "adcode"):
    """(our pairs, sjoin's pairs, our frame) for points `xy` against the stored layer."""
    points = register_points(con, xy)
    ours = spatialjoin.points_in_polygons(con, "fires", layer)
    assert not ours.duplicated().any(), "a (point, polygon) pair came out twice"
    return pairs_of(ours, key), sjoin_pairs(points, stored_polygons(con, layer), key), ours


# ----------------------------------------------------------------------------- generated layers

def jagged_partition(seed: int, count: int, bounds: tuple[float, float, float, float],
                     per_edge: int) -> list[Polygon]:
    """Voronoi cells with every shared edge densified and jittered the same way on both sides."""
    rng = np.random.default_rng(seed)
    x0, y0, x1, y1 = bounds
    seeds = shapely.multipoints(np.c_[rng.uniform(x0, x1, count), rng.uniform(y0, y1, count)])
    frame = box(*bounds)
    cells = shapely.intersection(shapely.get_parts(shapely.voronoi_polygons(seeds, extend_to=frame)),
                                 frame)

    def edge(a: tuple, b: tuple) -> np.ndarray:
        p, q = sorted([a, b])
        local = np.random.default_rng(abs(hash((p, q))) % 2**32)
        t = np.arange(1, per_edge + 1) / (per_edge + 1)
        p_, q_ = np.array(p), np.array(q)
        normal = np.array([p_[1] - q_[1], q_[0] - p_[0]])
        offsets = 0.05 * np.sin(np.pi * t) * local.uniform(-1, 1, per_edge)
        inner = p_ + np.outer(t, q_ - p_) + np.outer(offsets, normal)
        return inner if (p, q) == (a, b) else inner[::-1]

    polygons = []
    for cell in cells:
        ring = [tuple(c) for c in cell.exterior.coords[:-1]]
        coords = []
        for a, b in zip(ring, ring[1:] + ring[:1], strict=True):
            coords.append(a)
            coords.extend(map(tuple, edge(a, b)))
        polygons.append(Polygon(coords))
    assert all(p.is_valid for p in polygons)
    return polygons


def with_enclave(polygon: Polygon, scale: float) -> tuple[Polygon, Polygon]:
    """`polygon` with a hexagonal hole around its centroid, and the enclave filling the hole."""
    c = polygon.centroid
    angles = np.linspace(0, 2 * np.pi, 7)[:-1]
    hole = Polygon(np.c_[c.x + scale * np.cos(angles), c.y + scale * np.sin(angles)])
    assert polygon.contains(hole)
    return Polygon(polygon.exterior.coords, [hole.exterior.coords]), hole


@pytest.fixture(scope="module")
def township_shapes() -> dict[str, object]:
    """30 jagged townships tiling a box, one with a hole filled by an enclave, one multipolygon."""
    polygons = jagged_partition(11, 30, (X0, Y0, X0 + 0.5, Y0 + 0.4), per_edge=24)
    polygons[0], enclave = with_enclave(polygons[0], 0.01)
    shapes = {f"410300{i:03d}": p for i, p in enumerate(polygons, start=1)}
    shapes["410300900"] = enclave
    shapes["410300901"] = MultiPolygon([box(X0 + 0.6, Y0, X0 + 0.62, Y0 + 0.02),
                                        box(X0 + 0.7, Y0 + 0.1, X0 + 0.73, Y0 + 0.15)])
    return shapes


@pytest.mark.parametrize("piece_level", [0, 1])
def test_points_everywhere_match_sjoin(con, tmp_path, township_shapes, piece_level,
                                       monkeypatch) -> None:
    """Random points, every vertex, every edge midpoint, points on grid lines and corners;
    pieces cut per cell and per block of 2 x 2 cells (the default)."""
    monkeypatch.setattr(spatialjoin, "PIECE_LEVEL", piece_level)
    load_admin_units(con, tmp_path, township_shapes)
    polygons = stored_polygons(con, "admin_units")
    coords = shapely.get_coordinates(polygons.geometry.to_numpy())
    mids = (coords[1:] + coords[:-1]) / 2
    rng = np.random.default_rng(3)
    random_xy = np.c_[rng.uniform(X0 - 0.02, X0 + 0.75, 20000), rng.uniform(Y0 - 0.02, Y0 + 0.42, 20000)]
    spatialjoin.refresh_cell_cover(con, "admin_units")
    d = spatialjoin.cell_cover_info(con, "admin_units").cell_deg
    on_lines = np.r_[np.c_[np.round(random_xy[:3000, 0] / d) * d, random_xy[:3000, 1]],
                     np.c_[random_xy[3000:6000, 0], np.round(random_xy[3000:6000, 1] / d) * d],
                     np.round(random_xy[6000:8000] / d) * d]
    xy = np.r_[random_xy, coords, mids, on_lines]
    ours, expected, _ = attribute(con, xy)
    polygons_per_point = pd.Series([p for p, _ in expected]).value_counts()
    assert (polygons_per_point >= 2).sum() > 3000  # on a shared edge or vertex
    assert (polygons_per_point >= 3).sum() > 50  # on a vertex where three units meet
    assert ours == expected


@pytest.mark.parametrize("cell_deg", [2.0 ** -10, 2.0 ** -7, 2.0 ** -3, 1.0])
def test_any_cell_size_gives_the_same_pairs(con, tmp_path, township_shapes, cell_deg) -> None:
    """Cells much smaller than the polygons, about their size, and larger than all of them."""
    load_admin_units(con, tmp_path, township_shapes)
    spatialjoin.refresh_cell_cover(con, "admin_units", cell_deg=cell_deg)
    assert spatialjoin.cell_cover_info(con, "admin_units").cell_deg == cell_deg
    polygons = stored_polygons(con, "admin_units")
    coords = shapely.get_coordinates(polygons.geometry.to_numpy())
    rng = np.random.default_rng(5)
    xy = np.r_[np.c_[rng.uniform(X0, X0 + 0.75, 5000), rng.uniform(Y0, Y0 + 0.4, 5000)],
               coords[::3], (coords[1:] + coords[:-1])[::3] / 2]
    ours, expected, _ = attribute(con, xy)
    assert ours == expected


# ------------------------------------------------------------------------------ hand-made cases

def test_boundary_counts_as_inside_and_holes_are_outside(con, tmp_path) -> None:
    d = 2.0 ** -6
    outer = [(X0, Y0), (X0 + 64 * U, Y0), (X0 + 64 * U, Y0 + 48 * U), (X0, Y0 + 48 * U)]
    hole = [(X0 + 16 * U, Y0 + 16 * U), (X0 + 40 * U, Y0 + 16 * U), (X0 + 40 * U, Y0 + 32 * U),
            (X0 + 16 * U, Y0 + 32 * U)]
    load_admin_units(con, tmp_path, {"410301001": Polygon(outer, [hole])})
    spatialjoin.refresh_cell_cover(con, "admin_units", cell_deg=d)
    cases = {
        (X0 + 8 * U, Y0 + 8 * U): True,            # inside
        (X0 + 64 * U, Y0 + 20 * U): True,          # on the east edge
        (X0, Y0): True,                            # on a vertex (and a grid corner)
        (X0 + 64 * U, Y0 + 48 * U): True,          # on the far vertex
        (X0 + 24 * U, Y0 + 24 * U): False,         # in the hole
        (X0 + 16 * U, Y0 + 20 * U): True,          # on the hole's ring
        (X0 + 40 * U, Y0 + 32 * U): True,          # on a vertex of the hole
        (X0 + 64 * U + U / 8, Y0 + 20 * U): False,  # just east of it
        (X0 - U / 8, Y0): False,                   # just west of the corner
    }
    xy = np.array(list(cases))
    ours, expected, _ = attribute(con, xy)
    assert ours == expected == {(i, "410301001") for i, inside in enumerate(cases.values()) if inside}


def test_shared_edges_belong_to_both_neighbours(con, tmp_path) -> None:
    """A slanted and a straight shared edge, crossing grid lines; points exactly on them."""
    a = Polygon([(X0, Y0), (X0 + 40 * U, Y0), (X0 + 24 * U, Y0 + 48 * U), (X0, Y0 + 48 * U)])
    b = Polygon([(X0 + 40 * U, Y0), (X0 + 80 * U, Y0), (X0 + 80 * U, Y0 + 48 * U),
                 (X0 + 24 * U, Y0 + 48 * U)])
    c = Polygon([(X0, Y0 + 48 * U), (X0 + 80 * U, Y0 + 48 * U), (X0 + 80 * U, Y0 + 60 * U),
                 (X0, Y0 + 60 * U)])
    load_admin_units(con, tmp_path, {"410302001": a, "410302002": b, "410302003": c})
    spatialjoin.refresh_cell_cover(con, "admin_units", cell_deg=2.0 ** -7)
    t = np.arange(0, 17) / 16
    slanted = np.c_[X0 + (40 - 16 * t) * U, Y0 + 48 * t * U]  # on the a|b edge, some on grid lines
    straight = np.c_[X0 + np.arange(0, 81, 4) * U, np.full(21, Y0 + 48 * U)]  # on the a,b|c edge
    ours, expected, frame = attribute(con, np.r_[slanted, straight])
    assert ours == expected
    per_point = frame.groupby("point_id")["adcode"].apply(set)
    a_b = {"410302001", "410302002"}
    assert all(per_point[i] == a_b for i in range(16))  # (40, 0) is a vertex of a and b only
    assert per_point[16] == a_b | {"410302003"}
    for j in range(21):  # x = 4j on the top edge: a's for x <= 24, b's for x >= 24, c's for all
        expected_units = {"410302003"} | ({"410302001"} if 4 * j <= 24 else set()) | (
            {"410302002"} if 4 * j >= 24 else set())
        assert per_point[len(slanted) + j] == expected_units


def test_points_on_grid_lines_and_corners_are_found_once(con, tmp_path) -> None:
    """Grid lines through the interior, along polygon edges, and through a small polygon."""
    d = 2.0 ** -6
    big = box(X0 + 3 * d, Y0 + 2 * d, X0 + 9 * d, Y0 + 7 * d)  # edges on grid lines
    slanted = Polygon([(X0, Y0), (X0 + 2 * d, Y0 + d / 2), (X0 + d, Y0 + 2 * d)])
    tiny = box(X0 + 10 * d + d / 4, Y0 + d / 4, X0 + 10 * d + d / 2, Y0 + d / 2)  # in one cell
    load_admin_units(con, tmp_path, {"410303001": big, "410303002": slanted, "410303003": tiny})
    spatialjoin.refresh_cell_cover(con, "admin_units", cell_deg=d)
    ticks = X0 + np.arange(-1, 49) * d / 4
    rows = Y0 + np.arange(-1, 33) * d / 4
    xy = np.array([(x, y) for x in ticks for y in rows])  # every quarter-cell crossing
    ours, expected, _ = attribute(con, xy)
    assert ours == expected
    corners = [i for i, (x, y) in enumerate(xy)
               if (x - X0) / d % 1 == 0 and (y - Y0) / d % 1 == 0 and big.covers(shapely.Point(x, y))]
    assert len(corners) == 7 * 6 and {(i, "410303001") for i in corners} <= ours
    assert {p for p, code in ours if code == "410303003"}  # the polygon inside one cell


def test_polygon_far_larger_than_the_cells(con, tmp_path) -> None:
    """One polygon over thousands of cells next to one smaller than a cell."""
    outline = shapely.Point(X0 + 0.5, Y0 + 0.5).buffer(0.4, quad_segs=64)
    small = shapely.Point(X0 + 0.95, Y0 + 0.95).buffer(0.001, quad_segs=8)
    load_admin_units(con, tmp_path, {"410304001": outline, "410304002": small})
    spatialjoin.refresh_cell_cover(con, "admin_units", cell_deg=2.0 ** -8)
    info = spatialjoin.cell_cover_info(con, "admin_units")
    assert info.cover_rows > 20000
    rng = np.random.default_rng(8)
    coords = shapely.get_coordinates(stored_polygons(con, "admin_units").geometry.to_numpy())
    xy = np.r_[np.c_[rng.uniform(X0, X0 + 1, 20000), rng.uniform(Y0, Y0 + 1, 20000)], coords,
               [(X0 + 0.95, Y0 + 0.95)]]
    ours, expected, _ = attribute(con, xy)
    assert ours == expected and (len(xy) - 1, "410304002") in ours


def test_multipolygon_parts_and_a_point_between_them(con, tmp_path) -> None:
    parts = MultiPolygon([box(X0, Y0, X0 + 8 * U, Y0 + 8 * U),
                          box(X0 + 40 * U, Y0 + 40 * U, X0 + 48 * U, Y0 + 56 * U)])
    load_admin_units(con, tmp_path, {"410305001": parts})
    spatialjoin.refresh_cell_cover(con, "admin_units", cell_deg=2.0 ** -8)
    xy = np.array([(X0 + 4 * U, Y0 + 4 * U), (X0 + 44 * U, Y0 + 50 * U), (X0 + 20 * U, Y0 + 20 * U),
                   (X0 + 48 * U, Y0 + 56 * U), (X0 + 8 * U, Y0 + 3 * U)])
    ours, expected, _ = attribute(con, xy)
    assert ours == expected == {(0, "410305001"), (1, "410305001"), (3, "410305001"),
                                (4, "410305001")}


def test_control_zones_overlap_and_key_zone_id(con, tmp_path) -> None:
    zones = [
        ({"zone_id": "LY-JM-01", "name": "禁煤区一", "zone_type": "禁煤区"},
         box(X0, Y0, X0 + 0.1, Y0 + 0.1)),
        ({"zone_id": "LY-JS-01", "name": "禁烧区一", "zone_type": "秸秆禁烧区"},
         shapely.Point(X0 + 0.1, Y0 + 0.1).buffer(0.05, quad_segs=32)),
    ]
    report = ingest("control_zones", write_geojson(tmp_path / "zones.geojson", zones), con=con)
    assert report.rejected_rows == 0
    rng = np.random.default_rng(2)
    xy = np.r_[np.c_[rng.uniform(X0 - 0.05, X0 + 0.2, 5000), rng.uniform(Y0 - 0.05, Y0 + 0.2, 5000)],
               [(X0 + 0.1, Y0 + 0.1), (X0 + 0.05, Y0 + 0.1)]]
    ours, expected, frame = attribute(con, xy, "control_zones", "zone_id")
    assert list(frame.columns) == ["point_id", "zone_id"]
    assert ours == expected
    assert {(5000, "LY-JM-01"), (5000, "LY-JS-01"), (5001, "LY-JM-01")} <= ours


# ------------------------------------------------------------------------ API and bookkeeping

def test_empty_point_set(con, tmp_path, township_shapes) -> None:
    load_admin_units(con, tmp_path, township_shapes)
    register_points(con, np.empty((0, 2)))
    frame = spatialjoin.points_in_polygons(con, "fires", "admin_units")
    assert frame.empty and list(frame.columns) == ["point_id", "adcode"]


def test_missing_or_impossible_coordinates_match_nothing(con, tmp_path, township_shapes) -> None:
    load_admin_units(con, tmp_path, township_shapes)
    con.register("odd", pd.DataFrame({"fid": [1, 2, 3, 4], "x": [np.nan, np.inf, 1e300, X0 + 0.2],
                                      "y": [Y0 + 0.2, Y0 + 0.2, Y0 + 0.2, Y0 + 0.2]}))
    frame = spatialjoin.points_in_polygons(con, "odd", "admin_units", point_id="fid", lon="x", lat="y")
    assert list(frame.columns) == ["fid", "adcode"] and frame["fid"].tolist() == [4]


def test_cover_is_reused_until_the_layer_changes(con, tmp_path, township_shapes) -> None:
    load_admin_units(con, tmp_path, township_shapes)
    table = spatialjoin.refresh_cell_cover(con, "admin_units")
    assert table == "cell_cover_admin_units"
    first = spatialjoin.cell_cover_info(con, "admin_units")
    assert spatialjoin.refresh_cell_cover(con, "admin_units") == table
    assert spatialjoin.cell_cover_info(con, "admin_units") == first  # reused: same build

    load_admin_units(con, tmp_path, township_shapes, name="again")  # same content again
    spatialjoin.refresh_cell_cover(con, "admin_units")
    assert spatialjoin.cell_cover_info(con, "admin_units") == first

    moved = dict(township_shapes)
    moved["410300900"] = affinity.translate(moved["410300900"], 0.2, 0.3)  # enclave moves
    load_admin_units(con, tmp_path, moved, name="moved")
    point = np.array([[*moved["410300900"].representative_point().coords[0]]])
    ours, expected, _ = attribute(con, point)  # points_in_polygons refreshes the cover itself
    second = spatialjoin.cell_cover_info(con, "admin_units")
    assert second.built_at > first.built_at
    assert ours == expected and (0, "410300900") in ours

    spatialjoin.refresh_cell_cover(con, "admin_units", cell_deg=2.0 ** -5)  # another size
    assert spatialjoin.cell_cover_info(con, "admin_units").cell_deg == 2.0 ** -5
    con.execute("DELETE FROM admin_units WHERE adcode = '410300900'")  # a row removed by hand
    assert spatialjoin.refresh_cell_cover(con, "admin_units") == table
    third = spatialjoin.cell_cover_info(con, "admin_units")
    assert third.built_at > second.built_at
    assert con.execute("SELECT count(*) FROM cell_cover_admin_units "
                       "WHERE adcode = '410300900'").fetchone()[0] == 0


def test_build_inside_the_callers_transaction(con, tmp_path, township_shapes) -> None:
    load_admin_units(con, tmp_path, township_shapes)
    xy = np.array([[*township_shapes["410300005"].representative_point().coords[0]]])
    with pytest.raises(RuntimeError, match="the caller rolls back"), db.transaction(con):
        ours, expected, _ = attribute(con, xy)
        assert ours == expected == {(0, "410300005")}
        raise RuntimeError("the caller rolls back")  # the cover and its record go with it
    assert spatialjoin.cell_cover_info(con, "admin_units") is None
    assert not store.table_exists(con, "cell_cover_admin_units")
    assert attribute(con, xy)[0] == {(0, "410300005")}


def test_sql_building_block_joins_inside_another_query(con, tmp_path, township_shapes) -> None:
    load_admin_units(con, tmp_path, township_shapes)
    rng = np.random.default_rng(4)
    points = register_points(con, np.c_[rng.uniform(X0, X0 + 0.5, 3000), rng.uniform(Y0, Y0 + 0.4, 3000)])
    sql, params = spatialjoin.points_in_polygons_sql(con, "fires", "admin_units")
    counts = dict(con.execute(
        f"SELECT hits.adcode, count(*) FROM ({sql}) AS hits "  # noqa: S608 (named query text)
        "JOIN admin_units AS u USING (adcode) WHERE u.level = ? GROUP BY ALL", [*params, "乡镇"]
    ).fetchall())
    expected = pd.Series([a for _, a in sjoin_pairs(points, stored_polygons(con, "admin_units"),
                                                    "adcode")]).value_counts().to_dict()
    assert counts == expected


def test_bad_arguments(con, tmp_path, township_shapes) -> None:
    with pytest.raises(ValueError, match="no table"):
        spatialjoin.refresh_cell_cover(con, "admin_units")
    load_admin_units(con, tmp_path, township_shapes)
    for bad in (0.01, 0.0, -0.5, float("nan"), 2.0 ** 8):
        with pytest.raises(ValueError, match="power of two"):
            spatialjoin.refresh_cell_cover(con, "admin_units", cell_deg=bad)
    with pytest.raises(ValueError, match="not unique"):
        spatialjoin.refresh_cell_cover(con, "admin_units", key_columns=("level",))
    with pytest.raises(ValueError, match="no column"):
        spatialjoin.refresh_cell_cover(con, "admin_units", key_columns=("nope",))
    with pytest.raises(ValueError, match="not a safe SQL identifier"):
        spatialjoin.refresh_cell_cover(con, "admin_units", key_columns=("name; DROP",))


def test_cell_size_choice() -> None:
    assert spatialjoin.choose_cell_deg(0.12) == 2.0 ** -6
    assert spatialjoin.choose_cell_deg(1.0) == 2.0 ** -3
    assert spatialjoin.choose_cell_deg(None) == spatialjoin.DEFAULT_CELL_DEG
    assert spatialjoin.choose_cell_deg(1e-12) == 2.0 ** spatialjoin.MIN_CELL_EXPONENT
    assert spatialjoin.check_cell_deg(0.25) == 0.25


def test_connections_building_the_same_cover_at_once_all_get_it(con, migrated_db, tmp_path, township_shapes) -> None:
    """The app's sessions and its start-up computation may all find a cover missing at once:
    each gets it, one builds it (DuckDB would let only one of two overlapping builds commit)."""
    load_admin_units(con, tmp_path, township_shapes)
    tables = at_once(migrated_db, lambda connection: spatialjoin.refresh_cell_cover(connection, "admin_units"))
    assert tables == ["cell_cover_admin_units"] * 4
    assert con.execute("SELECT count(*) FROM cell_covers WHERE layer = 'admin_units'").fetchone()[0] == 1
    xy = np.array([[*township_shapes["410300005"].representative_point().coords[0]]])
    assert attribute(con, xy)[0] == {(0, "410300005")}
