"""Reading input files into one shape, whatever the format.

Formats: GeoJSON, GeoPackage, Shapefile (plain or zipped; `.cpg` honoured, DBF encoding
detected otherwise), CSV with coordinate or WKT columns (FIRMS CSVs included), GeoParquet
(and plain Parquet with coordinate columns). Every attribute arrives as text exactly as the
file spells it, so validation can quote the original value in a reject. Delimited text is
read by `geoaq.ingest.csvtable`, the CSV reader hourly readings use too.
"""

from __future__ import annotations

import io
import json
import re
import tempfile
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyproj
import shapely

from geoaq._errors import EncodingError, IngestError, MissingColumnsError
from geoaq.ingest import csvtable, firms
from geoaq.ingest import encoding as enc

LON_NAMES = ("longitude", "lon", "lng", "long", "经度", "东经", "x", "x坐标", "lon_wgs84", "经度(°)", "经度(e)")
LAT_NAMES = ("latitude", "lat", "纬度", "北纬", "y", "y坐标", "lat_wgs84", "纬度(°)", "纬度(n)")
WKT_NAMES = ("geometry", "geom", "wkt", "the_geom", "shape", "几何", "空间坐标")
CSV_SUFFIXES = {".csv", ".txt", ".tsv"}
VECTOR_SUFFIXES = {".geojson", ".json", ".gpkg", ".shp"}
PARQUET_SUFFIXES = {".parquet", ".geoparquet", ".pq"}


@dataclass
class SourceTable:
    """A file as read: original column names and text values, plus where geometry comes from."""

    path: Path
    file_format: str
    attributes: pd.DataFrame
    row_numbers: np.ndarray
    geometry: np.ndarray | None = None
    coordinate_columns: tuple[str, str] | None = None
    wkt_column: str | None = None
    crs: pyproj.CRS | None = None
    encoding: str | None = None
    instrument: str | None = None
    #: rows dropped while parsing (wrong number of fields): (row number, reason)
    ragged_rows: list[tuple[int, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def row_label(self) -> str:
        return "row" if self.file_format.startswith(("csv", "firms", "parquet")) else "feature"


def header_key(name: str) -> str:
    """Normalise a header for matching: NFKC (full-width -> ASCII), trimmed, lower case."""
    return unicodedata.normalize("NFKC", str(name)).strip().strip("\ufeff").lower().replace(" ", "")


def _find_column(columns: list[str], candidates: tuple[str, ...]) -> str | None:
    keyed = {header_key(c): c for c in columns}
    for candidate in candidates:
        if header_key(candidate) in keyed:
            return keyed[header_key(candidate)]
    return None


def _coordinate_columns(
    columns: list[str], lon_col: str | None, lat_col: str | None, source: Path
) -> tuple[str, str] | None:
    """The (lon, lat) columns: as given by the user, else recognised by name, else None."""
    if lon_col or lat_col:
        if not (lon_col and lat_col):
            raise IngestError(f"{source}: give both --lon-col and --lat-col, not just one")
        missing = [c for c in (lon_col, lat_col) if c not in columns]
        if missing:
            raise MissingColumnsError(
                f"{source}: coordinate column(s) {missing} not found; columns found: {columns}"
            )
        return lon_col, lat_col
    lon, lat = _find_column(columns, LON_NAMES), _find_column(columns, LAT_NAMES)
    return (lon, lat) if lon and lat else None


def _to_text(series: pd.Series) -> pd.Series:
    """Typed values from vector formats as the text a user would have typed."""
    if pd.api.types.is_float_dtype(series):
        values = series.to_numpy(dtype=float, na_value=np.nan)
        integral = np.isfinite(values) & (np.mod(values, 1) == 0) & (np.abs(values) < 2**53)
        text = series.astype("string")
        text[integral] = values[integral].astype(np.int64).astype(str)
        return text
    if pd.api.types.is_datetime64_any_dtype(series):
        return series.dt.strftime("%Y-%m-%d %H:%M:%S").str.replace(" 00:00:00", "", regex=False)
    if pd.api.types.is_bool_dtype(series):
        return series.map({True: "true", False: "false"}).astype("string")
    return series.astype("string")


def _clean_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Every column trimmed, with null tokens null (`csvtable.clean`), as pandas strings."""
    return pd.DataFrame({
        c: pd.Series(csvtable.clean(pa.array(frame[c], pa.string(), from_pandas=True)),
                     dtype=pd.ArrowDtype(pa.string())).astype("string")
        for c in frame.columns
    }, index=frame.index)


def _text_frame(frame: pd.DataFrame) -> pd.DataFrame:
    return _clean_text(pd.DataFrame({c: _to_text(frame[c]) for c in frame.columns}, index=frame.index))


def _check_header(columns: list[str], source: Path) -> None:
    keys = [header_key(c) for c in columns]
    duplicated = sorted({c for c, k in zip(columns, keys, strict=True) if keys.count(k) > 1})
    if duplicated:
        raise IngestError(f"{source}: column names appear more than once: {duplicated}")
    if any(not k for k in keys):
        raise IngestError(f"{source}: the header has an empty column name: {columns}")


# --- CSV -----------------------------------------------------------------------------------


def _csv_frame(path: Path, text: csvtable.CsvText, delimiter: str,
               header: list[str]) -> tuple[pd.DataFrame, np.ndarray, list[tuple[int, str]]]:
    """(text attributes, their spreadsheet row numbers, ragged rows) of a delimited file."""
    rows = csvtable.read_table(text.body, header, path, delimiter=delimiter, quoted_newlines=True)
    cleaned = pa.table([csvtable.clean(column) for column in rows.table.columns],
                       names=rows.table.column_names)
    # rows that only trimming empties (spaces, spaced null tokens) are blank too
    cleaned, row_numbers = csvtable.drop_blank_rows(cleaned, rows.row_numbers)
    frame = pd.DataFrame({
        name: pd.Series(cleaned.column(i), dtype=pd.ArrowDtype(pa.string())).astype("string")
        for i, name in enumerate(header)
    })
    return frame, row_numbers, rows.ragged


def read_csv(path: Path, *, encoding: str = "auto", lon_col: str | None = None,
             lat_col: str | None = None) -> SourceTable:
    """Read a delimited text file (FIRMS files included) with every value as text."""
    text = csvtable.decode_text(path.read_bytes(), encoding, path)
    delimiter = csvtable.sniff_delimiter(text.first_line, path.suffix.lower())
    header = csvtable.header_fields(text.first_line, delimiter)
    _check_header(header, path)
    frame, row_numbers, ragged = _csv_frame(path, text, delimiter, header)
    if len(frame) == 0 and not ragged:
        raise IngestError(f"{path}: the file has a header but no data rows (header: {header})")
    instrument = firms.detect_instrument(header)
    if instrument:
        frame = firms.normalize(frame, instrument)
        header = list(frame.columns)
    coordinates = _coordinate_columns(header, lon_col, lat_col, path)
    wkt = None if coordinates else _find_column(header, WKT_NAMES)
    if coordinates is None and wkt is None:
        raise MissingColumnsError(
            f"{path}: no coordinates: expected longitude/latitude columns (e.g. 经度/纬度, "
            f"lon/lat, longitude/latitude) or a WKT column (geometry/wkt), or pass --lon-col "
            f"and --lat-col; columns found: {header}"
        )
    return SourceTable(
        path=path,
        file_format=f"firms-{instrument.lower()}" if instrument else "csv",
        attributes=frame,
        row_numbers=row_numbers,
        coordinate_columns=coordinates,
        wkt_column=wkt,
        encoding=text.codec,
        instrument=instrument,
        ragged_rows=ragged,
    )


# --- vector formats ------------------------------------------------------------------------


def _dbf_encoding(shp: Path) -> str | None:
    """Encoding of a shapefile's attributes: its .cpg, else detected from the .dbf records."""
    for suffix in (".cpg", ".CPG"):
        cpg = shp.with_suffix(suffix)
        if cpg.is_file():
            declared = cpg.read_text("ascii", errors="ignore").strip()
            if declared:
                return enc.normalize_encoding(declared)
    dbf = next((shp.with_suffix(s) for s in (".dbf", ".DBF") if shp.with_suffix(s).is_file()), None)
    if dbf is None:
        return None
    raw = dbf.read_bytes()
    header_length = int.from_bytes(raw[8:10], "little") if len(raw) >= 10 else len(raw)
    records = raw[header_length:]
    fields = raw[32:header_length]
    return enc.detect_encoding(fields + records) if records or fields else None


def _dbf_undecodable(shp: Path, codec: str) -> str:
    """Which part of a shapefile's .dbf `codec` cannot decode: the field names or feature N."""
    dbf = next((shp.with_suffix(s) for s in (".dbf", ".DBF") if shp.with_suffix(s).is_file()), None)
    raw = dbf.read_bytes() if dbf is not None else b""
    if len(raw) < 32:
        return "the attribute table (.dbf)"
    header_length = int.from_bytes(raw[8:10], "little")
    record_length = int.from_bytes(raw[10:12], "little")
    for start in range(32, header_length - 31, 32):
        if raw[start] == 0x0D:  # end of the field descriptors
            break
        try:
            raw[start:start + 11].split(b"\0", 1)[0].decode(codec)
        except UnicodeDecodeError:
            return "a field name in the attribute table (.dbf)"
    for number, start in enumerate(range(header_length, len(raw) - record_length + 1,
                                         max(record_length, 1)), 1):
        try:
            raw[start:start + record_length].decode(codec)
        except UnicodeDecodeError:
            return f"feature {number} in the attribute table (.dbf)"
    return "the attribute table (.dbf)"


def _geojson_crs(raw: bytes) -> pyproj.CRS | None:
    """The CRS a GeoJSON file states in a legacy `crs` member, else None (unspecified)."""
    if not re.search(rb'"crs"\s*:', raw):
        return None
    try:
        member = json.loads(raw).get("crs")
    except (ValueError, AttributeError):
        return None
    name = (member or {}).get("properties", {}).get("name")
    if not name:
        return None
    try:
        return pyproj.CRS.from_user_input(name)
    except pyproj.exceptions.CRSError as exc:
        raise IngestError(f"GeoJSON crs member {name!r} is not a known CRS: {exc}") from exc


def _from_geodataframe(gdf, path: Path, file_format: str, crs: pyproj.CRS | None,
                       codec: str | None, explicit_crs: bool = True) -> SourceTable:
    if len(gdf) == 0:
        raise IngestError(f"{path}: the file has no features")
    columns = [c for c in gdf.columns if c != gdf.geometry.name]
    _check_header(columns, path)
    geometry = np.asarray(gdf.geometry.array, dtype=object)
    return SourceTable(
        path=path,
        file_format=file_format,
        attributes=_text_frame(pd.DataFrame(gdf[columns])),
        row_numbers=np.arange(1, len(gdf) + 1, dtype=np.int64),
        geometry=geometry,
        crs=crs if explicit_crs else None,
        encoding=codec,
    )


def _read_vector(path: Path, encoding: str, source_layer: str | None,
                 display_path: Path | None = None) -> SourceTable:
    import pyogrio

    shown = display_path or path
    suffix = path.suffix.lower()
    if path.stat().st_size == 0:
        raise IngestError(f"{shown}: the file is empty (0 bytes)")
    try:
        layers = pyogrio.list_layers(path) if suffix == ".gpkg" else None
        if layers is not None and source_layer is None and len(layers) > 1:
            names = [str(name) for name, _ in layers]
            raise IngestError(f"{shown}: the GeoPackage holds several layers {names}; choose one "
                              "with --source-layer")
        if suffix in {".geojson", ".json"}:
            raw = path.read_bytes()
            text, codec = enc.decode_bytes(raw, encoding, shown)
            explicit = _geojson_crs(raw)
            gdf = pyogrio.read_dataframe(io.BytesIO(text.encode("utf-8")))
            return _from_geodataframe(gdf, shown, "geojson", explicit, codec, explicit is not None)
        if suffix == ".shp":
            codec = enc.normalize_encoding(encoding) if encoding != "auto" else _dbf_encoding(path)
            try:
                gdf = (pyogrio.read_dataframe(path, encoding=codec) if codec
                       else pyogrio.read_dataframe(path))
            except UnicodeDecodeError as exc:
                raise EncodingError(
                    f"{shown}: {_dbf_undecodable(path, exc.encoding)} is not valid "
                    f"{exc.encoding}: {exc.reason}; try --encoding auto or fix the .cpg"
                ) from exc
            return _from_geodataframe(gdf, shown, "shapefile", gdf.crs, codec, gdf.crs is not None)
        gdf = pyogrio.read_dataframe(path, layer=source_layer)
        return _from_geodataframe(gdf, shown, "gpkg", gdf.crs, "utf-8", gdf.crs is not None)
    except IngestError:
        raise
    except Exception as exc:  # GDAL's errors are many; report them with the file's name
        raise IngestError(f"{shown}: cannot read as {suffix.lstrip('.')}: {exc}") from exc


def _zip_member_name(info: zipfile.ZipInfo) -> str:
    """Member names in zips made on Chinese Windows are GBK without the UTF-8 flag."""
    if info.flag_bits & 0x800:
        return info.filename
    try:
        return info.filename.encode("cp437").decode("gb18030")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return info.filename


def _read_zip(path: Path, encoding: str, source_layer: str | None, **csv_options) -> SourceTable:
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        raise IngestError(f"{path}: not a valid zip file: {exc}") from exc
    with archive, tempfile.TemporaryDirectory(prefix="geoaq-zip-") as tmp:
        names = {}
        for info in archive.infolist():
            if info.is_dir():
                continue
            name = _zip_member_name(info)
            target = Path(tmp) / Path(name).name
            target.write_bytes(archive.read(info))
            names[name] = target
        readable = [n for n in names if Path(n).suffix.lower() in VECTOR_SUFFIXES | CSV_SUFFIXES]
        if len(readable) != 1:
            raise IngestError(
                f"{path}: expected exactly one shapefile (or one GeoJSON/GeoPackage/CSV) inside "
                f"the zip, found {readable or 'none'} among {sorted(names)}"
            )
        member = readable[0]
        inner = names[member]
        if inner.suffix.lower() == ".shp":
            missing = [s for s in (".shx", ".dbf") if not inner.with_suffix(s).exists()]
            if missing:
                raise IngestError(f"{path}: {member} comes without {missing} in the zip")
        shown = Path(f"{path}!{member}")
        if inner.suffix.lower() in CSV_SUFFIXES:
            table = read_csv(inner, encoding=encoding, **csv_options)
            table.path = shown
        else:
            table = _read_vector(inner, encoding, source_layer, display_path=shown)
        table.file_format += " (zip)"
        return table


def _read_parquet(path: Path, lon_col: str | None, lat_col: str | None) -> SourceTable:
    import geopandas as gpd

    try:
        gdf = gpd.read_parquet(path)
    except ValueError:  # plain Parquet without GeoParquet metadata: coordinates in columns
        try:
            frame = pd.read_parquet(path)
        except Exception as exc:
            raise IngestError(f"{path}: cannot read as GeoParquet or Parquet: {exc}") from None
        if len(frame) == 0:
            raise IngestError(f"{path}: the file has no rows") from None
        columns = list(frame.columns)
        _check_header(columns, path)
        coordinates = _coordinate_columns(columns, lon_col, lat_col, path)
        if coordinates is None:
            raise MissingColumnsError(
                f"{path}: Parquet without GeoParquet metadata needs longitude/latitude columns "
                f"(or --lon-col/--lat-col); columns found: {columns}"
            ) from None
        return SourceTable(path, "parquet", _text_frame(frame),
                           np.arange(1, len(frame) + 1, dtype=np.int64),
                           coordinate_columns=coordinates)
    except Exception as exc:
        raise IngestError(f"{path}: cannot read as GeoParquet: {exc}") from exc
    table = _from_geodataframe(gdf, path, "geoparquet", gdf.crs, None, gdf.crs is not None)
    table.row_numbers = np.arange(1, len(gdf) + 1, dtype=np.int64)
    return table


def read_source(path: str | Path, *, encoding: str = "auto", lon_col: str | None = None,
                lat_col: str | None = None, source_layer: str | None = None) -> SourceTable:
    """Read any supported file; errors name the file and say what was expected."""
    path = Path(path)
    if not path.exists():
        raise IngestError(f"{path}: no such file")
    if path.is_dir():
        raise IngestError(f"{path}: is a directory; give a file")
    suffix = path.suffix.lower()
    if suffix in CSV_SUFFIXES:
        return read_csv(path, encoding=encoding, lon_col=lon_col, lat_col=lat_col)
    if suffix in VECTOR_SUFFIXES:
        return _read_vector(path, encoding, source_layer)
    if suffix == ".zip":
        return _read_zip(path, encoding, source_layer, lon_col=lon_col, lat_col=lat_col)
    if suffix in PARQUET_SUFFIXES:
        return _read_parquet(path, lon_col, lat_col)
    raise IngestError(
        f"{path}: unsupported file type {suffix or '(none)'}; expected .geojson/.json, .gpkg, "
        ".shp, .zip (zipped shapefile), .csv/.txt/.tsv (incl. FIRMS), .parquet/.geoparquet"
    )


def parse_wkt(values: pd.Series) -> np.ndarray:
    """Shapely geometries from WKT text; unparsable text gives None (rejected later)."""
    return shapely.from_wkt(values.astype(object).where(values.notna(), None).to_numpy(),
                            on_invalid="ignore")
