"""Loading readings: validation of parsed station-hours, then one transaction into `readings`.

`load_readings()` is what `geoaq aq load` and the demo build call. Like layer ingest
(`geoaq.ingest.layer`), a file-level problem raises an IngestError before anything is written;
row and value problems go to the shared `rejects` table (layer "readings") with file, row,
column, value and reason; a load runs in one transaction and is recorded in `ingest_runs`.
The file is opened and parsed by `formats`; units are decided and checked by `units`.

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

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from geoaq._errors import IngestError
from geoaq.db import connection as geoaq_db
from geoaq.db import store
from geoaq.db.named import run
from geoaq.ingest import encoding as enc
from geoaq.ingest.csvtable import to_numpy
from geoaq.ingest.readings import formats, live
from geoaq.ingest.readings.formats import Parsed, open_file, reject_frame
from geoaq.ingest.readings.spellings import LABELS, VALUE_COLUMNS
from geoaq.ingest.readings.stations import StationCounts, merge_stations
from geoaq.ingest.readings.times import (
    DEFAULT_HOUR_LABEL,
    FORMAT_HOUR_LABELS,
    HOUR_LABEL_CHOICES,
    to_end_labels,
)
from geoaq.ingest.readings.units import (
    CANONICAL_UNITS,
    UNIT_DISPLAY,
    check_units,
    conversion_note,
    factor,
    parse_units,
    source_units,
)

#: progress(stage, station-hours done, station-hours total)
Progress = Callable[[str, int, int], None]

LAYER = "readings"

#: what a release published beside the values, stored per station-hour (see `live`)
EXTRA_COLUMNS = {"published_primary": pa.string(), "published_na": pa.bool_(),
                 "unmeasured": pa.string()}

#: Values above these (canonical units) are rejected as implausible. They sit far above
#: anything ambient monitors report and at or above the top of the HJ 633-2012 scales
#: (1-h tables: NO2 3,840, CO 150, O3 1,200; SO2 24-h 2,620), so they catch unit slips,
#: sentinels (99999) and typos, never a real episode: PM allows the severe dust storms
#: (hourly PM10 of several thousand µg/m³); the AQI scale ends at 500.
CEILINGS = {"pm25": 3_000.0, "pm10": 10_000.0, "so2": 5_000.0, "no2": 4_000.0, "o3": 1_500.0,
            "co": 150.0, "published_aqi": 500.0}


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
    #: how the file labels its hours (end / start) and how that was decided
    hour_label: str = DEFAULT_HOUR_LABEL
    hour_label_source: str = ""
    #: the stations the file described, merged into the stations layer (live release)
    station_counts: StationCounts | None = None

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
            lines.append(f"  hours {first} – {last} (Beijing time, each labelled by the end of "
                         "its hour)")
        shifted = " (shifted by +1 h to end labels)" if self.hour_label == "start" else ""
        lines.append(f"  hour labels in the file: {self.hour_label} of the hour "
                     f"({self.hour_label_source}){shifted}")
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
        if self.station_counts is not None:
            c = self.station_counts
            lines.append(f"  stations layer: {c.rows:,} stations in the file · new {c.inserted:,}, "
                         f"updated {c.updated:,} (name, city or position), unchanged {c.unchanged:,}"
                         f", rejected {c.rejected:,}"
                         + (" (geoaq rejects --layer stations)" if c.rejected else ""))
        if self.ignored_columns:
            lines.append(f"  ignored columns: {', '.join(self.ignored_columns)}")
        lines.extend(f"  {note}" for note in self.notes)
        lines.extend(store.reject_lines(self.rejects, self.layer, max_rejects))
        lines.append(f"  time {self.seconds:.2f} s (ingest #{self.ingest_id})")
        return "\n".join(lines)


# --- validation ------------------------------------------------------------------------------


def _duplicates(parsed: Parsed, keep: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(positions of repeated station-hours, row of their first occurrence)."""
    positions = np.flatnonzero(keep)
    if parsed.unique_keys or not len(positions):
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    kept = (parsed.station if len(positions) == len(parsed.time)
            else parsed.station.take(pa.array(positions, pa.int64())))
    station_index = to_numpy(pc.dictionary_encode(kept).indices).astype(np.int64)
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


def _validate(parsed: Parsed, declared: dict[str, str], path: Path):
    """Apply units, drop bad station-hours and values; return (incoming table, rejects, counts,
    units, unit notes)."""
    n = len(parsed.time)
    keep = ~np.isnat(parsed.time) & to_numpy(parsed.station.is_valid())
    if parsed.dropped is not None:
        keep &= ~parsed.dropped
    dropped_station_hours = int((~keep).sum()) if parsed.dropped is not None else 0
    dropped_station_hours += parsed.unreadable_rows
    rejects = list(parsed.rejects)
    repeated, first = _duplicates(parsed, keep)
    if len(repeated):
        codes = parsed.station.take(pa.array(repeated, pa.int64())).to_pylist()
        text = [f"{s} {pd.Timestamp(t):%Y-%m-%d %H:%M}" for s, t in zip(codes, parsed.time[repeated], strict=True)]
        rejects.append(reject_frame(parsed.row[repeated], parsed.key_label, text,
                                    [f"duplicate of row {r} (same station and hour)" for r in first]))
        keep[repeated] = False
        dropped_station_hours += len(repeated)
    units, how = source_units(parsed.values, parsed.header_units, parsed.columns, declared, path)
    notes = []
    values: dict[str, np.ndarray] = {}
    dropped_values = parsed.bad_numbers
    for kind, raw in parsed.values.items():
        raw = raw if keep.all() else np.where(keep, raw, np.nan)
        multiplier = factor(kind, units[kind], parsed.time) if kind in units else 1.0
        converted = (raw * multiplier if not (np.isscalar(multiplier) and multiplier == 1.0)
                     else raw.copy())
        if kind in units:
            check_units(kind, units[kind], how[kind], converted, raw, path)
            note = conversion_note(kind, units[kind], how[kind])
            if note:
                notes.append(note)
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
                rejects.append(reject_frame(file_rows, columns, parsed.text(kind, at), reason))
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
    for name, kind in EXTRA_COLUMNS.items():
        given = parsed.extra.get(name)
        columns[name] = (pa.array(given[keep], kind, from_pandas=True) if given is not None
                         else pa.nulls(count, kind))
    columns["source_row"] = pa.array(parsed.row[keep], pa.int64())
    incoming = pa.table(columns)
    nonempty = [r for r in rejects if len(r)]
    all_rejects = (pd.concat(nonempty, ignore_index=True) if nonempty
                   else reject_frame([], None, [], []))
    all_rejects = all_rejects.sort_values("row_number", kind="stable").reset_index(drop=True)
    counts = {"empty": int(empty.sum()), "station_hours": dropped_station_hours,
              "values": dropped_values}
    return incoming, all_rejects, counts, units, notes


# --- parsing ---------------------------------------------------------------------------------


def _parse(source: formats.SourceFile, station: str | None) -> Parsed:
    """The file's candidate station-hours (the live release by `live`, the others by
    `formats`); rows of the wrong width are rejects."""
    if source.fmt != "live":
        return formats.parse(source, station)
    parsed, ragged = live.parse_live(source)
    if ragged:
        parsed.rejects.append(reject_frame([r for r, _ in ragged], None, [None] * len(ragged),
                                           [reason for _, reason in ragged]))
        parsed.rows_read += len(ragged)
        parsed.unreadable_rows = len(ragged)
    return parsed


def _hour_label(source: formats.SourceFile, declared: str | None, path: Path) -> tuple[str, str]:
    """(how the file labels its hours, how that was decided) — see `times.FORMAT_HOUR_LABELS`."""
    stated = FORMAT_HOUR_LABELS.get(source.fmt)
    if declared is not None and declared not in HOUR_LABEL_CHOICES:
        raise IngestError(f"--hour-label {declared!r}: use {' or '.join(HOUR_LABEL_CHOICES)}")
    if stated and declared and declared != stated:
        raise IngestError(f"{path}: the {source.fmt} release labels each hour by its {stated} "
                          f"(16:00 is the mean of 15:00–16:00); --hour-label {declared} does not "
                          "apply to it")
    if stated:
        return stated, f"as the {source.fmt} release states"
    if declared:
        return declared, "declared"
    return DEFAULT_HOUR_LABEL, ("the default, the national platform's convention; declare "
                                "--hour-label start if 08:00 means 08:00–09:00")


# --- loading ---------------------------------------------------------------------------------


def _merge(con: geoaq_db.Connection, incoming: pa.Table, present: set[str], source_file: str,
           ingest_id: int) -> tuple[int, int, int, list[str]]:
    """Merge station-hours by (station_code, time_bjt); (new, changed, unchanged, unknown codes)."""
    if incoming.num_rows == 0:
        return 0, 0, 0, []
    times = incoming.column("time_bjt")
    params = {f"has_{k}": k in present for k in (*VALUE_COLUMNS, *EXTRA_COLUMNS)}
    params |= {"first": pc.min(times).as_py(), "last": pc.max(times).as_py()}
    con.register("incoming_readings", incoming)
    try:
        unknown: list[str] = []
        if store.table_exists(con, "stations"):
            unknown = [r[0] for r in run(con, "readings_unknown_stations").fetchall()]
        overlap = run(con, "readings_stored_in_range",
                      {"first": params["first"], "last": params["last"]}).fetchone()[0]
        if not overlap:  # hours never loaded before (the usual case): all new, no merge
            run(con, "readings_insert_all", [source_file, ingest_id])
            return incoming.num_rows, 0, 0, unknown
        run(con, "readings_classify", params)
    finally:
        con.unregister("incoming_readings")
    run(con, "readings_delete_changed")
    run(con, "readings_insert", [source_file, ingest_id])
    counts = dict(run(con, "readings_load_counts").fetchall())
    run(con, "readings_drop_staging")
    return counts.get("new", 0), counts.get("changed", 0), counts.get("same", 0), unknown


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
    hour_label: str | None = None,
) -> ReadingsReport:
    """Load one readings file into `readings`; returns the report. Raises IngestError
    (or its UnitError, MissingColumnsError, EncodingError), changing nothing.

    `fmt`: auto, national, station or ymdh. `station`: the code for every row of a file
    without a station code column. `units`: the file's units per pollutant, e.g.
    ``{"co": "ug/m3"}`` (converted to µg/m³, CO mg/m³). `encoding`: auto, utf-8 or gbk.
    `progress(stage, done, total)` is called with stages reading, validating, writing, done.
    `hour_label`: how the file labels its hours, "end" (the national platform's convention,
    the default: 16:00 is 15:00–16:00) or "start"; the national and live releases state theirs
    (end). Readings are stored with end labels. The live release's stations are merged into the
    stations layer in the same transaction.
    """
    started_at = datetime.now()
    t0 = time.perf_counter()
    path = Path(path)
    shown = source_name or str(path)  # the name recorded (an upload's own name, not its temp path)
    notify = progress or (lambda stage, done, total: None)
    declared = parse_units(units)
    fmt = (fmt or "auto").strip().lower()
    station = station.strip() if station else None
    source = open_file(path, fmt, station, encoding)
    label, label_source = _hour_label(source, hour_label, path)
    notify("reading", 0, 1)
    parsed = _parse(source, station)
    parsed.time = to_end_labels(parsed.time, label)
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
        geoaq_db.ensure_claims(con, "readings", "stations")
        for attempt in geoaq_db.write_attempts(con):  # a concurrent load may win
            with attempt, geoaq_db.transaction(con):
                geoaq_db.claim(con, "readings", "stations")
                ingest_id = store.next_ingest_id(con)
                station_counts = (merge_stations(con, parsed.stations, shown, ingest_id)
                                  if parsed.stations is not None else None)
                present = set(parsed.values) | set(parsed.extra)
                new, changed, same, unknown = _merge(con, incoming, present, shown, ingest_id)
                store.record_rejects(con, rejects, ingest_id, LAYER, shown)
                times = incoming.column("time_bjt")
                period = (pc.min(times).as_py(), pc.max(times).as_py()) if incoming.num_rows else None
                report = ReadingsReport(
                    source_file=shown, file_format=source.label, encoding=source.codec,
                    rows_read=parsed.rows_read, inserted=new, updated=changed, unchanged=same,
                    empty_station_hours=counts["empty"], dropped_station_hours=counts["station_hours"],
                    dropped_values=counts["values"], rejects=rejects,
                    seconds=time.perf_counter() - t0, ingest_id=ingest_id, units=file_units,
                    unit_notes=unit_notes, columns=parsed.columns, station_source=parsed.station_source,
                    stations=pc.count_distinct(incoming.column("station_code")).as_py(),
                    unknown_stations=unknown, period=period, ignored_columns=parsed.ignored,
                    notes=parsed.notes, synthetic=int(pc.sum(incoming.column("synthetic")).as_py() or 0),
                    hour_label=label, hour_label_source=label_source, station_counts=station_counts,
                )
                store.record_run(con, report, hashlib.sha256(source.raw).hexdigest(), started_at, {
                    "format": fmt, "station": station, "units": units, "encoding": encoding,
                    "hour_label": hour_label,
                })
    finally:
        if con_owned:
            con.close()
    notify("done", total, total)
    return report
