"""Rankings (排名): the units of a level (counties, townships, zones and parks, cities, stations)
ranked by a metric over a period, with the moves since the previous period and since the same
period a year earlier.

* **Values** are HJ 663-2013 statistics (`geoaq.aq.evaluation`) of each unit's evaluation
  stations (`geoaq.rankings.units`), every period by *one* standard (同口径: the one in force
  at the ranked period's end, or the one chosen), named in every row.
* **Validity**: a statistic that misses the day-count rules is 数据不足; such a unit (and a unit
  without a station) is listed after every ranked unit, without a rank, and says why.
* **Ties** (并列): values are compared as published, rounded per GB/T 8170 to the decimals of
  ``rankings.toml``; equal published values share the better rank and the next rank is skipped
  (1, 2, 2, 4). Each tie is stated in the ranking's notes.
* **Moves**: rank in the previous period (`geoaq.rankings.periods.previous_period`) and in the
  same period a year earlier, each minus the current rank (positive: moved up), by the same
  standard.
* **Contributors**: each unit's stations and the pollutant that drives its composite index (the
  largest Cᵢ/Sᵢ, 单项指数), with its share of the index.

`rank_values` is the pure part; `rank` reads the stored layers and readings.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from geoaq._errors import RankingInputError
from geoaq.aq import readings as aq
from geoaq.aq import scoring
from geoaq.aq.basis import IN_FORCE, check_basis, in_force
from geoaq.aq.rounding import gbt8170
from geoaq.aq.standards import Standard, load_standard
from geoaq.db import store
from geoaq.db.connection import Connection
from geoaq.i18n import Message, msg
from geoaq.layers import get_layer
from geoaq.rankings.periods import Period, previous_period, resolve, same_period_a_year_earlier
from geoaq.rankings.rules import METRICS, Metric, RankingRules, load_ranking_rules
from geoaq.rankings.units import Units, check_level, expand_hourly, units_of

#: the statistics whose single indices (Cᵢ/Sᵢ) make the composite index, in HJ 663's order
INDEX_STATISTICS = ("so2_mean", "no2_mean", "pm10_mean", "pm25_mean", "co_p95", "o3_8h_p90")
#: status codes of a unit's value (words: rankings.status.<code>)
RANKED, INSUFFICIENT, NO_STATION = "ranked", "insufficient", "no_station"
TABLE_COLUMNS = ["unit_id", "unit_name", "parent", "n_stations", "stations", "value", "published", "status",
                 "reason", "rank", "tied", "previous_value", "previous_rank", "move_previous",
                 "year_before_value", "year_before_rank", "move_year", "primary_statistic", "primary_share",
                 *INDEX_STATISTICS, "composite_index"]


def check_metric(metric: str) -> Metric:
    if metric not in METRICS:
        raise RankingInputError(f"--metric must be one of {', '.join(METRICS)}, got {metric!r}")
    return METRICS[metric]


def rank_values(values: pd.Series, decimals: int, higher_is_better: bool = False) -> pd.DataFrame:
    """Competition ranks (1, 2, 2, 4) of `values` (NaN: not ranked) compared as published
    (GB/T 8170 to `decimals`): columns published, rank (Int64, <NA> when not ranked), tied; same
    index. Pure."""
    published = pd.Series(gbt8170(values.to_numpy(dtype=float), decimals), index=values.index)
    key = -published if higher_is_better else published
    ranks = key.rank(method="min", na_option="keep")
    valid = published.notna()
    tied = valid & published.duplicated(keep=False)
    return pd.DataFrame({"published": published, "rank": ranks.astype("Int64"), "tied": tied.astype(bool)})


def tie_notes(table: pd.DataFrame) -> list[Message]:
    """One note per group of tied units: 并列第2名：甲、乙（综合指数 4.21）."""
    notes = []
    tied = table[table["tied"]]
    for rank, group in tied.groupby("rank", sort=True):
        notes.append(msg("rankings.note.tie", rank=int(rank), units=tuple(group["unit_name"]),
                         value=float(group["published"].iloc[0])))
    return notes


@dataclass
class Ranking:
    """A ranking and what it was made of: `table` (`TABLE_COLUMNS`, ranked units first, in
    rank order, then the unranked), the periods, the standard every value used, the notes
    (ties, unranked units, the standard)."""

    level: str
    metric: Metric
    period: Period
    previous: Period
    year_before: Period
    standard: Standard
    table: pd.DataFrame
    notes: list[Message] = field(default_factory=list)

    @property
    def ranked(self) -> int:
        return int(self.table["rank"].notna().sum())

    def title(self) -> Message:
        return msg("rankings.title", level=msg(f"rankings.level.{self.level}"),
                   metric=msg(f"rankings.metric.{self.metric.code}"), period=self.period.label(),
                   standard=self.standard.name)


def read_units(con: Connection, level: str) -> Units:
    """The units of `level` from the stored stations, admin_units and control_zones layers."""
    check_level(level)
    layers = {}
    for name in ("stations", "admin_units", "control_zones"):
        spec = get_layer(name)
        layers[name] = store.read_layer(con, spec) if store.table_exists(con, spec.name) else None
    if layers["stations"] is None:
        raise RankingInputError("no stations layer: load stations first (geoaq ingest stations FILE)")
    return units_of(level, layers["stations"], layers["admin_units"], layers["control_zones"])


def ranking_standard(period_end: date, basis: str | None = None) -> Standard:
    """The one standard a ranking and its comparisons use: `basis` (a version), else the one in
    force at the ranked period's end (with that day's limits)."""
    chosen = check_basis(basis)
    return in_force(period_end) if chosen == IN_FORCE else load_standard(chosen).on(period_end)


class Evaluator:
    """Evaluations of every unit of `units` per period, all by `std`, from readings read once
    for the whole span: `evaluator(period)` → one row per unit with a station (index unit_id)."""

    def __init__(self, con: Connection, units: Units, std: Standard, first: date, last: date):
        self.std = std
        self.hourly, self.groups = expand_hourly(aq.read_readings(con, first, last), units)
        self.cache: dict[tuple[date, date], pd.DataFrame] = {}

    @classmethod
    def from_frame(cls, hourly: pd.DataFrame, units: Units, std: Standard) -> Evaluator:
        """An evaluator of readings already read (tests, the page's cache)."""
        self = cls.__new__(cls)
        self.std, self.cache = std, {}
        self.hourly, self.groups = expand_hourly(hourly, units)
        return self

    def __call__(self, start: date, end: date) -> pd.DataFrame:
        key = (start, end)
        if key not in self.cache:
            table = pd.DataFrame()
            if self.groups:
                table = scoring.evaluate_whole(self.hourly, start, end, self.std, by="district",
                                               groups=self.groups, hour_label=aq.HOUR_LABEL)
            self.cache[key] = table.set_index("district") if not table.empty else pd.DataFrame()
        return self.cache[key]


def metric_values(metric: Metric, evaluate: Callable[[date, date], pd.DataFrame], period: Period,
                  unit_ids: list[str]) -> pd.DataFrame:
    """value and reason (why it is missing) of every unit over `period`: the statistic, or its
    改善幅度 against the same period a year earlier ((a year earlier − now) ÷ a year earlier ×
    100, %: positive when the air got better)."""
    def statistic(start: date, end: date) -> tuple[pd.Series, pd.Series]:
        table = evaluate(start, end)
        if table.empty or metric.statistic not in table.columns:
            return (pd.Series(np.nan, index=unit_ids, dtype=float),
                    pd.Series("", index=unit_ids, dtype=object))
        values = table[metric.statistic].reindex(unit_ids).astype(float)
        reasons = table["reason"].reindex(unit_ids).fillna("").astype(str)
        return values, reasons

    values, reasons = statistic(period.start, period.end)
    if metric.improvement:
        before = same_period_a_year_earlier(period)
        earlier, earlier_reasons = statistic(before.start, before.end)
        with np.errstate(divide="ignore", invalid="ignore"):
            values = (earlier - values) / earlier.where(earlier != 0) * 100.0
        reasons = reasons.where(reasons != "", earlier_reasons)
    return pd.DataFrame({"value": values, "reason": reasons})


def _contributors(table: pd.DataFrame, unit_ids: list[str]) -> pd.DataFrame:
    """The six statistics, the composite index and its largest single index per unit."""
    columns = [*INDEX_STATISTICS, "composite_index"]
    if table.empty:
        out = pd.DataFrame(np.nan, index=unit_ids, columns=columns)
        out["primary_statistic"], out["primary_share"] = None, np.nan
        return out
    out = table.reindex(unit_ids).reindex(columns=columns).astype(float)
    # no single indices under a standard without composite-index divisors (GB 3095-2026)
    indices = table.reindex(unit_ids).reindex(columns=[f"{s}_index" for s in INDEX_STATISTICS]).astype(float)
    indices.columns = list(INDEX_STATISTICS)
    has = indices.notna().any(axis=1)
    out["primary_statistic"] = indices.where(has, 0).fillna(-1).idxmax(axis=1).where(has, None)
    out["primary_share"] = (indices.max(axis=1) / out["composite_index"] * 100).where(has)
    return out


def _reason(status: str, detail: str) -> Message | None:
    if status == NO_STATION:
        return msg("rankings.reason.no_station")
    if status == INSUFFICIENT:
        return msg("rankings.reason.insufficient", detail=detail or "—")
    return None


def rank_units(units: Units, evaluate: Callable[[date, date], pd.DataFrame], metric: Metric, period: Period,
               std: Standard, rules: RankingRules | None = None) -> Ranking:
    """The ranking of `units` from an evaluator (see `Evaluator`); the moves against the
    previous period and the same period a year earlier."""
    rules = rules or load_ranking_rules()
    decimals = rules.decimals_of(metric.code)
    areas = units.areas
    unit_ids = areas["unit_id"].astype(str).tolist()
    groups = units.groups
    current = metric_values(metric, evaluate, period, unit_ids)
    placed = rank_values(current["value"], decimals, metric.higher_is_better)
    previous, year_before = previous_period(period), same_period_a_year_earlier(period)
    moves = {}
    for name, other in (("previous", previous), ("year_before", year_before)):
        values = metric_values(metric, evaluate, other, unit_ids)["value"]
        moves[f"{name}_value"] = gbt8170(values.to_numpy(dtype=float), decimals)
        moves[f"{name}_rank"] = rank_values(values, decimals, metric.higher_is_better)["rank"].to_numpy()
    table = pd.DataFrame({
        "unit_id": unit_ids, "unit_name": areas["unit_name"].astype(str).to_numpy(),
        "parent": areas["parent"].to_numpy(),
        "n_stations": [len(groups.get(u, [])) for u in unit_ids],
        "stations": [groups.get(u, []) for u in unit_ids],
        "value": current["value"].to_numpy(), "published": placed["published"].to_numpy(),
        "rank": placed["rank"].to_numpy(), "tied": placed["tied"].to_numpy(),
    })
    table["status"] = np.where(table["n_stations"] == 0, NO_STATION,
                               np.where(table["published"].isna(), INSUFFICIENT, RANKED))
    table["reason"] = [_reason(s, d) for s, d in zip(table["status"], current["reason"], strict=True)]
    if metric.statistic == "composite_index" and not std.composite_index:  # GB 3095-2026: no divisors known
        table["reason"] = [msg("rankings.reason.no_divisors", standard=std.name) if s == INSUFFICIENT else r
                           for s, r in zip(table["status"], table["reason"], strict=True)]
    for name in ("previous", "year_before"):
        table[f"{name}_value"] = moves[f"{name}_value"]
        table[f"{name}_rank"] = pd.array(moves[f"{name}_rank"], dtype="Int64")
    table["move_previous"] = (table["previous_rank"] - table["rank"]).astype("Int64")
    table["move_year"] = (table["year_before_rank"] - table["rank"]).astype("Int64")
    table = table.join(_contributors(evaluate(period.start, period.end), unit_ids), on="unit_id")
    table["_order"] = table["rank"].astype("Float64").fillna(np.inf)
    table = table.sort_values(["_order", "unit_id"], kind="stable").drop(columns="_order").reset_index(drop=True)
    ranking = Ranking(units.level, metric, period, previous, year_before, std, table[TABLE_COLUMNS])
    ranking.notes = [msg("rankings.note.standard", standard=std.name, previous=previous.label(),
                         year_before=year_before.label()),
                     *tie_notes(ranking.table)]
    unranked = ranking.table[ranking.table["rank"].isna()]
    if len(unranked):
        ranking.notes.append(msg("rankings.note.unranked", n=len(unranked), units=tuple(unranked["unit_name"])))
    return ranking


def rank(con: Connection, kind: str = "month", start: date | None = None, end: date | None = None, *,
         by: str = "district", metric: str = "composite_index", basis: str | None = None,
         rules: RankingRules | None = None) -> Ranking:
    """Rank the units of level `by` (district, township, zone, city, station) by `metric` over
    the period of `kind` (month, quarter, ytd, year) given by `start`/`end` (default: the last
    whole one with readings), all by one standard (`basis`: a version, default the one in force
    at the period's end)."""
    chosen = check_metric(metric)
    span = aq.readings_period(con)
    latest = None if span is None else (span[1] - pd.Timedelta(hours=1)).date()
    period = resolve(kind, start, end, latest=latest)
    units = read_units(con, by)
    std = ranking_standard(period.end, basis)
    previous, year_before = previous_period(period), same_period_a_year_earlier(period)
    earliest = same_period_a_year_earlier(year_before).start if chosen.improvement else year_before.start
    first = min(earliest, previous.start)
    if chosen.improvement:
        first = min(first, same_period_a_year_earlier(previous).start)
    evaluator = Evaluator(con, units, std, first, period.end)
    return rank_units(units, evaluator, chosen, period, std, rules)


def own_figures(con: Connection, level: str, start: date, end: date, std: Standard,
                metrics: tuple[str, ...] = ("composite_index", "pm25", "pm10", "o3", "no2", "so2", "co",
                                            "good_day_ratio")) -> pd.DataFrame:
    """The own units' figures of a period (one row per unit of `level`: unit_id, unit_name and
    one column per metric, NaN when 数据不足), all by `std`: what a peer table is compared with."""
    units = read_units(con, level)
    evaluate = Evaluator(con, units, std, start, end)
    unit_ids = units.areas["unit_id"].astype(str).tolist()
    out = pd.DataFrame({"unit_id": unit_ids, "unit_name": units.areas["unit_name"].astype(str).to_numpy()})
    period = Period("year", start, end)
    for code in metrics:
        out[code] = metric_values(check_metric(code), evaluate, period, unit_ids)["value"].to_numpy()
    return out
