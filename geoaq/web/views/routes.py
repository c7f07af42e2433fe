"""Routes on the map: per team the path and numbered stop markers; targets as an overlay.

Built on `geoaq.web.map.build_map` (offline assets, legend, layer control). The stop
markers are `folium.DivIcon`s whose HTML is a number in a coloured circle (no icon font, no
image, nothing from a CDN); every tooltip and popup text is escaped here.
"""

from __future__ import annotations

import html
import json

import folium
import geopandas as gpd
import pandas as pd
from branca.element import MacroElement
from folium.elements import JSCSSMixin
from jinja2 import Template

from geoaq.i18n import DEFAULT_LANGUAGE, say, t
from geoaq.layers import LayerSpec
from geoaq.routes.export import team_colour
from geoaq.routes.plan import RoutePlan
from geoaq.routes.rules import RouteRules, load_route_rules
from geoaq.web.assets import localize_assets
from geoaq.web.client_files import CLIENT_URL
from geoaq.web.map import OSM, Overlay, TileSource, build_map, point_collection

KIND_COLOURS = {"fire_event": "#e31a1c", "picked": "#6a3d9a", "coal_user": "#333333",
                "mine_rectification": "#b15928", "near_station": "#ff7f00", "grade_c": "#1f78b4",
                "random_draw": "#33a02c", "other": "#999999"}

LEFT_OUT_COLOUR = "#bdbdbd"  # grey: never mistaken for a team's colour

_CSS = """
<style>
.geoaq-stop {display: flex; align-items: center; justify-content: center; width: 24px; height: 24px;
  border-radius: 50%; border: 2px solid #fff; color: #fff; font: bold 12px/1 Arial, sans-serif;
  box-shadow: 0 1px 3px rgba(0,0,0,.5);}
.geoaq-stop.depot {border-radius: 4px; width: 20px; height: 20px; font-size: 11px;}
</style>
"""


def _text(value: object) -> str:
    """Escaped for HTML, and safe inside the JavaScript template literals folium writes
    tooltips and popups into (no backtick, `${`, or backslash escape survives)."""
    return (html.escape(str(value)).replace("`", "&#96;").replace("$", "&#36;").replace("\\", "&#92;"))


def _popup(lines: list[tuple[str, str]]) -> str:
    rows = "".join(f"<tr><th>{_text(k)}</th><td>{_text(v)}</td></tr>" for k, v in lines)
    return f'<div class="geoaq-popup"><table>{rows}</table></div>'


def reason_text(value: object, lang: str) -> str:
    """A reason (a message, or text from a targets file) in words; "" for none."""
    worded = say(value, lang)
    return worded if isinstance(worded, str) else ""


def targets_overlay(targets: pd.DataFrame, rules: RouteRules, lang: str = DEFAULT_LANGUAGE, *,
                    name: str | None = None, colour: str | None = None) -> Overlay:
    """Targets as circles coloured by kind (before solving), or all in one `colour` (left out)."""
    name = name or t("routes.map.targets", lang)
    frame = targets.reset_index(drop=True)
    popups = [_popup([(t("routes.column.target_id", lang), str(r.target_id)), (t("routes.column.name", lang), str(r.name)),
                      (t("routes.column.kind", lang), rules.label(r.kind, lang)),
                      (t("routes.column.priority", lang), f"{r.priority:g}"),
                      (t("routes.column.reason", lang), reason_text(r.reason, lang))]
                     + ([(t("routes.map.left_out_why", lang), t(f"routes.drop.{r.drop_reason}", lang))]
                        if "drop_reason" in frame.columns else []))
              for r in frame.itertuples()]
    tooltips = [html.escape(f"{r.name} · {rules.label(r.kind, lang)}") for r in frame.itertuples()]
    colours = [colour or KIND_COLOURS.get(k, KIND_COLOURS["other"]) for k in frame["kind"]]
    present = [] if colour else [k for k in KIND_COLOURS if k in set(frame["kind"])]
    legend = ({"label": name, "fill": colour or "#ffffff", "stroke": "#222222", "kind": "circle"},
              *({"label": f"  {rules.label(k, lang)}", "fill": KIND_COLOURS[k], "stroke": "#222222",
                 "kind": "circle"} for k in present))
    return Overlay(name=name, collection=point_collection(frame, popups, tooltips, colours), legend=legend,
                   radius=6.0)


class StopMarkers(JSCSSMixin, MacroElement):
    """Numbered stop markers: `L.marker` with an `L.divIcon` from the start, so Leaflet never
    asks for its default marker image; the data arrive as JSON (labels already escaped)."""

    default_js = [("geoaq_map", f"{CLIENT_URL}/geoaq_map.js")]
    _template = Template("""
        {% macro script(this, kwargs) %}
        geoaq.stopMarkers({{ this._parent.get_name() }}, {{ this.stops_json }});
        {% endmacro %}
    """)

    def __init__(self, stops: list[dict]):
        super().__init__()
        self._name = "StopMarkers"
        # "<" never appears raw inside the <script>, so no value can close it
        self.stops_json = json.dumps(stops, ensure_ascii=False).replace("<", "\\u003c")


def _stop(lat: float, lon: float, label: str, colour: str, tooltip: str, popup: str = "",
          depot: bool = False) -> dict:
    return {"lat": float(lat), "lon": float(lon), "label": _text(label), "colour": html.escape(colour),
            "tooltip": _text(tooltip), "popup": popup, "depot": depot}


def _layer_control_last(fmap: folium.Map) -> None:
    """Render the layer control after the groups added here: it names them in its script, and
    a group defined after it is still undefined there (the map would stay blank)."""
    for key, child in list(fmap._children.items()):
        if isinstance(child, folium.LayerControl):
            fmap._children.move_to_end(key)


def route_map(plan: RoutePlan, background: list[tuple[LayerSpec, gpd.GeoDataFrame]] = (), *,
              lang: str = DEFAULT_LANGUAGE, tiles: TileSource | None = OSM, rules: RouteRules | None = None,
              show_dropped: bool = True) -> folium.Map:
    """The plan on a map: per team a coloured path and numbered stops; left-out targets greyed."""
    rules = rules or load_route_rules()
    names = plan.team_names()
    team_legend = tuple({"label": t("routes.map.team_stops", lang, team=name, n=int(n)),
                         "fill": team_colour(k), "stroke": team_colour(k), "kind": "circle"}
                        for k, (name, n) in enumerate(zip(names, plan.teams["stops"], strict=True)))
    overlays = [Overlay(name=t("routes.map.routes", lang), collection={"type": "FeatureCollection", "features": []},
                        legend=team_legend)]
    if show_dropped and len(plan.dropped):
        overlays.append(targets_overlay(plan.dropped, rules, lang, name=t("routes.map.left_out", lang),
                                        colour=LEFT_OUT_COLOUR))
    stops = plan.stops
    if len(stops):
        bounds = (float(stops["lon"].min()) - 0.02, float(stops["lat"].min()) - 0.02,
                  float(stops["lon"].max()) + 0.02, float(stops["lat"].max()) + 0.02)
    else:
        bounds = None
    fmap = build_map(list(background), lang=lang, tiles=tiles, bounds=bounds, overlays=tuple(overlays))
    fmap.get_root().header.add_child(folium.Element(_CSS))
    for k, name in enumerate(names):
        colour = team_colour(k)
        group = folium.FeatureGroup(name=f"{name}", show=True)
        team_stops = plan.team_stops(name)
        folium.PolyLine(list(zip(team_stops["lat"], team_stops["lon"], strict=True)), color=colour, weight=4,
                        opacity=0.85, tooltip=folium.Tooltip(_text(name))).add_to(group)
        markers = []
        for row in team_stops.itertuples():
            depot = row.kind in ("start", "end")
            if depot and row.kind == "end" and (row.lon, row.lat) == (team_stops.iloc[0]["lon"], team_stops.iloc[0]["lat"]):
                continue  # back where it started: one depot marker
            label = t(f"routes.map.{row.kind}_mark", lang) if depot else str(int(row.seq))
            when = row.departure if row.kind == "start" else row.arrival
            clock = "" if pd.isna(when) else pd.Timestamp(when).strftime("%H:%M")
            lines = [(t("routes.column.team", lang), name), (t("routes.column.seq", lang), str(int(row.seq))),
                     (t("routes.column.name", lang), str(row.name)),
                     (t("routes.column.departure" if row.kind == "start" else "routes.column.arrival", lang), clock)]
            if not depot:
                lines += [(t("routes.column.kind", lang), rules.label(row.kind, lang)),
                          (t("routes.column.reason", lang), reason_text(row.reason, lang)),
                          (t("routes.map.leg", lang), "" if pd.isna(row.leg_km) else f"{row.leg_km:.1f} km")]
            markers.append(_stop(row.lat, row.lon, label, colour, f"{name} {label} · {row.name} · {clock}",
                                 _popup(lines), depot))
        StopMarkers(markers).add_to(group)
        group.add_to(fmap)
    _layer_control_last(fmap)
    return localize_assets(fmap)


def targets_map(targets: pd.DataFrame, background: list[tuple[LayerSpec, gpd.GeoDataFrame]] = (), *,
                lang: str = DEFAULT_LANGUAGE, tiles: TileSource | None = OSM, rules: RouteRules | None = None,
                depots: list[tuple[float, float]] = ()) -> folium.Map:
    """The candidate targets (before solving), with the teams' depots as squares."""
    rules = rules or load_route_rules()
    overlays = (targets_overlay(targets, rules, lang),) if len(targets) else ()
    points = list(zip(targets["lon"], targets["lat"], strict=True)) + list(depots)
    bounds = None
    if points:
        lons, lats = [p[0] for p in points], [p[1] for p in points]
        bounds = (min(lons) - 0.02, min(lats) - 0.02, max(lons) + 0.02, max(lats) + 0.02)
    fmap = build_map(list(background), lang=lang, tiles=tiles, bounds=bounds, overlays=overlays)
    fmap.get_root().header.add_child(folium.Element(_CSS))
    if depots:
        label = t("routes.map.start_mark", lang)
        StopMarkers([_stop(lat, lon, label, "#444444", t("routes.start_point", lang), depot=True)
                     for lon, lat in dict.fromkeys(depots)]).add_to(fmap)
    return localize_assets(fmap)
