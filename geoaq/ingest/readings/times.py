"""Hours of readings from text: times, dates, hours and year/month/day/hour columns.

Readings are hourly and in Beijing time (UTC+8). Every function takes Arrow text columns
and returns ``datetime64[s]`` arrays with NaT where a value is unusable, plus, where a reject
needs it, the reason per value; a value is refused (never guessed) when it has no hour, is
off the full hour or names no calendar date (2019-02-30).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from datetime import date

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from geoaq.ingest.csvtable import NULL_SET, clean, numbers, to_numpy

_TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M",
                 "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%dT%H%M", "%Y-%m-%d %H", "%Y/%m/%d %H",
                 "%Y%m%d %H:%M:%S", "%Y%m%d %H:%M", "%Y%m%d %H", "%Y%m%d%H",
                 "%Y.%m.%d %H:%M:%S", "%Y.%m.%d %H:%M")
_DATE_FORMATS = ("%Y-%m-%d", "%Y%m%d", "%Y/%m/%d", "%Y.%m.%d")
_COMPONENTS = r"^(?P<y>\d{4})\D?(?P<mo>\d{1,2})\D?(?P<d>\d{1,2})"
_OFFSET = re.compile(r"^(.*\d:\d{2}(?::\d{2})?(?:\.\d+)?)\s*(Z|[+-]\d{2}:?\d{2})$")
_DATE_ONLY = re.compile(r"^\d{4}(\D\d{1,2}\D\d{1,2}|\d{4})$")
#: the accepted range of each part of a year/month/day/hour time
_YMDH_LIMITS = {"year": (1900, 2200), "month": (1, 12), "day": (1, 31), "hour": (0, 23)}

#: How an hourly value is labelled: "end" — by the end of its hour, as the national platform
#: publishes it (the value of 16时 is the mean of 15:00–16:00; a natural day holds 01:00 …
#: 24:00, i.e. 00:00 of the next date) — or "start" (08:00 = 08:00–09:00, as some exports do).
#: Readings are stored with end labels; a start-labelled file is shifted by one hour on loading.
HOUR_LABEL_CHOICES = ("end", "start")
#: the convention each format states (the national release, quotsoft's archive of it and the
#: live release label by the end); station and year/month/day/hour files are declared by their
#: user, by default the national platform's
FORMAT_HOUR_LABELS = {"national": "end", "live": "end"}
DEFAULT_HOUR_LABEL = "end"


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
    out = to_numpy(pc.strptime(text, format=formats[0], unit="s", error_is_null=True)).astype("datetime64[s]")
    pending = np.flatnonzero(to_numpy(text.is_valid()) & np.isnat(out))
    for fmt in formats[1:]:
        if not len(pending):
            break
        parsed = pc.strptime(text.take(pa.array(pending, pa.int64())), format=fmt, unit="s",
                             error_is_null=True)
        parsed = to_numpy(parsed).astype("datetime64[s]")
        got = ~np.isnat(parsed)
        out[pending[got]] = parsed[got]
        pending = pending[~got]
    if not np.isnat(out).all():
        prefixes = pc.utf8_slice_codeunits(text, 0, 10)
        impossible = [v for v in pc.unique(prefixes).to_pylist() if v is not None and not _real_date(v)]
        if impossible:
            out[to_numpy(pc.fill_null(pc.is_in(prefixes, pa.array(impossible, pa.string())), False))] = np.datetime64("NaT")
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
    valid = to_numpy(text.is_valid())
    failed = np.flatnonzero(valid & np.isnat(times))
    if len(failed):  # the slow path: spaces, offsets, Chinese spellings, dates without an hour
        values = text.take(pa.array(failed, pa.int64())).to_pylist()
        shift = np.zeros(len(failed), dtype=np.int64)  # seconds to add to reach Beijing time
        for i, value in enumerate(values):
            value = value.strip()
            if value in NULL_SET:
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


def parse_hours(text: pa.ChunkedArray | pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """Hours 0–23 from `8`, `08`, `8:00`, `08:00:00`, `8时`; (hours, or -1, and a bad mask)."""
    try:
        values = to_numpy(pc.cast(text, pa.float64()))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        text = clean(text)
        cleaned = pc.replace_substring_regex(text, r"^(\d{1,2})(?::00(?::00)?|时|點|点|h)?$", r"\1")
        values, _ = numbers(cleaned)
    present = to_numpy(text.is_valid())
    whole = np.isfinite(values) & (np.mod(values, 1) == 0) & (values >= 0) & (values <= 23)
    return np.where(whole, values, -1).astype(np.int64), present & ~whole


def parse_dates(text: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """Dates (datetime64[s] at midnight, NaT where not a date) from 20190101, 2019-01-01 …."""
    if isinstance(text, pa.ChunkedArray):
        text = text.combine_chunks()
    dates = _strptime_any(text, _DATE_FORMATS)
    failed = np.flatnonzero(to_numpy(text.is_valid()) & np.isnat(dates))
    if len(failed):  # surrounding spaces
        dates[failed] = _strptime_any(clean(text.take(pa.array(failed, pa.int64()))), _DATE_FORMATS)
    return dates


def date_hour_times(dates_text: pa.ChunkedArray | pa.Array,
                    hours_text: pa.ChunkedArray | pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """Times from a date column and an hour column; (times, reason per unusable row)."""
    dates = parse_dates(dates_text)
    hours, bad_hour = parse_hours(hours_text)
    date_valid = to_numpy(dates_text.is_valid())
    hour_valid = to_numpy(hours_text.is_valid())
    reasons = np.empty(len(dates), dtype=object)
    reasons[~hour_valid] = "no hour"
    reasons[hour_valid & bad_hour] = "hour must be a whole number 0–23"
    reasons[date_valid & np.isnat(dates)] = "not a date (expected e.g. 2019-01-01)"
    reasons[~date_valid] = "no date"
    times = dates + np.maximum(hours, 0).astype("timedelta64[h]")
    times[reasons != None] = np.datetime64("NaT")  # noqa: E711 (element-wise)
    return times, reasons


def ymdh_times(parts: Mapping[str, pa.ChunkedArray | pa.Array]) -> tuple[np.ndarray, np.ndarray]:
    """Times from year, month, day and hour columns; (times, reason per unusable row).

    A row's reason names its first bad part (in that order), or says "no such date".
    """
    n = len(parts["year"])
    reasons = np.empty(n, dtype=object)
    bad_any = np.zeros(n, dtype=bool)
    whole_parts = {}
    for name, (low, high) in _YMDH_LIMITS.items():
        values, _ = numbers(parts[name])
        whole = np.isfinite(values) & (np.mod(values, 1) == 0) & (values >= low) & (values <= high)
        missing = to_numpy(parts[name].is_null())
        new = ~whole & ~bad_any
        reasons[new & missing] = f"no {name}"
        reasons[new & ~missing] = f"{name} must be a whole number {low}–{high}"
        bad_any |= ~whole
        whole_parts[name] = np.where(whole, values, low).astype(np.int64)
    months = ((whole_parts["year"] - 1970) * 12 + whole_parts["month"] - 1).astype("datetime64[M]")
    days = (months.astype("datetime64[D]") + whole_parts["day"].astype("timedelta64[D]")
            - np.timedelta64(1, "D"))
    wrong_day = days.astype("datetime64[M]") != months
    reasons[wrong_day & ~bad_any] = "no such date"
    bad_any |= wrong_day
    times = days.astype("datetime64[s]") + whole_parts["hour"].astype("timedelta64[h]")
    times[bad_any] = np.datetime64("NaT")
    return times, reasons


def to_end_labels(times: np.ndarray, hour_label: str) -> np.ndarray:
    """Hour labels in the stored convention (the end of the hour): a start label + 1 h."""
    if hour_label == "end":
        return times
    if hour_label != "start":
        raise ValueError(f"hour_label must be one of {HOUR_LABEL_CHOICES}, got {hour_label!r}")
    return times + np.timedelta64(1, "h")
