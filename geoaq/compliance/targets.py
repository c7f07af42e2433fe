"""Plan targets (targets.toml) and the pure comparison of evaluated values with them.

Absolute targets compare a period's value with a number (PM2.5 ≤ 67 µg/m³); relative targets
compare the change against the same period one year earlier (PM2.5 −3.0 %, one heavy day
fewer). The result is 达标 / 未达标 / 数据不足 with a sentence saying why.
"""

from __future__ import annotations

import math
import operator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from geoaq import config
from geoaq._errors import TargetsError
from geoaq.rules import array, boolean, day, load_rules, number, one_of, table, text

METRICS: dict[str, tuple[str, str, str]] = {  # metric: (zh, en, unit)
    "pm25_mean": ("PM2.5平均浓度", "PM2.5 mean", "µg/m³"),
    "pm10_mean": ("PM10平均浓度", "PM10 mean", "µg/m³"),
    "so2_mean": ("SO2平均浓度", "SO2 mean", "µg/m³"),
    "no2_mean": ("NO2平均浓度", "NO2 mean", "µg/m³"),
    "co_p95": ("CO第95百分位数", "CO 95th percentile", "mg/m³"),
    "o3_8h_p90": ("O3日最大8小时第90百分位数", "O3-8h 90th percentile", "µg/m³"),
    "good_day_ratio": ("优良天数比率", "Good-day ratio", "%"),
    "heavy_days": ("重污染天数", "Heavy-pollution days", "天"),
    "heavy_day_ratio": ("重污染天数比率", "Heavy-pollution day ratio", "%"),
    "composite_index": ("综合指数", "Composite index", ""),
}
OPERATORS = {"<": operator.lt, "<=": operator.le, ">=": operator.ge, ">": operator.gt}
COMPLIANT, NON_COMPLIANT, INSUFFICIENT = "达标", "未达标", "数据不足"
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

    def previous_period(self) -> tuple[date, date]:
        """The same period one year earlier (29 February becomes 28 February)."""
        return _year_before(self.start), _year_before(self.end)

    def describe(self, lang: str = "zh") -> str:
        name = METRICS[self.metric][0 if lang == "zh" else 1]
        unit = METRICS[self.metric][2]
        if self.kind == "absolute":
            return f"{name} {self.op} {self.value:g} {unit}".strip()
        change_unit = "%" if self.unit == "percent" else (unit or "")
        word = "同比变化" if lang == "zh" else "change vs a year earlier"
        return f"{name} {word} {self.op} {self.value:+g} {change_unit}".strip()


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
        demo=entry["demo"],
    ) for entry in raw["target"]]
    return [target for target in targets if include_demo or not target.demo]


def targets_for(targets: list[Target], level: str, name: str, start: date, end: date) -> list[Target]:
    """The targets of a scope whose period overlaps start..end."""
    return [t for t in targets if t.scope_level == level and t.scope_name == name
            and t.start <= end and t.end >= start]


def _missing(value: float | None) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def assess(target: Target, current: float | None, previous: float | None = None,
           lang: str = "zh") -> tuple[str, str]:
    """(达标 / 未达标 / 数据不足, reason) for one target; pure."""
    unit = METRICS[target.metric][2]
    label = METRICS[target.metric][0 if lang == "zh" else 1]
    period = f"{target.start} 至 {target.end}" if lang == "zh" else f"{target.start} to {target.end}"
    if _missing(current):
        return INSUFFICIENT, f"{label}（{period}）数据不足，无法评估" if lang == "zh" else f"{label} ({period}): insufficient data"
    if target.kind == "absolute":
        ok = OPERATORS[target.op](current, target.value)
        return (COMPLIANT if ok else NON_COMPLIANT,
                f"{label} {current:.4g} {unit}，目标 {target.op} {target.value:g} {unit}（{period}）".replace("  ", " ")
                if lang == "zh" else f"{label} {current:.4g} {unit}; target {target.op} {target.value:g} {unit} ({period})")
    if _missing(previous):
        before = target.previous_period()
        return INSUFFICIENT, (f"上年同期（{before[0]} 至 {before[1]}）{label}数据不足，无法计算同比" if lang == "zh"
                              else f"{label} of the same period a year earlier ({before[0]} to {before[1]}): insufficient data")
    if target.unit == "percent":
        if previous == 0:
            return INSUFFICIENT, "上年同期为 0，无法计算同比百分比" if lang == "zh" else "previous value is 0: no percentage change"
        change, shown = (current - previous) / previous * 100.0, "%"
    else:
        change, shown = current - previous, unit
    ok = OPERATORS[target.op](round(change, 6), target.value)
    if lang == "zh":
        reason = (f"{label} {current:.4g}{unit}，上年同期 {previous:.4g}{unit}，同比 {change:+.1f}{shown}，"
                  f"目标 {target.op} {target.value:+g}{shown}")
    else:
        reason = (f"{label} {current:.4g}{unit}, a year earlier {previous:.4g}{unit}, change {change:+.1f}{shown}; "
                  f"target {target.op} {target.value:+g}{shown}")
    return (COMPLIANT if ok else NON_COMPLIANT), reason
