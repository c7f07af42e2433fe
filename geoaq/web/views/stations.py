"""Stations on the map coloured by AQI, with the AQI as a text label and a 24-hour trend in
the popup (an inline SVG line, so nothing is fetched); pure."""

from __future__ import annotations

import html
import math

import pandas as pd

from geoaq.i18n import pick, t
from geoaq.web.map import Overlay, point_collection

NO_DATA_COLOUR = "#bbbbbb"
POLLUTANT_UNITS = [("pm25", "PM2.5", "µg/m³"), ("pm10", "PM10", "µg/m³"), ("so2", "SO2", "µg/m³"),
                   ("no2", "NO2", "µg/m³"), ("o3", "O3", "µg/m³"), ("co", "CO", "mg/m³")]


def sparkline_svg(values: list[float | None], *, width: int = 220, height: int = 48,
                  colour: str = "#0b5394") -> str:
    """An SVG line of the values (gaps where missing) with its min and max written beside it."""
    present = [v for v in values if v is not None and not (isinstance(v, float) and math.isnan(v))]
    if len(present) < 2:
        return ""
    low, high = min(present), max(present)
    span = (high - low) or 1.0
    step = (width - 40) / max(len(values) - 1, 1)
    segments, current = [], []
    for i, value in enumerate(values):
        if value is None or (isinstance(value, float) and math.isnan(value)):
            if current:
                segments.append(current)
            current = []
            continue
        y = 4 + (height - 8) * (1 - (value - low) / span)
        current.append(f"{i * step:.1f},{y:.1f}")
    if current:
        segments.append(current)
    lines = "".join(f'<polyline fill="none" stroke="{html.escape(colour)}" stroke-width="1.5" '
                    f'points="{" ".join(points)}"/>' for points in segments if len(points) > 1)
    labels = (f'<text x="{width - 36}" y="10" font-size="9">{high:.0f}</text>'
              f'<text x="{width - 36}" y="{height - 2}" font-size="9">{low:.0f}</text>')
    return f'<svg width="{width}" height="{height}" role="img">{lines}{labels}</svg>'


def station_popup(station: pd.Series, hour: pd.Series | None, trend: pd.DataFrame, lang: str = "zh") -> str:
    """Name, the chosen hour's AQI and concentrations with units, and the 24-hour AQI trend."""
    title = t("aq.station_label", lang, name=station["name"], code=station["code"])
    rows = []
    if hour is not None:
        rows.append((t("aq.column.hour", lang), pd.Timestamp(hour["time_bjt"]).strftime("%Y-%m-%d %H:%M")))
        category = pick({"zh": hour["category"], "en": hour["category_en"]}, lang)
        rows.append(("AQI", f"{hour['aqi']:.0f} {category}" if pd.notna(hour["aqi"]) else "—"))
        rows.append((t("aq.column.primary", lang), hour.get("primary_pollutant") or "—"))
        if isinstance(hour.get("standard_name"), str):
            rows.append((t("aq.column.standard", lang), hour["standard_name"]))
        if pd.notna(hour.get("published_aqi")):
            rows.append((t("aq.column.published_aqi", lang), f"{hour['published_aqi']:.0f}"))
        for column, label, unit in POLLUTANT_UNITS:
            value = hour.get(column)
            rows.append((label, f"{value:g} {unit}" if pd.notna(value) else "—"))
    else:
        rows.append(("AQI", t("aq.no_data", lang)))
    table = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(str(v))}</td></tr>" for k, v in rows)
    chart = ""
    if len(trend):
        first, last = pd.Timestamp(trend["time_bjt"].min()), pd.Timestamp(trend["time_bjt"].max())
        caption = t("aq.popup_trend", lang, first=f"{first:%m-%d %H:%M}", last=f"{last:%m-%d %H:%M}")
        chart = f"<div>{html.escape(caption)}</div>" + sparkline_svg(trend["aqi"].tolist())
    return f'<div class="geoaq-popup"><b>{html.escape(title)}</b><table>{table}</table>{chart}</div>'


def stations_overlay(stations: pd.DataFrame, hourly: pd.DataFrame, at: pd.Timestamp, lang: str = "zh") -> Overlay:
    """Stations coloured by their AQI at hour `at` (grey without data), labelled with the AQI,
    each popup showing that hour and the 24 hours up to it. `hourly` is `aq.hourly_table`
    joined with the concentrations (columns station_code, time_bjt, aqi, category, colour, …)."""
    at = pd.Timestamp(at)
    window = hourly[(hourly["time_bjt"] > at - pd.Timedelta(hours=24)) & (hourly["time_bjt"] <= at)]
    current = hourly[hourly["time_bjt"] == at].set_index("station_code")
    frame = pd.DataFrame({"lon": stations.geometry.x.to_numpy(), "lat": stations.geometry.y.to_numpy()})
    popups, tooltips, colours, labels = [], [], [], []
    for (_, station), lon, lat in zip(stations.iterrows(), frame["lon"], frame["lat"], strict=True):
        hour = current.loc[station["code"]] if station["code"] in current.index else None
        trend = window[window["station_code"] == station["code"]].sort_values("time_bjt")
        popups.append(station_popup(station, hour, trend, lang))
        has_value = hour is not None and pd.notna(hour["aqi"])
        colour = str(hour["colour"]) if has_value else NO_DATA_COLOUR
        text = f"{hour['aqi']:.0f}" if has_value else "—"
        colours.append(colour)
        tooltips.append(html.escape(f"{station['name']} AQI {text}"))
        labels.append((float(lon), float(lat), text, colour))
    title = t("aq.stations_layer", lang)
    return Overlay(name=f"{title} {at:%Y-%m-%d %H:%M}", collection=point_collection(frame, popups, tooltips, colours),
                   radius=9, labels=tuple(labels))


def aqi_legend(levels: pd.DataFrame, lang: str = "zh", title: str = "",
               standard: str = "") -> tuple[dict[str, str], ...]:
    """Legend entries for the AQI bands (text as well as colour), headed by the layer title and
    the standard the hour shown is scored by."""
    head = {"label": t("aq.legend_title", lang, title=title, standard=standard or "—").strip(),
            "fill": "#ffffff", "stroke": "#222222", "kind": "circle"}
    return (head, *({"label": f"  {row.band} {pick({'zh': row.category, 'en': row.category_en}, lang)}",
                     "fill": row.colour, "stroke": "#222222", "kind": "circle"} for row in levels.itertuples()))
