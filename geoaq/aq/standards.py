"""Air-quality standards as data: AQI breakpoints, limits and validity rules per version.

Every number comes from ``standards/<version>.toml`` (transcribed from the official text; a
site may add its own, see `geoaq.config.standards_file`) and a report states which version it
used. Version "2012" (GB 3095-2012, HJ 633-2012, HJ 663-2013) is complete. GB 3095-2026 /
HJ 633-2026 / HJ 663-2026 took effect on 2026-03-01; their values are added only from the
official text — until a `2026.toml` exists, asking for it is an error that says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from geoaq import config
from geoaq._errors import StandardError
from geoaq.rules import array, day, integer, load_rules, number, one_of, table, tables, text

POLLUTANTS = ("so2", "no2", "pm10", "pm25", "co", "o3")
AQI_TABLES = ("so2_24h", "so2_1h", "no2_24h", "no2_1h", "pm10_24h", "pm25_24h", "co_24h", "co_1h",
              "o3_1h", "o3_8h")
DEFAULT_VERSION = "2012"
#: the validity rules (HJ 663) a standards file states; `geoaq.aq.evaluation` reads each
VALIDITY_KEYS = ("daily_min_hours", "o3_8h_min_hours", "o3_8h_min_windows", "monthly_min_days",
                 "monthly_min_days_february", "annual_min_days")

_LIMITS = table({name: number(exclusive_minimum=0) for name in (*POLLUTANTS, "o3_8h")})
_DATE = one_of(text(), day())
#: ``standards/<version>.toml``: every key and its type. ``version`` defaults to the file name.
SCHEMA = table({
    "version": text(nonblank=True),
    "name": text(nonblank=True),
    "effective_from": {**_DATE, "default": ""},
    "effective_until": _DATE,
    "units": table({name: text(nonblank=True) for name in POLLUTANTS}),
    "aqi": table({"iaqi": array(integer(minimum=0), min_items=2),
                  **{name: array(number(minimum=0), min_items=2) for name in AQI_TABLES}},
                 required=("iaqi", *AQI_TABLES)),
    "aqi_levels": array(table({
        "max": integer(minimum=0),
        "level": text(nonblank=True),
        "category": text(nonblank=True),
        "category_en": text(nonblank=True),
        "colour": text(pattern=r"^#[0-9a-fA-F]{6}$", expected="#rrggbb"),
    }, required=("max", "level", "category", "category_en", "colour")), min_items=1),
    "limits": table({
        "annual": _LIMITS,
        "daily": _LIMITS,
        "hourly": {**_LIMITS, "default": {}},
        # named <series>_p<percent> (co_p95), checked by geoaq.aq.evaluation
        "annual_percentile": tables(number(exclusive_minimum=0), default={}),
    }, required=("annual", "daily")),
    "validity": table({name: integer(minimum=1) for name in VALIDITY_KEYS}, required=VALIDITY_KEYS),
    "composite_index": table({name: number(exclusive_minimum=0)
                              for name in ("so2", "no2", "pm10", "pm25", "co", "o3_8h")}),
}, required=("name", "units", "aqi", "aqi_levels", "limits", "validity", "composite_index"))


@dataclass(frozen=True)
class AqiLevel:
    """One AQI band of HJ 633 Table 2: AQI up to `max` (inclusive)."""

    max: int
    level: str
    category: str
    category_en: str
    colour: str


@dataclass(frozen=True)
class Standard:
    """One version of the standards, as in its TOML file."""

    version: str
    name: str
    effective_from: str
    effective_until: str | None
    units: dict[str, str]
    iaqi: tuple[int, ...]
    breakpoints: dict[str, tuple[float, ...]]
    levels: tuple[AqiLevel, ...]
    annual_limits: dict[str, float]
    daily_limits: dict[str, float]
    hourly_limits: dict[str, float]
    annual_percentile_limits: dict[str, float]
    validity: dict[str, int]
    composite_index: dict[str, float]
    source: Path

    def level_for(self, aqi: float) -> AqiLevel:
        """The AQI band containing `aqi`."""
        for band in self.levels:
            if aqi <= band.max:
                return band
        return self.levels[-1]


def available_versions() -> list[str]:
    """The versions that have a data file (shipped, or the site's own)."""
    return [p.stem for p in config.standards_files()]


def _cross_checks(raw: dict[str, Any]) -> list[str]:
    """What the schema cannot say: each AQI table ascends and fits the IAQI levels."""
    aqi = raw.get("aqi")
    iaqi = aqi.get("iaqi") if isinstance(aqi, dict) else None
    if not isinstance(iaqi, list):
        return []
    problems = []
    if iaqi != sorted(iaqi):
        problems.append(f"aqi.iaqi must be ascending values, got {iaqi}")
    for name in AQI_TABLES:
        values = aqi.get(name)
        if isinstance(values, list) and all(isinstance(v, int | float) for v in values) and (
                values != sorted(values) or not 2 <= len(values) <= len(iaqi)):
            problems.append(f"aqi.{name} must be 2..{len(iaqi)} ascending values, got {values}")
    return problems


def load_standard_file(path: Path) -> Standard:
    """The standards in the file at `path`, checked; its version defaults to the file name."""
    raw = load_rules(path, SCHEMA, StandardError, checks=_cross_checks, what="standards file")
    aqi, limits = raw["aqi"], raw["limits"]
    return Standard(
        version=raw.get("version", path.stem),
        name=raw["name"],
        effective_from=str(raw["effective_from"]),
        effective_until=None if raw.get("effective_until") is None else str(raw["effective_until"]),
        units=dict(raw["units"]),
        iaqi=tuple(aqi["iaqi"]),
        breakpoints={name: tuple(float(v) for v in aqi[name]) for name in AQI_TABLES},
        levels=tuple(AqiLevel(**band) for band in raw["aqi_levels"]),
        annual_limits=_floats(limits["annual"]),
        daily_limits=_floats(limits["daily"]),
        hourly_limits=_floats(limits["hourly"]),
        annual_percentile_limits=_floats(limits["annual_percentile"]),
        validity=dict(raw["validity"]),
        composite_index=_floats(raw["composite_index"]),
        source=path,
    )


def _floats(values: dict[str, float]) -> dict[str, float]:
    return {key: float(value) for key, value in values.items()}


def load_standard(version: str = DEFAULT_VERSION) -> Standard:
    """The standards of `version` ("2012", …): the site's file of that version, else the
    shipped one; an error names what exists when neither is there."""
    path = config.standards_file(version)
    if not path.is_file():
        raise StandardError(
            f"standard {version!r} is not available (no {path}); available: "
            f"{', '.join(available_versions()) or 'none'}. Values are added only from the official text."
        )
    return _standard_of(path)


@cache
def _standard_of(path: Path) -> Standard:
    """`load_standard_file`, once per file (a report reads its standard many times)."""
    return load_standard_file(path)
