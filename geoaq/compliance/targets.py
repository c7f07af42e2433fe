"""Plan targets (targets.toml) and the pure comparison of evaluated values with them.

Five kinds of target (``kind``):

* ``absolute``: a period's value compared with a number (PM2.5 ≤ 67 µg/m³);
* ``relative``: the change against the same period one year earlier (PM2.5 −3.0 %, one heavy
  day fewer);
* ``improving`` (持续改善, seed 004 附件1): better than the same period one year earlier, no
  number — lower for concentrations, days and the composite index, higher for 优良天数比率; a
  count that is 0 in both periods (no heavy-pollution day) holds;
* ``attainment`` (达标): a statistic (or ``all_pollutants``, the six of HJ 663) within the limits
  of grade ``grade`` (1 一级, 2 二级) of the target's standard (seed 003: NO2 二级, SO2 一级; seed
  001: counties' 二级达标);
* ``rank``: a place among a named peer table (``peers``), by ``metric``: ``position`` "top"
  (rank ≤ value: 进入前N名), "not_bottom" (not among the last `value`: 退出后N位), "better"
  (a better rank than the baseline period: 排名前移), "not_worse" (保持位次) or "improve_by" (at
  least `value` places better: 提升N个位次); the baseline is the period just before
  (``baseline = "previous"``) or the same period a year earlier ("year_before").

A target names the standard it was set under (``standard``, e.g. "2012" for the plans of seeds
000 – 004): its periods are evaluated on that basis by default — both periods of a relative or
improving target on the same one (同口径) — so that a target written against GB 3095-2012 is not
judged by GB 3095-2026's breakpoints. The result is a status code (compliant / non_compliant /
insufficient: 达标 / 未达标 / 数据不足) with a `Message` saying why, worded by `geoaq.i18n.say`
(keys compliance.reason.*). Rank targets need the peer tables (`geoaq.rankings`); the others are
assessed from evaluations alone (`assess`, `assess_row`).
"""

from __future__ import annotations

import math
import operator
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from geoaq import config
from geoaq._errors import TargetsError
from geoaq.aq.standards import Standard, available_versions
from geoaq.i18n import Message, msg
from geoaq.rules import array, boolean, day, integer, load_rules, number, one_of, table, text

#: metric -> its unit's key in the locales' [units] table (its name is compliance.metric.<metric>)
METRICS: dict[str, str] = {
    "pm25_mean": "ug_m3", "pm10_mean": "ug_m3", "so2_mean": "ug_m3", "no2_mean": "ug_m3",
    "co_p95": "mg_m3", "o3_8h_p90": "ug_m3", "good_day_ratio": "percent", "heavy_days": "days",
    "heavy_day_ratio": "percent", "composite_index": "none", "all_pollutants": "none",
}
#: the metrics where a larger value is better (every other one: a smaller value)
HIGHER_IS_BETTER = frozenset({"good_day_ratio"})
#: the six statistics of HJ 663 whose limits decide attainment (达标)
ATTAINMENT_STATISTICS = ("so2_mean", "no2_mean", "pm10_mean", "pm25_mean", "co_p95", "o3_8h_p90")
#: counts that may be 0 in both periods of an improving target (nothing left to improve)
COUNT_METRICS = frozenset({"heavy_days", "heavy_day_ratio"})
OPERATORS = {"<": operator.lt, "<=": operator.le, ">=": operator.ge, ">": operator.gt}
KINDS = ("absolute", "relative", "improving", "attainment", "rank")
#: kinds assessed from evaluations alone (the compliance summary's); rank needs peer tables
VALUE_KINDS = ("absolute", "relative", "improving", "attainment")
#: what a rank target asks (words: compliance.rule.rank_<position>)
POSITIONS = ("top", "not_bottom", "better", "not_worse", "improve_by")
#: positions that need a number (`value`)
COUNTED_POSITIONS = ("top", "not_bottom", "improve_by")
BASELINES = ("previous", "year_before")
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
    "op": text(default=""),
    "value": number(),
    "demo": boolean(default=False),
    # the standards version the target was set under ("2012"); "" → the one in force at its end
    "standard": text(default=""),
    # attainment: the grade of the standard's limits (1 一级, 2 二级)
    "grade": integer(minimum=1, maximum=2, default=2),
    # rank: the peer table (as loaded: geoaq peers load --table NAME), the place asked, and
    # the period the place is compared with
    "peers": text(default=""),
    "position": text(default=""),
    "baseline": text(default=""),
    # what the plan's words leave open and how the row reads them (shown with the target)
    "note": text(default=""),
}, required=("id", "plan", "scope", "start", "end", "metric", "kind"))
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
    kind: str  # absolute | relative | improving | attainment | rank
    op: str = ""
    value: float = math.nan
    unit: str = "absolute"  # for relative targets: percent | days | absolute
    demo: bool = False
    standard: str = ""  # the version it was set under ("" → the one in force at its end)
    grade: int = 2  # attainment: 1 一级 / 2 二级
    peers: str = ""  # rank: the peer table's name
    position: str = ""  # rank: top | not_bottom | better | not_worse | improve_by
    baseline: str = ""  # rank: previous | year_before ("" → the position's default)
    note: str = ""

    def previous_period(self) -> tuple[date, date]:
        """The same period one year earlier (29 February becomes 28 February)."""
        return _year_before(self.start), _year_before(self.end)

    def period_before(self) -> tuple[date, date]:
        """The period of the same length just before this one: the previous year of a calendar
        year, the previous quarter of a quarter, the previous month of a month, else the same
        number of days before."""
        months = _whole_months(self.start, self.end)
        if months:
            return _add_months(self.start, -months), self.start - timedelta(days=1)
        days = (self.end - self.start).days + 1
        return self.start - timedelta(days=days), self.start - timedelta(days=1)

    def baseline_period(self) -> tuple[date, date]:
        """A rank target's baseline: the period before, or the same period a year earlier
        (default: a year earlier for improve_by, the period before otherwise)."""
        chosen = self.baseline or ("year_before" if self.position == "improve_by" else "previous")
        return self.previous_period() if chosen == "year_before" else self.period_before()

    @property
    def is_rank(self) -> bool:
        return self.kind == "rank"

    def describe(self) -> Message:
        """The rule as a message: "PM2.5平均浓度 <= 67 µg/m³" (compliance.rule.*)."""
        name = metric_name(self.metric)
        if self.kind == "absolute":
            return msg("compliance.rule.absolute", metric=name, op=self.op,
                       value=self.value, unit=metric_unit(self.metric))
        if self.kind == "relative":
            return msg("compliance.rule.relative", metric=name, op=self.op,
                       value=self.value, unit=self.change_unit())
        if self.kind == "improving":
            return msg("compliance.rule.improving", metric=name)
        if self.kind == "attainment":
            return msg("compliance.rule.attainment", metric=name, grade=msg(f"compliance.grade.g{self.grade}"))
        n = 0 if math.isnan(self.value) else int(self.value)
        return msg(f"compliance.rule.rank_{self.position}", metric=name, peers=self.peers, n=n,
                   baseline=msg(f"compliance.baseline.{self.baseline or self._default_baseline()}"))

    def _default_baseline(self) -> str:
        return "year_before" if self.position == "improve_by" else "previous"

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


def _add_months(day: date, months: int) -> date:
    """The first day of the month `months` after (or before) `day`'s month."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _whole_months(start: date, end: date) -> int:
    """How many calendar months start … end spans when it is whole months (else 0)."""
    if start.day != 1 or (end + timedelta(days=1)).day != 1:
        return 0
    after = end + timedelta(days=1)
    return (after.year - start.year) * 12 + after.month - start.month


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
    if isinstance(kind, str) and kind not in KINDS:
        problems.append(f"kind must be one of {list(KINDS)}, got {kind!r}")
    problems += _kind_problems(entry, kind, metric, op)
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
    standard = entry.get("standard")
    if isinstance(standard, str) and standard and standard not in available_versions():
        problems.append(f"standard {standard!r} is not one of {available_versions()}")
    if entry.get("id") in seen:
        problems.append("id used twice")
    return problems


def _kind_problems(entry: dict, kind: object, metric: object, op: object) -> list[str]:
    """The keys each kind needs, and those it may not have."""
    problems = []
    value = entry.get("value")
    if kind in {"absolute", "relative"}:
        if isinstance(op, str) and op not in OPERATORS:
            problems.append(f"op must be one of {list(OPERATORS)}, got {op!r}")
        if "value" not in entry:
            problems.append(f"a{'n' if kind == 'absolute' else ''} {kind} target needs value")
    elif isinstance(op, str) and op:
        problems.append(f"op is for absolute and relative targets, not {kind}")
    unit = entry.get("unit")
    if kind == "relative" and isinstance(unit, str) and unit not in {"percent", "days", "absolute"}:
        problems.append(f"unit must be percent, days or absolute, got {unit!r}")
    if metric == "all_pollutants" and kind in KINDS and kind != "attainment":
        problems.append("metric all_pollutants is for attainment targets")
    if kind == "attainment" and isinstance(metric, str) and metric in METRICS \
            and metric not in (*ATTAINMENT_STATISTICS, "all_pollutants"):
        problems.append(f"an attainment target's metric is one of {[*ATTAINMENT_STATISTICS, 'all_pollutants']}")
    if kind == "improving" and "value" in entry:
        problems.append("an improving (持续改善) target has no value")
    position, baseline = entry.get("position"), entry.get("baseline")
    if kind == "rank":
        if not entry.get("peers"):
            problems.append("a rank target needs peers (the peer table's name)")
        if position not in POSITIONS:
            problems.append(f"position must be one of {list(POSITIONS)}, got {position!r}")
        if position in COUNTED_POSITIONS and not (isinstance(value, int | float) and value >= 1
                                                  and float(value).is_integer()):
            problems.append(f"position {position} needs value: a whole number of places >= 1")
        if isinstance(baseline, str) and baseline and baseline not in BASELINES:
            problems.append(f"baseline must be one of {list(BASELINES)}, got {baseline!r}")
    else:
        problems += [f"{key} is for rank targets" for key in ("peers", "position", "baseline")
                     if entry.get(key)]
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
        kind=entry["kind"], op=entry["op"], value=float(entry.get("value", math.nan)),
        unit=entry["unit"], demo=entry["demo"], standard=entry["standard"], grade=entry["grade"],
        peers=entry["peers"], position=entry["position"], baseline=entry["baseline"], note=entry["note"],
    ) for entry in raw["target"]]
    return [target for target in targets if include_demo or not target.demo]


def targets_for(targets: list[Target], level: str, name: str, start: date, end: date) -> list[Target]:
    """The targets of a scope whose period overlaps start..end."""
    return [t for t in targets if t.scope_level == level and t.scope_name == name
            and t.start <= end and t.end >= start]


def _missing(value: float | None) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def better(metric: str, a: float, b: float) -> bool:
    """Whether value `a` of `metric` is better than `b` (higher for 优良天数比率, else lower)."""
    return a > b if metric in HIGHER_IS_BETTER else a < b


def grade_limit(std: Standard, statistic: str, grade: int) -> float | None:
    """The limit of a period statistic (pm25_mean, co_p95 …) under grade 1 or 2 of `std`
    (with the limits of the period `std` carries); None when the standard gives none."""
    if grade == 1:
        means, percentiles = std.grade1_annual_limits, std.grade1_annual_percentile_limits
    else:
        means, percentiles = std.annual_limits, std.annual_percentile_limits
    if statistic in percentiles:
        return float(percentiles[statistic])
    value = means.get(statistic.removesuffix("_mean")) if statistic.endswith("_mean") else None
    return None if value is None else float(value)


def assess(target: Target, current: float | None, previous: float | None = None, *,
           limit: float | None = None) -> tuple[str, Message]:
    """(status code, reason) for one target of a value kind (`VALUE_KINDS`; attainment of one
    statistic, with its `limit`); pure. `previous`: the same period a year earlier."""
    name, unit = metric_name(target.metric), metric_unit(target.metric)
    if _missing(current):
        return INSUFFICIENT, msg("compliance.reason.insufficient", metric=name, start=target.start,
                                 end=target.end)
    if target.kind == "absolute":
        ok = OPERATORS[target.op](current, target.value)
        return (COMPLIANT if ok else NON_COMPLIANT,
                msg("compliance.reason.absolute", metric=name, current=current, unit=unit, op=target.op,
                    value=target.value, start=target.start, end=target.end))
    if target.kind == "attainment":
        if limit is None:
            return INSUFFICIENT, msg("compliance.reason.no_limit", metric=name,
                                     grade=msg(f"compliance.grade.g{target.grade}"))
        ok = current <= limit
        return (COMPLIANT if ok else NON_COMPLIANT,
                msg("compliance.reason.attainment", metric=name, current=current, unit=unit, limit=limit,
                    grade=msg(f"compliance.grade.g{target.grade}"), start=target.start, end=target.end))
    if _missing(previous):
        before = target.previous_period()
        return INSUFFICIENT, msg("compliance.reason.previous_missing", metric=name, start=before[0],
                                 end=before[1])
    if target.kind == "improving":
        held = target.metric in COUNT_METRICS and current == 0 and previous == 0
        ok = held or better(target.metric, current, previous)
        return (COMPLIANT if ok else NON_COMPLIANT,
                msg("compliance.reason.improving_zero" if held else "compliance.reason.improving",
                    metric=name, current=current, previous=previous, unit=unit,
                    change=current - previous))
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


def _number(row: Mapping[str, Any] | None, key: str) -> float | None:
    if row is None or key not in row:
        return None
    value = row[key]
    if value is None or isinstance(value, str):
        return None
    value = float(value)
    return None if math.isnan(value) else value


def assess_row(target: Target, current: Mapping[str, Any] | None, previous: Mapping[str, Any] | None,
               std: Standard) -> tuple[str, Message]:
    """(status, reason) of a value-kind target from evaluation rows (`geoaq.aq.evaluation`:
    one key's statistics over the target's period and, for relative and improving targets, the
    same period a year earlier), `std` the standard both were evaluated by (its limits decide
    attainment). Attainment of ``all_pollutants`` holds when each of the six statistics is
    within its limit; it fails when any valid one exceeds, even if another is 数据不足."""
    if target.kind == "attainment" and target.metric == "all_pollutants":
        return _attainment_all(target, current, std)
    limit = grade_limit(std, target.metric, target.grade) if target.kind == "attainment" else None
    return assess(target, _number(current, target.metric), _number(previous, target.metric), limit=limit)


def _attainment_all(target: Target, row: Mapping[str, Any] | None, std: Standard) -> tuple[str, Message]:
    grade = msg(f"compliance.grade.g{target.grade}")
    over, missing = [], []
    for statistic in ATTAINMENT_STATISTICS:
        value, limit = _number(row, statistic), grade_limit(std, statistic, target.grade)
        if value is None or limit is None:
            missing.append(metric_name(statistic))
        elif value > limit:
            over.append(msg("compliance.reason.over_limit", metric=metric_name(statistic), current=value,
                            limit=limit, unit=metric_unit(statistic)))
    if over:
        return NON_COMPLIANT, msg("compliance.reason.attainment_all_over", grade=grade, over=tuple(over),
                                  start=target.start, end=target.end)
    if missing:
        return INSUFFICIENT, msg("compliance.reason.attainment_all_missing", grade=grade,
                                 missing=tuple(missing), start=target.start, end=target.end)
    return COMPLIANT, msg("compliance.reason.attainment_all", grade=grade, start=target.start, end=target.end)


def assess_rank(target: Target, rank: int | None, size: int | None,
                baseline_rank: int | None = None) -> tuple[str, Message]:
    """(status, reason) of a rank target from the unit's place among its peers (`rank` of
    `size`, 1 the best) and, for better / not_worse / improve_by, its place in the baseline
    period; pure."""
    name = metric_name(target.metric)
    if rank is None or size is None:
        return INSUFFICIENT, msg("compliance.reason.rank_missing", peers=target.peers, metric=name,
                                 start=target.start, end=target.end)
    n = 0 if math.isnan(target.value) else int(target.value)
    if target.position == "top":
        ok = rank <= n
        return (COMPLIANT if ok else NON_COMPLIANT,
                msg("compliance.reason.rank_top", peers=target.peers, metric=name, rank=rank, size=size, n=n))
    if target.position == "not_bottom":
        ok = rank <= size - n
        return (COMPLIANT if ok else NON_COMPLIANT,
                msg("compliance.reason.rank_not_bottom", peers=target.peers, metric=name, rank=rank,
                    size=size, n=n, from_bottom=size - rank + 1))
    start, end = target.baseline_period()
    if baseline_rank is None:
        return INSUFFICIENT, msg("compliance.reason.rank_baseline_missing", peers=target.peers, metric=name,
                                 start=start, end=end)
    moved = baseline_rank - rank
    needed = {"better": 1, "not_worse": 0}.get(target.position, n)
    return (COMPLIANT if moved >= needed else NON_COMPLIANT,
            msg("compliance.reason.rank_moved", peers=target.peers, metric=name, rank=rank, size=size,
                baseline=baseline_rank, moved=moved, needed=needed, start=start, end=end))
