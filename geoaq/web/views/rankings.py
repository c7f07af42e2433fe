"""How the 排名通报 page shows a ranking on the map: each county (township, zone) coloured by its
value or its rank, labelled with its place and its move since the previous period; a click shows
its figures and contributors (its stations, the pollutant with the largest Cᵢ/Sᵢ); pure."""

from __future__ import annotations

import html

import pandas as pd

from geoaq.compliance.targets import metric_name
from geoaq.i18n import DEFAULT_LANGUAGE, join, say, t
from geoaq.rankings.present import metric_heading, place_text
from geoaq.rankings.ranking import INDEX_STATISTICS, Ranking
from geoaq.rankings.units import Units
from geoaq.web.map import Overlay, area_collection
from geoaq.web.views.stations import NO_DATA_COLOUR

#: best → worst (green → red), the colours a ranking is drawn in
RAMP = ("#1a9850", "#91cf60", "#d9ef8b", "#fee08b", "#fc8d59", "#d73027")
#: what the colour follows: the metric's value or the rank
COLOUR_BY = ("value", "rank")


def colours(ranking: Ranking, by: str = "rank") -> list[str]:
    """A colour per row of `ranking.table`: the best green, the worst red, unranked grey."""
    table = ranking.table
    if by == "rank":
        key = table["rank"].astype("Float64")
    else:
        key = table["published"].astype("Float64")
        if ranking.metric.higher_is_better:
            key = -key
    valid = key.dropna()
    if valid.empty:
        return [NO_DATA_COLOUR] * len(table)
    lo, hi = float(valid.min()), float(valid.max())
    out = []
    for value in key:
        if pd.isna(value):
            out.append(NO_DATA_COLOUR)
            continue
        share = 0.0 if hi == lo else (float(value) - lo) / (hi - lo)
        out.append(RAMP[min(int(share * len(RAMP)), len(RAMP) - 1)])
    return out


def move_text(value) -> str:
    if value is None or pd.isna(value):
        return ""
    value = int(value)
    return "→" if value == 0 else (f"↑{value}" if value > 0 else f"↓{-value}")


def unit_popup(row: pd.Series, ranking: Ranking, station_names: dict[str, str], lang: str = DEFAULT_LANGUAGE) -> str:
    """A unit's place, value, moves, the six statistics and what drives its index."""
    def col(key: str, **values) -> str:
        return t(f"rankings.column.{key}", lang, **values)

    value = "—" if pd.isna(row["published"]) else f"{row['published']:g}"
    rows = [(col("place"), place_text(row, lang)), (metric_heading(ranking.metric.code, lang), value),
            (col("move_previous"), move_text(row["move_previous"]) or "—"),
            (col("move_year"), move_text(row["move_year"]) or "—"),
            (col("stations"), join((station_names.get(c, c) for c in row["stations"]), lang) or "—")]
    for statistic in INDEX_STATISTICS:
        if not pd.isna(row[statistic]):
            rows.append((say(metric_name(statistic), lang), f"{row[statistic]:.3g}"))
    if isinstance(row["primary_statistic"], str):
        rows.append((col("primary"), t("rankings.primary", lang, statistic=say(metric_name(row["primary_statistic"]),
                                                                                  lang), share=row["primary_share"])))
    if row["reason"] is not None:
        rows.append((col("note"), say(row["reason"], lang)))
    table = "".join(f"<tr><th>{html.escape(str(k))}</th><td>{html.escape(str(v))}</td></tr>" for k, v in rows)
    return f'<div class="geoaq-popup"><b>{html.escape(str(row["unit_name"]))}</b><table>{table}</table></div>'


def ranking_overlay(ranking: Ranking, units: Units, station_names: dict[str, str], by: str = "rank",
                    lang: str = DEFAULT_LANGUAGE) -> Overlay:
    """The units as areas coloured by `by` (value or rank), each labelled "3 ↑2" at its centre."""
    table = ranking.table.merge(units.areas[["unit_id", "geometry"]], on="unit_id", how="left")
    table = table[table["geometry"].notna()].reset_index(drop=True)
    fills = colours(Ranking(ranking.level, ranking.metric, ranking.period, ranking.previous, ranking.year_before,
                            ranking.standard, table), by)
    name = say(ranking.title(), lang)
    centres = [g.representative_point() for g in table["geometry"]]
    labels = tuple((float(p.x), float(p.y), f"{int(r['rank']) if not pd.isna(r['rank']) else '—'} "
                    f"{move_text(r['move_previous'])}".strip(), "#222222")
                   for p, (_, r) in zip(centres, table.iterrows(), strict=True))
    legend = ({"label": name, "fill": "#ffffff", "stroke": "#222222", "kind": "area"},
              {"label": f"  {t('rankings.map.best', lang)}", "fill": RAMP[0], "stroke": RAMP[0], "kind": "area"},
              {"label": f"  {t('rankings.map.worst', lang)}", "fill": RAMP[-1], "stroke": RAMP[-1], "kind": "area"},
              {"label": f"  {t('rankings.status.insufficient', lang)}", "fill": NO_DATA_COLOUR,
               "stroke": NO_DATA_COLOUR, "kind": "area"})
    return Overlay(
        name=name,
        collection=area_collection(table["geometry"].to_numpy(dtype=object),
                                   [unit_popup(r, ranking, station_names, lang) for _, r in table.iterrows()],
                                   [html.escape(f"{r.unit_name} · {place_text(r, lang)}") for _, r in table.iterrows()],
                                   fills),
        legend=legend, kind="area", labels=labels)


def unit_at(lon: float, lat: float, units: Units) -> str | None:
    """The unit id under a clicked point."""
    import shapely

    hit = units.areas[units.areas.geometry.intersects(shapely.Point(lon, lat))]
    return None if hit.empty else str(hit["unit_id"].iloc[0])


