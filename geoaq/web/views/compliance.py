"""How the compliance summary is shown: status colours, the overview table, escaped popups,
scope polygons and sensitive-area circles for the map; pure."""

from __future__ import annotations

import html

import geopandas as gpd
import pandas as pd
import shapely

from geoaq.compliance.summary import SCOPE_LABELS
from geoaq.compliance.targets import COMPLIANT, INSUFFICIENT, NON_COMPLIANT
from geoaq.web.map import Overlay, area_collection

STATUS_COLOURS = {COMPLIANT: "#38761d", NON_COMPLIANT: "#cc0000", INSUFFICIENT: "#999999"}
STATUS_EN = {COMPLIANT: "compliant", NON_COMPLIANT: "not compliant", INSUFFICIENT: "insufficient data"}


def overview_table(summary: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """One line per scope: what it is, its status, the first reason and the key counts."""
    zh = lang == "zh"
    table = pd.DataFrame({
        "类型" if zh else "Type": summary["scope_type"].map(lambda s: SCOPE_LABELS[s][0 if zh else 1]),
        "名称" if zh else "Name": summary["scope_name"],
        "类别" if zh else "Kind": summary["scope_kind"],
        "状态" if zh else "Status": summary["status"].map(lambda s: s if zh else STATUS_EN[s]),
        "原因数" if zh else "Reasons": summary["reasons"].map(len),
        "首要原因" if zh else "First reason": summary["reasons"].map(lambda r: r[0] if r else ""),
        "火点事件(个)" if zh else "Fire events": summary["fire_events"],
        "扣减(元)" if zh else "Penalty (CNY)": summary["penalty_yuan"],
        "企业(家)" if zh else "Enterprises": summary["enterprises"],
        "禁煤区燃煤企业" if zh else "Coal users in ban zones": summary["coal_users"].map(len),
        "矿山(座)" if zh else "Mines": summary["mines"],
        "站点" if zh else "Stations": summary["stations"].map(lambda s: "、".join(s)),
    })
    return table.reset_index(drop=True)


def scope_popup(row: pd.Series, lang: str = "zh") -> str:
    """Status and every reason of one scope, escaped."""
    title = f"{row['scope_name']}（{SCOPE_LABELS[row['scope_type']][0 if lang == 'zh' else 1]}）"
    status = row["status"] if lang == "zh" else STATUS_EN[row["status"]]
    reasons = "".join(f"<li>{html.escape(r)}</li>" for r in row["reasons"][:12])
    more = f"<li>… {len(row['reasons']) - 12}</li>" if len(row["reasons"]) > 12 else ""
    return (f'<div class="geoaq-popup"><b>{html.escape(title)}</b> '
            f'<span style="color:{STATUS_COLOURS[row["status"]]}">{html.escape(status)}</span>'
            f"<ul>{reasons}{more}</ul></div>")


def scopes_overlay(summary: pd.DataFrame, geometries: gpd.GeoDataFrame, scope_type: str,
                   lang: str = "zh") -> Overlay:
    """The scopes of one type as polygons coloured by status."""
    rows = summary[summary["scope_type"] == scope_type].merge(
        geometries[["scope_type", "scope_id", "geometry"]], on=["scope_type", "scope_id"])
    name = SCOPE_LABELS[scope_type][0 if lang == "zh" else 1] + ("达标状态" if lang == "zh" else " status")
    legend = tuple({"label": f"  {name}: {s if lang == 'zh' else STATUS_EN[s]}", "fill": c, "stroke": c,
                    "kind": "area"} for s, c in STATUS_COLOURS.items())
    return Overlay(
        name=name,
        collection=area_collection(rows["geometry"].to_numpy(), [scope_popup(r, lang) for _, r in rows.iterrows()],
                                   [html.escape(f"{r.scope_name} · {r.status}") for r in rows.itertuples()],
                                   [STATUS_COLOURS[s] for s in rows["status"]]),
        legend=({"label": name, "fill": "#ffffff", "stroke": "#222222", "kind": "area"}, *legend),
        kind="area",
    )


def sensitive_overlay(sensitive: pd.DataFrame, stations: gpd.GeoDataFrame, lang: str = "zh") -> Overlay:
    """Circles of the sensitive radius around national stations, listing what lies inside."""
    chosen = stations[stations["code"].isin(sensitive["station_code"])].merge(
        sensitive, left_on="code", right_on="station_code")
    if chosen.empty:
        return Overlay(name="", collection={"type": "FeatureCollection", "features": []}, kind="area")
    metric = gpd.GeoDataFrame(chosen, geometry="geometry", crs=4326)
    utm = metric.estimate_utm_crs()
    circles = gpd.GeoSeries(metric.to_crs(utm).geometry.buffer(float(chosen["radius_m"].iloc[0]), 48),
                            crs=utm).to_crs(4326)
    title = "国控站点敏感区" if lang == "zh" else "Sensitive areas of national stations"
    popups = []
    for row in chosen.itertuples():
        lines = [f"{row.station_name} ({row.station_code}) {row.radius_m:,.0f} m"]
        for label, items in (("企业", row.enterprises), ("矿山", row.mines), ("火点事件", row.fire_events)):
            lines.append(f"{label}：{'、'.join(items) if items else '—'}")
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
