"""Fire events on the map at any count: a compact payload, clustered in the browser by view.

Why: the plain way — one GeoJSON feature with an HTML popup per event
(`geoaq.web.views.fires.events_overlay`) — is fine for the demo's dozens of events, but at 100,000
events it ships ~100 MB of HTML and makes Leaflet create 100,000 SVG paths: minutes before
the page answers. Here instead:

* **Compact payload** (:func:`pack_events`): per event only what the map shows — longitude and
  latitude (float32), status (uint8), Beijing day (uint16 days since the first one), the
  8-hex-digit part of its id (uint32) and its county (uint8/uint16 index into a name list) —
  packed little-endian: 16 bytes an event, 1.6 MB for 100,000. Given a `publish` callable
  (the app's writes ``static/cache/map/<sha256>.bin`` and a gzip copy beside it), the
  bytes go to the browser as a file of their own — gzipped, kept in the browser's cache, their
  download started right after Leaflet's, before the map's other scripts
  (`geoaq.web.map_layers.file_layer.prefetch_script_url`) — and the page's
  own script stays a few kB; else they are inlined as base64. Ids
  that do not have the usual ``FE-YYYYMMDD-xxxxxxxx`` form of their own day are sent as a
  list of strings instead, so any id survives.
* **Clustering in the browser** with `supercluster` (npm, via `geoaq.web.assets`): its index of
  100,000 points builds in well under a second, and each pan or zoom asks it for the clusters
  and points of the view only — at most a few hundred markers exist at any time.
* **Only the view is drawn**: a few hundred SVG circles and cluster badges at a time, in the
  map's shared overlay pane above the zones, so points and zones both stay clickable (a canvas
  layer on top would swallow every click on the zones beneath it).
* **Every event reachable**: a click on a cluster zooms to where it splits; a click on a point
  opens a popup with its id, day, status and county from the payload, and reports the event
  id through the point's tooltip, which `streamlit_folium.st_folium` returns as
  ``last_object_clicked_tooltip`` — the page then shows the event's detections and history
  from Python under the map (:func:`clicked_event_id`).

Text reaches the page only through ``textContent`` or escaped strings; names in the payload
(counties, status labels) are JSON data, never HTML.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Container
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
from folium.elements import JSCSSMixin
from folium.map import Layer
from jinja2 import Template

from geoaq.geo import coords
from geoaq.web.map_layers.file_layer import prefetch_script_url, script_json

__all__ = [
    "EVENT_LAYER_THRESHOLD",
    "EventLayer",
    "clicked_event_id",
    "pack_events",
    "pack_for_map",
]

#: above this many events the 火点核查 page draws them with :class:`EventLayer`
EVENT_LAYER_THRESHOLD = 2_000

#: order of the status codes in the payload
STATUS_CODES = ("suspected", "verified", "dismissed")

#: the tooltip of a point is "<event id> · <status>"; the id is what a click reports
TOOLTIP_SEPARATOR = " · "

_ID_PREFIX = "FE-"


def _hex_part(ids: pd.Series, days: pd.Series) -> np.ndarray | None:
    """The uint32 of each id's hex tail when every id is FE-<its Beijing day>-<8 hex>, else None."""
    text = ids.astype("string")
    day = pd.to_datetime(days)
    ymd = (day.dt.year * 10_000 + day.dt.month * 100 + day.dt.day).astype("string")  # strftime: 4× slower
    expected = _ID_PREFIX + ymd + "-"
    tail = text.str.slice(len(_ID_PREFIX) + 9)
    ok = (text.str.slice(0, len(_ID_PREFIX) + 9) == expected) & tail.str.fullmatch(r"[0-9a-f]{8}")
    if not bool(ok.fillna(False).all()):
        return None
    return np.frombuffer(bytes.fromhex("".join(tail.tolist())), dtype=">u4").astype("<u4")


def pack_events(events: pd.DataFrame, *, status_labels: dict[str, str],
                status_colours: dict[str, str]) -> dict[str, Any]:
    """The events as the layer's payload: ``data`` (the packed bytes) and JSON-ready facts.

    `events` needs ``event_id``, ``lon``, ``lat``, ``status``, ``local_date`` (Beijing day)
    and ``county_name``; the payload's point *i* is row *i* of `events`. Rows without
    coordinates are left out (their index is kept in ``skipped``).
    """
    frame = events.reset_index(drop=True)
    located = frame["lon"].notna() & frame["lat"].notna()
    skipped = [int(i) for i in np.flatnonzero(~located.to_numpy())]
    frame = frame[located].reset_index(drop=True)
    n = len(frame)
    days = pd.to_datetime(frame["local_date"])
    first_day = days.min().date() if n else date(1970, 1, 1)
    day_no = ((days - pd.Timestamp(first_day)).dt.days.to_numpy() if n
              else np.zeros(0, dtype=np.int64))
    if n and day_no.max() > np.iinfo(np.uint16).max:
        raise ValueError("events span more than 179 years; the payload counts days in uint16")
    unknown = set(frame["status"].unique()) - set(STATUS_CODES)
    if unknown:
        raise ValueError(f"unknown statuses {sorted(unknown)}; expected {STATUS_CODES}")
    status = pd.Categorical(frame["status"], categories=STATUS_CODES).codes.astype("u1")
    county_codes, counties = pd.factorize(frame["county_name"].fillna("—").astype(str), sort=True)
    county_type = "<u1" if len(counties) < 256 else "<u2"
    hex_part = _hex_part(frame["event_id"], days) if n else np.zeros(0, dtype="<u4")

    arrays: list[tuple[str, str, np.ndarray]] = [
        ("lon", "Float32Array", frame["lon"].to_numpy(dtype="<f4")),
        ("lat", "Float32Array", frame["lat"].to_numpy(dtype="<f4")),
    ]
    if hex_part is not None:
        arrays.append(("id", "Uint32Array", hex_part))
    arrays += [
        ("day", "Uint16Array", day_no.astype("<u2")),
        ("county", "Uint8Array" if county_type == "<u1" else "Uint16Array",
         county_codes.astype(county_type)),
        ("status", "Uint8Array", status),
    ]
    layout: dict[str, list[Any]] = {}
    chunks: list[bytes] = []
    offset = 0
    for name, js_type, values in arrays:
        pad = -offset % 4  # typed arrays need offsets aligned to their element size
        chunks.append(b"\0" * pad)
        offset += pad
        layout[name] = [js_type, offset]
        chunks.append(values.tobytes())
        offset += values.nbytes
    return {
        "count": n,
        "data": b"".join(chunks),
        "layout": layout,
        "first_day": first_day.isoformat(),
        "ids": None if hex_part is not None else frame["event_id"].astype(str).tolist(),
        "counties": [str(c) for c in counties],
        "statuses": [{"label": status_labels[s], "colour": status_colours[s]} for s in STATUS_CODES],
        "skipped": skipped,
    }


def pack_for_map(events: pd.DataFrame, *, status_labels: dict[str, str], status_colours: dict[str, str],
                 datum: str = "wgs84") -> dict[str, Any]:
    """:func:`pack_events` for a base map on `datum` ("gcj02": AMap-style tiles, the points
    move onto them): what :class:`EventLayer` draws, given as its ``packed`` by a caller that
    keeps it between reruns (~50 ms at 100,000 events)."""
    if datum == "gcj02" and len(events):
        lon, lat = coords.wgs84_to_gcj02(events["lon"].to_numpy(float), events["lat"].to_numpy(float))
        events = events.assign(lon=lon, lat=lat)
    return pack_events(events, status_labels=status_labels, status_colours=status_colours)


def clicked_event_id(returned: dict[str, Any] | None, known: Container[str]) -> str | None:
    """The event id a click on an :class:`EventLayer` point reported through ``st_folium``.

    ``returned`` is st_folium's return value (with ``last_object_clicked_tooltip``); only an id
    in ``known`` counts, so clicks on other layers (whose tooltips are names) are ignored.
    """
    tooltip = (returned or {}).get("last_object_clicked_tooltip")
    if not tooltip:
        return None
    candidate = str(tooltip).split(TOOLTIP_SEPARATOR, 1)[0].strip()
    return candidate if candidate in known else None


@dataclass(frozen=True)
class EventLayerText:
    """The words the layer shows, in the page's language."""

    event_id: str = "事件编号"
    day: str = "日期(北京时间)"
    status: str = "状态"
    county: str = "区县"
    details_hint: str = "探测记录与核查历史见地图下方"
    cluster_hint: str = "{n} 个火点事件，点击放大"
    legend_cluster: str = "火点事件聚合（数字为事件数）"

    @classmethod
    def for_language(cls, lang: str) -> EventLayerText:
        if lang == "zh":
            return cls()
        return cls(event_id="Event", day="Day (Beijing)", status="Status", county="County",
                   details_hint="Detections and history are shown below the map",
                   cluster_hint="{n} fire events, click to zoom in",
                   legend_cluster="Fire-event clusters (number of events)")


class EventLayer(JSCSSMixin, Layer):
    """A map layer of many fire events: clustered by supercluster, only the view's part drawn.

    Clusters form up to zoom `cluster_max_zoom` (14: a 1400-pixel view then holds a few
    hundred events of a dense season at most, each drawn on its own); each level more would
    add ~45 ms to building the index of 100,000 events.

    Add it to a folium map (``geoaq.web.map.build_map(..., layers=(layer,))``), which also
    points its script at the local copy of supercluster (`geoaq.web.assets.localize_assets`).
    `datum` is the base map's (``TileSource.datum``): "gcj02" moves the points onto it.
    The layer's name (with the count) is what the layer control lists.
    ``legend`` holds its legend entries. The element never changes with a selection made
    elsewhere on the page, so Streamlit can answer reruns from the browser's message cache
    instead of sending the payload again.
    """

    # The upstream address only names the asset; localize_assets swaps in /app/static/vendor.
    default_js = [("supercluster", "https://unpkg.com/supercluster@9.1.0/dist/supercluster.min.js")]

    _template = Template("""
        {% macro header(this, kwargs) %}
        <style>
        .geoaq-event-cluster {display: flex; align-items: center; justify-content: center;
          border-radius: 50%; background: rgba(255, 153, 0, 0.85); border: 2px solid #884400;
          color: #fff; font: bold 12px/1 sans-serif; box-shadow: 0 1px 3px rgba(0,0,0,.4);}
        .geoaq-event-popup th {text-align: left; padding: 1px 8px 1px 0; color: #555;
          font-weight: normal;}
        .geoaq-event-popup .hint {margin-top: 4px; color: #777; font-size: 11px;}
        </style>
        {% endmacro %}
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = (function() {
            performance.mark('geoaq-events-start');  // the bench reads these marks
            var map = {{ this._parent.get_name() }};
            var spec = {{ this.spec_json }};
            var text = {{ this.text_json }};
            var n = spec.count, arrays = {}, index = null;
            var firstDay = Date.parse(spec.first_day + 'T00:00:00Z');
            function isoDay(i) {
                return new Date(firstDay + arrays.day[i] * 86400000).toISOString().slice(0, 10);
            }
            function eventId(i) {
                if (spec.ids) return spec.ids[i];
                var hex = ('0000000' + arrays.id[i].toString(16)).slice(-8);
                return 'FE-' + isoDay(i).replace(/-/g, '') + '-' + hex;
            }
            function escapeText(s) {
                return String(s).replace(/[&<>"']/g, function(c) {
                    return {'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;'}[c];
                });
            }
            function load(buffer) {
                Object.keys(spec.layout).forEach(function(key) {
                    var kind = spec.layout[key][0], offset = spec.layout[key][1];
                    arrays[key] = new window[kind](buffer, offset, n);
                });
                var points = new Array(n);
                for (var i = 0; i < n; i++) {
                    // only what supercluster reads (and hands back for a point): ~10 ms less
                    points[i] = {id: i, geometry: {coordinates: [arrays.lon[i], arrays.lat[i]]}};
                }
                index = new Supercluster({radius: {{ this.cluster_radius }},
                                          maxZoom: {{ this.cluster_max_zoom }},
                                          minPoints: 2}).load(points);
                group.index = index;
                performance.mark('geoaq-events-indexed');
                if (map._loaded) scheduleDraw();
            }
            var group = L.layerGroup();
            var clusters = L.layerGroup().addTo(group);
            // A FeatureGroup passes its points' clicks on, and st_folium listens to it.
            var pointLayer = L.featureGroup().addTo(group);
            group.eventId = eventId;
            group.count = n;
            group.position = function(i) { return [arrays.lat[i], arrays.lon[i]]; };

            function popupFor(i) {
                var box = document.createElement('div');
                box.className = 'geoaq-event-popup';
                var table = document.createElement('table');
                var status = spec.statuses[arrays.status[i]];
                [[text.event_id, eventId(i)], [text.day, isoDay(i)], [text.status, status.label],
                 [text.county, spec.counties[arrays.county[i]]]].forEach(function(row) {
                    var tr = document.createElement('tr');
                    var th = document.createElement('th');
                    var td = document.createElement('td');
                    th.textContent = row[0];
                    td.textContent = row[1];
                    tr.appendChild(th);
                    tr.appendChild(td);
                    table.appendChild(tr);
                });
                box.appendChild(table);
                var hint = document.createElement('div');
                hint.className = 'hint';
                hint.textContent = text.details_hint;
                box.appendChild(hint);
                return box;
            }

            function pointMarker(feature) {
                var i = feature.id, status = spec.statuses[arrays.status[i]];
                var marker = L.circleMarker(L.latLng(arrays.lat[i], arrays.lon[i]), {
                    radius: {{ this.radius }}, color: '#222222', weight: 1.5,
                    fillColor: status.colour, fillOpacity: 0.95});
                marker.eventIndex = i;
                // escaped: st_folium reads this back through innerHTML
                marker.bindTooltip(escapeText(eventId(i) + {{ this.separator_json }} + status.label));
                marker.on('click', function() {
                    L.popup({maxWidth: 360}).setLatLng(marker.getLatLng())
                        .setContent(popupFor(i)).openOn(map);
                });
                return marker;
            }

            function clusterMarker(feature) {
                var count = feature.properties.point_count;
                var size = Math.round(26 + 8 * Math.log10(count));
                var label = document.createElement('span');
                label.textContent = feature.properties.point_count_abbreviated;
                var icon = L.divIcon({html: label.outerHTML, className: 'geoaq-event-cluster',
                                      iconSize: [size, size]});
                var c = feature.geometry.coordinates;
                var marker = L.marker(L.latLng(c[1], c[0]), {icon: icon});
                marker.bindTooltip(text.cluster_hint.replace('{n}', count.toLocaleString()));
                marker.on('click', function() {
                    var zoom = Math.min(index.getClusterExpansionZoom(feature.properties.cluster_id),
                                        map.getMaxZoom() || 18);
                    map.setView(marker.getLatLng(), zoom);
                });
                return marker;
            }

            function draw() {
                if (!index || !map.hasLayer(group)) return;
                var b = map.getBounds().pad(0.25);
                var zoom = Math.round(map.getZoom());
                var found = index.getClusters([b.getWest(), b.getSouth(), b.getEast(), b.getNorth()], zoom);
                clusters.clearLayers();
                pointLayer.clearLayers();
                found.forEach(function(feature) {
                    if (feature.properties && feature.properties.cluster) {
                        clusters.addLayer(clusterMarker(feature));
                    } else {
                        pointLayer.addLayer(pointMarker(feature));
                    }
                });
                group.drawn = {clusters: clusters.getLayers().length,
                               points: pointLayer.getLayers().length, zoom: zoom};
                performance.mark('geoaq-events-drawn');
                map.fire('geoaq:eventsdrawn', group.drawn);
            }
            // Drawn after the current script: st_folium's initComponent, which runs right
            // after the map's script, must not find (and listen to) the first markers.
            var pending = false;
            function scheduleDraw() {
                if (pending) return;
                pending = true;
                setTimeout(function() { pending = false; draw(); }, 0);
            }
            group.draw = draw;
            map.on('moveend', scheduleDraw);
            group.on('add', function() { if (map._loaded) scheduleDraw(); });
            window.geoaqEventLayer = group;
            group.source = spec.url || 'inline';
            if (spec.url) {  // the packed bytes as a file of their own, named by its content's
                // hash: a cached copy is always right, so the browser needn't ask again
                var prefetched = window.geoaqPrefetch && window.geoaqPrefetch[spec.url];
                (prefetched || fetch(spec.url, {cache: 'force-cache'}).then(function(response) {
                    if (!response.ok) throw new Error(response.status + ' ' + spec.url);
                    return response.arrayBuffer();
                })).then(load).catch(function(error) {
                    group.failed = String(error);
                    console.error('fire events not loaded: ' + error);
                });
            } else {
                var raw = atob({{ this.data_json }});
                var bytes = new Uint8Array(raw.length);
                for (var b = 0; b < raw.length; b++) bytes[b] = raw.charCodeAt(b);
                load(bytes.buffer);
            }
            return group;
        })();
        {% endmacro %}
    """)

    def __init__(self, events: pd.DataFrame, *, name: str, status_labels: dict[str, str],
                 status_colours: dict[str, str], lang: str = "zh", radius: float = 6.0,
                 cluster_radius: int = 60, cluster_max_zoom: int = 14, show: bool = True,
                 datum: str = "wgs84", publish: Callable[[bytes], str | None] | None = None,
                 packed: dict[str, Any] | None = None):
        super().__init__(name=name, overlay=True, control=True, show=show)
        self._name = "EventLayer"
        if packed is None:
            packed = pack_for_map(events, status_labels=status_labels, status_colours=status_colours,
                                  datum=datum)
        payload = dict(packed)  # `packed` may be kept by the caller for the next rerun
        self.count = payload["count"]
        self.data: bytes = payload.pop("data")
        # Published, the bytes reach the browser as a file (gzipped, cacheable) and the page
        # stays small; else inline as base64 in the map's script.
        payload["url"] = publish(self.data) if publish is not None and self.data else None
        if payload["url"]:  # the download starts before the map's other scripts load
            self.default_js = [("geoaq_events_prefetch", prefetch_script_url(payload["url"])),
                               *type(self).default_js]
        # JSON in a <script>: "</" must not close it, whatever a county is called
        self.spec_json = script_json(payload)
        self.data_json = '""' if payload["url"] else json.dumps(base64.b64encode(self.data).decode("ascii"))
        text = EventLayerText.for_language(lang)
        self.text_json = script_json(text.__dict__)
        self.separator_json = json.dumps(TOOLTIP_SEPARATOR, ensure_ascii=False)
        self.radius = float(radius)
        self.cluster_radius = int(cluster_radius)
        self.cluster_max_zoom = int(cluster_max_zoom)
        self.legend: tuple[dict[str, str], ...] = (
            {"label": name, "fill": status_colours[STATUS_CODES[0]], "stroke": "#222222", "kind": "circle"},
            *({"label": f"  {status_labels[s]}", "fill": status_colours[s], "stroke": "#222222",
               "kind": "circle"} for s in STATUS_CODES),
            {"label": f"  {text.legend_cluster}", "fill": "rgba(255, 153, 0, 0.85)",
             "stroke": "#884400", "kind": "circle"},
        )
