"""时序进度: for each annual or seasonal target in progress, the value so far, the share of the
period elapsed, and what the rest of the period may still have for the target to be met — and
whether that is possible at all — per city and county; and the days of the rest on which it is
most at risk (the same days a year earlier whose values would break the allowance, worst first).

The limit a target sets: its value (absolute), the same period a year earlier changed by its
value (relative: −3 % of last year's mean, one heavy day fewer), last year's value itself
(improving: better than it), or the grade's limit (attainment of one statistic). Both years by
the target's standard (同口径). What the rest may have, with n valid days so far and r days left
(every day left assumed valid):

* a mean (PM2.5, PM10, SO2, NO2: ``<s>_mean``): the largest mean of the rest,
  (L·(n + r) − mean·n) ÷ r; impossible when it is not above 0;
* 优良天数比率 ≥ L %: the smallest share of good days in the rest, (L/100·(n + r) − good) ÷ r;
  impossible when above 100 %;
* 重污染天数 ≤ L: the heavy days the rest may still have, L − heavy so far (one fewer for
  "<"); impossible when below 0.

Percentiles (CO-p95, O3-8h-p90), the composite index (which contains them) and ratios of heavy
days are not sums of days: their value so far is shown against the limit, with no allowance
(status not_additive). A target *at risk* would be missed at the pace so far.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd

from geoaq.aq import readings as aq
from geoaq.aq import scoring
from geoaq.aq.standards import load_standard
from geoaq.compliance.summary import target_basis
from geoaq.compliance.targets import (
    HIGHER_IS_BETTER,
    VALUE_KINDS,
    Target,
    grade_limit,
    load_targets,
)
from geoaq.db.connection import Connection
from geoaq.i18n import Message, msg
from geoaq.rankings.peers import match
from geoaq.rankings.ranking import Evaluator, read_units
from geoaq.rankings.rules import RankingRules, load_ranking_rules
from geoaq.rankings.units import Units

MEANS = ("pm25_mean", "pm10_mean", "so2_mean", "no2_mean")
#: status codes (words: rankings.progress_status.<code>)
MET, ON_TRACK, AT_RISK, IMPOSSIBLE, INSUFFICIENT, NOT_ADDITIVE = (
    "met", "on_track", "at_risk", "impossible", "insufficient", "not_additive")
COLUMNS = ["target", "plan", "scope_level", "unit", "metric", "start", "end", "as_of", "elapsed_days", "total_days",
           "elapsed_share", "value", "limit", "op", "allowed", "allowed_kind", "possible", "status", "reason",
           "risk_days", "standard"]


@dataclass(frozen=True)
class Limit:
    """What a target asks of a unit: `value op limit`."""

    op: str
    limit: float | None


def target_limit(target: Target, previous: float | None, std) -> Limit:
    """The limit of a value-kind target (see the module docstring); limit None when it needs
    last year's value and that is 数据不足."""
    higher = target.metric in HIGHER_IS_BETTER
    if target.kind == "absolute":
        return Limit(target.op, target.value)
    if target.kind == "attainment":
        return Limit("<=", grade_limit(std, target.metric, target.grade))
    if previous is None or math.isnan(previous):
        return Limit(target.op or (">" if higher else "<"), None)
    if target.kind == "improving":
        return Limit(">" if higher else "<", previous)
    if target.unit == "percent":
        return Limit(target.op, previous * (1 + target.value / 100.0))
    return Limit(target.op, previous + target.value)


def _meets(value: float, limit: Limit) -> bool:
    return {"<": value < limit.limit, "<=": value <= limit.limit, ">": value > limit.limit,
            ">=": value >= limit.limit}[limit.op]


def allowance(metric: str, limit: Limit, row: dict, rest_days: int) -> tuple[float | None, str, bool | None, bool]:
    """(allowed, its kind, possible, at the pace so far it is met) of one unit from its
    evaluation so far (`row`: the statistics of `geoaq.aq.evaluation.evaluate`); pure."""
    value = row.get(metric)
    if value is None or (isinstance(value, float) and math.isnan(value)) or limit.limit is None:
        return None, "", None, False
    if metric in MEANS:
        n = float(row.get(f"{metric.removesuffix('_mean')}_days") or 0)
        if rest_days == 0:
            return None, "mean", _meets(value, limit), _meets(value, limit)
        allowed = (limit.limit * (n + rest_days) - value * n) / rest_days
        return allowed, "mean", allowed > 0, _meets(value, limit)
    if metric == "good_day_ratio":
        n, good = float(row.get("aqi_days") or 0), float(row.get("good_days") or 0)
        if rest_days == 0:
            return None, "share", _meets(value, limit), _meets(value, limit)
        needed = (limit.limit / 100.0 * (n + rest_days) - good) / rest_days * 100.0
        return max(needed, 0.0), "share", needed <= 100.0, _meets(value, limit)
    if metric == "heavy_days":
        n = float(row.get("aqi_days") or 0)
        bound = limit.limit - 1 if limit.op == "<" and float(limit.limit).is_integer() else limit.limit
        allowed = math.floor(bound) - value
        pace = value * (n + rest_days) / n if n else value
        return float(allowed), "days", allowed >= 0, _meets(pace, limit)
    return None, "", None, _meets(value, limit)


def risk_days(daily: pd.DataFrame, metric: str, allowed: float | None, kind: str, count: int) -> list[tuple[date, float]]:
    """The days of `daily` (one unit's daily values of the same days a year earlier) that would
    break the allowance, worst first, at most `count`: for a mean, days whose mean is above the
    allowed mean; for 优良天数比率, days with AQI > 100; for heavy days, days with AQI > 200."""
    if daily.empty or count == 0:
        return []
    if kind == "mean" and allowed is not None:
        values = daily[metric.removesuffix("_mean")].astype(float)
        chosen = daily[values > allowed].assign(v=values)
    elif kind in ("share", "days"):
        bound = 100 if kind == "share" else 200
        values = daily["aqi"].astype(float)
        chosen = daily[values > bound].assign(v=values)
    else:
        return []
    chosen = chosen.sort_values(["v", "date"], ascending=[False, True]).head(count)
    return [(pd.Timestamp(d).date(), float(v)) for d, v in zip(chosen["date"], chosen["v"], strict=True)]


def _year_before(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


def _scopes(target: Target, cities: Units, districts: Units, rules: RankingRules, with_counties: bool
            ) -> list[tuple[str, str, str]]:
    """(level, unit_id, unit_name) the target is followed for: its own scope and, for a city's
    target, each county with a station of that city."""
    level_units = cities if target.scope_level == "city" else districts
    names = level_units.areas["unit_name"].astype(str).tolist()
    index, _ = match(target.scope_name, names, rules)
    if index is None:  # another city's or county's target (the file holds every plan's)
        return []
    unit_id = str(level_units.areas["unit_id"].iloc[index])
    found = [(target.scope_level, unit_id, names[index])]
    if with_counties and target.scope_level == "city":
        stations = set(cities.stations_of(unit_id))
        for row in districts.areas.itertuples():
            if stations & set(districts.stations_of(str(row.unit_id))):
                found.append(("district", str(row.unit_id), str(row.unit_name)))
    return found


def _reason(status: str, metric: str, value, limit: Limit, allowed, kind: str) -> Message:
    from geoaq.compliance.targets import metric_name, metric_unit

    return msg(f"rankings.progress_reason.{status}", metric=metric_name(metric), unit=metric_unit(metric),
               value=float("nan") if value is None else float(value), op=limit.op,
               limit=float("nan") if limit.limit is None else float(limit.limit),
               allowed=float("nan") if allowed is None else float(allowed), kind=kind)


def progress(con: Connection, as_of: date | None = None, *, targets: list[Target] | None = None,
             basis: str | None = None, with_counties: bool = True,
             rules: RankingRules | None = None) -> pd.DataFrame:
    """时序进度 of every value-kind target whose period holds `as_of` (default: the last day with
    readings) for its scope and, for a city's target, its counties (`COLUMNS`)."""
    rules = rules or load_ranking_rules()
    if as_of is None:
        span = aq.readings_period(con)
        if span is None:
            return pd.DataFrame(columns=COLUMNS)
        as_of = (span[1] - pd.Timedelta(hours=1)).date()
    chosen = [t for t in (targets if targets is not None else load_targets())
              if t.kind in VALUE_KINDS and t.metric != "all_pollutants" and t.start <= as_of <= t.end]
    if not chosen:
        return pd.DataFrame(columns=COLUMNS)
    cities, districts = read_units(con, "city"), read_units(con, "district")
    rows, evaluators, dailies = [], {}, {}
    for target in chosen:
        version, _ = target_basis(target, basis)
        std = load_standard(version).on(target.end)
        total = (target.end - target.start).days + 1
        elapsed = (as_of - target.start).days + 1
        rest = total - elapsed
        before = (_year_before(target.start), _year_before(target.end))
        for level, unit_id, unit_name in _scopes(target, cities, districts, rules, with_counties):
            units = cities if level == "city" else districts
            base = {"target": target.id, "plan": target.plan, "scope_level": level, "unit": unit_name,
                    "metric": target.metric, "start": target.start, "end": target.end, "as_of": as_of,
                    "elapsed_days": elapsed, "total_days": total, "elapsed_share": elapsed / total * 100,
                    "standard": std.name, "risk_days": []}
            key = (level, std.version, std.limits_period, before[0], as_of)
            if key not in evaluators:
                evaluators[key] = Evaluator(con, units, std, before[0], as_of)
            evaluate = evaluators[key]
            now = evaluate(target.start, as_of)
            row = now.loc[unit_id].to_dict() if unit_id and not now.empty and unit_id in now.index else {}
            previous = None
            if target.kind in ("relative", "improving"):
                last = evaluate(*before)
                previous = (float(last.at[unit_id, target.metric]) if unit_id and not last.empty
                            and unit_id in last.index else None)
            limit = target_limit(target, previous, std)
            value = row.get(target.metric)
            value = None if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)
            allowed, kind, possible, pace_ok = allowance(target.metric, limit, row, rest)
            if value is None or limit.limit is None:
                status = INSUFFICIENT
            elif kind == "":
                status = NOT_ADDITIVE
            elif rest == 0:
                status = MET if possible else IMPOSSIBLE
            elif not possible:
                status = IMPOSSIBLE
            else:
                status = ON_TRACK if pace_ok else AT_RISK
            days: list = []
            if status in (ON_TRACK, AT_RISK) and rest > 0:
                rest_before = (_year_before(as_of + timedelta(days=1)), before[1])
                if (key, rest_before) not in dailies:
                    dailies[(key, rest_before)] = scoring.daily(
                        evaluate.hourly, *rest_before, basis=std.version, by="district", groups=evaluate.groups,
                        hour_label=aq.HOUR_LABEL)
                daily = dailies[(key, rest_before)]
                if not daily.empty:
                    daily = daily[daily["district"] == unit_id]
                    days = risk_days(daily, target.metric, allowed, kind, rules.risk_days)
            rows.append(base | {"value": value, "limit": limit.limit, "op": limit.op, "allowed": allowed,
                                "allowed_kind": kind, "possible": possible, "status": status,
                                "reason": _reason(status, target.metric, value, limit, allowed, kind),
                                "risk_days": days})
    return pd.DataFrame(rows, columns=COLUMNS)


def at_risk(table: pd.DataFrame) -> pd.DataFrame:
    """The rows of a progress table that are at risk or can no longer be met."""
    return table[table["status"].isin([AT_RISK, IMPOSSIBLE])].reset_index(drop=True)

