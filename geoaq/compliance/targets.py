"""Plan targets (data/targets.toml) and the pure comparison of evaluated values with them.

Absolute targets compare a period's value with a number (PM2.5 ≤ 67 µg/m³); relative targets
compare the change against the same period one year earlier (PM2.5 −3.0 %, one heavy day
fewer). The result is 达标 / 未达标 / 数据不足 with a sentence saying why.
"""

from __future__ import annotations

import math
import operator
import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from geoaq import config
from geoaq._errors import TargetsError

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
_TARGET_KEYS = {"id", "plan", "source", "scope", "start", "end", "metric", "kind", "unit", "op",
                "value", "demo"}


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


def load_targets(path: Path | None = None, *, include_demo: bool = True) -> list[Target]:
    """Every target of the file; errors name the file, the target and the key."""
    path = path or config.PROJECT_ROOT / "data" / "targets.toml"
    try:
        raw = tomllib.loads(path.read_text("utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise TargetsError(f"{path}: cannot read the targets: {exc}") from exc
    targets, seen = [], set()
    for index, entry in enumerate(raw.get("target", [])):
        where = f"{path}: target #{index + 1} ({entry.get('id', '?')})"
        unknown = sorted(set(entry) - _TARGET_KEYS)
        if unknown:
            raise TargetsError(f"{where}: unknown key(s) {unknown}")
        try:
            target = Target(
                id=str(entry["id"]), plan=str(entry["plan"]), source=str(entry.get("source", "")),
                scope_level=str(entry["scope"]["level"]), scope_name=str(entry["scope"]["name"]),
                start=date.fromisoformat(str(entry["start"])), end=date.fromisoformat(str(entry["end"])),
                metric=str(entry["metric"]), kind=str(entry["kind"]), op=str(entry["op"]),
                value=float(entry["value"]), unit=str(entry.get("unit", "absolute")),
                demo=bool(entry.get("demo", False)),
            )
        except KeyError as exc:
            raise TargetsError(f"{where}: missing key {exc}") from None
        except ValueError as exc:
            raise TargetsError(f"{where}: {exc}") from None
        problems = []
        if target.metric not in METRICS:
            problems.append(f"metric {target.metric!r} is not one of {list(METRICS)}")
        if target.kind not in {"absolute", "relative"}:
            problems.append(f"kind must be absolute or relative, got {target.kind!r}")
        if target.op not in OPERATORS:
            problems.append(f"op must be one of {list(OPERATORS)}, got {target.op!r}")
        if target.scope_level not in {"city", "district", "zone"}:
            problems.append(f"scope.level must be city, district or zone, got {target.scope_level!r}")
        if target.end < target.start:
            problems.append("end is before start")
        if target.kind == "relative" and target.unit not in {"percent", "days", "absolute"}:
            problems.append(f"unit must be percent, days or absolute, got {target.unit!r}")
        if target.id in seen:
            problems.append("id used twice")
        if problems:
            raise TargetsError(f"{where}: " + "; ".join(problems))
        seen.add(target.id)
        if include_demo or not target.demo:
            targets.append(target)
    return targets


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
