"""Rankings, placements and 时序进度 as tables for people: headings with their units, the
period and the standard, statuses and reasons worded (rankings.* in the locales)."""

from __future__ import annotations

import math

import pandas as pd

from geoaq.compliance.targets import metric_name, metric_unit
from geoaq.i18n import DEFAULT_LANGUAGE, join, say, t, with_unit
from geoaq.rankings.peers import Placement
from geoaq.rankings.ranking import Ranking


def _move(value) -> str:
    if value is None or pd.isna(value):
        return "—"
    value = int(value)
    return "→0" if value == 0 else (f"↑{value}" if value > 0 else f"↓{-value}")


def _number(value, decimals: int) -> object:
    return "—" if value is None or (isinstance(value, float) and math.isnan(value)) or pd.isna(value) \
        else round(float(value), decimals)


def metric_heading(code: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """综合指数 / PM2.5（µg/m³） / 优良天数比率（%）."""
    from geoaq.rankings.rules import METRICS

    name = t(f"rankings.metric.{code}", lang)
    unit = t(f"units.{METRICS[code].unit_key}", lang)
    return with_unit(name, unit, lang) if unit else name


def place_text(row: pd.Series, lang: str) -> str:
    """第3名 / 并列第2名 / 数据不足（列末位） / 无站点."""
    if pd.isna(row["rank"]):
        return t(f"rankings.status.{row['status']}", lang)
    return t("rankings.place_tied" if row["tied"] else "rankings.place", lang, rank=int(row["rank"]))


def ranking_table(ranking: Ranking, lang: str = DEFAULT_LANGUAGE) -> pd.DataFrame:
    """The ranking as people read it: place, unit, value (unit), the two moves, the stations,
    the pollutant that drives the composite index, and why a unit is not ranked."""
    from geoaq.rankings.rules import load_ranking_rules

    decimals = load_ranking_rules().decimals_of(ranking.metric.code)
    table = ranking.table
    heading = metric_heading(ranking.metric.code, lang)
    col = lambda key, **v: t(f"rankings.column.{key}", lang, **v)  # noqa: E731
    out = pd.DataFrame({
        col("place"): [place_text(r, lang) for _, r in table.iterrows()],
        col("unit"): table["unit_name"],
        heading: [_number(v, decimals) for v in table["published"]],
        col("previous", period=say(ranking.previous.label(), lang)): [
            _number(v, decimals) for v in table["previous_value"]],
        col("previous_rank"): table["previous_rank"].map(lambda v: "—" if pd.isna(v) else int(v)),
        col("move_previous"): table["move_previous"].map(_move),
        col("year_before", period=say(ranking.year_before.label(), lang)): [
            _number(v, decimals) for v in table["year_before_value"]],
        col("year_before_rank"): table["year_before_rank"].map(lambda v: "—" if pd.isna(v) else int(v)),
        col("move_year"): table["move_year"].map(_move),
        col("stations"): table["n_stations"],
        col("primary"): [
            "—" if not isinstance(s, str) else t("rankings.primary", lang, statistic=say(metric_name(s), lang),
                                                 share=float(p))
            for s, p in zip(table["primary_statistic"], table["primary_share"], strict=True)],
        col("note"): table["reason"].map(lambda r: "" if r is None else say(r, lang)),
    })
    return out


def notes_text(ranking: Ranking, lang: str = DEFAULT_LANGUAGE) -> list[str]:
    return [say(n, lang) for n in ranking.notes]


def placement_table(placement: Placement, lang: str = DEFAULT_LANGUAGE) -> pd.DataFrame:
    """A peer table with the own unit placed in it (marked ★)."""
    col = lambda key, **v: t(f"rankings.column.{key}", lang, **v)  # noqa: E731
    return pd.DataFrame({
        col("place"): [("—" if pd.isna(r) else t("rankings.place_tied" if tied else "rankings.place", lang,
                                                   rank=int(r))) for r, tied in
                       zip(placement.table["rank"], placement.table["tied"], strict=True)],
        col("unit"): [f"★ {n}" if own else n for n, own in zip(placement.table["name"], placement.table["own"],
                                                               strict=True)],
        metric_heading(placement.metric, lang): [_number(v, placement.decimals) for v in placement.table["value"]],
        col("published_rank"): placement.table["published_rank"].map(lambda v: "—" if pd.isna(v) else int(v)),
    })


def progress_table(table: pd.DataFrame, lang: str = DEFAULT_LANGUAGE) -> pd.DataFrame:
    """时序进度 as people read it."""
    col = lambda key, **v: t(f"rankings.progress_column.{key}", lang, **v)  # noqa: E731

    def risk(days) -> str:
        return join((f"{d:%m-%d} {v:.0f}" for d, v in days), lang) if days else "—"

    def unit_of(metric: str) -> str:
        return say(metric_unit(metric), lang)

    return pd.DataFrame({
        col("target"): table["target"],
        col("unit"): table["unit"],
        col("metric"): [with_unit(say(metric_name(m), lang), unit_of(m), lang) if unit_of(m) else say(metric_name(m), lang)
                        for m in table["metric"]],
        col("period"): [f"{s} – {e}" for s, e in zip(table["start"], table["end"], strict=True)],
        col("elapsed"): [t("rankings.progress_elapsed", lang, share=s, days=d, total=n)
                         for s, d, n in zip(table["elapsed_share"], table["elapsed_days"], table["total_days"],
                                            strict=True)],
        col("value"): table["value"].map(lambda v: _number(v, 1)),
        col("limit"): [f"{op} {_number(v, 1)}" for op, v in zip(table["op"], table["limit"], strict=True)],
        col("allowed"): [("—" if a is None or pd.isna(a) else
                          t(f"rankings.allowed.{k}", lang, value=float(a), unit=unit_of(m)))
                         for a, k, m in zip(table["allowed"], table["allowed_kind"], table["metric"], strict=True)],
        col("status"): table["status"].map(lambda s: t(f"rankings.progress_status.{s}", lang)),
        col("risk_days"): table["risk_days"].map(risk),
        col("standard"): table["standard"],
    })


def rank_targets_table(table: pd.DataFrame, lang: str = DEFAULT_LANGUAGE) -> pd.DataFrame:
    """Rank targets assessed (`geoaq.rankings.peers.assess_rank_targets`) as people read them."""
    col = lambda key: t(f"rankings.target_column.{key}", lang)  # noqa: E731
    return pd.DataFrame({
        col("target"): table["target"], col("unit"): table["unit"], col("peers"): table["peers"],
        col("period"): [f"{s} – {e}" for s, e in zip(table["start"], table["end"], strict=True)],
        col("status"): table["status"].map(lambda s: t(f"compliance.status.{s}", lang)),
        col("reason"): table["reason"].map(lambda r: say(r, lang)),
        col("gap"): table["gap"].map(lambda v: "—" if v is None or pd.isna(v) else f"{v:g}"),
        col("note"): table["note"],
    })
