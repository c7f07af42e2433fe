"""What the route planner is given, read and checked: positions, clock times, the target table.

Every problem is a `RoutingInputError` whose message names the target, team or option
(`what`) and says what was expected, so the command line and the app can show it as is.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

import pandas as pd

from geoaq._errors import RoutingInputError
from geoaq.routes.rules import RouteRules

TARGET_COLUMNS = ["target_id", "kind", "name", "lon", "lat", "priority", "service_min",
                  "tw_start", "tw_end", "reason", "source"]


# --- positions ----------------------------------------------------------------------------


def parse_lonlat(text: str, what: str = "position") -> tuple[float, float]:
    """'112.45,34.62' → (112.45, 34.62), checked to be a plausible WGS-84 position."""
    parts = [p.strip() for p in str(text).replace("，", ",").split(",")]
    try:
        lon, lat = float(parts[0]), float(parts[1])
    except (ValueError, IndexError):
        raise RoutingInputError(f"{what}: expected LON,LAT (e.g. 112.45,34.62), got {text!r}") from None
    check_position(lon, lat, what)
    return lon, lat


def check_position(lon: float, lat: float, what: str) -> None:
    """Refuse a position that is not a finite longitude/latitude (or looks swapped)."""
    if not (math.isfinite(lon) and math.isfinite(lat)) or not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise RoutingInputError(f"{what}: ({lon}, {lat}) is not a longitude/latitude")
    if abs(lon) <= 90 and abs(lat) > 90:
        raise RoutingInputError(f"{what}: ({lon}, {lat}) looks like LAT,LON; give LON,LAT")


# --- clock times --------------------------------------------------------------------------


def clock_seconds(value: Any, what: str) -> int | None:
    """'08:30', a time, a datetime or minutes-of-day → seconds after midnight; None when empty."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return None
    if isinstance(value, pd.Timestamp | datetime):
        return value.hour * 3600 + value.minute * 60 + value.second
    if hasattr(value, "hour") and hasattr(value, "minute"):
        return value.hour * 3600 + value.minute * 60 + getattr(value, "second", 0)
    text = str(value).strip()
    if not text:
        return None
    if " " in text or "T" in text:  # a date-time: keep the time of day
        try:
            stamp = pd.Timestamp(text)
        except ValueError:
            raise RoutingInputError(f"{what}: cannot read the time {text!r} (use HH:MM)") from None
        return stamp.hour * 3600 + stamp.minute * 60 + stamp.second
    parts = text.replace("：", ":").split(":")
    try:
        numbers = [int(p) for p in parts]
    except ValueError:
        raise RoutingInputError(f"{what}: cannot read the time {text!r} (use HH:MM)") from None
    if len(numbers) not in (2, 3) or not (0 <= numbers[0] <= 24 and 0 <= numbers[1] < 60):
        raise RoutingInputError(f"{what}: cannot read the time {text!r} (use HH:MM)")
    seconds = numbers[0] * 3600 + numbers[1] * 60 + (numbers[2] if len(numbers) == 3 else 0)
    if seconds > 24 * 3600:
        raise RoutingInputError(f"{what}: {text!r} is after 24:00")
    return seconds


def hhmm(seconds: float) -> str:
    """Seconds after midnight → 'HH:MM', with '(+1d)' past midnight (for messages)."""
    seconds = int(round(seconds))
    day, rest = divmod(seconds, 86400)
    text = f"{rest // 3600:02d}:{rest % 3600 // 60:02d}"
    return text + (f" (+{day}d)" if day else "")


# --- targets ------------------------------------------------------------------------------


def normalize_targets(targets: pd.DataFrame, rules: RouteRules) -> pd.DataFrame:
    """The targets with every column of TARGET_COLUMNS, defaults filled in and checked.

    Required: lon and lat. Missing ids become T001…, kind `other`, priority and service time
    come from the kind's entry in the rules.
    """
    if targets is None or len(targets) == 0:
        raise RoutingInputError("no targets to route: nothing was found or selected for the day")
    frame = targets.reset_index(drop=True).copy()
    missing = [c for c in ("lon", "lat") if c not in frame.columns]
    if missing:
        raise RoutingInputError(f"targets need lon and lat columns; missing {missing}; "
                                f"columns found: {list(frame.columns)}")
    if "target_id" not in frame.columns:
        frame["target_id"] = [f"T{i + 1:03d}" for i in range(len(frame))]
    frame["target_id"] = frame["target_id"].astype(str)
    duplicated = frame["target_id"][frame["target_id"].duplicated()].unique().tolist()
    if duplicated:
        raise RoutingInputError(f"target ids must be unique; repeated: {duplicated[:5]}")
    if "kind" not in frame.columns:
        frame["kind"] = "other"
    frame["kind"] = frame["kind"].fillna("other").astype(str)
    if "name" not in frame.columns:
        frame["name"] = frame["target_id"]
    frame["name"] = frame["name"].where(frame["name"].notna(), frame["target_id"]).astype(str)
    for column, attribute in (("priority", "priority"), ("service_min", "service_min")):
        default = frame["kind"].map(lambda k, a=attribute: getattr(rules.type_of(k), a))
        if column in frame.columns:
            values = pd.to_numeric(frame[column], errors="coerce")
            frame[column] = values.where(values.notna(), default).astype(float)
        else:
            frame[column] = default.astype(float)
    for column in ("tw_start", "tw_end", "reason", "source"):
        if column not in frame.columns:
            frame[column] = None
    lon = pd.to_numeric(frame["lon"], errors="coerce")
    lat = pd.to_numeric(frame["lat"], errors="coerce")
    for i in range(len(frame)):
        what = f"target {frame.at[i, 'target_id']}"
        if pd.isna(lon[i]) or pd.isna(lat[i]):
            raise RoutingInputError(f"{what}: missing or non-numeric lon/lat "
                                    f"({frame.at[i, 'lon']!r}, {frame.at[i, 'lat']!r})")
        check_position(float(lon[i]), float(lat[i]), what)
        if frame.at[i, "service_min"] < 0 or not math.isfinite(frame.at[i, "service_min"]):
            raise RoutingInputError(f"{what}: service time must be ≥ 0 minutes")
        if not math.isfinite(frame.at[i, "priority"]):
            raise RoutingInputError(f"{what}: priority must be a number")
    frame["lon"], frame["lat"] = lon.astype(float), lat.astype(float)
    return frame[TARGET_COLUMNS + [c for c in frame.columns if c not in TARGET_COLUMNS]]
