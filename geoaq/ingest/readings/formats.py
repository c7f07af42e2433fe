"""The readings file formats: recognising a file by its header and parsing it to station-hours.

**Formats**, recognised by the header (`detect_format`) or named with `fmt`:

* ``national``: CNEMC's national hourly release as quotsoft publishes it
  (``china_sites_YYYYMMDD.csv``): header ``date,hour,type,<station codes>``, 15 ``type`` rows
  per hour. The hourly rows PM2.5, PM10, SO2, NO2, O3, CO are kept, the ``AQI`` row goes to
  ``published_aqi``; the derived ``*_24h`` and ``O3_8h*`` rows are ignored. The file is
  melted to one value per (hour, type, station) and pivoted to one row per station-hour.
  ``time_bjt`` = date + hour:00. A reject names the file row and the station code (column).
* ``live``: the live national release (one hour of every station: ``timepoint,stationcode,…,
  aqi,pm10,pm10_24h,pm2_5,…``), parsed by `live` (`load` dispatches to it).
* ``station``: one row per station-hour: a time column (``datetime``, ``time``, 时间, 日期,
  监测时间, 日期时间, 数据时间 …) or a date column with an hour column, and pollutant
  columns (like CNEMC's per-station files). The station code comes from a code column
  (``station_code``, 站点编码, 监测点编码 …), else from ``station=``, else from the file name
  when it holds one code like ``1410A`` (the report says so), else it is an error.
* ``ymdh``: ``year, month, day, hour`` columns (UCI's Beijing multi-site files). The station
  comes from a code column or ``station=``; a ``station`` column of names ("Dongsi") is not
  guessed: without ``station=`` that is an error asking for ``--station CODE``.

Header spellings are in `spellings`, time parsing in `times`; the CSV itself is read by
`geoaq.ingest.csvtable`. A file may be gzipped. What comes out is a `Parsed` file: long
arrays of candidate station-hours (station, hour, values, source row) with the rejects found
while parsing; `load` validates and stores them.

The national release is read with its station columns as numbers and its derived rows
dropped before parsing (speed: see `load`).
"""

from __future__ import annotations

import gzip
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from geoaq._errors import IngestError, MissingColumnsError
from geoaq.ingest.csvtable import (
    NULL_SET,
    clean,
    decode_text,
    header_fields,
    numbers,
    read_table,
    text_at,
    to_numpy,
)
from geoaq.ingest.readers import header_key
from geoaq.ingest.readings.spellings import LABELS, VALUE_COLUMNS, header_role, is_live_header
from geoaq.ingest.readings.times import (
    date_hour_times,
    parse_dates,
    parse_hours,
    parse_times,
    ymdh_times,
)

FORMATS = ("national", "live", "station", "ymdh")

#: station codes as the stations layer accepts them (layers/stations.toml)
STATION_CODE = re.compile(r"^[0-9A-Za-z_-]{1,20}$")
#: a CNEMC code inside a file name, e.g. cnemc_hourly_1410A_haikou.csv
_CODE_IN_NAME = re.compile(r"(?<![0-9A-Za-z])(\d{4}A)(?![0-9A-Za-z])")
_CNEMC_CODE = re.compile(r"^\d{4}A$")

#: `type` rows of the national release: kept, and derived (ignored without a note)
_NATIONAL_TYPES = {"aqi": "published_aqi", "pm2.5": "pm25", "pm10": "pm10", "so2": "so2",
                   "no2": "no2", "o3": "o3", "co": "co"}
_NATIONAL_DERIVED = {"pm2.5_24h", "pm10_24h", "so2_24h", "no2_24h", "o3_24h", "o3_8h",
                     "o3_8h_24h", "co_24h"}

#: spellings of the `synthetic` flag
_TRUE = {"true", "1", "yes", "y", "t", "是"}
_FALSE = {"false", "0", "no", "n", "f", "否"}


# --- a parsed file, before validation ----------------------------------------------------------


@dataclass
class Parsed:
    """A file as candidate station-hours, in long arrays (one entry per station and hour)."""

    file_format: str
    rows_read: int
    station: pa.Array                        # code; null where missing or malformed
    time: np.ndarray                         # datetime64[s], NaT where unusable
    row: np.ndarray                          # int64 source row of the station-hour
    values: dict[str, np.ndarray]            # floats (NaN: empty or not a number)
    #: (file rows, file columns) and the original text of the values of a column at positions
    cells: Callable[[str, np.ndarray], tuple[np.ndarray, list[str] | str]]
    text: Callable[[str, np.ndarray], list[str | None]]
    columns: dict[str, str]                  # value column -> file column (or type rows)
    header_units: dict[str, str]
    station_source: str
    key_label: str                           # how a duplicate reject names its columns
    synthetic: np.ndarray | None = None
    dropped: np.ndarray | None = None        # station-hours already rejected
    bad_numbers: int = 0                     # values rejected as not a number
    unique_keys: bool = False                # (station, hour) unique by construction
    unreadable_rows: int = 0                 # station-hours lost in rows of the wrong width
    rejects: list[pd.DataFrame] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: per station-hour, what a release published beside the values (published_primary,
    #: published_na, unmeasured; the live release, `live`)
    extra: dict[str, np.ndarray] = field(default_factory=dict)
    #: the stations the file describes (code, name, city, lon, lat, row), for the stations layer
    stations: pd.DataFrame | None = None


def reject_frame(rows, column, values, reason) -> pd.DataFrame:
    """Rejects as the `rejects` table holds them: one `column` and `reason` or one per row."""
    rows = np.asarray(rows, dtype=np.int64)
    n = len(rows)
    columns = column if isinstance(column, (list, np.ndarray, pd.Series)) else [column] * n
    reasons = reason if isinstance(reason, (list, np.ndarray, pd.Series)) else [reason] * n
    return pd.DataFrame({"row_number": rows, "column_name": list(columns),
                         "value": list(values), "reason": list(reasons)})


# --- the file and its format -------------------------------------------------------------------


@dataclass
class SourceFile:
    """A readings file opened: its bytes, its text, its header and its format."""

    path: Path
    raw: bytes                               # the file as stored (what ingest_runs hashes)
    data: bytes                              # the text, UTF-8 without a BOM
    codec: str
    gzipped: bool
    header: list[str]
    fmt: str

    @property
    def label(self) -> str:
        """The format as the report names it: `station`, `national (gzip)` …"""
        return f"{self.fmt}{' (gzip)' if self.gzipped else ''}"


def _read_bytes(path: Path) -> tuple[bytes, bytes, bool]:
    """(file bytes, text bytes, gzipped?): a .gz file (or gzip magic) is decompressed."""
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        try:
            return raw, gzip.decompress(raw), True
        except (OSError, EOFError) as exc:
            raise IngestError(f"{path}: not a readable gzip file: {exc}") from exc
    return raw, raw, False


def _header(first_line: str, path: Path) -> list[str]:
    """The column names of the first line; readings are comma-separated, names unique."""
    if first_line.count("\t") > first_line.count(","):
        raise IngestError(f"{path}: tab-separated readings are not supported; save as CSV")
    header = header_fields(first_line)
    if any(not h for h in header):
        raise IngestError(f"{path}: the header has an empty column name: {header[:12]}")
    duplicated = sorted(h for h, count in Counter(header).items() if count > 1)
    if duplicated:
        raise IngestError(f"{path}: column names appear more than once: {duplicated[:5]}")
    return header


def _is_national(header: list[str]) -> bool:
    return [header_key(h) for h in header[:3]] == ["date", "hour", "type"] and len(header) > 3


def detect_format(header: list[str]) -> str | None:
    """`national`, `live`, `ymdh` or `station` by the header; None when it fits none."""
    if _is_national(header):
        return "national"
    if is_live_header(header):
        return "live"
    roles = {header_role(h)[0] for h in header}
    if {"year", "month", "day", "hour"} <= roles:
        return "ymdh"
    if roles & {"datetime", "date"} and roles & set(VALUE_COLUMNS):
        return "station"
    return None


def _chosen_format(header: list[str], fmt: str, station: str | None, path: Path) -> str:
    """The format to parse with: `fmt` checked against the header, or detected for auto."""
    detected = detect_format(header)
    if fmt == "auto":
        if detected is None:
            more = " …" if len(header) > 12 else ""
            raise MissingColumnsError(
                f"{path}: not a readings file I recognise. Expected the national release "
                "(date,hour,type,<station codes>), the live release (timepoint,stationcode,"
                "positionname,primarypollutant,aqi,pm2_5 …), a station file (a time column such as "
                "datetime/时间/监测时间 and pollutant columns such as PM2.5/SO2/CO) or year,month,"
                f"day,hour columns; columns found: {header[:12]}{more}")
        fmt = detected
    elif fmt not in FORMATS:
        raise IngestError(f"unknown readings format {fmt!r}; use auto, {', '.join(FORMATS)}")
    elif fmt == "national" and detected != "national":
        raise MissingColumnsError(f"{path}: --format national needs the header date,hour,type,"
                                  f"<station codes>; found {header[:6]}")
    elif fmt == "live" and detected != "live":
        raise MissingColumnsError(f"{path}: --format live needs the live release's columns "
                                  f"timepoint, stationcode, positionname, primarypollutant, aqi, "
                                  f"pm2_5, pm10, o3, no2, so2, co; found {header[:12]}")
    if fmt in ("national", "live") and station:
        raise IngestError(f"{path}: --station does not apply to the {fmt} release "
                          "(it names the stations itself)")
    return fmt


def open_file(path: Path, fmt: str, station: str | None, encoding: str) -> SourceFile:
    """Read, decode and recognise a file; file-level problems raise before any parsing."""
    if not path.is_file():
        raise IngestError(f"{path}: no such file")
    raw, body, gzipped = _read_bytes(path)
    text = decode_text(body, encoding, path)
    header = _header(text.first_line, path)
    fmt = _chosen_format(header, fmt, station, path)
    return SourceFile(path, raw, text.body, text.codec, gzipped, header, fmt)


def parse(source: SourceFile, station: str | None) -> Parsed:
    """The file's candidate station-hours; rows of the wrong width are rejects."""
    if source.fmt == "national":
        parsed, ragged = _parse_national(source.data, source.header, source.path)
    else:
        parsed, ragged = _parse_wide(source.data, source.header, source.path, source.fmt, station)
    if ragged:
        parsed.rejects.append(reject_frame([r for r, _ in ragged], None, [None] * len(ragged),
                                           [reason for _, reason in ragged]))
        parsed.rows_read += len(ragged)
        if source.fmt != "national":  # there a row is one type for every station, not a station-hour
            parsed.unreadable_rows = len(ragged)
    return parsed


# --- national release ----------------------------------------------------------------------


def _without_derived_rows(body: bytes) -> tuple[bytes, np.ndarray | None, int | None]:
    """The national release without its derived rows (*_24h, O3_8h*), which are ignored anyway:
    (body, file row of each remaining line, data rows in the file). Files with quotes are
    left whole (rows None)."""
    if b'"' in body:
        return body, None, None
    lines = body.split(b"\n")
    kept, line_numbers, rows_read, derived = [lines[0]], [], 0, {}
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        rows_read += 1
        fields = line.split(b",", 3)
        kind = fields[2] if len(fields) > 2 else b""
        if kind not in derived:
            derived[kind] = header_key(kind.decode("utf-8", "replace")) in _NATIONAL_DERIVED
        if not derived[kind]:
            kept.append(line)
            line_numbers.append(number)
    return b"\n".join(kept), np.array(line_numbers, dtype=np.int64), rows_read


def _parse_national(body: bytes, header: list[str], path: Path) -> tuple[Parsed, list[tuple[int, str]]]:
    codes = header[3:]
    bad_codes = [c for c in codes if not STATION_CODE.match(c)]
    if bad_codes:
        raise IngestError(f"{path}: national release header: {bad_codes[:5]} are not station codes "
                          "(expected date,hour,type followed by codes like 1001A)")
    body, line_rows, rows_read = _without_derived_rows(body)

    def read(types: dict[str, pa.DataType] | None = None):
        table, rows, ragged = read_table(body, header, path, types)
        if line_rows is None:
            return table, rows, ragged
        return table, line_rows[rows - 2], [(int(line_rows[n - 2]), why) for n, why in ragged]

    # fast path: the station columns read as numbers; any other text: read everything as text
    try:
        table, rows, ragged = read(dict.fromkeys(codes, pa.float64()))
        numeric = True
    except pa.ArrowInvalid:
        table, rows, ragged = read()
        numeric = False
    text_table: list[pa.Table] = [] if numeric else [table]
    for i in range(3):
        table = table.set_column(i, table.field(i).name, clean(table.column(i)))
    n_rows = rows_read - len(ragged) if rows_read is not None else table.num_rows
    if n_rows + len(ragged) == 0:
        raise IngestError(f"{path}: the file has a header but no data rows")
    rejects: list[pd.DataFrame] = []
    notes: list[str] = []
    type_text = table.column(2).to_pylist()
    kinds = np.array([_NATIONAL_TYPES.get(header_key(t)) if t else None for t in type_text], dtype=object)
    unknown = sorted({t for t in type_text if t and header_key(t) not in _NATIONAL_TYPES
                      and header_key(t) not in _NATIONAL_DERIVED})
    if unknown:
        notes.append(f"ignored rows of unknown type: {', '.join(unknown)}")
    kept = np.array([k is not None for k in kinds], dtype=bool)
    no_type = np.array([t is None for t in type_text], dtype=bool)
    if no_type.any():
        rejects.append(reject_frame(rows[no_type], header[2], [None] * int(no_type.sum()), "no type"))
    dates = parse_dates(table.column(0))
    hours, bad_hour = parse_hours(table.column(1))
    bad_date = np.isnat(dates)
    bad_hours = ~bad_date & (bad_hour | (hours < 0))
    for mask, i, reason in ((kept & bad_date, 0, "not a date (expected YYYYMMDD)"),
                            (kept & bad_hours, 1, "hour must be a whole number 0–23")):
        if mask.any():
            rejects.append(reject_frame(rows[mask], header[i],
                                        text_at(table.column(i), np.flatnonzero(mask)), reason))
    kept &= ~bad_date & ~bad_hours
    times = np.where(kept, dates + np.maximum(hours, 0).astype("timedelta64[h]"), np.datetime64("NaT"))
    positions = np.flatnonzero(kept)
    keys = pd.DataFrame({"t": times[positions], "k": kinds[positions]})
    duplicated = keys.duplicated(keep="first").to_numpy()
    if duplicated.any():
        first_row = pd.Series(rows[positions]).groupby([keys["t"], keys["k"]]).transform("first").to_numpy()
        dup_at = positions[duplicated]
        rejects.append(reject_frame(
            rows[dup_at], header[2], [type_text[i] for i in dup_at],
            [f"duplicate of row {r} (same date, hour and type)" for r in first_row[duplicated]]))
        positions = positions[~duplicated]
    hour_values, hour_of = np.unique(times[positions], return_inverse=True)
    n_hours, n_st = len(hour_values), len(codes)
    sub = (table if len(positions) == table.num_rows  # the derived rows are gone already
           else table.take(pa.array(positions, pa.int64())))
    bad_numbers = 0
    if numeric:
        stations_only = sub.select(list(range(3, 3 + n_st))).combine_chunks()
        batches = stations_only.to_batches()
        matrix = (batches[0].to_tensor(null_to_nan=True, row_major=True).to_numpy()
                  if len(positions) and batches else np.full((len(positions), n_st), np.nan))
    else:
        matrix = np.full((len(positions), n_st), np.nan)
        for j in range(n_st):
            values, bad = numbers(sub.column(3 + j))
            matrix[:, j] = values
            if bad.any():
                rejects.append(reject_frame(rows[positions[bad]], codes[j],
                                            text_at(sub.column(3 + j), np.flatnonzero(bad)),
                                            "not a number"))
                bad_numbers += int(bad.sum())
    index: dict[str, np.ndarray] = {}
    for kind in VALUE_COLUMNS:
        at = np.full(n_hours, -1, dtype=np.int64)
        mine = kinds[positions] == kind
        at[hour_of[mine]] = np.flatnonzero(mine)
        if (at >= 0).any():
            index[kind] = at
    values: dict[str, np.ndarray] = {}
    first_row = np.full(n_hours, np.iinfo(np.int64).max)
    for kind, at in index.items():
        has = at >= 0
        values[kind] = np.where(has[:, None], matrix[np.maximum(at, 0)], np.nan).ravel()
        first_row = np.where(has, np.minimum(first_row, rows[positions[np.maximum(at, 0)]]), first_row)
    del matrix

    def cells(kind: str, where: np.ndarray) -> tuple[np.ndarray, list[str]]:
        """A value at long position p sits in the `kind` row of hour p // n_st, station p % n_st."""
        return rows[positions[index[kind][where // n_st]]], [codes[j] for j in where % n_st]

    def text(kind: str, where: np.ndarray) -> list[str | None]:
        if not text_table:  # read as text only now, for the few values a reject quotes
            text_table.append(read()[0])
        at_row = np.searchsorted(rows, cells(kind, where)[0])
        return [text_table[0].column(3 + int(j))[int(r)].as_py()
                for r, j in zip(at_row, where % n_st, strict=True)]

    station_index = pa.array(np.tile(np.arange(n_st, dtype=np.int32), n_hours))
    parsed = Parsed(
        file_format="national", rows_read=n_rows,
        station=pa.array(codes, pa.string()).take(station_index),
        time=np.repeat(hour_values, n_st), row=np.repeat(first_row, n_st), values=values,
        cells=cells, text=text,
        columns={k: f"type {LABELS[k]} rows" for k in index}, header_units={},
        station_source=f"the header ({n_st:,} codes)", key_label="date+hour+station",
        rejects=rejects, notes=notes, bad_numbers=bad_numbers, unique_keys=True,
    )
    return parsed, ragged


# --- one row per station-hour (station and ymdh) ---------------------------------------------


def _roles(header: list[str], path: Path) -> tuple[dict[str, str], dict[str, str], list[str]]:
    """(role -> column, value column -> unit from the header, unrecognised columns)."""
    found: dict[str, str] = {}
    units: dict[str, str] = {}
    ignored: list[str] = []
    for column in header:
        role, unit = header_role(column)
        if role is None:
            ignored.append(column)
            continue
        if role in found:
            raise IngestError(f"{path}: columns {found[role]!r} and {column!r} both look like "
                              f"{LABELS.get(role, role)}; keep one")
        found[role] = column
        if unit:
            units[role] = unit
    return found, units, ignored


def _distinct_text(column: pa.ChunkedArray | pa.Array) -> list[str]:
    """The distinct values of a text column, trimmed, without nulls and null tokens."""
    values = {v.strip() for v in pc.unique(column).to_pylist() if v is not None}
    return sorted(v for v in values if v not in NULL_SET)


def _stations_for_rows(table: pa.Table, header: list[str], found: dict[str, str],
                       station: str | None, path: Path, fmt: str,
                       ) -> tuple[pa.Array, str, np.ndarray, str | None]:
    """(code per row, null where unusable; how decided; reason per row; code column)."""
    n = table.num_rows
    reasons = np.empty(n, dtype=object)
    code_column = found.get("station_code")
    name_column = found.get("station_name")
    names = _distinct_text(table.column(header.index(name_column))) if name_column else []
    if code_column is None and names and all(_CNEMC_CODE.match(v) for v in names):
        code_column = name_column  # a "station" column that holds codes (1003A)
    if code_column is not None:
        codes = table.column(header.index(code_column))
        codes = codes.combine_chunks() if isinstance(codes, pa.ChunkedArray) else codes
        pattern = STATION_CODE.pattern
        matches = pc.match_substring_regex(codes, pattern)
        if not pc.all(pc.fill_null(matches, True)).as_py():
            codes = clean(codes)  # spaces around codes, null tokens: cleaned, then checked
            matches = pc.match_substring_regex(codes, pattern)
        if station is not None:
            other = [c for c in _distinct_text(codes) if c != station]
            if other:
                raise IngestError(f"{path}: --station {station} conflicts with the file's "
                                  f"{code_column!r} column ({', '.join(other[:5])})")
        missing = to_numpy(codes.is_null())
        malformed = ~missing & ~to_numpy(pc.fill_null(matches, True))
        reasons[missing] = "no station code"
        reasons[malformed] = "not a station code (letters, digits, - and _ only)"
        if malformed.any():
            codes = pc.if_else(pa.array(malformed), pa.scalar(None, pa.string()), codes)
        return codes, f"column {code_column}", reasons, code_column
    if station is not None:
        if not STATION_CODE.match(station):
            raise IngestError(f"--station {station!r} is not a station code (e.g. 1003A)")
        if len(names) > 1:
            raise IngestError(f"{path}: the {name_column!r} column names {len(names)} stations "
                              f"({', '.join(names[:5])}); --station {station} can only "
                              "stand for one: split the file or add a station code column")
        source = f"--station {station}" + (f" (the file says {names[0]!r})" if names else "")
        in_name = sorted(set(_CODE_IN_NAME.findall(path.name)) - {station})
        if in_name:
            source += f" (warning: the file name says {', '.join(in_name)})"
        return pa.repeat(station, n), source, reasons, None
    if names:
        raise IngestError(f"{path}: the {name_column!r} column holds station names "
                          f"({', '.join(names[:3])}), not codes; pass --station CODE (e.g. "
                          "--station 1003A for 东四/Dongsi) or add a station_code column")
    if fmt == "station":
        in_name = sorted(set(_CODE_IN_NAME.findall(path.name)))
        if len(in_name) == 1:
            return pa.repeat(in_name[0], n), f"the file name ({in_name[0]})", reasons, None
        if len(in_name) > 1:
            raise IngestError(f"{path}: the file name holds several station codes "
                              f"({', '.join(in_name)}); pass --station CODE")
    where = " and its name holds no code like 1410A" if fmt == "station" else ""
    raise MissingColumnsError(f"{path}: no station code: the file has no station_code/站点编码 "
                              f"column{where}; pass --station CODE")


def _synthetic_flags(column: pa.ChunkedArray | pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """(synthetic?, not true/false) per row; an empty cell means not synthetic."""
    spellings = [v for v in pc.unique(column).to_pylist() if v is not None]
    true = [v for v in spellings if v.strip().lower() in _TRUE]
    unknown = [v for v in spellings if v.strip().lower() not in _TRUE | _FALSE | NULL_SET]
    flags = to_numpy(pc.fill_null(pc.is_in(column, pa.array(true, pa.string())), False))
    bad = (to_numpy(pc.fill_null(pc.is_in(column, pa.array(unknown, pa.string())), False))
           if unknown else np.zeros(len(flags), dtype=bool))
    return flags, bad


def _parse_wide(data: bytes, header: list[str], path: Path, fmt: str,
                station: str | None) -> tuple[Parsed, list[tuple[int, str]]]:
    found, header_units, ignored = _roles(header, path)
    index = {role: header.index(column) for role, column in found.items()}
    present = [k for k in VALUE_COLUMNS if k in found]
    if not present:
        raise MissingColumnsError(f"{path}: no pollutant columns (PM2.5, PM10, SO2, NO2, O3, CO "
                                  f"or their Chinese names); columns found: {header}")
    if fmt == "ymdh":
        missing = [name for name in ("year", "month", "day", "hour") if name not in found]
        if missing:
            raise MissingColumnsError(f"{path}: format ymdh needs year, month, day and hour columns; "
                                      f"missing {missing}; columns found: {header}")
    elif not found.keys() & {"datetime", "date"}:
        raise MissingColumnsError(f"{path}: no time column (datetime, time, 时间, 日期, 监测时间 … or "
                                  f"date + hour); columns found: {header}")
    # fast path: pollutant columns read as numbers; any other text in them: read all as text
    try:
        table, rows, ragged = read_table(data, header, path, {found[k]: pa.float64() for k in present})
        text_table: list[pa.Table] = []
    except pa.ArrowInvalid:
        table, rows, ragged = read_table(data, header, path)
        text_table = [table]
    n = table.num_rows
    if n == 0 and not ragged:
        raise IngestError(f"{path}: the file has a header but no data rows (header: {header[:12]})")
    rejects: list[pd.DataFrame] = []
    if fmt == "ymdh":
        time_columns = [found[name] for name in ("year", "month", "day", "hour")]
        times, time_reasons = ymdh_times({name: table.column(index[name])
                                          for name in ("year", "month", "day", "hour")})
    elif "date" in found and "hour" in found:
        time_columns = [found["date"], found["hour"]]
        times, time_reasons = date_hour_times(table.column(index["date"]), table.column(index["hour"]))
    else:
        column = found.get("datetime") or found["date"]
        times, time_reasons = parse_times(table.column(header.index(column)))
        time_columns = [column]
    time_label = ("/" if fmt == "ymdh" else "+").join(time_columns)
    bad_time = np.isnat(times)
    if bad_time.any():
        positions = np.flatnonzero(bad_time)
        texts = [text_at(table.column(header.index(c)), positions) for c in time_columns]
        values = [" ".join("" if v is None else v for v in parts) for parts in zip(*texts, strict=True)]
        rejects.append(reject_frame(rows[positions], time_label, values, time_reasons[positions]))
    codes, station_source, station_reasons, code_column = _stations_for_rows(
        table, header, found, station, path, fmt)
    bad_station = (station_reasons != None) & ~bad_time  # noqa: E711 (element-wise)
    if bad_station.any():
        positions = np.flatnonzero(bad_station)
        rejects.append(reject_frame(rows[positions], code_column,
                                    text_at(table.column(header.index(code_column)), positions),
                                    station_reasons[positions]))
    if found.get("station_name") and code_column != found["station_name"]:
        ignored.append(found["station_name"])
    synthetic = None
    bad_flag = np.zeros(n, dtype=bool)
    if "synthetic" in found:
        synthetic, bad_flag = _synthetic_flags(table.column(index["synthetic"]))
        bad_flag &= ~bad_time & ~bad_station
        if bad_flag.any():
            positions = np.flatnonzero(bad_flag)
            rejects.append(reject_frame(rows[positions], found["synthetic"],
                                        text_at(table.column(index["synthetic"]), positions),
                                        "synthetic must be true or false"))
    dropped = bad_time | bad_station | bad_flag
    values = {}
    bad_numbers = 0
    for kind in present:
        column = table.column(index[kind])
        kind_values, bad = numbers(column)
        values[kind] = kind_values
        bad &= ~dropped
        if bad.any():
            positions = np.flatnonzero(bad)
            rejects.append(reject_frame(rows[positions], found[kind], text_at(column, positions),
                                        "not a number"))
            bad_numbers += len(positions)

    def cells(kind: str, where: np.ndarray) -> tuple[np.ndarray, str]:
        return rows[where], found[kind]

    def text(kind: str, where: np.ndarray) -> list[str | None]:
        if not text_table:  # read as text only now, for the few values a reject quotes
            text_table.append(read_table(data, header, path)[0])
        return text_at(text_table[0].column(index[kind]), where)

    parsed = Parsed(
        file_format=fmt, rows_read=n, station=codes, time=times, row=rows,
        values=values, cells=cells, text=text,
        columns={k: found[k] for k in present}, header_units=header_units,
        station_source=station_source, key_label=f"{code_column or 'station'}+{time_label}",
        synthetic=synthetic, dropped=dropped, rejects=rejects, ignored=ignored,
        bad_numbers=bad_numbers,
    )
    return parsed, ragged
