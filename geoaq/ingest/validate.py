"""Validation of a file's rows against a layer definition: pure functions, no I/O.

Every problem is collected before anything is decided: file-level problems (missing
required columns) raise one error that lists them all; row-level problems become reject
records (row number, column, original value, reason) and the row is left out. Repairable
geometry is repaired with `make_valid` and flagged.
"""

from __future__ import annotations

import unicodedata

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import shapely

from geoaq._errors import IngestError, MissingColumnsError
from geoaq.db.store import ValidatedRows
from geoaq.geo.crs import SourceCRS, geometries_to_wgs84, lonlat_to_wgs84
from geoaq.ingest import readers
from geoaq.ingest.textparse import parse_numbers
from geoaq.layers import ColumnSpec, LayerSpec

#: generous envelope of China (incl. the South China Sea islands) for plausibility checks
CHINA_LON = (72.0, 137.0)
CHINA_LAT = (3.0, 55.0)
_TRUE = {"true", "t", "1", "y", "yes", "是", "有", "√", "已安装"}
_FALSE = {"false", "f", "0", "n", "no", "否", "无", "×", "未安装"}
REJECT_COLUMNS = ["row_number", "column_name", "value", "reason"]


def _key(text: str) -> str:
    return unicodedata.normalize("NFKC", str(text)).strip().lower()


def match_columns(
    spec: LayerSpec,
    columns: list[str],
    source: str,
    column_map: dict[str, str] | None = None,
    constants: dict[str, str] | None = None,
) -> dict[str, str]:
    """Map each layer column to the file column that holds it (explicit map, name, alias).

    Raises MissingColumnsError naming every missing required column, the names accepted for
    it and the columns the file has.
    """
    column_map, constants = column_map or {}, constants or {}
    known = set(spec.column_names) | {"synthetic"}
    for canonical in list(column_map) + list(constants):
        if canonical not in known:
            raise IngestError(
                f"{source}: layer {spec.name!r} has no column {canonical!r}; its columns: "
                f"{list(spec.column_names)}"
            )
    absent = [c for c in column_map.values() if c not in columns]
    if absent:
        raise MissingColumnsError(
            f"{source}: mapped column(s) {absent} not in the file; columns found: {columns}"
        )
    keyed = {readers.header_key(c): c for c in columns}
    mapping = dict(column_map)
    for column in spec.columns:
        if column.name in mapping:
            continue
        for candidate in (column.name, *column.aliases):
            found = keyed.get(readers.header_key(candidate))
            if found is not None and found not in mapping.values():
                mapping[column.name] = found
                break
    if "synthetic" not in mapping and "synthetic" in keyed:
        mapping["synthetic"] = keyed["synthetic"]
    clash = sorted(set(constants) & set(mapping))
    if clash:
        raise IngestError(
            f"{source}: the file already has {[f'{c} (from {mapping[c]!r})' for c in clash]}; "
            "a constant value (--set) would hide it"
        )
    missing = [c for c in spec.required_columns if c.name not in mapping and c.name not in constants]
    if missing:
        wanted = "; ".join(
            f"{c.name} ({c.title_zh}; accepted names: {', '.join((c.name, *c.aliases))})"
            for c in missing
        )
        raise MissingColumnsError(
            f"{source}: required column(s) missing for layer {spec.name!r}: {wanted}. "
            f"Columns found: {columns}. Rename the column or map it (--map {missing[0].name}=<column>)."
        )
    return mapping


def _normalize_choice(values: pd.Series, column: ColumnSpec) -> tuple[pd.Series, pd.Series]:
    lookup = {_key(v): v for v in column.allowed or ()}
    lookup.update({_key(k): v for k, v in column.synonyms.items()})
    uniques = values.dropna().unique()
    resolved = {u: lookup.get(_key(u)) for u in uniques}
    out = values.map(resolved, na_action="ignore").astype("string")
    allowed = "、".join(column.allowed or ())
    bad = values.notna() & out.isna()
    reasons = pd.Series(pd.NA, index=values.index, dtype="string")
    reasons[bad] = f"not an allowed value; expected one of: {allowed}"
    return out, reasons


def _parse_dates(values: pd.Series, with_time: bool) -> pd.Series:
    """Dates/timestamps from text: ISO first (fast), then 2025/4/22, 20250422, 2025年4月22日."""
    fast_format = "%Y-%m-%d %H:%M:%S" if with_time else "%Y-%m-%d"
    text_array = pa.array(values, pa.string(), from_pandas=True)
    fast = pc.strptime(text_array, format=fast_format, unit="s", error_is_null=True)
    parsed = pd.Series(fast.to_numpy(zero_copy_only=False), index=values.index).astype("datetime64[s]")
    # Arrow's strptime accepts 2024-02-30 or 2024-04-31 (and second 60) and rolls them over
    # into the next month (minute), landing on day 1-3. Such values must print back as
    # written; those that do not are left to the slow, strict parse below.
    suspect = pc.fill_null(pc.or_(pc.less_equal(pc.day(fast), 3),
                                  pc.match_substring(text_array, ":6")), False)
    suspect_at = np.flatnonzero(suspect.to_numpy(zero_copy_only=False))
    if len(suspect_at):
        printed = pc.strftime(fast.take(suspect_at), format=fast_format)
        same = pc.fill_null(pc.equal(printed, text_array.take(suspect_at)), False)
        parsed.iloc[suspect_at[~same.to_numpy(zero_copy_only=False)]] = pd.NaT
    pending = values.notna() & parsed.isna()
    if not pending.any():
        return parsed
    text = values[pending].str.replace(r"[年月/.]", "-", regex=True).str.replace("日", "", regex=False)
    text = text.str.replace(r"^(\d{4})(\d{2})(\d{2})", r"\1-\2-\3", regex=True)
    slow = pd.to_datetime(text, format="ISO8601", errors="coerce")
    if not with_time:
        has_time = text.str.contains(r"\d[ T]\d", regex=True).fillna(False)
        slow = slow.where(~has_time | (slow.dt.normalize() == slow))
    parsed[pending] = slow.astype("datetime64[s]")
    return parsed


def coerce_column(values: pd.Series, column: ColumnSpec) -> tuple[pd.Series, pd.Series]:
    """Parse text into the column's type; return (typed values, reason per bad value or NA)."""
    reasons = pd.Series(pd.NA, index=values.index, dtype="string")
    present = values.notna()
    if column.type == "text":
        typed = values.astype("string")
        if column.allowed is not None:
            typed, reasons = _normalize_choice(values, column)
        if column.pattern:
            matches = typed.str.fullmatch(column.pattern).fillna(True).astype(bool)
            reasons[~matches & reasons.isna()] = f"does not match the expected form {column.pattern}"
    elif column.type in {"integer", "double"}:
        numbers = pd.Series(parse_numbers(values), index=values.index, dtype="Float64")
        reasons[present & numbers.isna()] = "not a number"
        if column.type == "integer":
            fractional = numbers.notna() & (numbers % 1 != 0)
            reasons[fractional] = "not a whole number"
            typed = numbers.round().astype("Int64")
        else:
            typed = numbers
        if column.minimum is not None:
            reasons[(numbers < column.minimum).fillna(False)] = f"below the minimum {column.minimum}"
        if column.maximum is not None:
            reasons[(numbers > column.maximum).fillna(False)] = f"above the maximum {column.maximum}"
    elif column.type == "boolean":
        key = values.str.strip().str.lower()
        typed = pd.Series(pd.NA, index=values.index, dtype="boolean")
        typed[key.isin(_TRUE).fillna(False)] = True
        typed[key.isin(_FALSE).fillna(False)] = False
        reasons[present & typed.isna()] = "not a yes/no value (expected 是/否, Y/N, true/false, 1/0)"
    elif column.type in {"date", "timestamp"}:
        parsed = (values if pd.api.types.is_datetime64_any_dtype(values)
                  else _parse_dates(values, with_time=column.type == "timestamp"))
        expected = "YYYY-MM-DD" if column.type == "date" else "YYYY-MM-DD HH:MM[:SS]"
        reasons[present & parsed.isna()] = f"not a valid {column.type} (expected {expected})"
        typed = parsed.dt.normalize() if column.type == "date" else parsed
    else:  # pragma: no cover - the registry only admits the types above
        raise ValueError(column.type)
    if column.required:
        reasons[~present] = "required value is empty"
    return typed, reasons


def _in_china(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    return (lon >= CHINA_LON[0]) & (lon <= CHINA_LON[1]) & (lat >= CHINA_LAT[0]) & (lat <= CHINA_LAT[1])


def coordinate_reasons(lon: np.ndarray, lat: np.ndarray, geographic: bool) -> np.ndarray:
    """Why each lon/lat pair is unusable ("" when it is fine), checked on source values.

    For geographic sources: out of range, swapped (the reverse pair lies in China), or far
    outside China. Projected sources are checked after transformation (`china_reasons`).
    """
    reasons = np.full(lon.shape, "", dtype=object)
    missing = ~(np.isfinite(lon) & np.isfinite(lat))
    reasons[missing] = "coordinate missing or not a number"
    if not geographic:
        return reasons
    ok = ~missing
    swapped = ok & ~_in_china(lon, lat) & _in_china(lat, lon)
    reasons[swapped] = "longitude and latitude look swapped (the reversed pair lies in China)"
    out_of_range = ok & ~swapped & ((np.abs(lon) > 180) | (np.abs(lat) > 90))
    reasons[out_of_range] = "outside the valid range (longitude -180..180, latitude -90..90)"
    return reasons


def china_reasons(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """"far outside China" for WGS-84 positions outside the envelope; "" otherwise."""
    reasons = np.full(lon.shape, "", dtype=object)
    finite = np.isfinite(lon) & np.isfinite(lat)
    reasons[~finite] = "cannot be transformed to WGS-84"
    outside = finite & ~_in_china(lon, lat)
    reasons[outside] = (
        f"far outside China (expected longitude {CHINA_LON[0]:g}..{CHINA_LON[1]:g}, "
        f"latitude {CHINA_LAT[0]:g}..{CHINA_LAT[1]:g})"
    )
    return reasons


def _polygonal_or_lineal(geom, allowed: tuple[str, ...]):
    """From a make_valid result keep only the parts of an allowed type (drops slivers)."""
    if geom is None or shapely.get_type_id(geom) != 7:  # not a GeometryCollection
        return geom
    parts = [p for p in shapely.get_parts(geom) if p.geom_type in allowed or
             (p.geom_type == "Polygon" and "MultiPolygon" in allowed)]
    if not parts:
        return geom
    return shapely.union_all(parts) if len(parts) > 1 else parts[0]


def _single_parts(geoms: np.ndarray) -> np.ndarray:
    """Unwrap one-part Multi* geometries (GDAL writes every polygon to a GPKG as MultiPolygon),
    so the same shape compares equal whichever format it arrived in."""
    multi = np.isin(shapely.get_type_id(geoms), [4, 5, 6]) & (shapely.get_num_geometries(geoms) == 1)
    if multi.any():
        geoms = geoms.copy()
        geoms[multi] = shapely.get_geometry(geoms[multi], 0)
    return geoms


def geometry_checks(
    geoms: np.ndarray, allowed: tuple[str, ...]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(geometries, repaired flag, repair note, reason) per row; invalid shapes get make_valid."""
    geoms = _single_parts(shapely.force_2d(np.asarray(geoms, dtype=object)))
    count = len(geoms)
    reasons = np.full(count, "", dtype=object)
    repaired = np.zeros(count, dtype=bool)
    notes = np.full(count, None, dtype=object)
    empty = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    reasons[empty] = "empty geometry"
    invalid = ~empty & ~shapely.is_valid(geoms)
    for i in np.flatnonzero(invalid):
        why = shapely.is_valid_reason(geoms[i])
        fixed = _polygonal_or_lineal(shapely.make_valid(geoms[i]), allowed)
        if fixed is None or fixed.is_empty or not fixed.is_valid or fixed.geom_type not in allowed:
            reasons[i] = f"invalid geometry that cannot be repaired ({why})"
        else:
            geoms[i], repaired[i], notes[i] = fixed, True, f"repaired with make_valid: {why}"
    ok = reasons == ""
    types = np.asarray(shapely.get_type_id(geoms))
    type_names = np.array(["Point", "LineString", "LinearRing", "Polygon", "MultiPoint",
                           "MultiLineString", "MultiPolygon", "GeometryCollection"], dtype=object)
    named = np.where(types >= 0, type_names[np.clip(types, 0, 7)], "")
    wrong = ok & ~np.isin(named, list(allowed))
    for i in np.flatnonzero(wrong):
        reasons[i] = f"geometry type {named[i]} is not allowed (expected {' or '.join(allowed)})"
    return geoms, repaired, notes, reasons


def _extra_columns(frame: pd.DataFrame, used: set[str]) -> pa.Array | None:
    extra = [c for c in frame.columns if c not in used]
    if not extra:
        return None
    arrays = [pa.array(frame[c].astype(object).where(frame[c].notna(), None).tolist(), pa.string())
              for c in extra]
    return pa.StructArray.from_arrays(arrays, names=[str(c) for c in extra])


def _collect(rejects: list[pd.DataFrame], rows: np.ndarray, mask: np.ndarray, column: str | None,
             values, reasons) -> None:
    if not mask.any():
        return
    values = pd.Series(values).astype("string").to_numpy()[mask] if values is not None else None
    rejects.append(pd.DataFrame({
        "row_number": rows[mask],
        "column_name": column,
        "value": values if values is not None else pd.NA,
        "reason": np.asarray(reasons, dtype=object)[mask],
    }))


def validate(
    table: readers.SourceTable,
    spec: LayerSpec,
    source_crs: SourceCRS,
    mapping: dict[str, str],
    constants: dict[str, str] | None = None,
) -> ValidatedRows:
    """Check every row of `table` against `spec`; return kept rows and the rejects."""
    constants = constants or {}
    frame = table.attributes
    rows = table.row_numbers
    count = len(frame)
    bad = np.zeros(count, dtype=bool)
    rejects: list[pd.DataFrame] = []
    typed: dict[str, pd.Series] = {}
    for column in spec.columns:
        if column.name in mapping:
            values = frame[mapping[column.name]]
        elif column.name in constants:
            values = pd.Series(constants[column.name], index=frame.index, dtype="string")
        else:
            typed[column.name] = pd.Series(pd.NA, index=frame.index, dtype="string")
            values = None
        if values is None:
            continue
        typed[column.name], reasons = coerce_column(values, column)
        mask = reasons.notna().to_numpy()
        _collect(rejects, rows, mask, mapping.get(column.name, column.name), values, reasons)
        bad |= mask
    synthetic = np.zeros(count, dtype=bool)
    if "synthetic" in mapping or "synthetic" in constants:
        raw = frame[mapping["synthetic"]] if "synthetic" in mapping else pd.Series(
            constants["synthetic"], index=frame.index, dtype="string")
        flag, reasons = coerce_column(raw, ColumnSpec("synthetic", "boolean"))
        _collect(rejects, rows, reasons.notna().to_numpy(), mapping.get("synthetic", "synthetic"),
                 raw, reasons)
        bad |= reasons.notna().to_numpy()
        synthetic = flag.fillna(False).to_numpy(dtype=bool)

    lon = lat = geometry = None
    repaired = np.zeros(count, dtype=bool)
    notes = np.full(count, None, dtype=object)
    if table.coordinate_columns is not None and table.geometry is None:
        lon_name, lat_name = table.coordinate_columns
        xs = parse_numbers(frame[lon_name])
        ys = parse_numbers(frame[lat_name])
        source_reasons = coordinate_reasons(xs, ys, source_crs.is_geographic)
        _collect(rejects, rows, source_reasons != "", f"{lon_name}/{lat_name}",
                 _pair_text(frame[lon_name], frame[lat_name]), source_reasons)
        bad |= source_reasons != ""
        if "Point" not in spec.geometry_types:
            raise IngestError(
                f"{table.path}: layer {spec.name!r} needs {'/'.join(spec.geometry_types)} "
                "geometry; coordinate columns only give points (use a WKT column or a GIS file)"
            )
        usable = source_reasons == ""
        lon, lat = np.full(count, np.nan), np.full(count, np.nan)
        if usable.any():
            lon[usable], lat[usable] = lonlat_to_wgs84(xs[usable], ys[usable], source_crs)
        china = np.where(usable, china_reasons(lon, lat), "")
        _collect(rejects, rows, china != "", f"{lon_name}/{lat_name}",
                 _pair_text(frame[lon_name], frame[lat_name]), china)
        bad |= china != ""
    else:
        unparsable = np.zeros(count, dtype=bool)
        if table.geometry is not None:
            raw_geoms = table.geometry
            column_label = "geometry"
        else:
            raw_geoms = readers.parse_wkt(frame[table.wkt_column])
            column_label = table.wkt_column
            unparsable = frame[table.wkt_column].notna().to_numpy() & shapely.is_missing(raw_geoms)
            _collect(rejects, rows, unparsable, column_label, frame[table.wkt_column],
                     np.full(count, "not valid WKT geometry text", dtype=object))
            bad |= unparsable
        geometry, repaired, notes, reasons = geometry_checks(raw_geoms, spec.geometry_types)
        reasons[unparsable] = ""  # rejected above as unparsable text, not as "empty geometry"
        _collect(rejects, rows, reasons != "", column_label, None, reasons)
        bad |= reasons != ""
        ok = (reasons == "") & ~unparsable
        bounds = np.full((count, 4), np.nan)
        bounds[ok] = shapely.bounds(geometry[ok])
        if source_crs.is_geographic:
            source_reasons = np.where(ok, _bounds_reasons(bounds), "")
            _collect(rejects, rows, source_reasons != "", column_label, _bounds_text(bounds),
                     source_reasons)
            ok &= source_reasons == ""
        geometry[ok] = geometries_to_wgs84(geometry[ok], source_crs)
        bounds[ok] = shapely.bounds(geometry[ok])
        china = np.where(ok, _bounds_china(bounds), "")
        _collect(rejects, rows, china != "", column_label, _bounds_text(bounds), china)
        bad |= ~ok | (china != "")

    keep = ~bad
    duplicate_reasons = duplicate_key_reasons(
        pd.DataFrame({k: typed[k] for k in spec.natural_key}), rows, keep
    )
    duplicated = duplicate_reasons.notna().to_numpy()
    if duplicated.any():
        key_text = key_values_text(pd.DataFrame({k: typed[k] for k in spec.natural_key}), duplicated)
        _collect(rejects, rows, duplicated, key_column_label(spec, mapping), key_text,
                 duplicate_reasons)
    keep &= ~duplicated
    for number, reason in table.ragged_rows:
        rejects.append(pd.DataFrame({"row_number": [number], "column_name": [None],
                                     "value": [None], "reason": [reason]}))
    used = set(mapping.values()) | set(table.coordinate_columns or ()) | {table.wkt_column}
    extra = _extra_columns(frame, used)
    all_rejects = (pd.concat(rejects, ignore_index=True) if rejects
                   else pd.DataFrame(columns=REJECT_COLUMNS))
    all_rejects = all_rejects.sort_values("row_number", kind="stable").reset_index(drop=True)
    return ValidatedRows(
        attributes=pd.DataFrame(typed)[keep],
        source_rows=rows[keep],
        lon=lon[keep] if lon is not None else None,
        lat=lat[keep] if lat is not None else None,
        geometry=geometry[keep] if geometry is not None else None,
        repaired=repaired[keep],
        repair_note=notes[keep],
        synthetic=synthetic[keep],
        extra=extra.filter(pa.array(keep)) if extra is not None else None,
        rejects=all_rejects,
        rows_read=count + len(table.ragged_rows),
    )


def key_column_label(spec: LayerSpec, mapping: dict[str, str]) -> str:
    """The natural key as the file names its columns ("id", "latitude+longitude+…")."""
    return "+".join(mapping.get(k, k) for k in spec.natural_key)


def duplicate_key_reasons(keys: pd.DataFrame, rows: np.ndarray, keep: np.ndarray) -> pd.Series:
    """For rows whose natural key repeats an earlier kept row: "duplicate of row N"; else NA."""
    kept = keys[keep]
    repeated = kept.duplicated(keep="first")
    reasons = pd.Series(pd.NA, index=keys.index, dtype="string")
    if not repeated.any():
        return reasons
    first_row = pd.Series(rows[keep], index=kept.index).groupby(
        [kept[c] for c in kept.columns], dropna=False, sort=False
    ).transform("first")
    names = ", ".join(keys.columns)
    reasons[repeated[repeated].index] = [
        f"duplicate of row {n} (same {names})" for n in first_row[repeated]
    ]
    return reasons


def key_values_text(keys: pd.DataFrame, mask: np.ndarray) -> pd.Series:
    """"v1, v2, …" of the natural-key values, filled only where `mask` is set (for rejects)."""
    text = pd.Series(pd.NA, index=keys.index, dtype="string")
    if mask.any():
        chosen = keys[mask].astype("string").fillna("")
        text[mask] = chosen.iloc[:, 0].str.cat([chosen[c] for c in chosen.columns[1:]], sep=", ")
    return text


def _pair_text(lon: pd.Series, lat: pd.Series) -> pd.Series:
    return lon.fillna("").astype("string") + ", " + lat.fillna("").astype("string")


def _bounds_reasons(bounds: np.ndarray) -> np.ndarray:
    """Source-coordinate checks for geometries, using their bounding boxes."""
    return _vectorised_pair_check(bounds, coordinate_reasons)


def _bounds_china(bounds: np.ndarray) -> np.ndarray:
    return _vectorised_pair_check(bounds, lambda x, y, *_: china_reasons(x, y))


def _vectorised_pair_check(bounds: np.ndarray, check) -> np.ndarray:
    low = check(bounds[:, 0], bounds[:, 1], True)
    high = check(bounds[:, 2], bounds[:, 3], True)
    return np.where(low != "", low, high)


def _bounds_text(bounds: np.ndarray) -> np.ndarray:
    return np.array([
        "" if not np.isfinite(b).all() else f"bbox {b[0]:.6g},{b[1]:.6g},{b[2]:.6g},{b[3]:.6g}"
        for b in bounds
    ], dtype=object)


