"""The live national release (全国城市空气质量实时发布) as a readings source.

One file is one hour of every national station, as converted from the platform's live feed
(the public archive HeQinWill/CNEMC: ``Archive/YYYY-MM-DD/YYYY-MM-DDTHH.csv``). Header::

    timepoint,stationcode,longitude,latitude,area,positionname,primarypollutant,aqi,
    pm10,pm10_24h,pm2_5,pm2_5_24h,o3,o3_24h,o3_8h,o3_8h_24h,no2,no2_24h,so2,so2_24h,co,co_24h

recognised by its columns (`spellings.is_live_header`), whatever their order. What is taken:

* **the hour**: ``timepoint`` (``2026-03-01T1200``, older files ``2022-01-04T16:00:00``), the
  *end* of the hour the values are the mean of (the platform's convention: 16时 = 15:00–16:00),
  which is how readings are stored;
* **the six 1-hour means**: ``pm2_5``, ``pm10``, ``so2``, ``no2``, ``co`` and one of ``o3`` /
  ``o3_24h``: the archive says the two are swapped in its files (``o3`` the maximum 1-hour value
  of the last 24 hours), yet in its 2026 files ``o3`` is the 1-hour value and ``o3_24h`` empty
  or equal to it. The column is therefore chosen from the values: a 1-hour value can never
  exceed the maximum of the 24 hours that include it, so when ``o3`` ≥ ``o3_24h`` on every row
  and above it on some, ``o3_24h`` is the 1-hour value; otherwise ``o3`` is. The load report
  says which column was used and why. The ``x_24h`` and ``o3_8h*`` columns are not stored
  (24-hour and 8-hour means are computed from the hours, by the standard's rules);
* **missing and not measured**: ``NA`` (from 2026-03-01) or an empty cell is a missing value,
  ``/`` a pollutant the station does not measure (stored in ``unmeasured``: HJ 633-2026's
  missing-data rule does not apply to it);
* **what was published**: ``aqi`` → ``published_aqi`` (``NA`` → ``published_na``), and
  ``primarypollutant`` (``细颗粒物(PM2.5)``, ``颗粒物(PM10)``, ``臭氧1小时(O3_1h)``, several joined
  by commas; ``NA`` none) → ``published_primary`` in geoaq's names and tie order ("PM2.5,PM10");
* **the stations**: code, name (``positionname``), city (``area``) and position (WGS-84
  ``longitude``/``latitude``), which `geoaq.ingest.readings.stations` merges into the stations
  layer through the layer's own rules.
"""

from __future__ import annotations

import csv

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from geoaq._errors import MissingColumnsError
from geoaq.ingest.csvtable import clean, numbers, read_table, text_at, to_numpy
from geoaq.ingest.readers import header_key
from geoaq.ingest.readings.formats import STATION_CODE, Parsed, SourceFile, reject_frame
from geoaq.ingest.readings.spellings import LIVE_COLUMNS, LIVE_POLLUTANTS, primary_names
from geoaq.ingest.readings.times import parse_times

#: columns the stations layer takes from the release (layers/stations.toml names)
STATION_COLUMNS = {"code": "stationcode", "name": "positionname", "city": "area",
                   "lon": "longitude", "lat": "latitude"}


def choose_o3(o3: np.ndarray, o3_24h: np.ndarray | None) -> tuple[str, str]:
    """("o3" or "o3_24h", why) — the column holding the 1-hour O3 value (see the module notes)."""
    if o3_24h is None:
        return "o3", "the file has no o3_24h column"
    both = np.isfinite(o3) & np.isfinite(o3_24h)
    above = int((both & (o3 > o3_24h)).sum())
    below = int((both & (o3 < o3_24h)).sum())
    n = int(both.sum())
    if n == 0:
        return "o3", "o3_24h is empty"
    if above == 0 and below == 0:
        return "o3", f"o3_24h equals o3 on all {n:,} rows having both"
    if above == 0:
        return "o3", (f"o3 ≤ o3_24h on all {n:,} rows having both ({below:,} below): o3_24h is "
                      "the 24-hour maximum")
    if below == 0:
        return "o3_24h", (f"o3 ≥ o3_24h on all {n:,} rows having both ({above:,} above): o3 is "
                          "the 24-hour maximum, the columns are swapped as the archive says")
    if below < above:
        return "o3_24h", (f"o3 is above o3_24h on {above:,} rows and below on {below:,}: the "
                          "fewer contradictions take o3_24h as the 1-hour value; check the file")
    return "o3", (f"o3 is below o3_24h on {below:,} rows and above on {above:,}: the fewer "
                  "contradictions take o3 as the 1-hour value; check the file")


def _slash_cells(body: bytes, rows: np.ndarray, positions: dict[str, int]) -> dict[str, np.ndarray]:
    """Per pollutant, the rows whose cell is "/" (not measured). The CSV reader turns "/" into a
    null like "NA", so the few lines holding a "/" are read again, field by field."""
    marks = {kind: np.zeros(len(rows), dtype=bool) for kind in positions}
    if b"/" not in body:
        return marks
    lines = body.split(b"\n")
    for i, row in enumerate(rows):
        line = lines[int(row) - 1] if 0 < row <= len(lines) else b""
        if b"/" not in line:
            continue
        fields = next(csv.reader([line.decode("utf-8").rstrip("\r")]))
        for kind, at in positions.items():
            if at < len(fields) and fields[at].strip() == "/":
                marks[kind][i] = True
    return marks


def parse_live(source: SourceFile) -> tuple[Parsed, list[tuple[int, str]]]:
    """The file's station-hours, what it published, its stations, and the rejects found."""
    header, path = source.header, source.path
    keys = [header_key(h) for h in header]
    at = {key: i for i, key in enumerate(keys)}
    missing = [c for c in (*LIVE_COLUMNS, *LIVE_POLLUTANTS.values()) if c not in at]
    if missing:
        raise MissingColumnsError(f"{path}: the live release needs the columns {missing}; "
                                  f"columns found: {header}")
    table, rows, ragged = read_table(source.data, header, path)
    n = table.num_rows

    def column(name: str) -> pa.Array:
        return clean(table.column(at[name]))

    rejects: list[pd.DataFrame] = []
    notes: list[str] = []
    times, reasons = parse_times(column("timepoint"))
    bad_time = np.isnat(times)
    if bad_time.any():
        where = np.flatnonzero(bad_time)
        rejects.append(reject_frame(rows[where], header[at["timepoint"]],
                                    text_at(table.column(at["timepoint"]), where), reasons[where]))
    codes = column("stationcode")
    valid_code = to_numpy(pc.fill_null(pc.match_substring_regex(codes, STATION_CODE.pattern), False))
    bad_code = ~valid_code & ~bad_time
    if bad_code.any():
        where = np.flatnonzero(bad_code)
        no_code = to_numpy(codes.is_null())[where]
        rejects.append(reject_frame(rows[where], header[at["stationcode"]], text_at(codes, where),
                                    np.where(no_code, "no station code",
                                             "not a station code (letters, digits, - and _ only)")))
    codes = pc.if_else(pa.array(valid_code), codes, pa.scalar(None, pa.string()))
    dropped = bad_time | ~valid_code

    o3_24h = numbers(column("o3_24h"))[0] if "o3_24h" in at else None
    o3_column, why = choose_o3(numbers(column("o3"))[0], o3_24h)
    notes.append(f"O3: column {o3_column} read as the 1-hour value ({why})")
    file_columns = {**LIVE_POLLUTANTS, "o3": o3_column, "published_aqi": "aqi"}
    values: dict[str, np.ndarray] = {}
    bad_numbers = 0
    for kind, name in file_columns.items():
        kind_values, bad = numbers(column(name))
        values[kind] = kind_values
        bad &= ~dropped
        if bad.any():
            where = np.flatnonzero(bad)
            rejects.append(reject_frame(rows[where], header[at[name]],
                                        text_at(table.column(at[name]), where), "not a number"))
            bad_numbers += len(where)
    published_na = to_numpy(column("aqi").is_null())
    slash = _slash_cells(source.data, rows, {k: at[file_columns[k]] for k in LIVE_POLLUTANTS})
    unmeasured = np.array([",".join(k for k in LIVE_POLLUTANTS if slash[k][i]) or None
                           for i in range(n)], dtype=object)
    primary, bad_primary = _primaries(column("primarypollutant"))
    bad_primary &= ~dropped
    if bad_primary.any():
        where = np.flatnonzero(bad_primary)
        rejects.append(reject_frame(rows[where], header[at["primarypollutant"]],
                                    text_at(table.column(at["primarypollutant"]), where),
                                    "not a pollutant name the release uses"))

    def cells(kind: str, where: np.ndarray) -> tuple[np.ndarray, str]:
        return rows[where], header[at[file_columns[kind]]]

    def text(kind: str, where: np.ndarray) -> list[str | None]:
        return text_at(table.column(at[file_columns[kind]]), where)

    parsed = Parsed(
        file_format="live", rows_read=n, station=codes, time=times, row=rows, values=values,
        cells=cells, text=text, columns={k: header[at[c]] for k, c in file_columns.items()},
        header_units={}, station_source=f"column {header[at['stationcode']]}",
        key_label=f"{header[at['stationcode']]}+{header[at['timepoint']]}", dropped=dropped,
        bad_numbers=bad_numbers, rejects=rejects, notes=notes,
        ignored=[h for h, k in zip(header, keys, strict=True)
                 if k not in {*STATION_COLUMNS.values(), *file_columns.values(), "timepoint",
                              "primarypollutant"}],
    )
    parsed.extra = {"published_primary": primary, "published_na": published_na,
                    "unmeasured": unmeasured}
    parsed.stations = _stations(table, at, rows, valid_code)
    return parsed, ragged


def _primaries(cells: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """(geoaq's primary-pollutant text per row, "" for none and None where not recognised;
    not recognised mask)."""
    distinct = {v: primary_names(v) for v in pc.unique(cells).to_pylist()}
    values = cells.to_pylist()
    names = np.array([distinct[v][0] for v in values], dtype=object)
    bad = np.array([bool(distinct[v][1]) for v in values], dtype=bool)
    return names, bad


def _stations(table: pa.Table, at: dict[str, int], rows: np.ndarray,
              valid_code: np.ndarray) -> pd.DataFrame:
    """The stations of the file as text (columns of `STATION_COLUMNS`, row numbers in `row`):
    each code once, its first row."""
    present = {name: column for name, column in STATION_COLUMNS.items() if column in at}
    frame = pd.DataFrame({name: pd.Series(clean(table.column(at[column])).to_pylist(), dtype="string")
                          for name, column in present.items()})
    frame["row"] = rows
    frame = frame[valid_code]
    return frame.drop_duplicates("code", keep="first").reset_index(drop=True)
