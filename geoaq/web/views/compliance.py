"""How the compliance summary is shown: status colours, the overview table, escaped popups,
scope polygons and sensitive-area circles for the map; pure. The summary's codes and messages
become words here (`geoaq.i18n`, keys compliance.*)."""

from __future__ import annotations

import html

import geopandas as gpd
import pandas as pd
import shapely

from geoaq.compliance.targets import COMPLIANT, INSUFFICIENT, NON_COMPLIANT
from geoaq.i18n import DEFAULT_LANGUAGE, join, say, t
from geoaq.web.map import Overlay, area_collection

STATUS_COLOURS = {COMPLIANT: "#38761d", NON_COMPLIANT: "#cc0000", INSUFFICIENT: "#999999"}


def status_text(status: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """A status code in words: 达标 / compliant."""
    return t(f"compliance.status.{status}", lang)


def scope_text(scope_type: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """A scope type code in words: 区县 / County."""
    return t(f"compliance.scope.{scope_type}", lang)


def overview_table(summary: pd.DataFrame, lang: str = DEFAULT_LANGUAGE) -> pd.DataFrame:
    """One line per scope: what it is, its status, the first reason and the key counts."""
    def column(name: str) -> str:
        return t(f"compliance.column.{name}", lang)

    table = pd.DataFrame({
        column("type"): summary["scope_type"].map(lambda s: scope_text(s, lang)),
        column("name"): summary["scope_name"],
        column("kind"): summary["scope_kind"],
        column("status"): summary["status"].map(lambda s: status_text(s, lang)),
        column("reasons"): summary["reasons"].map(len),
        column("first_reason"): summary["reasons"].map(lambda r: say(r[0], lang) if r else ""),
        column("fire_events"): summary["fire_events"],
        column("penalty"): summary["penalty_yuan"],
        column("enterprises"): summary["enterprises"],
        column("coal_users"): summary["coal_users"].map(len),
        column("mines"): summary["mines"],
        column("stations"): summary["stations"].map(lambda s: join(s, lang)),
    })
    return table.reset_index(drop=True)


def scope_popup(row: pd.Series, lang: str = DEFAULT_LANGUAGE) -> str:
    """Status and every reason of one scope, escaped."""
    title = t("compliance.scope_title", lang, name=row["scope_name"], scope=scope_text(row["scope_type"], lang))
    status = status_text(row["status"], lang)
    reasons = "".join(f"<li>{html.escape(say(r, lang))}</li>" for r in row["reasons"][:12])
    more = f"<li>… {len(row['reasons']) - 12}</li>" if len(row["reasons"]) > 12 else ""
    return (f'<div class="geoaq-popup"><b>{html.escape(title)}</b> '
            f'<span style="color:{STATUS_COLOURS[row["status"]]}">{html.escape(status)}</span>'
            f"<ul>{reasons}{more}</ul></div>")


def scopes_overlay(summary: pd.DataFrame, geometries: gpd.GeoDataFrame, scope_type: str,
                   lang: str = DEFAULT_LANGUAGE) -> Overlay:
    """The scopes of one type as polygons coloured by status."""
    rows = summary[summary["scope_type"] == scope_type].merge(
        geometries[["scope_type", "scope_id", "geometry"]], on=["scope_type", "scope_id"])
    name = t("compliance.scope_layer", lang, scope=scope_text(scope_type, lang))
    legend = tuple({"label": f"  {name}: {status_text(s, lang)}", "fill": c, "stroke": c,
                    "kind": "area"} for s, c in STATUS_COLOURS.items())
    return Overlay(
        name=name,
        collection=area_collection(rows["geometry"].to_numpy(), [scope_popup(r, lang) for _, r in rows.iterrows()],
                                   [html.escape(f"{r.scope_name} · {status_text(r.status, lang)}")
                                    for r in rows.itertuples()],
                                   [STATUS_COLOURS[s] for s in rows["status"]]),
        legend=({"label": name, "fill": "#ffffff", "stroke": "#222222", "kind": "area"}, *legend),
        kind="area",
    )


def sensitive_overlay(sensitive: pd.DataFrame, stations: gpd.GeoDataFrame, lang: str = DEFAULT_LANGUAGE) -> Overlay:
    """Circles of the sensitive radius around national stations, listing what lies inside."""
    chosen = stations[stations["code"].isin(sensitive["station_code"])].merge(
        sensitive, left_on="code", right_on="station_code")
    if chosen.empty:
        return Overlay(name="", collection={"type": "FeatureCollection", "features": []}, kind="area")
    metric = gpd.GeoDataFrame(chosen, geometry="geometry", crs=4326)
    utm = metric.estimate_utm_crs()
    circles = gpd.GeoSeries(metric.to_crs(utm).geometry.buffer(float(chosen["radius_m"].iloc[0]), 48),
                            crs=utm).to_crs(4326)
    title = t("compliance.sensitive_areas", lang)
    popups = []
    for row in chosen.itertuples():
        lines = [f"{row.station_name} ({row.station_code}) {row.radius_m:,.0f} m"]
        for kind, items in (("enterprises", row.enterprises), ("mines", row.mines), ("fires", row.fire_events)):
            lines.append(t("compliance.sensitive_popup_line", lang, label=t(f"compliance.{kind}", lang),
                           items=join(items, lang) if items else "—"))
        popups.append('<div class="geoaq-popup">' + "<br>".join(html.escape(x) for x in lines) + "</div>")
    colour = "#3d85c6"
    return Overlay(
        name=title,
        collection=area_collection(shapely.normalize(circles.to_numpy()), popups,
                                   [html.escape(f"{r.station_name} {r.radius_m:,.0f} m") for r in chosen.itertuples()],
                                   [colour] * len(chosen), tolerance_m=0),
        legend=({"label": title, "fill": colour, "stroke": colour, "kind": "area"},),
        kind="area",
    )


def scope_at(point_lon: float, point_lat: float, geometries: gpd.GeoDataFrame) -> tuple[str, str] | None:
    """The scope under a clicked point: a zone first, then a cluster, then a county."""
    hit = geometries[geometries.geometry.intersects(shapely.Point(point_lon, point_lat))]
    for scope_type in ("zone", "cluster", "county"):
        found = hit[hit["scope_type"] == scope_type]
        if len(found):
            return scope_type, str(found["scope_id"].iloc[0])
    return None
