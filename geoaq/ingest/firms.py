"""NASA FIRMS active-fire CSVs (VIIRS 375 m, MODIS 1 km), recognised and normalised.

Files load exactly as downloaded. Recognition is by header: latitude, longitude, acq_date,
acq_time, satellite, confidence and either bright_ti4 (VIIRS) or brightness (MODIS). The
normalisation adds `instrument`, `confidence_class` and `acquired_at_utc` and zero-pads
`acq_time` (spreadsheets turn "0013" into 13). FIRMS times are UTC.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from geoaq.ingest.textparse import parse_numbers

FIRMS_CORE = frozenset({"latitude", "longitude", "acq_date", "acq_time", "satellite", "confidence"})
VIIRS_MARKERS = frozenset({"bright_ti4", "bright_ti5"})
MODIS_MARKERS = frozenset({"brightness", "bright_t31"})
#: FIRMS's documented MODIS classes: <30 low, 30–79 nominal, >=80 high
MODIS_NOMINAL_FROM = 30
MODIS_HIGH_FROM = 80
_VIIRS_WORDS = {"l": "low", "low": "low", "n": "nominal", "nominal": "nominal", "h": "high", "high": "high"}


def detect_instrument(columns: list[str]) -> str | None:
    """"VIIRS" or "MODIS" when `columns` are a FIRMS header, else None."""
    names = {c.strip().lower() for c in columns}
    if not names >= FIRMS_CORE:
        return None
    if names & VIIRS_MARKERS:
        return "VIIRS"
    if names & MODIS_MARKERS:
        return "MODIS"
    return None


def confidence_class(confidence: pd.Series) -> pd.Series:
    """low / nominal / high from VIIRS letters/words or MODIS 0–100 percentages.

    Values that fit neither scheme come back as NA (and are rejected by validation).
    """
    text = confidence.astype("string").str.strip().str.lower()
    words = text.map(_VIIRS_WORDS, na_action="ignore")
    numbers = parse_numbers(text)
    numeric_class = pd.Series(
        np.select(
            [numbers > 100, numbers >= MODIS_HIGH_FROM, numbers >= MODIS_NOMINAL_FROM, numbers >= 0],
            ["", "high", "nominal", "low"],
            default="",
        ),
        index=confidence.index,
        dtype="string",
    )
    return words.fillna(numeric_class).astype("string").replace("", pd.NA)


def normalize_acq_time(acq_time: pd.Series) -> pd.Series:
    """Zero-pad HHMM ("13" -> "0013", "130.0" -> "0130"); anything else is left for validation."""
    text = acq_time.astype("string").str.strip()
    digits = text.str.replace(r"\.0+$", "", regex=True)
    is_digits = digits.str.fullmatch(r"\d{1,4}").fillna(False)
    return digits.where(~is_digits, digits.str.zfill(4)).where(is_digits, text)


def acquired_at_utc(acq_date: pd.Series, acq_time: pd.Series) -> pd.Series:
    """UTC timestamp from acq_date (YYYY-MM-DD) and zero-padded acq_time (HHMM); NaT if invalid."""
    stamp = pc.binary_join_element_wise(
        pa.array(acq_date, pa.string(), from_pandas=True),
        pa.array(acq_time, pa.string(), from_pandas=True),
        " ",
    )
    parsed = pc.strptime(stamp, format="%Y-%m-%d %H%M", unit="s", error_is_null=True)
    result = pd.Series(parsed.to_numpy(zero_copy_only=False), index=acq_date.index).astype(
        "datetime64[s]"
    )
    # A file re-saved by a spreadsheet spells the date 2025/4/22 (validation accepts that for
    # acq_date): parse such dates the slow way rather than leave the timestamp empty.
    date_text = acq_date.astype("string").str.strip()
    time_text = acq_time.astype("string").str.strip()
    pending = (result.isna() & date_text.notna()
               & time_text.str.fullmatch(r"([01][0-9]|2[0-3])[0-5][0-9]").fillna(False)).to_numpy()
    if pending.any():
        day = pd.to_datetime(
            date_text[pending].str.replace(r"[年月/.]", "-", regex=True)
            .str.replace("日", "", regex=False),
            format="ISO8601", errors="coerce",
        )
        minutes = time_text[pending].str[:2].astype(int) * 60 + time_text[pending].str[2:].astype(int)
        result[pending] = (day.where(day.dt.normalize() == day)
                           + pd.to_timedelta(minutes.to_numpy(), unit="min")).astype("datetime64[s]")
    return result


def normalize(frame: pd.DataFrame, instrument: str) -> pd.DataFrame:
    """Add instrument, confidence_class and acquired_at_utc to a FIRMS frame (columns as read)."""
    out = frame.copy()
    lower = {c: c.strip().lower() for c in out.columns}
    out = out.rename(columns=lower)
    out["acq_time"] = normalize_acq_time(out["acq_time"])
    if "instrument" not in out.columns:
        out["instrument"] = instrument
    classes = confidence_class(out["confidence"])
    # A confidence that fits neither scheme keeps its text here, so that validation rejects
    # the row (confidence_class allows only low/nominal/high) instead of loading no class.
    out["confidence_class"] = classes.fillna(out["confidence"].astype("string").str.strip())
    out["acquired_at_utc"] = acquired_at_utc(out["acq_date"], out["acq_time"])
    return out
