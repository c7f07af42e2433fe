"""How the 重污染应急 page shows a warning on the map: enterprises coloured by the measure their
lines must take, stations coloured by their AQI over the warning's hours, fire events of the
warning; pure. Tables for people come from `geoaq.emergency.present`."""

from __future__ import annotations

import html

import numpy as np
import pandas as pd

from geoaq.aq.aqi import aqi_level_table
from geoaq.emergency.measures import MISSING
from geoaq.emergency.present import grade_class_text
from geoaq.emergency.rules import MEASURE_STRENGTH, POLLUTANTS
from geoaq.i18n import DEFAULT_LANGUAGE, join, t
from geoaq.web.map import Overlay, point_collection
from geoaq.web.views.stations import NO_DATA_COLOUR

#: a measure kind's colour on the map: the stronger, the hotter
MEASURE_COLOURS = {"stop": "#990000", "limit": "#e69138", "equipment": "#f1c232", "stagger": "#8e7cc3",
                   "other": "#6fa8dc", "none": "#38761d", MISSING: "#999999"}


def measure_label(kind: str, lang: str = DEFAULT_LANGUAGE) -> str:
    return t(f"emergency.measure.{kind}", lang)


def _popup(rows: list[tuple[str, object]], title: str) -> str:
    table = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(str(v))}</td></tr>" for k, v in rows)
    return f'<div class="geoaq-popup"><b>{html.escape(title)}</b><table>{table}</table></div>'


def enterprise_popup(row: pd.Series, lang: str = DEFAULT_LANGUAGE) -> str:
    """An enterprise during the warning: its grade, what its lines must do, the cuts."""
    def col(name: str) -> str:
        return t(f"emergency.column.{name}", lang)

    cuts = ", ".join(f"{t(f'emergency.pollutant.{p}', lang)} {row[f'cut_{p}']:,.2f}" for p in POLLUTANTS)
    rows = [(col("enterprise_key"), row["enterprise_key"]), (col("county"), row["county"] or "—"),
            (col("industry"), row["industry"] or "—"), (col("grade"), row["grade"] or "—"),
            (col("grade_class"), grade_class_text(row["grade_class"], lang)),
            (col("kind"), measure_label(row["kind"], lang)), (col("measures"), join(row["measures"], lang) or "—"),
            (col("lines"), row["lines"]), (t("format.with_unit", lang, name=col("cut_t"), unit="t/a"), cuts)]
    return _popup(rows, str(row["enterprise_name"]))


def enterprises_overlay(enterprises: pd.DataFrame, lang: str = DEFAULT_LANGUAGE) -> Overlay:
    """The warning's list enterprises that have a place, coloured by their strongest measure."""
    placed = enterprises[enterprises["matched"] & enterprises["lon"].notna()].reset_index(drop=True)
    title = t("emergency.page.enterprises_layer", lang)
    kinds = [k for k in (*MEASURE_STRENGTH, MISSING) if k in set(placed["kind"])]
    legend = ({"label": title, "fill": "#ffffff", "stroke": "#222222", "kind": "circle"},
              *({"label": f"  {measure_label(k, lang)}", "fill": MEASURE_COLOURS[k], "stroke": "#222222",
                 "kind": "circle"} for k in kinds))
    frame = pd.DataFrame({"lon": placed["lon"].astype(float), "lat": placed["lat"].astype(float)})
    return Overlay(
        name=title,
        collection=point_collection(frame, [enterprise_popup(r, lang) for _, r in placed.iterrows()],
                                    [html.escape(f"{r.enterprise_name} · {measure_label(r.kind, lang)}")
                                     for r in placed.itertuples()],
                                    [MEASURE_COLOURS[k] for k in placed["kind"]]),
        legend=legend, radius=7)


def aqi_colour(value: float, standard: str = "2012") -> str:
    """The colour of the AQI band `value` falls in (grey without a value)."""
    if value is None or np.isnan(value):
        return NO_DATA_COLOUR
    levels = aqi_level_table(standard)
    for row in levels.itertuples():
        if pd.isna(row.aqi_max) or value <= row.aqi_max:
            return str(row.colour)
    return str(levels["colour"].iloc[-1])


def stations_overlay(stations: pd.DataFrame, during: pd.DataFrame, lang: str = DEFAULT_LANGUAGE) -> Overlay:
    """Stations coloured and labelled by their mean hourly AQI over the warning's hours."""
    summary = during.set_index("station_code") if len(during) else pd.DataFrame()
    frame = pd.DataFrame({"lon": stations.geometry.x.to_numpy(), "lat": stations.geometry.y.to_numpy()})
    popups, tooltips, colours, labels = [], [], [], []
    for (_, station), lon, lat in zip(stations.iterrows(), frame["lon"], frame["lat"], strict=True):
        found = summary.loc[station["code"]] if station["code"] in summary.index else None
        mean = float(found["aqi_mean"]) if found is not None else np.nan
        text = "—" if np.isnan(mean) else f"{mean:.0f}"
        rows = [(t("emergency.column.station_code", lang), station["code"])]
        if found is not None:
            rows += [(t(f"emergency.column.{c}", lang), "—" if pd.isna(found[c]) else f"{float(found[c]):,.0f}")
                     for c in ("hours", "aqi_mean", "aqi_max", "heavy_hours", "pm25_mean")]
            rows.append((t("emergency.column.standard", lang), found["standard_name"] or "—"))
        popups.append(_popup(rows, str(station["name"])))
        tooltips.append(html.escape(f"{station['name']} AQI {text}"))
        colour = aqi_colour(mean)
        colours.append(colour)
        labels.append((float(lon), float(lat), text, colour))
    return Overlay(name=t("emergency.page.stations_layer", lang),
                   collection=point_collection(frame, popups, tooltips, colours), radius=9, labels=tuple(labels))
