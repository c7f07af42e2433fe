"""Points in polygons in DuckDB SQL through a grid "cell cover" of a polygon layer.

Attributing fire points to counties, townships and control zones is a point-in-polygon join.
DuckDB plans `JOIN ... ON ST_Intersects(poly.geom, point)` as a SPATIAL_JOIN, but it tests each
candidate against the whole polygon (hundreds of vertices): from about as fast as geopandas
`sjoin` (prepared geometries) to three times slower, depending on the machine. A cell cover moves that work into a build done once
per version of the layer, and leaves the join a hash join plus a few small tests:

* The plane is cut into square cells `cell_deg` wide, a power of two (degrees), so that
  `lon / cell_deg` and `x * cell_deg` are exact and every cell edge is an exact binary number.
  A point lies in exactly one cell, `(floor(lon / d), floor(lat / d))`, the half-open box
  `[x*d, (x+1)*d) x [y*d, (y+1)*d)`; a point on a cell line is in the cell above/right of it.
* `cell_cover_<layer>` has one row per polygon and cell it touches: `cell_x`, `cell_y`, the
  polygon's key columns, `interior` (the whole cell lies in the polygon: the equality join on
  the cell decides, no geometry test) and, for a boundary cell, `piece`: the part of the polygon
  around the cell (cut per block of 2 x 2 cells, see Build), against which the point is tested
  with `ST_Intersects` (boundary-inclusive, the predicate of `sjoin(predicate="intersects")`).

Exactness, i.e. the same pairs as `sjoin` even for points exactly on edges, vertices and grid
lines. A piece is the polygon clipped to a box containing its cells' *closed* boxes, so a point
on a cell edge still meets it. That box is widened to the full extent of every polygon edge that
touches one of its cells, so no edge through them is cut: an overlay that cuts an edge at a grid
line must round the crossing point, and a point lying exactly on the original edge would then
be tested against a slightly tilted copy (a quarter of all edge midpoints lie exactly on their
edge; the tests and the bench check them). The edges that do get cut do not touch the cells,
so for every point of its cells the piece answers as the whole polygon does. Interior cells come
from the edges too (build steps 3 and 5): a quadtree node that no edge touches lies wholly
inside or wholly outside, and one point-in-polygon test of its centre (an exact binary point,
never on the boundary) decides for all its cells.

Build. All of it is SQL: the named queries `cell_cover_*.sql`, run in the order polygons,
edges, nodes, pieces, interior, assemble. Most of the time goes into the overlays
(`ST_Intersection`, some 40 us each whatever the size of the piece), so a piece is cut once
per block of 2 x 2 cells (`PIECE_LEVEL = 1`) and shared by the block's boundary cells: in
the bench's runs that took a quarter to a third off the build against one piece per cell, for
a join 10-25% slower (still some 5 times faster than `sjoin`), and keeps build + join faster
than `sjoin` as well.
shapely's `clip_by_rect` clips faster than `ST_Intersection` but may return invalid polygons,
which would break the point tests, so no step falls back to Python. The cover is rebuilt only
when the layer's rows, key values or geometries change (a checksum recorded in `cell_covers`).
Build time grows with the boundary blocks times the vertices of their polygon: 2-3 s for 3,000
townships of 250 vertices on 2 CPUs, about as much for one polygon of 100,000 vertices cut
into cells of that size.

Join. The named query `points_in_polygons.sql` (`points_in_polygons_sql` fills it in for use
inside other queries; `points_in_polygons` runs it).
"""

from __future__ import annotations

import json
import math
import time
from contextlib import suppress
from dataclasses import dataclass

import duckdb
import pandas as pd

from geoaq._errors import LayerDataError
from geoaq.db.connection import (
    Connection,
    claim,
    ensure_claims,
    refresh_lock,
    transaction,
    write_attempts,
)
from geoaq.db.named import identifier, identifier_list, query, run
from geoaq.db.store import table_exists
from geoaq.layers import get_layer

COVER_PREFIX = "cell_cover_"
#: bump when the build changes what a cover holds: older covers are rebuilt on next use
BUILDER_VERSION = 1
#: the automatic cell size aims at this many cells across a typical polygon
CELLS_ACROSS = 8
#: pieces are clipped per block of 2^PIECE_LEVEL x 2^PIECE_LEVEL cells (0: per cell); a change
#: needs a new BUILDER_VERSION so that existing covers are rebuilt
PIECE_LEVEL = 1
MIN_CELL_EXPONENT, MAX_CELL_EXPONENT = -24, 4
DEFAULT_CELL_DEG = 2.0 ** -6
#: columns of a cover table besides the polygon keys, and of the build's work tables
COVER_COLUMNS = ("cell_x", "cell_y", "interior", "piece")
RESERVED_COLUMNS = (*COVER_COLUMNS, "geom", "poly_id", "top_level", "piece_level")


@dataclass(frozen=True)
class CellCover:
    """The bookkeeping record of a layer's cover."""

    layer: str
    table: str
    key_columns: tuple[str, ...]
    cell_deg: float
    cover_rows: int
    build_seconds: float
    built_at: object


def cover_table_name(layer: str) -> str:
    """`cell_cover_<layer>`, checked as an identifier."""
    name = COVER_PREFIX + layer
    identifier(name)
    return name


def choose_cell_deg(typical_extent: float | None) -> float:
    """The power of two nearest to `typical_extent / CELLS_ACROSS` (degrees).

    Eight cells across a typical polygon make most points fall in interior cells (no
    geometry test) while the cover stays at a few dozen rows per polygon.
    """
    if typical_extent is None or not math.isfinite(typical_extent) or typical_extent <= 0:
        return DEFAULT_CELL_DEG
    exponent = round(math.log2(typical_extent / CELLS_ACROSS))
    return 2.0 ** min(max(exponent, MIN_CELL_EXPONENT), MAX_CELL_EXPONENT)


def check_cell_deg(cell_deg: float) -> float:
    """`cell_deg` as a float; it must be a power of two between 2^-24 and 16 degrees.

    Only then are cell edges exact binary numbers and `floor(lon / cell_deg)` exact, which
    the boundary handling relies on.
    """
    value = float(cell_deg)
    mantissa, exponent = math.frexp(value) if value > 0 and math.isfinite(value) else (0, 0)
    if mantissa != 0.5 or not MIN_CELL_EXPONENT <= exponent - 1 <= MAX_CELL_EXPONENT:
        raise ValueError(
            f"cell_deg must be a power of two between 2^{MIN_CELL_EXPONENT} and "
            f"2^{MAX_CELL_EXPONENT} degrees (e.g. 0.015625 = 2^-6), got {cell_deg!r}"
        )
    return value


def _recorded(con: Connection, layer: str) -> tuple | None:
    """The `cell_covers` row of `layer` (see cell_cover_recorded.sql), or None."""
    if not table_exists(con, "cell_covers"):
        return None
    return run(con, "cell_cover_recorded", [layer]).fetchone()


def cell_cover_info(con: Connection, layer: str) -> CellCover | None:
    """The record of `layer`'s cover, or None when none was built."""
    row = _recorded(con, layer)
    if row is None:
        return None
    table, keys, cell_deg, _, _, _, rows, seconds, built_at = row
    return CellCover(layer, table, tuple(json.loads(keys)), cell_deg, rows, seconds, built_at)


def _key_columns(con: Connection, layer: str, key_columns: tuple[str, ...] | None) -> tuple[str, ...]:
    """The polygon key: `key_columns`, else the layer's natural key; checked against the table."""
    keys = tuple(key_columns) if key_columns else get_layer(layer).natural_key
    if not keys:
        raise ValueError("key_columns must name at least one column")
    stored = {name for name, _ in run(con, "table_columns", [layer]).fetchall()}
    if not stored:
        raise LayerDataError(f"layer {layer!r} has no table in this database: load it first")
    for name in keys:
        identifier(name)
        if name not in stored:
            raise LayerDataError(f"layer {layer!r} has no column {name!r}; it has {sorted(stored)}")
        if name in RESERVED_COLUMNS:
            raise ValueError(f"key column {name!r} cannot be one of {RESERVED_COLUMNS}")
    if "geom" not in stored:
        raise LayerDataError(f"layer {layer!r} has no geom column")
    return keys


def _source_state(con: Connection, layer: str, keys: tuple[str, ...]) -> tuple:
    """(rows, checksum of keys and geometries, max ingest_id, max loaded_at) of the layer."""
    return run(con, "cell_cover_source_state", layer=layer, keys=identifier_list(keys)).fetchone()


def _check_unique(con: Connection, layer: str, keys: tuple[str, ...]) -> None:
    duplicates = run(con, "cell_cover_duplicate_keys", layer=layer, keys=identifier_list(keys)).fetchall()
    if duplicates:
        shown = ", ".join(str(row[:-1]) for row in duplicates)
        raise LayerDataError(f"{layer}: key {list(keys)} is not unique (e.g. {shown}); "
                         "a cover needs one polygon per key")


def _is_current(con: Connection, recorded: tuple | None, table: str, keys: tuple[str, ...],
                cell_deg: float | None, state: tuple) -> bool:
    """Whether the recorded cover was built by this builder from this very layer content."""
    if recorded is None or not table_exists(con, table):
        return False
    cover_table, recorded_keys, recorded_deg, version, rows, checksum = recorded[:6]
    return (cover_table == table and tuple(json.loads(recorded_keys)) == keys
            and version == BUILDER_VERSION and (cell_deg is None or recorded_deg == cell_deg)
            and (rows, checksum) == tuple(state[:2]))


def _build(con: Connection, layer: str, table: str, keys: tuple[str, ...], cell_deg: float) -> int:
    """Run the build steps (named queries, see each file) and return the cover's row count."""
    try:
        run(con, "cell_cover_polygons", [cell_deg, PIECE_LEVEL], layer=layer,
            keys=identifier_list(keys))
        run(con, "cell_cover_edges", [cell_deg])
        run(con, "cell_cover_nodes")
        run(con, "cell_cover_pieces", [cell_deg])
        run(con, "cell_cover_interior", [cell_deg])
        run(con, "cell_cover_assemble", cover=table, keys=identifier_list(keys, "p."))
    except BaseException:
        with suppress(duckdb.Error):  # an aborted transaction drops them on rollback
            run(con, "cell_cover_drop_work")
        raise
    run(con, "cell_cover_drop_work")
    return run(con, "cell_cover_rows", cover=table).fetchone()[0]


def refresh_cell_cover(con: Connection, layer: str, *, key_columns: tuple[str, ...] | None = None,
                       cell_deg: float | None = None) -> str:
    """Build `cell_cover_<layer>`, or keep it when the layer has not changed; return its name.

    The cover is reused when the layer has the same rows, key values and geometries as when
    it was built (checked with a checksum, recorded in `cell_covers`), with the same key
    columns and, if given, the same `cell_deg`. `key_columns` defaults to the layer's natural
    key; `cell_deg` (a power of two, degrees) to `choose_cell_deg` of the median polygon size.
    The build runs in one transaction (the caller's, when one is open): other connections see
    the old cover and its record, or the new ones; connections of this process check and
    build one at a time (`refresh_lock`).
    """
    table = cover_table_name(layer)
    keys = _key_columns(con, layer, key_columns)
    wanted_deg = None if cell_deg is None else check_cell_deg(cell_deg)
    with refresh_lock(con):  # another connection of this process may be building it now
        state = _source_state(con, layer, keys)
        if _is_current(con, _recorded(con, layer), table, keys, wanted_deg, state):
            return table
        _check_unique(con, layer, keys)
        if wanted_deg is None:
            extent = run(con, "cell_cover_typical_extent", layer=layer).fetchone()[0]
            wanted_deg = choose_cell_deg(extent)
        started = time.perf_counter()
        ensure_claims(con, "cell_covers")
        for attempt in write_attempts(con):  # another process may build it at the same time
            with attempt, transaction(con):  # the caller's, when one is open
                claim(con, "cell_covers")
                run(con, "cell_cover_bookkeeping")
                rows = _build(con, layer, table, keys, wanted_deg)
                run(con, "cell_cover_forget", [layer])
                run(con, "cell_cover_record", [
                    layer, table, json.dumps(list(keys)), wanted_deg, BUILDER_VERSION, state[0],
                    state[1], state[2], state[3], rows, time.perf_counter() - started,
                ])
    return table


def _join_parts(con: Connection, points_table: str, layer: str, *, point_id: str, lon: str,
                lat: str) -> tuple[dict[str, str], list[float]]:
    """(placeholder parts, parameters) of the named query `points_in_polygons`, after
    refreshing the layer's cover."""
    recorded = cell_cover_info(con, layer)
    table = refresh_cell_cover(con, layer,
                               key_columns=recorded.key_columns if recorded else None)
    cover = cell_cover_info(con, layer)
    for name in (point_id, lon, lat):
        identifier(name)
    if point_id in cover.key_columns:
        raise ValueError(f"point_id column {point_id!r} has the name of a key column of {layer}")
    parts = {"points": points_table, "cover": table, "point_id": point_id, "lon": lon, "lat": lat,
             "cover_keys": identifier_list(cover.key_columns, "c.")}
    return parts, [cover.cell_deg, cover.cell_deg]


def points_in_polygons_sql(con: Connection, points_table: str, layer: str, *,
                           point_id: str = "point_id", lon: str = "lon",
                           lat: str = "lat") -> tuple[str, list[float]]:
    """(SQL, parameters) of the join, after refreshing the layer's cover.

    The SQL is the named query `points_in_polygons` filled for these tables; embed it as a
    subquery (`FROM (<sql>) AS hits`) and pass the parameters in its place. A cover built
    with other key columns keeps them; a changed layer gets the automatic cell size.
    """
    parts, params = _join_parts(con, points_table, layer, point_id=point_id, lon=lon, lat=lat)
    return query("points_in_polygons", **parts), params


def points_in_polygons(con: Connection, points_table: str, layer: str, *,
                       point_id: str = "point_id", lon: str = "lon",
                       lat: str = "lat") -> pd.DataFrame:
    """Every (point, polygon of `layer` containing it) pair; a point on a boundary is inside.

    `points_table` (a table or registered view) has `point_id`, `lon`, `lat` (WGS-84 degrees).
    Returns the columns `point_id` (under its own name) and the layer's key columns, one row
    per pair: a point in no polygon has no row, a point on an edge shared by two polygons has
    two. The layer's cover is built or refreshed first (`refresh_cell_cover`).
    """
    parts, params = _join_parts(con, points_table, layer, point_id=point_id, lon=lon, lat=lat)
    return run(con, "points_in_polygons", params, **parts).to_arrow_table().to_pandas()

