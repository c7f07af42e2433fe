"""Air-quality standards as data: AQI breakpoints and rules, limits and validity per version.

Every number comes from ``standards/<version>.toml`` (transcribed from the official text; a
site may add its own, see `geoaq.config.standards_file`) and a report states which version it
used. Two versions ship:

* ``2012``: GB 3095-2012 (grade II), HJ 633-2012, HJ 663-2013; in force until 2026-02-28;
* ``2026``: GB 3095-2026 (grade II; transition limits 2026-03-01 … 2030-12-31, final limits
  from 2031-01-01) and HJ 633-2026, in force from 2026-03-01 (Beijing time). HJ 663-2026 was
  not obtained: periods are evaluated with HJ 663-2013's methods against these limits, which
  the file's ``evaluation_method`` and ``notes`` state.

What a file may say beyond breakpoints and limits (``[aqi_rules]``), with what a file that is
silent gets (the rules of HJ 633-2012, as the 2012 file is written):

* ``concentration_rounding``: "GB/T 8170" rounds each concentration to ``decimals`` before
  scoring (HJ 633-2026: µg/m³ to integers, CO mg/m³ to one decimal); default "none";
* ``overflow``: what a concentration above a table's last breakpoint scores: another table
  (2012: SO2 1-hour → ``so2_24h``, O3 8-hour → ``o3_1h``) or a fixed IAQI (2026: 200, 300);
* ``realtime`` / ``daily``: the indicators of the real-time and daily reports, each scored on
  its table (2012's daily report has the O3 daily maximum 1-hour indicator, 2026's has not);
* ``missing``: "omit" (a missing pollutant is left out, the AQI of the others published; 2012)
  or "na_unless_above" (HJ 633-2026 §5.3.1: published only above ``publish_above``, else NA).

Limits are one set (``[limits.annual]`` …) or a list of periods with dates
(``[[limits.periods]]``); `Standard.on` gives the standard with the limits of a day.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from geoaq import config
from geoaq._errors import StandardError
from geoaq.rules import array, day, integer, load_rules, number, one_of, table, tables, text

POLLUTANTS = ("so2", "no2", "pm10", "pm25", "co", "o3")
AQI_TABLES = ("so2_24h", "so2_1h", "no2_24h", "no2_1h", "pm10_24h", "pm25_24h", "co_24h", "co_1h",
              "o3_1h", "o3_8h")
#: the daily values a daily AQI can be computed from (columns of `geoaq.aq.evaluation`)
DAILY_VALUES = ("so2", "no2", "pm10", "pm25", "co", "o3_1h_max", "o3_8h_max")
DEFAULT_VERSION = "2012"
#: the validity rules (HJ 663) a standards file states; `geoaq.aq.evaluation` reads each
VALIDITY_KEYS = ("daily_min_hours", "o3_8h_min_hours", "o3_8h_min_windows", "monthly_min_days",
                 "monthly_min_days_february", "annual_min_days")
#: statements a standard's outputs carry (words: aq.standard_note.<code>)
NOTE_CODES = ("hj663_2026_unavailable", "composite_index_undefined")
#: names of limit periods (words: aq.limits_period.<name>)
LIMIT_PERIOD_NAMES = ("transition", "final")
#: ways of rounding concentrations before scoring, and of treating a missing pollutant
ROUNDINGS = ("none", "GB/T 8170")
MISSING_RULES = ("omit", "na_unless_above")

#: HJ 633-2012's rules, for a file that does not state its own (the shipped 2012 file)
REALTIME_2012 = {"so2": "so2_1h", "no2": "no2_1h", "pm10": "pm10_24h", "pm25": "pm25_24h",
                 "co": "co_1h", "o3": "o3_1h"}
DAILY_2012 = {"so2": "so2_24h", "no2": "no2_24h", "pm10": "pm10_24h", "pm25": "pm25_24h",
              "co": "co_24h", "o3_1h_max": "o3_1h", "o3_8h_max": "o3_8h"}
OVERFLOW_2012 = {"so2_1h": {"table": "so2_24h"}, "o3_8h": {"table": "o3_1h"}}

_LIMITS = table({name: number(exclusive_minimum=0) for name in (*POLLUTANTS, "o3_8h")})
_DATE = one_of(text(), day())
_TABLE_NAME = text(choices=AQI_TABLES)
_LIMIT_SETS = {
    "annual": _LIMITS,
    "daily": _LIMITS,
    "hourly": {**_LIMITS, "default": {}},
    # named <series>_p<percent> (co_p95), checked by geoaq.aq.evaluation
    "annual_percentile": tables(number(exclusive_minimum=0), default={}),
    # grade I (一级) annual and percentile limits, for targets of 一级 attainment (seed 003)
    "annual_grade1": {**_LIMITS, "default": {}},
    "annual_percentile_grade1": tables(number(exclusive_minimum=0), default={}),
}
_OVERFLOW = one_of(table({"table": _TABLE_NAME}, required=("table",)),
                   table({"iaqi": integer(minimum=0)}, required=("iaqi",)),
                   expected="{ table = \"<AQI table>\" } or { iaqi = <integer> }")
#: ``standards/<version>.toml``: every key and its type. ``version`` defaults to the file name.
SCHEMA = table({
    "version": text(nonblank=True),
    "name": text(nonblank=True),
    "effective_from": {**_DATE, "default": ""},
    "effective_until": _DATE,
    "evaluation_method": text(nonblank=True, default="HJ 663-2013"),
    "notes": array(text(choices=NOTE_CODES), default=[]),
    "units": table({name: text(nonblank=True) for name in POLLUTANTS}),
    "aqi": table({"iaqi": array(integer(minimum=0), min_items=2),
                  **{name: array(number(minimum=0), min_items=2) for name in AQI_TABLES}},
                 required=("iaqi", *AQI_TABLES)),
    "aqi_rules": table({
        "concentration_rounding": text(choices=ROUNDINGS, default="none"),
        "decimals": table({name: integer(minimum=0, maximum=6) for name in POLLUTANTS},
                          default={}),
        "missing": text(choices=MISSING_RULES, default="omit"),
        "publish_above": integer(minimum=0),
        "overflow": table({name: _OVERFLOW for name in AQI_TABLES}, default=OVERFLOW_2012),
        "realtime": table({name: _TABLE_NAME for name in POLLUTANTS}, default=REALTIME_2012),
        "daily": table({name: _TABLE_NAME for name in DAILY_VALUES}, default=DAILY_2012),
    }),
    "aqi_levels": array(table({
        "max": integer(minimum=0),
        "level": text(nonblank=True),
        "category": text(nonblank=True),
        "category_en": text(nonblank=True),
        "colour": text(pattern=r"^#[0-9a-fA-F]{6}$", expected="#rrggbb"),
    }, required=("max", "level", "category", "category_en", "colour")), min_items=1),
    "limits": table({
        **_LIMIT_SETS,
        "periods": array(table({
            "name": text(choices=LIMIT_PERIOD_NAMES),
            "from": day(),
            "until": day(),
            **_LIMIT_SETS,
        }, required=("name", "from", "annual", "daily")), min_items=1),
    }),
    "validity": table({name: integer(minimum=1) for name in VALIDITY_KEYS}, required=VALIDITY_KEYS),
    "composite_index": table({name: number(exclusive_minimum=0)
                              for name in ("so2", "no2", "pm10", "pm25", "co", "o3_8h")},
                             default={}),
}, required=("name", "units", "aqi", "aqi_levels", "limits", "validity"))


@dataclass(frozen=True)
class AqiLevel:
    """One AQI band of HJ 633 Table 2: AQI up to `max` (inclusive)."""

    max: int
    level: str
    category: str
    category_en: str
    colour: str


@dataclass(frozen=True)
class LimitPeriod:
    """The limits of a standard over `start` … `end` (dates, inclusive; None: open)."""

    name: str | None
    start: date | None
    end: date | None
    annual: dict[str, float]
    daily: dict[str, float]
    hourly: dict[str, float]
    annual_percentile: dict[str, float]
    annual_grade1: dict[str, float] = dataclasses.field(default_factory=dict)
    annual_percentile_grade1: dict[str, float] = dataclasses.field(default_factory=dict)

    def covers(self, day_: date) -> bool:
        return (self.start is None or day_ >= self.start) and (self.end is None or day_ <= self.end)


@dataclass(frozen=True)
class Overflow:
    """What a concentration above a table's last breakpoint scores: a `table` or an `iaqi`."""

    table: str | None = None
    iaqi: float | None = None


@dataclass(frozen=True)
class Standard:
    """One version of the standards, as in its TOML file, with the limits of one period
    (`limits_period`; `on` gives the standard with the limits of another day)."""

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
    evaluation_method: str = "HJ 663-2013"
    notes: tuple[str, ...] = ()
    rounding: str = "none"
    decimals: dict[str, int] = dataclasses.field(default_factory=dict)
    missing_rule: str = "omit"
    publish_above: float | None = None
    overflow: dict[str, Overflow] = dataclasses.field(default_factory=dict)
    realtime: dict[str, str] = dataclasses.field(default_factory=lambda: dict(REALTIME_2012))
    daily_indicators: dict[str, str] = dataclasses.field(default_factory=lambda: dict(DAILY_2012))
    limit_periods: tuple[LimitPeriod, ...] = ()
    limits_period: str | None = None
    #: grade I (一级) limits of the period: annual means and percentiles ({} when not given)
    grade1_annual_limits: dict[str, float] = dataclasses.field(default_factory=dict)
    grade1_annual_percentile_limits: dict[str, float] = dataclasses.field(default_factory=dict)

    def level_for(self, aqi: float) -> AqiLevel:
        """The AQI band containing `aqi`."""
        for band in self.levels:
            if aqi <= band.max:
                return band
        return self.levels[-1]

    @property
    def start(self) -> date | None:
        """The first day the standard is in force (Beijing time), None when not stated."""
        return _as_date(self.effective_from)

    @property
    def end(self) -> date | None:
        """The last day it is in force, None while it is."""
        return _as_date(self.effective_until)

    def limits_on(self, day_: date) -> LimitPeriod:
        """The limit period of `day_`: the one covering it, else the first (a day before the
        standard's own) or the last (after every period)."""
        for period in self.limit_periods:
            if period.covers(day_):
                return period
        first = self.limit_periods[0]
        return first if first.start is not None and day_ < first.start else self.limit_periods[-1]

    def on(self, day_: date) -> Standard:
        """This standard with the limits in force on `day_` (itself when they are the same)."""
        period = self.limits_on(day_)
        if period.name == self.limits_period and period.annual == self.annual_limits:
            return self
        return dataclasses.replace(
            self, annual_limits=period.annual, daily_limits=period.daily,
            hourly_limits=period.hourly, annual_percentile_limits=period.annual_percentile,
            grade1_annual_limits=period.annual_grade1,
            grade1_annual_percentile_limits=period.annual_percentile_grade1, limits_period=period.name)

    def period_changes(self) -> list[date]:
        """The days on which a new limit period starts (after the first)."""
        return [p.start for p in self.limit_periods[1:] if p.start is not None]


def _as_date(value: object) -> date | None:
    if isinstance(value, date):
        return value
    if isinstance(value, str) and value.strip():
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def available_versions() -> list[str]:
    """The versions that have a data file (shipped, or the site's own)."""
    return [p.stem for p in config.standards_files()]


def _cross_checks(raw: dict[str, Any]) -> list[str]:
    """What the schema cannot say: each AQI table ascends and fits the IAQI levels; limits are
    one set or periods in order; the NA rule has its threshold; dates are dates."""
    problems = []
    aqi = raw.get("aqi")
    iaqi = aqi.get("iaqi") if isinstance(aqi, dict) else None
    if isinstance(iaqi, list):
        if iaqi != sorted(iaqi):
            problems.append(f"aqi.iaqi must be ascending values, got {iaqi}")
        for name in AQI_TABLES:
            values = aqi.get(name)
            if isinstance(values, list) and all(isinstance(v, int | float) for v in values) and (
                    values != sorted(values) or not 2 <= len(values) <= len(iaqi)):
                problems.append(f"aqi.{name} must be 2..{len(iaqi)} ascending values, got {values}")
    for key in ("effective_from", "effective_until"):
        value = raw.get(key)
        if isinstance(value, str) and value.strip() and _as_date(value) is None:
            problems.append(f"{key} must be a date YYYY-MM-DD, got {value!r}")
    rules = raw.get("aqi_rules")
    if isinstance(rules, dict) and rules.get("missing") == "na_unless_above" \
            and "publish_above" not in rules:
        problems.append("aqi_rules.publish_above is required when aqi_rules.missing is "
                        "'na_unless_above' (HJ 633-2026: 100)")
    limits = raw.get("limits")
    if isinstance(limits, dict):
        problems += _limit_problems(limits)
    return problems


def _limit_problems(limits: dict[str, Any]) -> list[str]:
    periods = limits.get("periods")
    # (an absent [limits.annual] arrives here as an empty table: the schema's defaults)
    single = [k for k in ("annual", "daily") if limits.get(k)]
    if periods is None:
        missing = [k for k in ("annual", "daily") if not limits.get(k)]
        return [f"limits needs [limits.{k}] (or a list of [[limits.periods]])" for k in missing]
    if single:
        return [f"limits has both [[limits.periods]] and [limits.{single[0]}]; use one of them"]
    if not isinstance(periods, list):
        return []
    problems, previous = [], None
    for i, period in enumerate(periods):
        if not isinstance(period, dict):
            continue
        start, end = period.get("from"), period.get("until")
        if isinstance(start, date) and isinstance(end, date) and end < start:
            problems.append(f"limits.periods[{i}].until is before its from")
        if previous is not None and isinstance(start, date):
            if not isinstance(previous, date):
                problems.append(f"limits.periods[{i - 1}] has no until but is not the last")
            elif (start - previous).days != 1:
                problems.append(f"limits.periods[{i}].from must be the day after "
                                f"limits.periods[{i - 1}].until ({previous})")
        previous = end if end is not None else "open"
    return problems


def _floats(values: dict[str, float]) -> dict[str, float]:
    return {key: float(value) for key, value in values.items()}


def _limit_periods(raw: dict[str, Any]) -> tuple[LimitPeriod, ...]:
    limits = raw["limits"]
    if "periods" not in limits:
        return (LimitPeriod(None, _as_date(raw.get("effective_from")),
                            _as_date(raw.get("effective_until")), _floats(limits["annual"]),
                            _floats(limits["daily"]), _floats(limits["hourly"]),
                            _floats(limits["annual_percentile"]), _floats(limits["annual_grade1"]),
                            _floats(limits["annual_percentile_grade1"])),)
    return tuple(LimitPeriod(p["name"], p["from"], p.get("until"), _floats(p["annual"]),
                             _floats(p["daily"]), _floats(p["hourly"]),
                             _floats(p["annual_percentile"]), _floats(p["annual_grade1"]),
                             _floats(p["annual_percentile_grade1"])) for p in limits["periods"])


def load_standard_file(path: Path) -> Standard:
    """The standards in the file at `path`, checked; its version defaults to the file name.
    The limits are those of its first limit period (see `Standard.on`)."""
    raw = load_rules(path, SCHEMA, StandardError, checks=_cross_checks, what="standards file")
    aqi, rules = raw["aqi"], raw["aqi_rules"]
    periods = _limit_periods(raw)
    first = periods[0]
    return Standard(
        version=raw.get("version", path.stem),
        name=raw["name"],
        effective_from=str(raw["effective_from"]),
        effective_until=None if raw.get("effective_until") is None else str(raw["effective_until"]),
        units=dict(raw["units"]),
        iaqi=tuple(aqi["iaqi"]),
        breakpoints={name: tuple(float(v) for v in aqi[name]) for name in AQI_TABLES},
        levels=tuple(AqiLevel(**band) for band in raw["aqi_levels"]),
        annual_limits=first.annual,
        daily_limits=first.daily,
        hourly_limits=first.hourly,
        annual_percentile_limits=first.annual_percentile,
        validity=dict(raw["validity"]),
        composite_index=_floats(raw["composite_index"]),
        source=path,
        evaluation_method=raw["evaluation_method"],
        notes=tuple(raw["notes"]),
        rounding=rules["concentration_rounding"],
        decimals={k: int(v) for k, v in rules["decimals"].items()},
        missing_rule=rules["missing"],
        publish_above=None if "publish_above" not in rules else float(rules["publish_above"]),
        overflow={name: Overflow(rule.get("table"), None if "iaqi" not in rule else float(rule["iaqi"]))
                  for name, rule in rules["overflow"].items()},
        realtime=dict(rules["realtime"]),
        daily_indicators=dict(rules["daily"]),
        limit_periods=periods,
        limits_period=first.name,
        grade1_annual_limits=first.annual_grade1,
        grade1_annual_percentile_limits=first.annual_percentile_grade1,
    )


def load_standard(version: str = DEFAULT_VERSION) -> Standard:
    """The standards of `version` ("2012", "2026", …): the site's file of that version, else
    the shipped one; an error names what exists when neither is there."""
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
