"""Plan targets (targets.toml) and the pure comparison of evaluated values with them.

Absolute targets compare a period's value with a number (PM2.5 ≤ 67 µg/m³); relative targets
compare the change against the same period one year earlier (PM2.5 −3.0 %, one heavy day
fewer). A target names the standard it was set under (``standard``, e.g. "2012" for the plans of
seeds 000, 001 and 004): its periods are evaluated on that basis by default — both periods of a
relative target on the same one (同口径) — so that a target written against GB 3095-2012 is not
judged by GB 3095-2026's breakpoints. The result is a status code (compliant / non_compliant / insufficient: 达标 / 未达标 /
数据不足) with a `Message` saying why, worded by `geoaq.i18n.say` (keys compliance.reason.*).
"""

from __future__ import annotations

import math
import operator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from geoaq import config
from geoaq._errors import TargetsError
from geoaq.aq.standards import available_versions
from geoaq.i18n import Message, msg
from geoaq.rules import array, boolean, day, load_rules, number, one_of, table, text

#: metric -> its unit's key in the locales' [units] table (its name is compliance.metric.<metric>)
METRICS: dict[str, str] = {
    "pm25_mean": "ug_m3", "pm10_mean": "ug_m3", "so2_mean": "ug_m3", "no2_mean": "ug_m3",
    "co_p95": "mg_m3", "o3_8h_p90": "ug_m3", "good_day_ratio": "percent", "heavy_days": "days",
    "heavy_day_ratio": "percent", "composite_index": "none",
}
OPERATORS = {"<": operator.lt, "<=": operator.le, ">=": operator.ge, ">": operator.gt}
#: status codes (words: compliance.status.<code>)
COMPLIANT, NON_COMPLIANT, INSUFFICIENT = "compliant", "non_compliant", "insufficient"
STATUSES = (COMPLIANT, NON_COMPLIANT, INSUFFICIENT)
_DATE = one_of(day(), text(pattern=r"^\d{4}-\d{2}-\d{2}$"), expected="a date YYYY-MM-DD")
#: one ``[[target]]``; its metric, kind, op, scope level and unit are checked by `load_targets`
_TARGET = table({
    "id": text(nonblank=True),
    "plan": text(nonblank=True),
    "source": text(default=""),
    "scope": table({"level": text(), "name": text(nonblank=True)}, required=("level", "name")),
    "start": _DATE,
    "end": _DATE,
    "metric": text(),
    "kind": text(),
    "unit": text(default="absolute"),
    "op": text(),
    "value": number(),
    "demo": boolean(default=False),
    # the standards version the target was set under ("2012"); "" → the one in force at its end
    "standard": text(default=""),
}, required=("id", "plan", "scope", "start", "end", "metric", "kind", "op", "value"))
#: ``targets.toml``: a list of ``[[target]]`` tables
SCHEMA = table({"target": array(_TARGET, default=[])})


@dataclass(frozen=True)
class Target:
    """One target of a plan."""

    id: str
    plan: str
    source: str
    scope_level: str
    scope_name: str
    start: date
    end: date
    metric: str
    kind: str  # absolute | relative
    op: str
    value: float
    unit: str = "absolute"  # for relative targets: percent | days | absolute
    demo: bool = False
    standard: str = ""  # the version it was set under ("" → the one in force at its end)

    def previous_period(self) -> tuple[date, date]:
        """The same period one year earlier (29 February becomes 28 February)."""
        return _year_before(self.start), _year_before(self.end)

    def describe(self) -> Message:
        """The rule as a message: "PM2.5平均浓度 <= 67 µg/m³" (compliance.rule.*)."""
        if self.kind == "absolute":
            return msg("compliance.rule.absolute", metric=metric_name(self.metric), op=self.op,
                       value=self.value, unit=metric_unit(self.metric))
        return msg("compliance.rule.relative", metric=metric_name(self.metric), op=self.op,
                   value=self.value, unit=self.change_unit())

    def change_unit(self) -> Message:
        """The unit of a relative target's change: % for percent, else the metric's."""
        return msg("units.percent") if self.unit == "percent" else metric_unit(self.metric)


def metric_name(metric: str) -> Message:
    return msg(f"compliance.metric.{metric}")


def metric_unit(metric: str) -> Message:
    return msg(f"units.{METRICS[metric]}")


def _year_before(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def targets_path() -> Path:
    """The plan targets in use: the site's ``targets.toml``, else the shipped one."""
    return config.targets_file()


def _day(value: object) -> date | None:
    """A TOML date, or text YYYY-MM-DD that is a real day; None otherwise."""
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _target_problems(entry: dict, seen: set[str]) -> list[str]:
    """What the schema cannot say about one target (values of the wrong type are skipped)."""
    problems = []
    metric, kind, op = entry.get("metric"), entry.get("kind"), entry.get("op")
    if isinstance(metric, str) and metric not in METRICS:
        problems.append(f"metric {metric!r} is not one of {list(METRICS)}")
    if isinstance(kind, str) and kind not in {"absolute", "relative"}:
        problems.append(f"kind must be absolute or relative, got {kind!r}")
    if isinstance(op, str) and op not in OPERATORS:
        problems.append(f"op must be one of {list(OPERATORS)}, got {op!r}")
    scope = entry.get("scope")
    level = scope.get("level") if isinstance(scope, dict) else None
    if isinstance(level, str) and level not in {"city", "district", "zone"}:
        problems.append(f"scope.level must be city, district or zone, got {level!r}")
    for key in ("start", "end"):
        if isinstance(entry.get(key), str) and _day(entry[key]) is None:
            problems.append(f"{key} {entry[key]!r} is not a date")
    start, end = _day(entry.get("start")), _day(entry.get("end"))
    if start and end and end < start:
        problems.append("end is before start")
    unit = entry.get("unit")
    if kind == "relative" and isinstance(unit, str) and unit not in {"percent", "days", "absolute"}:
        problems.append(f"unit must be percent, days or absolute, got {unit!r}")
    standard = entry.get("standard")
    if isinstance(standard, str) and standard and standard not in available_versions():
        problems.append(f"standard {standard!r} is not one of {available_versions()}")
    if entry.get("id") in seen:
        problems.append("id used twice")
    return problems


def _file_problems(raw: dict) -> list[str]:
    """Each target's own checks, one line per target: target #1 (its id): …; …"""
    listed = raw.get("target")
    lines, seen = [], set()
    for index, entry in enumerate(listed if isinstance(listed, list) else []):
        if not isinstance(entry, dict):
            continue
        problems = _target_problems(entry, seen)
        if problems:
            lines.append(f"target #{index + 1} ({entry.get('id', '?')}): " + "; ".join(problems))
        if isinstance(entry.get("id"), str):
            seen.add(entry["id"])
    return lines


def load_targets(path: Path | None = None, *, include_demo: bool = True) -> list[Target]:
    """Every target of the file (default `targets_path`), checked: one TargetsError names the
    file and, per problem, the target and the key."""
    path = Path(path) if path is not None else targets_path()
    raw = load_rules(path, SCHEMA, TargetsError, checks=_file_problems, what="targets file")
    targets = [Target(
        id=entry["id"], plan=entry["plan"], source=entry["source"],
        scope_level=entry["scope"]["level"], scope_name=entry["scope"]["name"],
        start=_day(entry["start"]), end=_day(entry["end"]), metric=entry["metric"],
        kind=entry["kind"], op=entry["op"], value=float(entry["value"]), unit=entry["unit"],
        demo=entry["demo"], standard=entry["standard"],
    ) for entry in raw["target"]]
    return [target for target in targets if include_demo or not target.demo]


def targets_for(targets: list[Target], level: str, name: str, start: date, end: date) -> list[Target]:
    """The targets of a scope whose period overlaps start..end."""
    return [t for t in targets if t.scope_level == level and t.scope_name == name
            and t.start <= end and t.end >= start]


def _missing(value: float | None) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def assess(target: Target, current: float | None,
           previous: float | None = None) -> tuple[str, Message]:
    """(status code, reason) for one target; pure."""
    name, unit = metric_name(target.metric), metric_unit(target.metric)
    if _missing(current):
        return INSUFFICIENT, msg("compliance.reason.insufficient", metric=name, start=target.start,
                                 end=target.end)
    if target.kind == "absolute":
        ok = OPERATORS[target.op](current, target.value)
        return (COMPLIANT if ok else NON_COMPLIANT,
                msg("compliance.reason.absolute", metric=name, current=current, unit=unit, op=target.op,
                    value=target.value, start=target.start, end=target.end))
    if _missing(previous):
        before = target.previous_period()
        return INSUFFICIENT, msg("compliance.reason.previous_missing", metric=name, start=before[0],
                                 end=before[1])
    if target.unit == "percent":
        if previous == 0:
            return INSUFFICIENT, msg("compliance.reason.previous_zero")
        change = (current - previous) / previous * 100.0
    else:
        change = current - previous
    ok = OPERATORS[target.op](round(change, 6), target.value)
    return (COMPLIANT if ok else NON_COMPLIANT,
            msg("compliance.reason.relative", metric=name, current=current, previous=previous, unit=unit,
                change=change, change_unit=target.change_unit(), op=target.op, value=target.value))
