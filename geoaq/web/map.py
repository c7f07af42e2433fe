"""The folium map: every layer styled from the registry, escaped popups, a legend, offline.

Pure construction: `build_map` takes GeoDataFrames and layer definitions and returns a
`folium.Map` whose JS/CSS all point at the app's own static files (`geoaq.web.assets`). It never
queries the database; the app reads the layers and passes them in.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import math
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import folium
import folium.plugins
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import MacroElement
from folium.elements import JSCSSMixin
from jinja2 import Template

from geoaq import config
from geoaq.geo import coords
from geoaq.i18n import t, with_unit, yes_no
from geoaq.layers import LayerSpec
from geoaq.web.assets import localize_assets
from geoaq.web.client_files import CLIENT_URL
from geoaq.web.map_layers.file_layer import GeoJsonFileLayer, script_json

#: display simplification of polygons, in metres (≈ degrees × 111 km); analyses use full shapes
DISPLAY_TOLERANCE_M = 20.0
#: decimals of the degrees drawn (5 ≈ 1 m, finer than the simplification keeps): a map's
#: GeoJSON is written out in full on every rerun, and 17-digit floats nearly double it
DISPLAY_DECIMALS = 5


def display_geometries(geometry: np.ndarray, tolerance_m: float = DISPLAY_TOLERANCE_M) -> np.ndarray:
    """Shapes as drawn: simplified by `tolerance_m` (0: as they are), vertices rounded to
    :data:`DISPLAY_DECIMALS`."""
    if tolerance_m:
        geometry = shapely.simplify(geometry, tolerance_m / 111_000, preserve_topology=True)
    return shapely.transform(geometry, lambda xy: np.round(xy, DISPLAY_DECIMALS))


@dataclass(frozen=True)
class TileSource:
    """A base map: an XYZ tile URL template, its attribution and the datum its tiles use.

    Tiles in GCJ-02 (AMap/高德, Tencent) need every layer shifted onto them; `build_map` does
    that when `datum == "gcj02"`. `overlay_url` is a second, transparent tile layer drawn on
    top (天地图's annotation layer).
    """

    name: str
    url: str
    attribution: str
    max_zoom: int = 18
    subdomains: str | None = None
    datum: str = "wgs84"
    overlay_url: str | None = None
    #: the locale key of its name as users read it (default: `name`, e.g. a site's own server)
    title_key: str | None = None


def tile_title(tiles: TileSource, lang: str = "zh") -> str:
    """The base map's name in `lang`: 高德地图 AMap / AMap."""
    return t(tiles.title_key, lang) if tiles.title_key else tiles.name


OSM = TileSource(
    name="OpenStreetMap",
    url="https://tile.openstreetmap.org/{z}/{x}/{y}.png",
    attribution="© OpenStreetMap contributors",
    max_zoom=19,
)
#: 天地图 (the official government base map), Web Mercator WMTS; CGCS2000 ≈ WGS-84 at map scale.
TIANDITU_URL = ("https://t{s}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
                "&LAYER={layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}"
                "&TILECOL={x}&tk={token}")
AMAP = TileSource(
    name="高德地图 AMap (GCJ-02)",
    url="https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8&x={x}&y={y}&z={z}",
    attribution="© 高德地图 AutoNavi (GCJ-02)",
    subdomains="1234",
    datum="gcj02",
    title_key="map.tiles.amap",
)


def tianditu(token: str) -> TileSource:
    """天地图 vector map with its annotation layer; needs the user's key (tk) from 天地图."""
    return TileSource(
        name="天地图 Tianditu",
        url=TIANDITU_URL.replace("{layer}", "vec").replace("{token}", token),
        overlay_url=TIANDITU_URL.replace("{layer}", "cva").replace("{token}", token),
        attribution="© 国家地理信息公共服务平台 天地图",
        subdomains="01234567",
        max_zoom=18,
        title_key="map.tiles.tianditu",
    )


def configured_tiles() -> TileSource:
    """The default base map: `GEOAQ_TILE_URL` (an intranet tile server) if set, else OSM."""
    local = local_tiles()
    return local or OSM


def local_tiles() -> TileSource | None:
    """A local tile server from `GEOAQ_TILE_URL` (+ `GEOAQ_TILE_NAME`, `GEOAQ_TILE_ATTRIBUTION`,
    `GEOAQ_TILE_DATUM` = wgs84|gcj02; see `geoaq.config.tile_settings`), or None."""
    settings = config.tile_settings()
    if not settings.url:
        return None
    return TileSource(name=settings.name, url=settings.url, attribution=settings.attribution or "",
                      datum=settings.datum)


def available_tiles(tianditu_token: str | None = None) -> list[TileSource]:
    """The base maps a user can choose: the configured default first, 天地图 when a key is
    configured (`GEOAQ_TIANDITU_TOKEN` or the argument), AMap, and OSM."""
    token = tianditu_token or config.tile_settings().tianditu_token
    sources = [configured_tiles()]
    if token:
        sources.append(tianditu(token))
    sources += [AMAP, OSM]
    unique: dict[str, TileSource] = {}
    for source in sources:
        unique.setdefault(source.name, source)
    return list(unique.values())


def _to_gcj02(xy: np.ndarray) -> np.ndarray:
    lon, lat = coords.wgs84_to_gcj02(xy[:, 0], xy[:, 1])
    return np.column_stack([lon, lat])


def shift_frame(frame: gpd.GeoDataFrame, datum: str) -> gpd.GeoDataFrame:
    """The layer moved onto the base map's datum (GCJ-02 for AMap tiles); unchanged for WGS-84."""
    if datum != "gcj02" or frame.empty:
        return frame
    return frame.set_geometry(shapely.transform(frame.geometry.to_numpy(), _to_gcj02))


def _shift_labels(labels, datum: str):
    if datum != "gcj02" or not labels:
        return labels
    lon, lat = coords.wgs84_to_gcj02(np.array([x[0] for x in labels]), np.array([x[1] for x in labels]))
    return tuple((float(a), float(b), text, colour)
                 for a, b, (_, _, text, colour) in zip(lon, lat, labels, strict=True))


def shift_collection(collection: dict[str, Any], datum: str) -> dict[str, Any]:
    """A GeoJSON FeatureCollection moved onto the base map's datum."""
    if datum != "gcj02" or not collection["features"]:
        return collection
    geoms = shapely.transform(
        np.array([shapely.geometry.shape(f["geometry"]) for f in collection["features"]], dtype=object), _to_gcj02)
    return {"type": "FeatureCollection", "features": [
        dict(feature, geometry=shapely.geometry.mapping(geom))
        for feature, geom in zip(collection["features"], geoms, strict=True)]}


def format_value(value: Any, lang: str, unit: str | None = None) -> str:
    """A cell as users read it: dates ISO, yes/no words, numbers trimmed, units appended."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return "—"
    if isinstance(value, pd.Timestamp | datetime):
        text = value.strftime("%Y-%m-%d %H:%M") if (value.hour or value.minute) else value.strftime("%Y-%m-%d")
    elif isinstance(value, date):
        text = value.isoformat()
    elif isinstance(value, bool):
        text = yes_no(value, lang)
    elif isinstance(value, float):
        text = f"{value:,.6g}"
    else:
        text = str(value)
    return f"{text} {unit}" if unit else text


def popup_html(record: dict[str, Any], spec: LayerSpec, lang: str) -> str:
    """An HTML table of a feature's attributes; every label and value is escaped."""
    rows = []
    for name in spec.popup_columns:
        column = spec.column(name)
        label = html.escape(column.title(lang))
        value = html.escape(format_value(record.get(name), lang, column.unit))
        rows.append(f"<tr><th>{label}</th><td>{value}</td></tr>")
    title = html.escape(spec.title(lang))
    badge = (f'<div class="geoaq-demo">{html.escape(t("common.demo_badge", lang))}</div>'
             if record.get("synthetic") else "")
    return (f'<div class="geoaq-popup"><b>{title}</b>{badge}'
            f'<table>{"".join(rows)}</table></div>')


def tooltip_text(record: dict[str, Any], spec: LayerSpec, lang: str) -> str:
    """Short hover label: the label column (or layer title), escaped."""
    label = record.get(spec.style.label_column) if spec.style.label_column else None
    text = format_value(label, lang) if label is not None else spec.title(lang)
    if record.get("synthetic"):
        text = with_unit(text, t("common.demo_badge", lang), lang)
    return html.escape(text)


def layer_feature_collection(gdf: gpd.GeoDataFrame, spec: LayerSpec, lang: str,
                             tolerance_m: float = DISPLAY_TOLERANCE_M) -> dict[str, Any]:
    """GeoJSON for the map: geometry (polygons simplified for display) + popup/tooltip/colour."""
    geometry = display_geometries(gdf.geometry.to_numpy(), 0 if spec.is_point_layer else tolerance_m)
    features = []
    records = gdf.drop(columns=gdf.geometry.name).to_dict("records")
    for record, geom in zip(records, geometry, strict=True):
        if geom is None or geom.is_empty:
            continue
        colour = spec.style.color_for(record.get(spec.style.color_by)) if spec.style.color_by else spec.style.color
        features.append({
            "type": "Feature",
            "id": len(features),  # folium keys its per-feature styles by a unique id
            "geometry": shapely.geometry.mapping(geom),
            "properties": {
                "_popup": popup_html(record, spec, lang),
                "_tooltip": tooltip_text(record, spec, lang),
                "_color": colour,
                "_synthetic": bool(record.get("synthetic")),
            },
        })
    return {"type": "FeatureCollection", "features": features}


def geojson_bytes(frame: gpd.GeoDataFrame) -> bytes:
    """`frame` as a UTF-8 GeoJSON file (the map's layer downloads)."""
    return frame.to_json(ensure_ascii=False, default=str).encode("utf-8")


def layer_file(collection: dict[str, Any], spec: LayerSpec) -> bytes:
    """`collection` as the UTF-8 GeoJSON file a `GeoJsonFileLayer` draws: each feature with
    its Leaflet style (``_style``) as folium.GeoJson would give it."""
    style = _style_function(spec)
    features = [{**feature, "properties": {**feature["properties"], "_style": style(feature)}}
                for feature in collection["features"]]
    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False,
                      separators=(",", ":")).encode("utf-8")


def _file_layer(publish: Callable[[bytes], str | None], data: bytes, name: str, order: int,
                spec: LayerSpec) -> GeoJsonFileLayer | None:
    """A layer drawing `data` once published, or None where it cannot be published."""
    url = publish(data)
    return GeoJsonFileLayer(url, name=name, order=order, radius=spec.style.radius) if url else None


_LAYER_FILES: OrderedDict[str, tuple[bytes, int]] = OrderedDict()
_LAYER_FILES_KEPT = 32


def _layer_file_of(gdf: gpd.GeoDataFrame, spec: LayerSpec, lang: str) -> tuple[bytes, int]:
    """`layer_file` of the frame as drawn (and its feature count), remembered by content.

    The same layers are drawn on every rerun and visit; making their popups and GeoJSON again
    (~60 ms for the Luoyang admin units and zones) would delay each page's map. The key is a
    hash of the frame's values and shapes, never its identity, so a changed frame is redrawn.
    """
    digest = hashlib.sha256()
    digest.update(f"{spec.name}|{lang}|{DISPLAY_TOLERANCE_M}|{DISPLAY_DECIMALS}".encode())
    digest.update(pd.util.hash_pandas_object(gdf.drop(columns=gdf.geometry.name).astype(str),
                                             index=False).to_numpy().tobytes())
    for wkb in shapely.to_wkb(gdf.geometry.to_numpy()):
        digest.update(wkb or b"-")
    key = digest.hexdigest()
    if key not in _LAYER_FILES:
        collection = layer_feature_collection(gdf, spec, lang)
        _LAYER_FILES[key] = (layer_file(collection, spec), len(collection["features"]))
        while len(_LAYER_FILES) > _LAYER_FILES_KEPT:
            _LAYER_FILES.popitem(last=False)
    _LAYER_FILES.move_to_end(key)
    return _LAYER_FILES[key]


def _style_function(spec: LayerSpec):
    style = spec.style

    def _style(feature: dict[str, Any]) -> dict[str, Any]:
        colour = feature["properties"]["_color"]
        return {
            "color": colour if style.kind == "area" else style.color,
            "fillColor": colour if style.kind == "area" or style.color_by else (style.fill_color or colour),
            "fillOpacity": style.fill_opacity,
            "weight": style.weight,
            "opacity": 0.9,
            "dashArray": style.dash_array,
        }

    return _style


class Legend(JSCSSMixin, MacroElement):
    """A Leaflet control listing each drawn layer's symbols; text arrives as JSON, not HTML."""

    default_js = [("geoaq_map", f"{CLIENT_URL}/geoaq_map.js")]
    _template = Template("""
        {% macro script(this, kwargs) %}
        geoaq.legend({{ this._parent.get_name() }}, {{ this.title_json }}, {{ this.entries_json }});
        {% endmacro %}
    """)

    def __init__(self, title: str, entries: list[dict[str, str]]):
        super().__init__()
        self._name = "Legend"
        self.title_json = script_json(title)
        self.entries_json = script_json(entries)


class RememberView(JSCSSMixin, MacroElement):
    """Keeps the map's centre and zoom in the browser's sessionStorage and restores them when
    the map is drawn again (a rerun that rebuilds the map), so it stays where the user left it.
    Client-side on purpose: a round trip through Python would redraw the map on every pan."""

    default_js = [("geoaq_map", f"{CLIENT_URL}/geoaq_map.js")]
    _template = Template("""
        {% macro script(this, kwargs) %}
        geoaq.rememberView({{ this._parent.get_name() }}, {{ this.key_json }});
        {% endmacro %}
    """)

    def __init__(self, key: str):
        super().__init__()
        self._name = "RememberView"
        self.key_json = script_json(f"geoaq-view-{key}")


def legend_entries(drawn: list[tuple[LayerSpec, gpd.GeoDataFrame]], lang: str) -> list[dict[str, str]]:
    """One entry per layer, plus one per value of its colour column present in the data."""
    entries = []
    for spec, gdf in drawn:
        style = spec.style
        kind = "area" if style.kind == "area" else "circle"
        entries.append({"label": spec.title(lang), "fill": style.fill_color or style.color,
                        "stroke": style.color, "kind": kind})
        if style.color_by and style.color_by in gdf.columns:
            present = [v for v in style.colors if v in set(gdf[style.color_by].dropna().astype(str))]
            column = spec.column(style.color_by)
            for value in present:
                entries.append({"label": f"  {column.title(lang)}: {value}", "fill": style.colors[value],
                                "stroke": style.colors[value], "kind": kind})
    return entries


_CSS = """
<style>
.geoaq-legend {background: rgba(255,255,255,0.92); padding: 6px 10px; border-radius: 4px;
  font: 12px/1.5 "Microsoft YaHei", "PingFang SC", sans-serif; box-shadow: 0 1px 4px rgba(0,0,0,.3);
  max-height: 280px; overflow-y: auto; white-space: pre;}
.geoaq-swatch {display: inline-block; width: 12px; height: 12px; margin-right: 6px;
  border: 2px solid; vertical-align: middle; opacity: 0.85;}
.geoaq-swatch.circle {border-radius: 50%;}
.geoaq-popup table {border-collapse: collapse; font-size: 12px;}
.geoaq-popup th {text-align: left; padding: 1px 8px 1px 0; color: #555; font-weight: normal;}
.geoaq-popup td {padding: 1px 8px 1px 0;}
.geoaq-label {background: rgba(255,255,255,0.9); border: 2px solid; border-radius: 3px;
  padding: 0 3px; font: bold 11px/1.4 sans-serif; white-space: nowrap; width: max-content;}
.geoaq-demo {display: inline-block; margin-left: 6px; padding: 0 4px; font-size: 11px;
  color: #fff; background: #e69138; border-radius: 3px;}
</style>
"""


@dataclass(frozen=True)
class Overlay:
    """A layer that is not a registry layer (e.g. fire events coloured by status).

    `collection` is GeoJSON whose features carry `_popup`, `_tooltip` and `_color` properties
    (already escaped); `legend` lists {label, fill, stroke, kind} entries.
    """

    name: str
    collection: dict[str, Any]
    legend: tuple[dict[str, str], ...] = ()
    radius: float = 7.0
    kind: str = "circle"  # "circle" (points) or "area" (polygons)
    #: text labels drawn next to points: (lon, lat, text, colour); text is escaped here
    labels: tuple[tuple[float, float, str, str], ...] = ()


@dataclass(frozen=True)
class ImageLayer:
    """A raster drawn as a semi-transparent image (e.g. land cover), with its legend.

    `png` is the image (already reprojected to Web Mercator), `bounds` (west, south, east,
    north) in WGS-84; it is embedded as a data URL, so nothing is fetched.
    """

    name: str
    png: bytes
    bounds: tuple[float, float, float, float]
    opacity: float = 0.7
    legend: tuple[dict[str, str], ...] = ()


def point_collection(frame: pd.DataFrame, popups: list[str], tooltips: list[str],
                     colours: list[str]) -> dict[str, Any]:
    """GeoJSON points from lon/lat columns with prepared (escaped) popup/tooltip/colour."""
    features = [
        {"type": "Feature", "id": i,
         "geometry": {"type": "Point", "coordinates": [round(float(lon), DISPLAY_DECIMALS),
                                                       round(float(lat), DISPLAY_DECIMALS)]},
         "properties": {"_popup": popup, "_tooltip": tooltip, "_color": colour}}
        for i, (lon, lat, popup, tooltip, colour) in enumerate(
            zip(frame["lon"], frame["lat"], popups, tooltips, colours, strict=True))
    ]
    return {"type": "FeatureCollection", "features": features}


def _overlay_style(feature: dict[str, Any]) -> dict[str, Any]:
    colour = feature["properties"]["_color"]
    return {"color": "#222222", "fillColor": colour, "fillOpacity": 0.95, "weight": 1.5}


def _area_overlay_style(feature: dict[str, Any]) -> dict[str, Any]:
    colour = feature["properties"]["_color"]
    return {"color": colour, "fillColor": colour, "fillOpacity": 0.3, "weight": 2}


def area_collection(geometries, popups: list[str], tooltips: list[str], colours: list[str],
                    tolerance_m: float = DISPLAY_TOLERANCE_M) -> dict[str, Any]:
    """GeoJSON polygons (simplified for display) with prepared popup/tooltip/colour."""
    simplified = display_geometries(np.asarray(geometries, dtype=object), tolerance_m)
    features = [
        {"type": "Feature", "geometry": shapely.geometry.mapping(geom),
         "properties": {"_popup": popup, "_tooltip": tooltip, "_color": colour}}
        for geom, popup, tooltip, colour in zip(simplified, popups, tooltips, colours, strict=True)
        if geom is not None and not geom.is_empty
    ]
    for i, feature in enumerate(features):  # folium keys its per-feature styles by a unique id
        feature["id"] = i
    return {"type": "FeatureCollection", "features": features}


class _FittedMap(folium.Map):
    """A folium map that knows its content's bounds instead of walking every coordinate.

    ``st_folium`` asks every map for ``get_bounds()`` on every rerun (its default for the
    ``bounds`` it returns); folium answers by iterating over all GeoJSON vertices, ~50 ms for
    the 火点核查 page's admin units and zones. `build_map` already has the extent it fits.
    """

    content_bounds: list[list[float]] | None = None

    def get_bounds(self) -> list[list[float | None]]:
        return self.content_bounds if self.content_bounds is not None else super().get_bounds()


def build_map(
    drawn: list[tuple[LayerSpec, gpd.GeoDataFrame]],
    *,
    lang: str = "zh",
    tiles: TileSource | None = OSM,
    bounds: tuple[float, float, float, float] | None = None,
    overlays: tuple[Overlay, ...] = (),
    images: tuple[ImageLayer, ...] = (),
    draw: bool = False,
    remember_view: str | None = None,
    layers: tuple[folium.map.Layer, ...] = (),
    publish: Callable[[bytes], str | None] | None = None,
) -> folium.Map:
    """A folium map of the given layers (in the given order) and overlays, offline-ready.

    `bounds` (minx, miny, maxx, maxy) sets the view; by default it fits the layers.
    `layers` are ready-made folium layers (e.g. `geoaq.web.map_layers.event_layer.EventLayer`, already on
    the base map's datum) added after the overlays; a `legend` attribute adds legend entries.
    `publish` serves bytes as a file and returns its URL (None: it can't); given, the
    registry layers' features travel as files (`geoaq.web.map_layers.file_layer.GeoJsonFileLayer`) instead
    of inside the map's script.
    """
    fmap = _FittedMap(tiles=None, control_scale=True, prefer_canvas=False)
    datum = tiles.datum if tiles is not None else "wgs84"
    if tiles is not None:
        extra = {"subdomains": tiles.subdomains} if tiles.subdomains else {}
        folium.TileLayer(tiles=tiles.url, attr=tiles.attribution, name=tile_title(tiles, lang),
                         max_zoom=tiles.max_zoom, **extra).add_to(fmap)
        if tiles.overlay_url:
            folium.TileLayer(tiles=tiles.overlay_url, attr=tiles.attribution,
                             name=t("map.tile_labels", lang, name=tile_title(tiles, lang)),
                             overlay=True, control=False, max_zoom=tiles.max_zoom, **extra).add_to(fmap)
    drawn = [(spec, shift_frame(gdf, datum)) for spec, gdf in drawn]
    overlays = tuple(Overlay(o.name, shift_collection(o.collection, datum), o.legend, o.radius, o.kind,
                             o.labels) for o in overlays)
    fmap.get_root().header.add_child(folium.Element(_CSS))
    for order, (spec, gdf) in enumerate(drawn):
        if publish is not None and not spec.style.cluster:
            data, count = _layer_file_of(gdf, spec, lang)
            if not count:
                continue
            published = _file_layer(publish, data, f"{spec.title(lang)} ({count})", order, spec)
            if published is not None:
                published.add_to(fmap)
                continue
        collection = layer_feature_collection(gdf, spec, lang)
        if not collection["features"]:
            continue
        group_name = f"{spec.title(lang)} ({len(collection['features'])})"
        if spec.style.cluster:  # its points clustered at low zoom, any shapes drawn as they are
            points, shapes = _split_points(collection)
            if points["features"]:
                _clustered(points, spec, group_name if not shapes["features"] else
                           f"{spec.title(lang)} ({len(points['features'])})").add_to(fmap)
            if not shapes["features"]:
                continue
            collection = shapes
            group_name = f"{spec.title(lang)} ({len(shapes['features'])})"
            # (a layer without clusters was offered for publishing above, already)
            published = (_file_layer(publish, layer_file(collection, spec), group_name, order, spec)
                         if publish is not None else None)
            if published is not None:
                published.add_to(fmap)
                continue
        marker = None
        if spec.style.kind == "circle":
            marker = folium.CircleMarker(radius=spec.style.radius, fill=True)
        folium.GeoJson(
            collection,
            name=group_name,
            style_function=_style_function(spec),
            marker=marker,
            popup=folium.GeoJsonPopup(fields=["_popup"], labels=False, max_width=420),
            tooltip=folium.GeoJsonTooltip(fields=["_tooltip"], labels=False),
            zoom_on_click=False,
        ).add_to(fmap)
    for overlay in overlays:
        if not overlay.collection["features"]:
            continue
        group = folium.FeatureGroup(name=f"{overlay.name} ({len(overlay.collection['features'])})")
        folium.GeoJson(
            overlay.collection,
            style_function=_overlay_style if overlay.kind == "circle" else _area_overlay_style,
            marker=folium.CircleMarker(radius=overlay.radius, fill=True) if overlay.kind == "circle" else None,
            popup=folium.GeoJsonPopup(fields=["_popup"], labels=False, max_width=480),
            tooltip=folium.GeoJsonTooltip(fields=["_tooltip"], labels=False),
            zoom_on_click=False,
        ).add_to(group)
        for lon, lat, text, colour in _shift_labels(overlay.labels, datum):
            folium.Marker([lat, lon], icon=folium.DivIcon(
                html=f'<div class="geoaq-label" style="border-color:{html.escape(colour)}">{html.escape(text)}</div>',
                icon_size=(0, 0), icon_anchor=(-9, 9))).add_to(group)
        group.add_to(fmap)
    for image in images:
        west, south, east, north = image.bounds
        if datum == "gcj02":
            (west, east), (south, north) = coords.wgs84_to_gcj02(np.array([west, east]), np.array([south, north]))
        folium.raster_layers.ImageOverlay(
            image="data:image/png;base64," + base64.b64encode(image.png).decode("ascii"),
            bounds=[[float(south), float(west)], [float(north), float(east)]], opacity=image.opacity,
            name=image.name, interactive=False, zindex=1,
        ).add_to(fmap)
    for layer in layers:  # before the layer control, whose script refers to them
        layer.add_to(fmap)
    if draw:
        folium.plugins.Draw(export=False, draw_options={
            "polyline": False, "circle": False, "marker": False, "circlemarker": False,
            "polygon": {"allowIntersection": False}, "rectangle": {}},
            edit_options={"edit": False}).add_to(fmap)
    folium.LayerControl(collapsed=False).add_to(fmap)
    entries = (legend_entries(drawn, lang) + [e for o in overlays for e in o.legend]
               + [e for i in images for e in i.legend]
               + [e for layer in layers for e in getattr(layer, "legend", ())])
    Legend(t("map.legend", lang), entries).add_to(fmap)
    extent = bounds or _extent([gdf for _, gdf in drawn])
    if extent is not None:
        fmap.content_bounds = [[extent[1], extent[0]], [extent[3], extent[2]]]
        fmap.fit_bounds(fmap.content_bounds)
    else:  # nothing to show: centre on China
        fmap.location, fmap.options["zoom"] = [35.0, 105.0], 4
    if remember_view:  # after fit_bounds, so a remembered view wins
        RememberView(remember_view).add_to(fmap)
    return localize_assets(fmap)


def _split_points(collection: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The collection's Point features and the rest, as two collections."""
    points = [f for f in collection["features"] if f["geometry"]["type"] == "Point"]
    shapes = [f for f in collection["features"] if f["geometry"]["type"] != "Point"]
    return ({"type": "FeatureCollection", "features": points},
            {"type": "FeatureCollection", "features": shapes})


def _clustered(collection: dict[str, Any], spec: LayerSpec, name: str) -> folium.plugins.MarkerCluster:
    """Point features grouped into clusters at low zoom (Leaflet.markercluster, served locally)."""
    cluster = folium.plugins.MarkerCluster(name=name, options={"disableClusteringAtZoom": 13,
                                                               "showCoverageOnHover": False})
    style = _style_function(spec)
    for feature in collection["features"]:
        lon, lat = feature["geometry"]["coordinates"][:2]
        props = feature["properties"]
        look = style(feature)
        folium.CircleMarker(
            [lat, lon], radius=spec.style.radius, color=look["color"], fill=True, fill_color=look["fillColor"],
            fill_opacity=look["fillOpacity"], weight=look["weight"],
            popup=folium.Popup(props["_popup"], max_width=420), tooltip=folium.Tooltip(props["_tooltip"]),
        ).add_to(cluster)
    return cluster


def _extent(frames: list[gpd.GeoDataFrame]) -> tuple[float, float, float, float] | None:
    boxes = [f.total_bounds for f in frames if len(f) and f.geometry.notna().any()]
    if not boxes:
        return None
    minx = min(b[0] for b in boxes)
    miny = min(b[1] for b in boxes)
    maxx = max(b[2] for b in boxes)
    maxy = max(b[3] for b in boxes)
    return float(minx), float(miny), float(maxx), float(maxy)
