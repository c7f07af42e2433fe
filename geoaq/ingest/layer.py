"""Loading a user's file into a layer: read → validate → load, in one transaction.

`ingest()` is what the CLI (`geoaq ingest`) and the app's data page call. A file-level
problem raises an IngestError and changes nothing; row-level problems go to the `rejects`
table with file, row, column, value and reason; the report says what happened.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

from geoaq.db import connection as geoaq_db
from geoaq.db import store
from geoaq.db.store import ValidatedRows
from geoaq.geo.crs import SourceCRS, check_plausible, choose_source_crs
from geoaq.ingest import encoding as enc
from geoaq.ingest import readers
from geoaq.ingest.validate import (
    duplicate_key_reasons,
    key_column_label,
    key_values_text,
    match_columns,
    validate,
)
from geoaq.layers import LayerSpec, get_layer

#: progress(stage, rows done, rows total)
Progress = Callable[[str, int, int], None]
CHUNK_ROWS = 200_000


@dataclass
class IngestReport:
    """What a load did; `summary()` is the text the CLI prints."""

    layer: str
    source_file: str
    file_format: str
    encoding: str | None
    source_crs: str
    rows_read: int
    inserted: int
    updated: int
    unchanged: int
    repaired: int
    rejected_rows: int
    rejects: pd.DataFrame
    seconds: float
    ingest_id: int
    column_mapping: dict[str, str] = field(default_factory=dict)
    extra_columns: list[str] = field(default_factory=list)

    @property
    def loaded(self) -> int:
        """Rows that passed validation (new, changed or already stored unchanged)."""
        return self.inserted + self.updated + self.unchanged

    def summary(self, max_rejects: int = 10) -> str:
        lines = [
            f"{self.layer} ← {self.source_file}",
            f"  format {self.file_format}, encoding {enc.display_name(self.encoding or '-')}, "
            f"source CRS {self.source_crs}",
            f"  rows read {self.rows_read:,} · loaded {self.loaded:,} (new {self.inserted:,}, "
            f"changed {self.updated:,}, unchanged {self.unchanged:,}) · repaired {self.repaired:,}"
            f" · rejected {self.rejected_rows:,}",
        ]
        if self.extra_columns:
            lines.append(f"  kept in `extra`: {', '.join(self.extra_columns)}")
        if self.rejected_rows:
            lines.extend(store.reject_lines(self.rejects, self.layer, max_rejects))
        lines.append(f"  time {self.seconds:.2f} s (ingest #{self.ingest_id})")
        return "\n".join(lines)


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _sample_xy(table: readers.SourceTable) -> tuple[np.ndarray, np.ndarray]:
    """Coordinates to judge the CRS by: coordinate columns, else geometry centroids."""
    if table.coordinate_columns and table.geometry is None:
        lon_name, lat_name = table.coordinate_columns
        sample = table.attributes.head(10_000)
        return (pd.to_numeric(sample[lon_name], errors="coerce").to_numpy(float, na_value=np.nan),
                pd.to_numeric(sample[lat_name], errors="coerce").to_numpy(float, na_value=np.nan))
    geoms = table.geometry if table.geometry is not None else readers.parse_wkt(
        table.attributes[table.wkt_column].head(10_000))
    geoms = np.asarray(geoms[:10_000], dtype=object)
    points = shapely.point_on_surface(geoms[~(shapely.is_missing(geoms) | shapely.is_empty(geoms))])
    return shapely.get_x(points), shapely.get_y(points)


def _chunks(table: readers.SourceTable, size: int) -> list[readers.SourceTable]:
    if len(table.attributes) <= size:
        return [table]
    parts = []
    for start in range(0, len(table.attributes), size):
        stop = start + size
        parts.append(readers.SourceTable(
            path=table.path, file_format=table.file_format,
            attributes=table.attributes.iloc[start:stop],
            row_numbers=table.row_numbers[start:stop],
            geometry=None if table.geometry is None else table.geometry[start:stop],
            coordinate_columns=table.coordinate_columns, wkt_column=table.wkt_column,
            crs=table.crs, encoding=table.encoding, instrument=table.instrument,
            ragged_rows=table.ragged_rows if start == 0 else [],
        ))
    return parts


def _combine(parts: list[ValidatedRows], spec: LayerSpec, mapping: dict[str, str]) -> ValidatedRows:
    """Join chunk results; drop natural-key duplicates that span chunks."""
    if len(parts) == 1:
        return parts[0]
    import pyarrow as pa

    attributes = pd.concat([p.attributes for p in parts], ignore_index=True)
    rows = np.concatenate([p.source_rows for p in parts])
    reasons = duplicate_key_reasons(attributes[list(spec.natural_key)], rows,
                                    np.ones(len(rows), dtype=bool))
    duplicated = reasons.notna().to_numpy()
    keep = ~duplicated
    key_text = key_values_text(attributes[list(spec.natural_key)], duplicated)
    cross = pd.DataFrame({"row_number": rows[duplicated],
                          "column_name": key_column_label(spec, mapping),
                          "value": key_text[duplicated].to_numpy(), "reason": reasons[duplicated].to_numpy()})
    rejects = pd.concat([*(p.rejects for p in parts), cross], ignore_index=True)

    def _cat(name: str) -> np.ndarray | None:
        values = [getattr(p, name) for p in parts]
        return None if values[0] is None else np.concatenate(values)[keep]

    extras = [p.extra for p in parts]
    extra = None if extras[0] is None else pa.concat_arrays(extras).filter(pa.array(keep))
    return ValidatedRows(
        attributes=attributes[keep], source_rows=rows[keep], lon=_cat("lon"), lat=_cat("lat"),
        geometry=_cat("geometry"), repaired=_cat("repaired"), repair_note=_cat("repair_note"),
        synthetic=_cat("synthetic"), extra=extra,
        rejects=rejects.sort_values("row_number", kind="stable").reset_index(drop=True),
        rows_read=sum(p.rows_read for p in parts),
    )


def ingest(
    layer: str,
    path: str | Path,
    *,
    db: str | Path | None = None,
    con: geoaq_db.Connection | None = None,
    crs: str | None = None,
    encoding: str = "auto",
    lon_col: str | None = None,
    lat_col: str | None = None,
    column_map: dict[str, str] | None = None,
    constants: dict[str, str] | None = None,
    source_layer: str | None = None,
    registry: dict[str, LayerSpec] | None = None,
    progress: Progress | None = None,
    source_name: str | None = None,
) -> IngestReport:
    """Load `path` into `layer`; returns the report. Raises IngestError, changing nothing.

    `column_map` maps layer columns to file columns the registry cannot recognise;
    `constants` gives a value for a column the file lacks (e.g. level=县 for a county file).
    `source_name` is the name recorded for the file (e.g. an upload's own name instead of the
    temporary path it was written to).
    """
    started_at = datetime.now()
    t0 = time.perf_counter()
    spec = get_layer(layer, registry)
    path = Path(path)
    notify = progress or (lambda stage, done, total: None)
    notify("reading", 0, 1)
    table = readers.read_source(path, encoding=encoding, lon_col=lon_col, lat_col=lat_col,
                                source_layer=source_layer)
    if source_name:  # keep a zip member's "!name" suffix
        table.path = Path(source_name + str(table.path)[len(str(path)):])
    total = len(table.attributes)
    source_crs: SourceCRS = choose_source_crs(table.crs, crs, spec.default_crs, str(path))
    check_plausible(*_sample_xy(table), source_crs, str(path))
    mapping = match_columns(spec, list(table.attributes.columns), str(table.path), column_map,
                            constants)
    parts, done = [], 0
    for chunk in _chunks(table, CHUNK_ROWS):
        notify("validating", done, total)
        parts.append(validate(chunk, spec, source_crs, mapping, constants))
        done += len(chunk.attributes)
    rows = _combine(parts, spec, mapping)
    notify("writing", total, total)
    con_owned = con is None
    con = con or geoaq_db.connect(db)
    try:
        geoaq_db.ensure_claims(con, spec.name)
        for attempt in geoaq_db.write_attempts(con):  # a concurrent load of the layer may win
            with attempt, geoaq_db.transaction(con):
                geoaq_db.claim(con, spec.name)
                store.ensure_layer_table(con, spec)
                ingest_id = store.next_ingest_id(con)
                counts = store.load_rows(con, spec, rows, str(table.path), ingest_id)
                store.record_rejects(con, rows.rejects, ingest_id, spec.name, str(table.path))
                seconds = time.perf_counter() - t0
                used = set(mapping.values()) | set(table.coordinate_columns or ()) | {table.wkt_column}
                extra_columns = [c for c in table.attributes.columns if c not in used]
                report = IngestReport(
                    layer=spec.name, source_file=str(table.path), file_format=table.file_format,
                    encoding=table.encoding, source_crs=f"{source_crs.label} ({source_crs.decided_by})",
                    rows_read=rows.rows_read, inserted=counts.inserted, updated=counts.updated,
                    unchanged=counts.unchanged, repaired=int(rows.repaired.sum()),
                    rejected_rows=rows.rejected_rows, rejects=rows.rejects, seconds=seconds,
                    ingest_id=ingest_id, column_mapping=mapping, extra_columns=extra_columns,
                )
                store.record_run(con, report, _file_sha256(path), started_at, {
                    "crs": crs, "encoding": encoding, "lon_col": lon_col, "lat_col": lat_col,
                    "column_map": column_map, "constants": constants, "source_layer": source_layer,
                })
    finally:
        if con_owned:
            con.close()
    notify("done", total, total)
    return report
