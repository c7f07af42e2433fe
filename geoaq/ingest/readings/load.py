"""Hourly station readings (监测站小时数据): read → validate → load into `readings`.

`load_readings()` is what `geoaq aq load` and the demo build call. Like layer ingest
(`geoaq.ingest.layer`), a file-level problem raises an IngestError before anything is written;
row and value problems go to the shared `rejects` table (layer "readings") with file, row,
column, value and reason; a load runs in one transaction and is recorded in `ingest_runs`.

**Formats**, recognised by the header (or named with `fmt`):

* ``national``: CNEMC's national hourly release as quotsoft publishes it
  (``china_sites_YYYYMMDD.csv``): header ``date,hour,type,<station codes>``, 15 ``type`` rows
  per hour. The hourly rows PM2.5, PM10, SO2, NO2, O3, CO are kept, the ``AQI`` row goes to
  ``published_aqi``; the derived ``*_24h`` and ``O3_8h*`` rows are ignored. The file is
  melted to one value per (hour, type, station) and pivoted to one row per station-hour.
  ``time_bjt`` = date + hour:00. A reject names the file row and the station code (column).
* ``station``: one row per station-hour: a time column (``datetime``, ``time``, 时间, 日期,
  监测时间, 日期时间, 数据时间 …) or a date column with an hour column, and pollutant
  columns (like CNEMC's per-station files). The station code comes from a code column
  (``station_code``, 站点编码, 监测点编码 …), else from ``station=``, else from the file name
  when it holds one code like ``1410A`` (the report says so), else it is an error.
* ``ymdh``: ``year, month, day, hour`` columns (UCI's Beijing multi-site files). The station
  comes from a code column or ``station=``; a ``station`` column of names ("Dongsi") is not
  guessed: without ``station=`` that is an error asking for ``--station CODE``.

Header spellings are matched after NFKC (full-width → ASCII, PM₂.₅ → PM2.5), lower case and
without spaces; a trailing "浓度" and bracketed units or labels are allowed:
``PM2.5(μg/m³)``, ``一氧化碳(mg/m3)``, ``细颗粒物(PM2.5)``. See `_ALIASES`. A column ``AQI``
(空气质量指数) becomes ``published_aqi``; ``synthetic`` (true/false) marks generated rows.

**Units.** Stored units are µg/m³, CO mg/m³ (`CANONICAL_UNITS`). A source unit comes from
`units=` (``{"co": "ug/m3"}``; CLI ``--unit co=ug/m3``), else from the header
(``CO(μg/m³)``), else it is the canonical one; the two declarations must not disagree.
µg/m³ ↔ mg/m³ is ×/÷ 1000. ppm/ppb are converted for the gases (SO2, NO2, O3, CO) at the
reference state of GB 3095-2012 as it stood at each reading's hour: 273.15 K, 101.325 kPa
(molar volume 22.414 L/mol) before 2018-09-01 00:00 Beijing time, and 298.15 K, 1013.25 hPa
(24.465 L/mol) from then on (修改单, 生态环境部公告 2018 年第 29 号); PM in ppm is refused.
A unit is a fact about the whole file, so a file whose values contradict its (declared or
default) unit is refused as a whole, with the reason and the fix:
CO with a median above 20 mg/m³ ("CO looks like µg/m³ (median 900)…", e.g. the UCI files),
CO with a median below 0.02 mg/m³ after converting a declared µg/m³/ppb (≥ 24 values), and
PM2.5/PM10 whose 95th percentile is below 1 µg/m³ (looks like mg/m³; ≥ 24 values).

**Rejects.** A station-hour is left out (one reject) when its time cannot be read, has no
hour, is not on the full hour or its hour is not 0–23; when it has no or a malformed station
code; or when the same station and hour came earlier in the file (kept: the first). A single
value is left out (the rest of its station-hour is loaded) when it is not a number, negative,
or above the ceiling in `CEILINGS`. A station-hour with no value at all is skipped (counted,
not a reject). Codes absent from the `stations` layer are a warning in the report, not a
reject: readings are kept by code, and a regional stations layer would otherwise turn a
national release into tens of thousands of rejects.

**Loading** is by natural key (station_code, time_bjt), as layer ingest does: new rows are
inserted, unchanged rows stay (keeping their first ingest), changed rows are replaced. A
pollutant column the file does not have keeps the stored value (a Haikou-style file without
PM10 does not erase PM10 loaded from the national release); an empty cell in a column the
file has replaces it with NULL.

**Speed**, measured on the project's 2-core VM with a year made from the 2019-01-01 release
(1,605 stations, 14.06M station-hours of which 11.86M carry values): 365 daily national files
into one database, one transaction each, 53 s (0.15 s a file; about half of it is DuckDB's
insert, commit and WAL checkpoints); the same year as one national file 23 s; as one long
station-format CSV (640 MB, 11.86M rows) 14 s, and 15 s to reload it unchanged. The
national release is read with its station columns as numbers and its derived rows dropped
before parsing; hours not yet in the table are inserted without the merge.
"""

from __future__ import annotations

import codecs
import gzip
import hashlib
import re
import time
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from geoaq._errors import IngestError, MissingColumnsError, UnitError
from geoaq.db import connection as geoaq_db
from geoaq.db import store
from geoaq.db.named import query
from geoaq.ingest import encoding as enc
from geoaq.ingest.readers import NULL_TOKENS, header_key
from geoaq.ingest.textparse import parse_numbers

#: progress(stage, station-hours done, station-hours total)
Progress = Callable[[str, int, int], None]

LAYER = "readings"
FORMATS = ("national", "station", "ymdh")
POLLUTANTS = ("pm25", "pm10", "so2", "no2", "o3", "co")
VALUE_COLUMNS = (*POLLUTANTS, "published_aqi")
LABELS = {"pm25": "PM2.5", "pm10": "PM10", "so2": "SO2", "no2": "NO2", "o3": "O3", "co": "CO",
          "published_aqi": "AQI"}
CANONICAL_UNITS = {"pm25": "ug/m3", "pm10": "ug/m3", "so2": "ug/m3", "no2": "ug/m3",
                   "o3": "ug/m3", "co": "mg/m3"}
UNIT_DISPLAY = {"ug/m3": "µg/m³", "mg/m3": "mg/m³", "ppm": "ppm", "ppb": "ppb"}

#: Values above these (canonical units) are rejected as implausible. They sit far above
#: anything ambient monitors report and at or above the top of the HJ 633-2012 scales
#: (1-h tables: NO2 3,840, CO 150, O3 1,200; SO2 24-h 2,620), so they catch unit slips,
#: sentinels (99999) and typos, never a real episode: PM allows the severe dust storms
#: (hourly PM10 of several thousand µg/m³); the AQI scale ends at 500.
CEILINGS = {"pm25": 3_000.0, "pm10": 10_000.0, "so2": 5_000.0, "no2": 4_000.0, "o3": 1_500.0,
            "co": 150.0, "published_aqi": 500.0}

#: CO's plausible median (mg/m³) and PM's smallest plausible 95th percentile (µg/m³)
CO_MEDIAN_MAX = 20.0
CO_MEDIAN_MIN = 0.02
PM_P95_MIN = 1.0
MIN_VALUES_FOR_LOW_CHECKS = 24
UNIT_SAMPLE = 500_000

#: molar masses (g/mol) for ppm/ppb, from IUPAC standard atomic weights (S 32.06, O 15.999,
#: N 14.007, C 12.011)
MOLAR_MASS = {"so2": 64.058, "no2": 46.005, "o3": 47.997, "co": 28.010}
#: molar volume (L/mol) of the GB 3095-2012 state: standard state (273.15 K, 101.325 kPa)
#: until the 2018 amendment, reference state (298.15 K, 1013.25 hPa) from 2018-09-01
_GAS_R, _ATM = 8.314462618, 101.325
MOLAR_VOLUME_BEFORE = _GAS_R * 273.15 / _ATM
MOLAR_VOLUME_FROM = _GAS_R * 298.15 / _ATM
REFERENCE_STATE_CHANGE = np.datetime64("2018-09-01T00:00:00", "s")

#: station codes as the stations layer accepts them (layers/stations.toml)
STATION_CODE = re.compile(r"^[0-9A-Za-z_-]{1,20}$")
#: a CNEMC code inside a file name, e.g. cnemc_hourly_1410A_haikou.csv
_CODE_IN_NAME = re.compile(r"(?<![0-9A-Za-z])(\d{4}A)(?![0-9A-Za-z])")
_CNEMC_CODE = re.compile(r"^\d{4}A$")


# --- header spellings ----------------------------------------------------------------------

_ALIASES: dict[str, tuple[str, ...]] = {
    "pm25": ("pm2.5", "pm25", "pm2_5", "pm_2.5", "pm_25", "pm2.5_1h", "细颗粒物", "细颗粒"),
    "pm10": ("pm10", "pm_10", "pm10_1h", "可吸入颗粒物", "可吸入颗粒"),
    "so2": ("so2", "so_2", "so2_1h", "二氧化硫"),
    "no2": ("no2", "no_2", "no2_1h", "二氧化氮"),
    "o3": ("o3", "o_3", "o3_1h", "o3-1h", "臭氧", "臭氧1小时"),
    "co": ("co", "co_1h", "一氧化碳"),
    "published_aqi": ("aqi", "aqi指数", "空气质量指数", "published_aqi"),
    "datetime": ("datetime", "date_time", "time", "timestamp", "time_point", "timepoint",
                 "时间", "日期时间", "监测时间", "采样时间", "数据时间", "时间点", "发布时间"),
    "date": ("date", "日期", "监测日期"),
    "hour": ("hour", "小时", "时", "时刻"),
    "year": ("year", "年", "年份"),
    "month": ("month", "月", "月份"),
    "day": ("day", "日"),
    "station_code": ("station_code", "stationcode", "code", "site_code", "sitecode", "station_id",
                     "站点编码", "监测点编码", "站码", "站号", "测站编码", "点位编码", "站点代码",
                     "监测站编码", "监测点位编码"),
    "station_name": ("station", "site", "station_name", "stationname", "site_name", "sitename",
                     "站点", "站点名称", "监测点名称", "监测点", "监测站", "监测站名称", "点位名称",
                     "点位", "站名"),
    "synthetic": ("synthetic", "is_synthetic"),
}
_ALIAS_OF = {alias: role for role, aliases in _ALIASES.items() for alias in aliases}

#: `type` rows of the national release: kept, and derived (ignored without a note)
_NATIONAL_TYPES = {"aqi": "published_aqi", "pm2.5": "pm25", "pm10": "pm10", "so2": "so2",
                   "no2": "no2", "o3": "o3", "co": "co"}
_NATIONAL_DERIVED = {"pm2.5_24h", "pm10_24h", "so2_24h", "no2_24h", "o3_24h", "o3_8h",
                     "o3_8h_24h", "co_24h"}

_UNIT_SPELLINGS = {
    "ug/m3": "ug/m3", "μg/m3": "ug/m3", "微克/立方米": "ug/m3", "微克每立方米": "ug/m3",
    "microgram/m3": "ug/m3", "micrograms/m3": "ug/m3", "ugm-3": "ug/m3", "μgm-3": "ug/m3",
    "ug.m-3": "ug/m3", "μg.m-3": "ug/m3", "μg·m-3": "ug/m3",
    "mg/m3": "mg/m3", "毫克/立方米": "mg/m3", "毫克每立方米": "mg/m3", "milligram/m3": "mg/m3",
    "mgm-3": "mg/m3", "mg.m-3": "mg/m3", "mg·m-3": "mg/m3",
    "ppm": "ppm", "ppb": "ppb",
}
_BRACKETED = re.compile(r"^(.*?)[\(\[【]([^()\[\]【】]*)[\)\]】]$")


def normalize_unit(text: str) -> str | None:
    """`ug/m3`, `mg/m3`, `ppm` or `ppb` for a unit spelling (µg/m³, 微克/立方米 …), else None."""
    key = unicodedata.normalize("NFKC", str(text)).strip().lower().replace(" ", "")
    key = key.replace("^", "").replace("【", "[").replace("】", "]")
    return _UNIT_SPELLINGS.get(key)


def pollutant_key(name: str) -> str | None:
    """`pm25` … `co` (or `published_aqi`) for a pollutant spelling (PM2.5, 一氧化碳 …)."""
    role = _header_role(name)[0]
    return role if role in VALUE_COLUMNS else None


def _header_role(column: str) -> tuple[str | None, str | None]:
    """(role, unit) of a header: `CO(mg/m³)` → ("co", "mg/m3"); unknown → (None, None)."""
    key = header_key(column)
    unit, labels = None, []
    while True:
        match = _BRACKETED.match(key)
        if not match:
            break
        inner = match.group(2)
        if normalize_unit(inner):
            unit = normalize_unit(inner)
        elif _ALIAS_OF.get(inner) in VALUE_COLUMNS:
            labels.append(_ALIAS_OF[inner])
        else:
            break
        key = match.group(1)
    if key.endswith("浓度") and key != "浓度":
        key = key[: -len("浓度")]
    role = _ALIAS_OF.get(key)
    if role is None or any(label != role for label in labels):
        return None, None
    return role, unit


def parse_units(units: dict[str, str] | None) -> dict[str, str]:
    """Declared units keyed by pollutant (`{"CO": "µg/m³"}` → `{"co": "ug/m3"}`); errors are clear."""
    parsed: dict[str, str] = {}
    for name, unit in (units or {}).items():
        pollutant = pollutant_key(name)
        if pollutant not in POLLUTANTS:
            raise IngestError(f"--unit {name}={unit}: unknown pollutant {name!r}; "
                              f"use one of {', '.join(LABELS[p] for p in POLLUTANTS)}")
        normalized = normalize_unit(unit)
        if normalized is None:
            raise IngestError(f"--unit {name}={unit}: unknown unit {unit!r}; use ug/m3 (µg/m³), "
                              "mg/m3, ppm or ppb")
        if normalized in {"ppm", "ppb"} and pollutant not in MOLAR_MASS:
            raise IngestError(f"--unit {name}={unit}: {LABELS[pollutant]} is particulate matter, "
                              "a mass concentration; it cannot be in ppm/ppb")
        parsed[pollutant] = normalized
    return parsed


# --- the report ------------------------------------------------------------------------------


@dataclass
class ReadingsReport:
    """What a readings load did; `summary()` is the text the CLI prints."""

    source_file: str
    file_format: str
    encoding: str | None
    rows_read: int
    inserted: int
    updated: int
    unchanged: int
    empty_station_hours: int
    dropped_station_hours: int
    dropped_values: int
    rejects: pd.DataFrame
    seconds: float
    ingest_id: int
    units: dict[str, str] = field(default_factory=dict)
    unit_notes: list[str] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)
    station_source: str = ""
    stations: int = 0
    unknown_stations: list[str] = field(default_factory=list)
    period: tuple[datetime, datetime] | None = None
    ignored_columns: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    synthetic: int = 0  # station-hours of this file flagged synthetic (generated data)
    layer: str = LAYER

    @property
    def loaded(self) -> int:
        """Station-hours stored by this load (new, changed or already stored unchanged)."""
        return self.inserted + self.updated + self.unchanged

    @property
    def new(self) -> int:
        return self.inserted

    @property
    def changed(self) -> int:
        return self.updated

    @property
    def rejected_rows(self) -> int:
        """File rows with at least one reject (what `ingest_runs.rejected_rows` holds)."""
        return int(self.rejects["row_number"].nunique()) if len(self.rejects) else 0

    @property
    def rejected(self) -> int:
        """Reject entries (station-hours and single values left out)."""
        return len(self.rejects)

    # what store.record_run expects of a report
    source_crs = "none (no geometry)"
    repaired = 0

    def summary(self, max_rejects: int = 10) -> str:
        units = ", ".join(f"{LABELS[p]} {UNIT_DISPLAY[u]}" for p, u in self.units.items())
        lines = [
            f"{self.layer} ← {self.source_file}",
            f"  format {self.file_format}, encoding {enc.display_name(self.encoding or '-')}; "
            f"stations from {self.station_source}: {self.stations:,} with readings",
        ]
        if self.period:
            first, last = (f"{t:%Y-%m-%d %H:%M}" for t in self.period)
            lines.append(f"  hours {first} – {last} (Beijing time)")
        lines.append(f"  units in the file: {units or '-'}; stored as µg/m³, CO mg/m³")
        lines.extend(f"  {note}" for note in self.unit_notes)
        lines.append(
            f"  rows read {self.rows_read:,} · station-hours loaded {self.loaded:,} "
            f"(new {self.inserted:,}, changed {self.updated:,}, unchanged {self.unchanged:,}"
            + (f"; synthetic {self.synthetic:,}" if self.synthetic else "") + ")"
            f" · without any value {self.empty_station_hours:,} · rejected {self.rejected_rows:,}"
            f" rows ({self.dropped_station_hours:,} station-hours and {self.dropped_values:,}"
            " single values left out)"
        )
        if self.unknown_stations:
            shown = ", ".join(self.unknown_stations[:5])
            more = " …" if len(self.unknown_stations) > 5 else ""
            lines.append(f"  warning: {len(self.unknown_stations):,} station codes are not in the "
                         f"stations layer ({shown}{more}); their readings are loaded but have "
                         "no place on the map")
        if self.ignored_columns:
            lines.append(f"  ignored columns: {', '.join(self.ignored_columns)}")
        lines.extend(f"  {note}" for note in self.notes)
        lines.extend(store.reject_lines(self.rejects, self.layer, max_rejects))
        lines.append(f"  time {self.seconds:.2f} s (ingest #{self.ingest_id})")
        return "\n".join(lines)


# --- parsed file, before validation ----------------------------------------------------------


@dataclass
class _Parsed:
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


def _reject_frame(rows, column, values, reason) -> pd.DataFrame:
    rows = np.asarray(rows, dtype=np.int64)
    n = len(rows)
    columns = column if isinstance(column, (list, np.ndarray, pd.Series)) else [column] * n
    reasons = reason if isinstance(reason, (list, np.ndarray, pd.Series)) else [reason] * n
    return pd.DataFrame({"row_number": rows, "column_name": list(columns),
                         "value": list(values), "reason": list(reasons)})


def _np(array: pa.Array | pa.ChunkedArray) -> np.ndarray:
    return array.to_numpy(zero_copy_only=False)


# --- reading the file -------------------------------------------------------------------------


def _read_bytes(path: Path) -> tuple[bytes, bytes, bool]:
    """(file bytes, text bytes, gzipped?): a .gz file (or gzip magic) is decompressed."""
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        try:
            return raw, gzip.decompress(raw), True
        except (OSError, EOFError) as exc:
            raise IngestError(f"{path}: not a readable gzip file: {exc}") from exc
    return raw, raw, False


def _read_table(body: bytes, header: list[str], path: Path,
                types: dict[str, pa.DataType] | None = None,
                ) -> tuple[pa.Table, np.ndarray, list[tuple[int, str]]]:
    """The rows (text unless `types` says otherwise): (table, spreadsheet row numbers, ragged rows).

    Raises pa.ArrowInvalid when a typed column holds something else (the caller falls back
    to text); a file that is not CSV at all is an IngestError.
    """
    ragged: list[tuple[int | None, str]] = []

    def _on_invalid(row: pa_csv.InvalidRow) -> str:
        ragged.append((row.number, f"expected {row.expected_columns} fields, found {row.actual_columns}"))
        return "skip"

    column_types = dict.fromkeys(header, pa.string()) | (types or {})

    def _read(threads: bool) -> pa.Table:
        return pa_csv.read_csv(
            pa.py_buffer(body),
            read_options=pa_csv.ReadOptions(column_names=header, skip_rows=1, use_threads=threads,
                                            block_size=1 << 24),
            parse_options=pa_csv.ParseOptions(invalid_row_handler=_on_invalid,
                                              ignore_empty_lines=False, newlines_in_values=False),
            convert_options=pa_csv.ConvertOptions(column_types=column_types,
                                                  strings_can_be_null=True, null_values=NULL_TOKENS),
        )

    try:
        table = _read(True)
        if ragged:  # only a single-threaded read tells the line number of a skipped row
            ragged.clear()
            table = _read(False)
    except pa.ArrowInvalid as exc:
        if types and "conversion error" in str(exc).lower():
            raise
        raise IngestError(f"{path}: not a readable delimited text file: {exc}") from exc
    skipped = sorted(number for number, _ in ragged if number is not None)
    rows = np.arange(2, table.num_rows + len(skipped) + 2, dtype=np.int64)
    if skipped:
        rows = rows[~np.isin(rows, skipped)]
    table = table.rename_columns([f"c{i}" for i in range(len(header))])
    # blank lines come through as rows of nulls: skipped (row numbers stay spreadsheet rows)
    first_null = np.flatnonzero(_np(table.column(0).is_null()))
    if len(first_null):
        candidates = table.take(pa.array(first_null, pa.int64()))
        blank = np.ones(len(first_null), dtype=bool)
        for column in candidates.columns[1:]:
            blank &= _np(column.is_null())
        if blank.any():
            keep = np.ones(table.num_rows, dtype=bool)
            keep[first_null[blank]] = False
            table = table.filter(pa.array(keep))
            rows = rows[keep]
    return table, rows, [(n, reason) for n, reason in ragged if n is not None]


def _clean(column: pa.ChunkedArray | pa.Array) -> pa.Array:
    """Text trimmed; values then empty or a null token ("NA", "-", "—" …) become null."""
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    trimmed = pc.utf8_trim_whitespace(column)
    return pc.if_else(pc.is_in(trimmed, pa.array(NULL_TOKENS)), pa.scalar(None, pa.string()), trimmed)


def _numbers(column: pa.ChunkedArray | pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """(floats, not-a-number mask) of a text column; empty cells are NaN without a mask.

    Arrow's cast takes clean columns (fast); otherwise the values are trimmed, null tokens
    dropped, and full-width digits or 1,234 separators read (`textparse.parse_numbers`).
    """
    try:
        values = _np(pc.cast(column, pa.float64()))
        return values.astype(float, copy=False), np.zeros(len(values), dtype=bool)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    series = pd.Series(_clean(column).to_pandas(), dtype="string")
    values = parse_numbers(series)
    bad = series.notna().to_numpy() & ~np.isfinite(values)
    values[bad] = np.nan
    return values, bad


def _text_at(column: pa.ChunkedArray | pa.Array, positions: np.ndarray) -> list[str | None]:
    return column.take(pa.array(positions, pa.int64())).to_pylist()


# --- times -----------------------------------------------------------------------------------

_TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M",
                 "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H", "%Y/%m/%d %H",
                 "%Y%m%d %H:%M:%S", "%Y%m%d %H:%M", "%Y%m%d %H", "%Y%m%d%H",
                 "%Y.%m.%d %H:%M:%S", "%Y.%m.%d %H:%M")
_DATE_FORMATS = ("%Y-%m-%d", "%Y%m%d", "%Y/%m/%d", "%Y.%m.%d")
_COMPONENTS = r"^(?P<y>\d{4})\D?(?P<mo>\d{1,2})\D?(?P<d>\d{1,2})"
_OFFSET = re.compile(r"^(.*\d:\d{2}(?::\d{2})?(?:\.\d+)?)\s*(Z|[+-]\d{2}:?\d{2})$")
_DATE_ONLY = re.compile(r"^\d{4}(\D\d{1,2}\D\d{1,2}|\d{4})$")


def _chinese_time(value: str) -> str:
    """2019年1月1日 8时 → 2019-1-1 8:00."""
    value = unicodedata.normalize("NFKC", value)
    value = re.sub(r"(\d{4})年(\d{1,2})月(\d{1,2})[日号]?", r"\1-\2-\3 ", value)
    value = re.sub(r"(\d{1,2})[时点](?:(\d{1,2})分)?(?:(\d{1,2})秒)?",
                   lambda m: f"{m[1]}:{m[2] or '00'}" + (f":{m[3]}" if m[3] else ""), value)
    return re.sub(r"\s+", " ", value).strip()


def _real_date(prefix: str) -> bool:
    """False when the year/month/day a value starts with is no calendar date (2019-02-30)."""
    match = re.match(_COMPONENTS, prefix)
    if not match:
        return True
    try:
        date(int(match["y"]), int(match["mo"]), int(match["d"]))
    except ValueError:
        return False
    return True


def _strptime_any(text: pa.Array, formats: tuple[str, ...]) -> np.ndarray:
    """datetime64[s] parsed with the first format that fits each value; NaT where none does.

    Arrow rolls impossible days over (2019-02-30 → 03-02); the distinct leading ten
    characters of the values (the date, whatever the format) are checked against the calendar.
    """
    out = _np(pc.strptime(text, format=formats[0], unit="s", error_is_null=True)).astype("datetime64[s]")
    pending = np.flatnonzero(_np(text.is_valid()) & np.isnat(out))
    for fmt in formats[1:]:
        if not len(pending):
            break
        parsed = pc.strptime(text.take(pa.array(pending, pa.int64())), format=fmt, unit="s",
                             error_is_null=True)
        parsed = _np(parsed).astype("datetime64[s]")
        got = ~np.isnat(parsed)
        out[pending[got]] = parsed[got]
        pending = pending[~got]
    if not np.isnat(out).all():
        prefixes = pc.utf8_slice_codeunits(text, 0, 10)
        impossible = [v for v in pc.unique(prefixes).to_pylist() if v is not None and not _real_date(v)]
        if impossible:
            out[_np(pc.fill_null(pc.is_in(prefixes, pa.array(impossible, pa.string())), False))] = np.datetime64("NaT")
    return out


def parse_times(text: pa.Array | pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray]:
    """Beijing times (datetime64[s], NaT where unusable) and a reason per unusable value.

    Accepted: ISO-like ``2019-01-01 08:00[:00]``, ``/`` and ``.`` separators, ``T``,
    ``20190101 08``, ``2019010108``, Chinese ``2019年1月1日 8时``; a UTC offset (``Z``,
    ``+08:00``) is converted to Beijing time. A date without an hour, a time off the full hour
    and an impossible date (2019-02-30) are refused.
    """
    if isinstance(text, pa.ChunkedArray):
        text = text.combine_chunks()
    n = len(text)
    times = _strptime_any(text, _TIME_FORMATS)
    reasons = np.empty(n, dtype=object)
    valid = _np(text.is_valid())
    failed = np.flatnonzero(valid & np.isnat(times))
    if len(failed):  # the slow path: spaces, offsets, Chinese spellings, dates without an hour
        values = text.take(pa.array(failed, pa.int64())).to_pylist()
        shift = np.zeros(len(failed), dtype=np.int64)  # seconds to add to reach Beijing time
        for i, value in enumerate(values):
            value = value.strip()
            if value in _NULL_SET:
                valid[failed[i]] = False
                values[i] = None
                continue
            if not value.isascii():
                value = _chinese_time(value)
            match = _OFFSET.match(value)
            if match:
                value, zone = match.groups()
                east = 0
                if zone != "Z":
                    digits = zone[1:].replace(":", "")
                    east = (-1 if zone[0] == "-" else 1) * (int(digits[:2]) * 3600 + int(digits[2:]) * 60)
                shift[i] = 8 * 3600 - east
            values[i] = value
        again = _strptime_any(pa.array(values, pa.string()), _TIME_FORMATS)
        again = again + shift.astype("timedelta64[s]")
        times[failed] = again
        for i, value in zip(failed, values, strict=True):
            if value is not None and np.isnat(times[i]):
                reasons[i] = ("a date without an hour: readings are hourly" if _DATE_ONLY.match(value)
                              else "no such date" if not _real_date(value[:10])
                              else "not a time (expected e.g. 2019-01-01 08:00)")
    reasons[~valid] = "no time"
    off_hour = ~np.isnat(times) & (times.astype(np.int64) % 3600 != 0)
    reasons[off_hour] = "not on the full hour: readings are hourly"
    times[off_hour] = np.datetime64("NaT")
    return times, reasons


def _parse_hours(text: pa.ChunkedArray | pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """Hours 0–23 from `8`, `08`, `8:00`, `08:00:00`, `8时`; (hours, or -1, and a bad mask)."""
    try:
        values = _np(pc.cast(text, pa.float64()))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        text = _clean(text)
        cleaned = pc.replace_substring_regex(text, r"^(\d{1,2})(?::00(?::00)?|时|點|点|h)?$", r"\1")
        values, _ = _numbers(cleaned)
    present = _np(text.is_valid())
    whole = np.isfinite(values) & (np.mod(values, 1) == 0) & (values >= 0) & (values <= 23)
    return np.where(whole, values, -1).astype(np.int64), present & ~whole


def _parse_dates(text: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """Dates (datetime64[s] at midnight, NaT where not a date) from 20190101, 2019-01-01 …."""
    if isinstance(text, pa.ChunkedArray):
        text = text.combine_chunks()
    dates = _strptime_any(text, _DATE_FORMATS)
    failed = np.flatnonzero(_np(text.is_valid()) & np.isnat(dates))
    if len(failed):  # surrounding spaces
        dates[failed] = _strptime_any(_clean(text.take(pa.array(failed, pa.int64()))), _DATE_FORMATS)
    return dates


# --- national release ----------------------------------------------------------------------


def _is_national(header: list[str]) -> bool:
    return [header_key(h) for h in header[:3]] == ["date", "hour", "type"] and len(header) > 3


def _without_derived_rows(body: bytes) -> tuple[bytes, np.ndarray | None, int | None]:
    """The national release without its derived rows (*_24h, O3_8h*), which are ignored anyway:
    (body, file row of each remaining line, data rows in the file). Files with quotes are
    left whole (rows None)."""
    if b'"' in body:
        return body, None, None
    lines = body.split(b"\n")
    kept, numbers, rows_read, derived = [lines[0]], [], 0, {}
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
            numbers.append(number)
    return b"\n".join(kept), np.array(numbers, dtype=np.int64), rows_read


def _parse_national(body: bytes, header: list[str], path: Path) -> tuple[_Parsed, list[tuple[int, str]]]:
    codes = header[3:]
    bad_codes = [c for c in codes if not STATION_CODE.match(c)]
    if bad_codes:
        raise IngestError(f"{path}: national release header: {bad_codes[:5]} are not station codes "
                          "(expected date,hour,type followed by codes like 1001A)")
    body, line_rows, rows_read = _without_derived_rows(body)

    def read(types: dict[str, pa.DataType] | None = None):
        table, rows, ragged = _read_table(body, header, path, types)
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
        table = table.set_column(i, table.field(i).name, _clean(table.column(i)))
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
        rejects.append(_reject_frame(rows[no_type], header[2], [None] * int(no_type.sum()), "no type"))
    dates = _parse_dates(table.column(0))
    hours, bad_hour = _parse_hours(table.column(1))
    bad_date = np.isnat(dates)
    bad_hours = ~bad_date & (bad_hour | (hours < 0))
    for mask, i, reason in ((kept & bad_date, 0, "not a date (expected YYYYMMDD)"),
                            (kept & bad_hours, 1, "hour must be a whole number 0–23")):
        if mask.any():
            rejects.append(_reject_frame(rows[mask], header[i],
                                         _text_at(table.column(i), np.flatnonzero(mask)), reason))
    kept &= ~bad_date & ~bad_hours
    times = np.where(kept, dates + np.maximum(hours, 0).astype("timedelta64[h]"), np.datetime64("NaT"))
    positions = np.flatnonzero(kept)
    keys = pd.DataFrame({"t": times[positions], "k": kinds[positions]})
    duplicated = keys.duplicated(keep="first").to_numpy()
    if duplicated.any():
        first_row = pd.Series(rows[positions]).groupby([keys["t"], keys["k"]]).transform("first").to_numpy()
        dup_at = positions[duplicated]
        rejects.append(_reject_frame(
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
            values, bad = _numbers(sub.column(3 + j))
            matrix[:, j] = values
            if bad.any():
                rejects.append(_reject_frame(rows[positions[bad]], codes[j],
                                             _text_at(sub.column(3 + j), np.flatnonzero(bad)),
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
    parsed = _Parsed(
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
        role, unit = _header_role(column)
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


def detect_format(header: list[str]) -> str | None:
    """`national`, `ymdh` or `station` by the header; None when it fits none."""
    if _is_national(header):
        return "national"
    roles = {_header_role(h)[0] for h in header}
    if {"year", "month", "day", "hour"} <= roles:
        return "ymdh"
    if roles & {"datetime", "date"} and roles & set(VALUE_COLUMNS):
        return "station"
    return None


def _ymdh_times(table: pa.Table, index: dict[str, int]) -> tuple[np.ndarray, np.ndarray]:
    n = table.num_rows
    reasons = np.empty(n, dtype=object)
    bad_any = np.zeros(n, dtype=bool)
    parts = {}
    limits = {"year": (1900, 2200), "month": (1, 12), "day": (1, 31), "hour": (0, 23)}
    for name, (low, high) in limits.items():
        values, _ = _numbers(table.column(index[name]))
        whole = np.isfinite(values) & (np.mod(values, 1) == 0) & (values >= low) & (values <= high)
        missing = _np(table.column(index[name]).is_null())
        new = ~whole & ~bad_any
        reasons[new & missing] = f"no {name}"
        reasons[new & ~missing] = f"{name} must be a whole number {low}–{high}"
        bad_any |= ~whole
        parts[name] = np.where(whole, values, low).astype(np.int64)
    months = ((parts["year"] - 1970) * 12 + parts["month"] - 1).astype("datetime64[M]")
    days = months.astype("datetime64[D]") + parts["day"].astype("timedelta64[D]") - np.timedelta64(1, "D")
    wrong_day = days.astype("datetime64[M]") != months
    reasons[wrong_day & ~bad_any] = "no such date"
    bad_any |= wrong_day
    times = days.astype("datetime64[s]") + parts["hour"].astype("timedelta64[h]")
    times[bad_any] = np.datetime64("NaT")
    return times, reasons


def _distinct_text(column: pa.ChunkedArray | pa.Array) -> list[str]:
    """The distinct values of a text column, trimmed, without nulls and null tokens."""
    values = {v.strip() for v in pc.unique(column).to_pylist() if v is not None}
    return sorted(v for v in values if v not in _NULL_SET)


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
            codes = _clean(codes)  # spaces around codes, null tokens: cleaned, then checked
            matches = pc.match_substring_regex(codes, pattern)
        if station is not None:
            other = [c for c in _distinct_text(codes) if c != station]
            if other:
                raise IngestError(f"{path}: --station {station} conflicts with the file's "
                                  f"{code_column!r} column ({', '.join(other[:5])})")
        missing = _np(codes.is_null())
        malformed = ~missing & ~_np(pc.fill_null(matches, True))
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


_NULL_SET = set(NULL_TOKENS)
_TRUE = {"true", "1", "yes", "y", "t", "是"}
_FALSE = {"false", "0", "no", "n", "f", "否"}


def _synthetic_flags(column: pa.ChunkedArray | pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """(synthetic?, not true/false) per row; an empty cell means not synthetic."""
    spellings = [v for v in pc.unique(column).to_pylist() if v is not None]
    true = [v for v in spellings if v.strip().lower() in _TRUE]
    unknown = [v for v in spellings if v.strip().lower() not in _TRUE | _FALSE | _NULL_SET]
    flags = _np(pc.fill_null(pc.is_in(column, pa.array(true, pa.string())), False))
    bad = (_np(pc.fill_null(pc.is_in(column, pa.array(unknown, pa.string())), False))
           if unknown else np.zeros(len(flags), dtype=bool))
    return flags, bad


def _parse_wide(data: bytes, header: list[str], path: Path, fmt: str,
                station: str | None) -> tuple[_Parsed, list[tuple[int, str]]]:
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
        table, rows, ragged = _read_table(data, header, path, {found[k]: pa.float64() for k in present})
        text_table: list[pa.Table] = []
    except pa.ArrowInvalid:
        table, rows, ragged = _read_table(data, header, path)
        text_table = [table]
    n = table.num_rows
    if n == 0 and not ragged:
        raise IngestError(f"{path}: the file has a header but no data rows (header: {header[:12]})")
    rejects: list[pd.DataFrame] = []
    if fmt == "ymdh":
        times, time_reasons = _ymdh_times(table, index)
        time_columns = [found[name] for name in ("year", "month", "day", "hour")]
    elif "date" in found and "hour" in found:
        dates = _parse_dates(table.column(index["date"]))
        hours, bad_hour = _parse_hours(table.column(index["hour"]))
        date_valid = _np(table.column(index["date"]).is_valid())
        hour_valid = _np(table.column(index["hour"]).is_valid())
        time_reasons = np.empty(n, dtype=object)
        time_reasons[~hour_valid] = "no hour"
        time_reasons[hour_valid & bad_hour] = "hour must be a whole number 0–23"
        time_reasons[date_valid & np.isnat(dates)] = "not a date (expected e.g. 2019-01-01)"
        time_reasons[~date_valid] = "no date"
        times = dates + np.maximum(hours, 0).astype("timedelta64[h]")
        times[time_reasons != None] = np.datetime64("NaT")  # noqa: E711 (element-wise)
        time_columns = [found["date"], found["hour"]]
    else:
        column = found.get("datetime") or found["date"]
        times, time_reasons = parse_times(table.column(header.index(column)))
        time_columns = [column]
    time_label = ("/" if fmt == "ymdh" else "+").join(time_columns)
    bad_time = np.isnat(times)
    if bad_time.any():
        positions = np.flatnonzero(bad_time)
        texts = [_text_at(table.column(header.index(c)), positions) for c in time_columns]
        values = [" ".join("" if v is None else v for v in parts) for parts in zip(*texts, strict=True)]
        rejects.append(_reject_frame(rows[positions], time_label, values, time_reasons[positions]))
    codes, station_source, station_reasons, code_column = _stations_for_rows(
        table, header, found, station, path, fmt)
    bad_station = (station_reasons != None) & ~bad_time  # noqa: E711 (element-wise)
    if bad_station.any():
        positions = np.flatnonzero(bad_station)
        rejects.append(_reject_frame(rows[positions], code_column,
                                     _text_at(table.column(header.index(code_column)), positions),
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
            rejects.append(_reject_frame(rows[positions], found["synthetic"],
                                         _text_at(table.column(index["synthetic"]), positions),
                                         "synthetic must be true or false"))
    dropped = bad_time | bad_station | bad_flag
    values = {}
    bad_numbers = 0
    for kind in present:
        column = table.column(index[kind])
        numbers, bad = _numbers(column)
        values[kind] = numbers
        bad &= ~dropped
        if bad.any():
            positions = np.flatnonzero(bad)
            rejects.append(_reject_frame(rows[positions], found[kind], _text_at(column, positions),
                                         "not a number"))
            bad_numbers += len(positions)

    def cells(kind: str, where: np.ndarray) -> tuple[np.ndarray, str]:
        return rows[where], found[kind]

    def text(kind: str, where: np.ndarray) -> list[str | None]:
        if not text_table:  # read as text only now, for the few values a reject quotes
            text_table.append(_read_table(data, header, path)[0])
        return _text_at(text_table[0].column(index[kind]), where)

    parsed = _Parsed(
        file_format=fmt, rows_read=n, station=codes, time=times, row=rows,
        values=values, cells=cells, text=text,
        columns={k: found[k] for k in present}, header_units=header_units,
        station_source=station_source, key_label=f"{code_column or 'station'}+{time_label}",
        synthetic=synthetic, dropped=dropped, rejects=rejects, ignored=ignored,
        bad_numbers=bad_numbers,
    )
    return parsed, ragged


# --- validation ------------------------------------------------------------------------------


def _source_units(parsed: _Parsed, declared: dict[str, str], path: Path) -> tuple[dict[str, str], dict[str, str]]:
    """(unit of each pollutant column in the file, how it was decided)."""
    units, how = {}, {}
    for kind in POLLUTANTS:
        if kind not in parsed.values:
            continue
        in_header = parsed.header_units.get(kind)
        given = declared.get(kind)
        if in_header and given and in_header != given:
            raise UnitError(f"{path}: --unit {LABELS[kind]}={UNIT_DISPLAY[given]} contradicts the "
                            f"header {parsed.columns[kind]!r} ({UNIT_DISPLAY[in_header]})")
        if in_header in {"ppm", "ppb"} and kind not in MOLAR_MASS:
            raise UnitError(f"{path}: {parsed.columns[kind]!r}: {LABELS[kind]} cannot be in ppm/ppb")
        units[kind] = given or in_header or CANONICAL_UNITS[kind]
        how[kind] = "declared" if given else "header" if in_header else "default"
    return units, how


def _factor(kind: str, unit: str, times: np.ndarray) -> np.ndarray | float:
    """Multiplier from `unit` to the canonical unit of `kind` (per row for ppm/ppb)."""
    canonical = CANONICAL_UNITS[kind]
    if unit == canonical:
        return 1.0
    if unit in {"ug/m3", "mg/m3"}:
        return 1000.0 if unit == "mg/m3" else 0.001
    volume = np.where(times < REFERENCE_STATE_CHANGE, MOLAR_VOLUME_BEFORE, MOLAR_VOLUME_FROM)
    per_ppb_ug = MOLAR_MASS[kind] / volume  # µg/m³ per ppb == mg/m³ per ppm
    if canonical == "mg/m3":
        return per_ppb_ug if unit == "ppm" else per_ppb_ug / 1000.0
    return per_ppb_ug * 1000.0 if unit == "ppm" else per_ppb_ug


def _check_units(kind: str, unit: str, how: str, converted: np.ndarray, raw: np.ndarray,
                 path: Path) -> None:
    """Refuse the whole file when its values contradict the unit (see the module notes)."""
    if len(converted) > 2 * UNIT_SAMPLE:  # a unit is judged on an evenly spread sample
        step = len(converted) // UNIT_SAMPLE
        converted, raw = converted[::step], raw[::step]
    usable = np.isfinite(converted) & (converted >= 0)
    if not usable.any():
        return
    finite = converted[usable]
    label, shown = LABELS[kind], UNIT_DISPLAY[unit]
    raw_median = float(np.median(raw[usable]))
    if kind == "co":
        median = float(np.median(finite))
        if median > CO_MEDIAN_MAX:
            if how == "default":
                raise UnitError(
                    f"{path}: CO looks like µg/m³ (median {raw_median:g}), not mg/m³; declare "
                    "--unit co=ug/m3 (units={'co': 'ug/m3'}) to convert it, or --unit co=mg/m3 "
                    "if these really are mg/m³. Nothing was loaded.")
            raise UnitError(f"{path}: CO in {shown} ({how}) gives a median of {median:g} mg/m³, "
                            "which no ambient monitor reports; check the unit. Nothing was loaded.")
        if median < CO_MEDIAN_MIN and unit != "mg/m3" and len(finite) >= MIN_VALUES_FOR_LOW_CHECKS:
            raise UnitError(f"{path}: CO in {shown} ({how}) gives a median of {median:g} mg/m³ "
                            f"(file median {raw_median:g}); these look like mg/m³ already: "
                            "check the unit. Nothing was loaded.")
    if kind in {"pm25", "pm10"} and len(finite) >= MIN_VALUES_FOR_LOW_CHECKS:
        p95 = float(np.percentile(finite, 95))
        if p95 < PM_P95_MIN:
            hint = (f"declare --unit {kind}=mg/m3 if they are mg/m³" if how == "default"
                    else f"check the unit {shown} ({how})")
            raise UnitError(f"{path}: {label} looks like mg/m³: 95% of its values are below "
                            f"{p95:g} µg/m³; {hint}. Nothing was loaded.")


def _duplicates(parsed: _Parsed, keep: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(positions of repeated station-hours, row of their first occurrence)."""
    positions = np.flatnonzero(keep)
    if parsed.unique_keys or not len(positions):
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    kept = (parsed.station if len(positions) == len(parsed.time)
            else parsed.station.take(pa.array(positions, pa.int64())))
    station_index = _np(pc.dictionary_encode(kept).indices).astype(np.int64)
    hours = parsed.time[positions].astype(np.int64) // 3600
    hours -= hours.min()
    # files ordered by station then hour, or by hour then station, are checked in one pass
    for ordered in (station_index * (1 << 32) + hours, hours * (1 << 24) + station_index):
        if len(ordered) < 2 or bool(np.all(ordered[1:] > ordered[:-1])):
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    key = pd.Series(station_index * (1 << 32) + hours)
    repeated = key.duplicated(keep=False).to_numpy()
    if not repeated.any():
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    sub_key = key[repeated]
    sub_rows = pd.Series(parsed.row[positions][repeated], index=sub_key.index)
    first = sub_rows.groupby(sub_key).transform("first").to_numpy()
    later = sub_key.duplicated(keep="first").to_numpy()
    return positions[repeated][later], first[later]


def _validate(parsed: _Parsed, declared: dict[str, str], path: Path):
    """Apply units, drop bad station-hours and values; return (incoming table, rejects, counts,
    units, unit notes)."""
    n = len(parsed.time)
    keep = ~np.isnat(parsed.time) & _np(parsed.station.is_valid())
    if parsed.dropped is not None:
        keep &= ~parsed.dropped
    dropped_station_hours = int((~keep).sum()) if parsed.dropped is not None else 0
    dropped_station_hours += parsed.unreadable_rows
    rejects = list(parsed.rejects)
    repeated, first = _duplicates(parsed, keep)
    if len(repeated):
        codes = parsed.station.take(pa.array(repeated, pa.int64())).to_pylist()
        text = [f"{s} {pd.Timestamp(t):%Y-%m-%d %H:%M}" for s, t in zip(codes, parsed.time[repeated], strict=True)]
        rejects.append(_reject_frame(parsed.row[repeated], parsed.key_label, text,
                                     [f"duplicate of row {r} (same station and hour)" for r in first]))
        keep[repeated] = False
        dropped_station_hours += len(repeated)
    units, how = _source_units(parsed, declared, path)
    notes = []
    values: dict[str, np.ndarray] = {}
    dropped_values = parsed.bad_numbers
    for kind, raw in parsed.values.items():
        raw = raw if keep.all() else np.where(keep, raw, np.nan)
        factor = _factor(kind, units[kind], parsed.time) if kind in units else 1.0
        converted = raw * factor if not (np.isscalar(factor) and factor == 1.0) else raw.copy()
        if kind in units:
            _check_units(kind, units[kind], how[kind], converted, raw, path)
            if units[kind] != CANONICAL_UNITS[kind]:
                rule = ("÷ 1000" if units[kind] == "ug/m3" else "× 1000" if units[kind] == "mg/m3"
                        else "× M/Vm at the GB 3095-2012 state of the hour (273.15 K before "
                             "2018-09-01, 298.15 K from then)")
                notes.append(f"{LABELS[kind]}: {UNIT_DISPLAY[units[kind]]} ({how[kind]}) → "
                             f"{UNIT_DISPLAY[CANONICAL_UNITS[kind]]} {rule}")
        with np.errstate(invalid="ignore"):
            negative = raw < 0
            high = ~negative & (converted > CEILINGS[kind])
        unit_shown = "" if kind == "published_aqi" else " " + UNIT_DISPLAY[CANONICAL_UNITS[kind]]
        converted_note = (" (after unit conversion)" if kind in units
                          and units[kind] != CANONICAL_UNITS[kind] else "")
        for mask, reason in ((negative, "negative AQI" if kind == "published_aqi" else "negative concentration"),
                             (high, f"above the plausible ceiling of {CEILINGS[kind]:,.0f}{unit_shown}"
                                    f"{converted_note}")):
            if mask.any():
                at = np.flatnonzero(mask)
                file_rows, columns = parsed.cells(kind, at)
                rejects.append(_reject_frame(file_rows, columns, parsed.text(kind, at), reason))
                dropped_values += len(at)
        converted[negative | high] = np.nan
        values[kind] = converted
    any_value = np.zeros(n, dtype=bool)
    for column in values.values():
        any_value |= ~np.isnan(column)
    empty = keep & ~any_value
    keep &= any_value
    mask = pa.array(keep)
    count = int(keep.sum())
    columns = {"station_code": parsed.station.filter(mask),
               "time_bjt": pa.array(parsed.time[keep].astype("datetime64[us]"), pa.timestamp("us"))}
    for kind in VALUE_COLUMNS:
        columns[kind] = (pa.array(values[kind][keep], pa.float64(), from_pandas=True) if kind in values
                         else pa.nulls(count, pa.float64()))
    columns["synthetic"] = pa.array(parsed.synthetic[keep] if parsed.synthetic is not None
                                    else np.zeros(count, dtype=bool), pa.bool_())
    columns["source_row"] = pa.array(parsed.row[keep], pa.int64())
    incoming = pa.table(columns)
    nonempty = [r for r in rejects if len(r)]
    all_rejects = (pd.concat(nonempty, ignore_index=True) if nonempty
                   else _reject_frame([], None, [], []))
    all_rejects = all_rejects.sort_values("row_number", kind="stable").reset_index(drop=True)
    counts = {"empty": int(empty.sum()), "station_hours": dropped_station_hours,
              "values": dropped_values}
    return incoming, all_rejects, counts, units, notes


# --- loading ---------------------------------------------------------------------------------


def _merge(con: geoaq_db.Connection, incoming: pa.Table, present: set[str], source_file: str,
           ingest_id: int) -> tuple[int, int, int, list[str]]:
    """Merge station-hours by (station_code, time_bjt); (new, changed, unchanged, unknown codes)."""
    if incoming.num_rows == 0:
        return 0, 0, 0, []
    times = incoming.column("time_bjt")
    params = {f"has_{k}": k in present for k in VALUE_COLUMNS}
    params |= {"first": pc.min(times).as_py(), "last": pc.max(times).as_py()}
    con.register("incoming_readings", incoming)
    try:
        unknown: list[str] = []
        if store.table_exists(con, "stations"):
            unknown = [r[0] for r in con.execute(query("readings_unknown_stations")).fetchall()]
        overlap = con.execute(query("readings_stored_in_range"),
                              {"first": params["first"], "last": params["last"]}).fetchone()[0]
        if not overlap:  # hours never loaded before (the usual case): all new, no merge
            con.execute(query("readings_insert_all"), [source_file, ingest_id])
            return incoming.num_rows, 0, 0, unknown
        con.execute(query("readings_classify"), params)
    finally:
        con.unregister("incoming_readings")
    con.execute(query("readings_delete_changed"))
    con.execute(query("readings_insert"), [source_file, ingest_id])
    counts = dict(con.execute(query("readings_load_counts")).fetchall())
    con.execute(query("readings_drop_staging"))
    return counts.get("new", 0), counts.get("changed", 0), counts.get("same", 0), unknown


def _utf8(body: bytes, encoding: str, path: Path) -> tuple[bytes, str]:
    """The text as UTF-8 bytes without a BOM, and the codec it was read with (see geoaq.ingest.encoding).

    UTF-8 files are only checked, not decoded into Python text; GBK files are re-encoded.
    """
    declared = enc.normalize_encoding(encoding)
    codec = enc.detect_encoding(body) if declared == "auto" else declared
    if codec == "utf-8" and body.startswith(codecs.BOM_UTF8):
        codec = "utf-8-sig"
    if codec in {"utf-8", "utf-8-sig"}:
        if declared != "auto":  # detection has already decoded it
            enc.decode_bytes(body, codec, path)
        return (body[3:] if codec == "utf-8-sig" else body), codec
    text, codec = enc.decode_bytes(body, codec, path)
    return text.lstrip("\ufeff").encode("utf-8"), codec


def _parse_file(path: Path, fmt: str, station: str | None, encoding: str, notify: Progress):
    """(parsed file, file bytes, codec, format label)."""
    if not path.is_file():
        raise IngestError(f"{path}: no such file")
    raw, body, gzipped = _read_bytes(path)
    if not body or body.isspace():
        raise IngestError(f"{path}: the file is empty (no header, no rows)")
    data, codec = _utf8(body, encoding, path)
    end = data.find(b"\n")
    first_line = (data if end < 0 else data[:end]).decode("utf-8").rstrip("\r")
    if first_line.count("\t") > first_line.count(","):
        raise IngestError(f"{path}: tab-separated readings are not supported; save as CSV")
    header = [h.strip().strip('"').strip() for h in first_line.split(",")]
    if any(not h for h in header):
        raise IngestError(f"{path}: the header has an empty column name: {header[:12]}")
    duplicated = sorted(h for h, count in Counter(header).items() if count > 1)
    if duplicated:
        raise IngestError(f"{path}: column names appear more than once: {duplicated[:5]}")
    detected = detect_format(header)
    if fmt == "auto":
        if detected is None:
            more = " …" if len(header) > 12 else ""
            raise MissingColumnsError(
                f"{path}: not a readings file I recognise. Expected the national release "
                "(date,hour,type,<station codes>), a station file (a time column such as "
                "datetime/时间/监测时间 and pollutant columns such as PM2.5/SO2/CO) or year,month,"
                f"day,hour columns; columns found: {header[:12]}{more}")
        fmt = detected
    elif fmt not in FORMATS:
        raise IngestError(f"unknown readings format {fmt!r}; use auto, {', '.join(FORMATS)}")
    elif fmt == "national" and detected != "national":
        raise MissingColumnsError(f"{path}: --format national needs the header date,hour,type,"
                                  f"<station codes>; found {header[:6]}")
    if fmt == "national" and station:
        raise IngestError(f"{path}: --station does not apply to the national release "
                          "(its header names the stations)")
    notify("reading", 0, 1)
    if fmt == "national":
        parsed, ragged = _parse_national(data, header, path)
    else:
        parsed, ragged = _parse_wide(data, header, path, fmt, station)
    if ragged:
        parsed.rejects.append(_reject_frame([r for r, _ in ragged], None, [None] * len(ragged),
                                            [reason for _, reason in ragged]))
        parsed.rows_read += len(ragged)
        if fmt != "national":  # there a row is one type for every station, not a station-hour
            parsed.unreadable_rows = len(ragged)
    return parsed, raw, codec, f"{parsed.file_format}{' (gzip)' if gzipped else ''}"


def load_readings(
    path: str | Path,
    *,
    con: geoaq_db.Connection | None = None,
    db: str | Path | None = None,
    fmt: str = "auto",
    station: str | None = None,
    units: dict[str, str] | None = None,
    encoding: str = "auto",
    progress: Progress | None = None,
    source_name: str | None = None,
) -> ReadingsReport:
    """Load one readings file into `readings`; returns the report. Raises IngestError
    (or its UnitError, MissingColumnsError, EncodingError), changing nothing.

    `fmt`: auto, national, station or ymdh. `station`: the code for every row of a file
    without a station code column. `units`: the file's units per pollutant, e.g.
    ``{"co": "ug/m3"}`` (converted to µg/m³, CO mg/m³). `encoding`: auto, utf-8 or gbk.
    `progress(stage, done, total)` is called with stages reading, validating, writing, done.
    """
    started_at = datetime.now()
    t0 = time.perf_counter()
    path = Path(path)
    shown = source_name or str(path)  # the name recorded (an upload's own name, not its temp path)
    notify = progress or (lambda stage, done, total: None)
    declared = parse_units(units)
    fmt = (fmt or "auto").strip().lower()
    station = station.strip() if station else None
    parsed, raw, codec, label = _parse_file(path, fmt, station, encoding, notify)
    total = len(parsed.time)
    notify("validating", 0, total)
    incoming, rejects, counts, file_units, unit_notes = _validate(parsed, declared, path)
    for kind in declared:
        if kind not in parsed.values:
            unit_notes.append(f"--unit {LABELS[kind]}: the file has no {LABELS[kind]} column")
    notify("writing", total, total)
    con_owned = con is None
    con = con or geoaq_db.connect(db)
    try:
        with geoaq_db.transaction(con):
            ingest_id = store.next_ingest_id(con)
            new, changed, same, unknown = _merge(con, incoming, set(parsed.values), shown, ingest_id)
            store.record_rejects(con, rejects, ingest_id, LAYER, shown)
            times = incoming.column("time_bjt")
            period = (pc.min(times).as_py(), pc.max(times).as_py()) if incoming.num_rows else None
            report = ReadingsReport(
                source_file=shown, file_format=label, encoding=codec,
                rows_read=parsed.rows_read, inserted=new, updated=changed, unchanged=same,
                empty_station_hours=counts["empty"], dropped_station_hours=counts["station_hours"],
                dropped_values=counts["values"], rejects=rejects,
                seconds=time.perf_counter() - t0, ingest_id=ingest_id, units=file_units,
                unit_notes=unit_notes, columns=parsed.columns, station_source=parsed.station_source,
                stations=pc.count_distinct(incoming.column("station_code")).as_py(),
                unknown_stations=unknown, period=period, ignored_columns=parsed.ignored,
                notes=parsed.notes, synthetic=int(pc.sum(incoming.column("synthetic")).as_py() or 0),
            )
            store.record_run(con, report, hashlib.sha256(raw).hexdigest(), started_at, {
                "format": fmt, "station": station, "units": units, "encoding": encoding,
            })
    finally:
        if con_owned:
            con.close()
    notify("done", total, total)
    return report
