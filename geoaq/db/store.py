"""Layer tables in DuckDB: created and migrated from the registry, loaded by natural key.

A load classifies each validated row as new, unchanged or changed against the stored row
with the same natural key; changed rows replace the stored ones, unchanged rows are left
alone, so re-ingesting the same file adds nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import shapely

from geoaq._errors import LayerDefinitionError
from geoaq.db.connection import Connection, next_ids
from geoaq.db.named import Fragment, all_equal, assignments, identifier, identifier_list, run
from geoaq.layers import LayerSpec

_SQL_TYPES = {"TEXT", "BIGINT", "DOUBLE", "BOOLEAN", "DATE", "TIMESTAMP", "JSON", "GEOMETRY"}
_DUCKDB_TYPE_NAMES = {"TEXT": "VARCHAR"}


@dataclass
class ValidatedRows:
    """The rows that passed validation (`geoaq.ingest.validate`), typed and in WGS-84, ready to
    load, and the rejects of those that did not."""

    attributes: pd.DataFrame  # canonical columns, typed; index = position in the source
    source_rows: np.ndarray
    lon: np.ndarray | None  # point layers read from coordinate columns
    lat: np.ndarray | None
    geometry: np.ndarray | None  # shapely geometries otherwise
    repaired: np.ndarray
    repair_note: np.ndarray
    synthetic: np.ndarray
    extra: pa.Array | None
    rejects: pd.DataFrame
    rows_read: int

    @property
    def rejected_rows(self) -> int:
        return int(self.rejects["row_number"].nunique()) if len(self.rejects) else 0


@dataclass(frozen=True)
class LoadCounts:
    inserted: int
    updated: int
    unchanged: int


def table_exists(con: Connection, table: str) -> bool:
    return bool(run(con, "table_columns", [table]).fetchall())


def ensure_layer_table(con: Connection, spec: LayerSpec) -> list[str]:
    """Create the layer's table, or add columns declared since; return the columns added.

    A declared type that differs from the stored one is an error naming both: changing a
    type needs a deliberate migration, not a silent cast.
    """
    wanted = spec.table_columns()
    assert set(wanted.values()) <= _SQL_TYPES
    existing = dict(run(con, "table_columns", [spec.name]).fetchall())
    added: list[str] = []
    if not existing:
        definitions = Fragment(", ".join(f"{identifier(n)} {t}" for n, t in wanted.items()))
        run(con, "layer_create", table=spec.name, column_definitions=definitions)
    else:
        for name, sql_type in wanted.items():
            stored = existing.get(name)
            if stored is None:
                run(con, "layer_add_column", table=spec.name, column=name,
                    sql_type=Fragment(sql_type))
                added.append(name)
            elif stored != _DUCKDB_TYPE_NAMES.get(sql_type, sql_type):
                raise LayerDefinitionError(
                    f"{spec.source}: column {name!r} is declared {sql_type} but the table "
                    f"{spec.name!r} stores it as {stored}; migrate the table deliberately"
                )
    run(con, "layer_table_forget", [spec.name])
    run(con, "layer_table_record", [spec.name, spec.definition_hash, json.dumps(wanted)])
    return added


def _incoming_table(spec: LayerSpec, rows: ValidatedRows) -> pa.Table:
    frame = rows.attributes.reset_index(drop=True).copy()
    for column in spec.columns:
        if column.type in {"date", "timestamp"} and not pd.api.types.is_datetime64_any_dtype(frame[column.name]):
            frame[column.name] = pd.to_datetime(frame[column.name])
    frame["source_row"] = rows.source_rows
    frame["geom_repaired"] = rows.repaired
    frame["repair_note"] = pd.Series(rows.repair_note, dtype="string")
    frame["synthetic"] = rows.synthetic
    table = pa.Table.from_pandas(frame, preserve_index=False)
    if rows.lon is not None:
        table = table.append_column("lon", pa.array(rows.lon, pa.float64()))
        table = table.append_column("lat", pa.array(rows.lat, pa.float64()))
    else:
        table = table.append_column("wkb", pa.array(shapely.to_wkb(rows.geometry), pa.binary()))
    if rows.extra is not None:
        table = table.append_column("extra_struct", rows.extra)
    return table


def load_rows(con: Connection, spec: LayerSpec, rows: ValidatedRows, source_file: str,
              ingest_id: int, keep: tuple[str, ...] = ()) -> LoadCounts:
    """Merge validated rows into the layer table by natural key (inside the caller's transaction).

    `keep` names columns the load does not carry (declared columns, ``extra``): a row with a
    stored twin keeps the twin's values there instead of NULL, so a source that knows a
    station's name and position does not erase its level or district."""
    incoming = _incoming_table(spec, rows)
    casts = Fragment(", ".join(
        f"{identifier(c.name)}::{c.sql_type} AS {identifier(c.name)}" for c in spec.columns
    ))
    geometry = Fragment("ST_Point(lon, lat)" if rows.lon is not None else "ST_GeomFromWKB(wkb)")
    extra = Fragment("to_json(extra_struct)" if rows.extra is not None else "NULL::JSON")
    con.register("incoming", incoming)
    try:
        run(con, "layer_stage", [source_file], columns=casts, geometry=geometry, extra=extra)
    finally:
        con.unregister("incoming")
    keys = spec.natural_key
    unknown = [c for c in keep if c not in {*spec.column_names, "extra"} or c in keys]
    if unknown:
        raise LayerDefinitionError(f"layer {spec.name!r}: cannot keep {unknown}: not a column "
                                   "of the layer (or part of its natural key)")
    if keep:
        run(con, "layer_keep_stored", table=spec.name, assignments=assignments(list(keep), "t"),
            key_match=all_equal(keys, "s", "t"))
    compared = [*spec.column_names, "synthetic", "extra"]
    run(con, "layer_classify", table=spec.name, first_key=keys[0],
        key_match=all_equal(keys, "s", "t"),
        same_values=all_equal(compared, "s", "t", null_safe=True))
    run(con, "layer_delete_changed", table=spec.name, key_match=all_equal(keys, "s", "t"))
    stored = [*spec.column_names, "source_file", "source_row", "geom_repaired", "repair_note",
              "synthetic", "extra", "geom"]
    run(con, "layer_insert", [ingest_id], table=spec.name,
        all_columns=identifier_list([*stored, "ingest_id", "loaded_at"]),
        all_columns_from_stage=identifier_list(stored))
    counts = dict(run(con, "layer_load_counts").fetchall())
    run(con, "staging_drop")
    return LoadCounts(counts.get("new", 0), counts.get("changed", 0), counts.get("same", 0))


def reject_lines(rejects: pd.DataFrame, layer: str, max_rejects: int = 10) -> list[str]:
    """The first rejects of a load as report lines (file row, column, value, reason), with
    the command that lists them all; empty when nothing was rejected."""
    if rejects.empty:
        return []
    lines = [f"  first rejects (all of them: geoaq rejects --layer {layer}):"]
    for record in rejects.head(max_rejects).itertuples():
        value = "" if pd.isna(record.value) else f" {record.value!r}"
        column = "" if pd.isna(record.column_name) else f" [{record.column_name}]"
        lines.append(f"    row {record.row_number}{column}{value}: {record.reason}")
    return lines


def record_rejects(con: Connection, rejects: pd.DataFrame, ingest_id: int, layer: str,
                   source_file: str) -> None:
    """Store every rejected value of a load with its reason."""
    if rejects.empty:
        return
    table = pa.table({
        "row_number": pa.array(rejects["row_number"].astype("int64").to_numpy(), pa.int64()),
        "column_name": pa.array(_nullable_text(rejects["column_name"]), pa.string()),
        "value": pa.array(_nullable_text(rejects["value"]), pa.string()),
        "reason": pa.array(rejects["reason"].astype(str).tolist(), pa.string()),
    })
    first = next_ids(con, "reject", len(rejects))
    con.register("incoming_rejects", table)
    try:
        run(con, "rejects_insert", [first, ingest_id, layer, source_file])
    finally:
        con.unregister("incoming_rejects")


def _nullable_text(values: pd.Series) -> list[str | None]:
    return [None if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)) else str(v)
            for v in values.tolist()]


def next_ingest_id(con: Connection) -> int:
    """Inside the load's transaction: the load's number (from the ``ingest`` counter)."""
    return next_ids(con, "ingest")


def list_rejects(con: Connection, layer: str | None = None) -> pd.DataFrame:
    """Every stored reject (optionally of one layer), newest load first."""
    if not table_exists(con, "rejects"):
        return pd.DataFrame(columns=["layer", "source_file", "row_number", "column_name",
                                     "value", "reason", "ingest_id", "rejected_at"])
    return run(con, "rejects_list", [layer, layer]).df()


def layer_counts(con: Connection, specs: list[LayerSpec]) -> dict[str, tuple[int, int]]:
    """(rows, synthetic rows) per layer; layers without a table count zero."""
    counts = {}
    for spec in specs:
        if table_exists(con, spec.name):
            counts[spec.name] = tuple(run(con, "layer_count", table=spec.name).fetchone())
        else:
            counts[spec.name] = (0, 0)
    return counts


def read_layer(con: Connection, spec: LayerSpec,
               bbox: tuple[float, float, float, float] | None = None) -> gpd.GeoDataFrame:
    """A layer's features (declared columns + `synthetic`) as a GeoDataFrame in EPSG:4326."""
    columns = [*spec.column_names]
    if not table_exists(con, spec.name):
        return gpd.GeoDataFrame({c: [] for c in [*columns, "synthetic"]}, geometry=[], crs=4326)
    params = [None, None, None, None, None] if bbox is None else [bbox[0], *bbox]
    frame = run(con, "layer_features", params, table=spec.name, columns=identifier_list(columns)).df()
    geometry = shapely.from_wkb([bytes(b) for b in frame.pop("geom_wkb")])  # BLOB -> bytearray
    return gpd.GeoDataFrame(frame, geometry=geometry, crs=4326)


def record_run(con: Connection, report, file_sha256: str, started_at, options: dict) -> None:
    """Record a successful load in `ingest_runs` (inside the load's transaction)."""
    run(con, "ingest_run_insert", [
        report.ingest_id, report.layer, report.source_file, file_sha256, report.file_format,
        report.encoding, report.source_crs, report.rows_read, report.inserted, report.updated,
        report.unchanged, report.repaired, report.rejected_rows, started_at, report.seconds,
        json.dumps({k: v for k, v in options.items() if v}, ensure_ascii=False),
    ])


def layer_period(con: Connection, spec: LayerSpec) -> tuple[object, object] | None:
    """(first, last) date of the layer's `time_column`, or None when it has none or no rows."""
    if spec.time_column is None or not table_exists(con, spec.name):
        return None
    first, last = run(con, "layer_period", table=spec.name, column=spec.time_column).fetchone()
    return None if first is None else (first, last)
