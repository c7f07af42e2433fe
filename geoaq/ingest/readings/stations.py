"""The stations a readings file describes (the live release: code, name, city, position),
merged into the stations layer by the layer's own rules.

The rows go the way every layer file goes — `geoaq.ingest.validate.validate` against
``layers/stations.toml`` (code pattern, coordinates in range and inside China, WGS-84) and
`geoaq.db.store.load_rows` by natural key — inside the readings load's transaction: a new
code is added, a station whose name, city or position changed is updated, an unchanged one is
left alone, and a bad row is a reject of layer ``stations``. What the release does not say
(level, district, province, background flag, extra columns) is kept from the stored row.

A city is kept in the spelling the layer already has for it: the release writes 洛阳市 where
the national station list (and the plan targets) write 洛阳, so an area that is a stored city
plus or minus a final 市 is that city.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from geoaq.db import store
from geoaq.db.connection import Connection
from geoaq.geo.crs import choose_source_crs
from geoaq.ingest import readers
from geoaq.ingest.validate import match_columns, validate
from geoaq.layers import get_layer

LAYER = "stations"
#: what the release gives (layers/stations.toml columns, and the coordinate columns)
GIVEN = ("code", "name", "city")


@dataclass(frozen=True)
class StationCounts:
    """What merging a file's stations did."""

    rows: int
    inserted: int
    updated: int
    unchanged: int
    rejected: int
    rejects: pd.DataFrame


def city_spelling(area: str | None, known: set[str]) -> str | None:
    """`area` as the layer spells the same city (洛阳市 → 洛阳 when 洛阳 is stored), else as it is."""
    if not isinstance(area, str) or not area:
        return area
    if area in known:
        return area
    for other in (area.removesuffix("市"), area + "市"):
        if other != area and other in known:
            return other
    return area


def merge_stations(con: Connection, stations: pd.DataFrame, source_file: str,
                   ingest_id: int) -> StationCounts:
    """Merge `stations` (text columns code, name, city, lon, lat and the file row ``row``) into
    the stations layer (inside the caller's transaction); returns the counts."""
    spec = get_layer(LAYER)
    store.ensure_layer_table(con, spec)
    if stations.empty:
        return StationCounts(0, 0, 0, 0, 0, pd.DataFrame(columns=["row_number", "column_name",
                                                                  "value", "reason"]))
    stored = store.read_layer(con, spec)
    known = {c for c in stored["city"].dropna().astype(str)} if len(stored) else set()
    frame = stations.copy()
    frame["city"] = [city_spelling(c if isinstance(c, str) else None, known) for c in frame["city"]]
    attributes = frame[[c for c in (*GIVEN, "lon", "lat") if c in frame.columns]].astype("string")
    table = readers.SourceTable(
        path=Path(source_file), file_format="csv (the live release's station columns)",
        attributes=attributes.reset_index(drop=True),
        row_numbers=frame["row"].to_numpy(dtype=np.int64), coordinate_columns=("lon", "lat"),
        encoding="utf-8")
    source_crs = choose_source_crs(None, None, spec.default_crs, source_file)
    mapping = match_columns(spec, list(attributes.columns), source_file)
    rows = validate(table, spec, source_crs, mapping)
    kept = tuple(c for c in (*spec.column_names, "extra") if c not in mapping)
    counts = store.load_rows(con, spec, rows, source_file, ingest_id, keep=kept)
    store.record_rejects(con, rows.rejects, ingest_id, LAYER, source_file)
    return StationCounts(len(frame), counts.inserted, counts.updated, counts.unchanged,
                         rows.rejected_rows, rows.rejects)
