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
from geoaq.i18n import t
from geoaq.web.client_files import CLIENT_URL
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
    """The words the layer shows, in the page's language (fires.layer.*)."""

    event_id: str
    day: str
    status: str
    county: str
    details_hint: str
    cluster_hint: str
    legend_cluster: str

    @classmethod
    def for_language(cls, lang: str) -> EventLayerText:
        # cluster_hint keeps its {n} for the browser to fill
        return cls(**{name: t(f"fires.layer.{name}", lang) for name in cls.__dataclass_fields__})


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
    default_js = [("geoaq_map", f"{CLIENT_URL}/geoaq_map.js"),
                  ("supercluster", "https://unpkg.com/supercluster@9.1.0/dist/supercluster.min.js")]

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
        var {{ this.get_name() }} = geoaq.eventLayer({{ this._parent.get_name() }}, {{ this.spec_json }},
            {{ this.text_json }}, {{ this.options_json }}, {{ this.data_json }});
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
        self.options_json = script_json({"radius": float(radius), "clusterRadius": int(cluster_radius),
                                         "clusterMaxZoom": int(cluster_max_zoom),
                                         "separator": TOOLTIP_SEPARATOR})
        self.legend: tuple[dict[str, str], ...] = (
            {"label": name, "fill": status_colours[STATUS_CODES[0]], "stroke": "#222222", "kind": "circle"},
            *({"label": f"  {status_labels[s]}", "fill": status_colours[s], "stroke": "#222222",
               "kind": "circle"} for s in STATUS_CODES),
            {"label": f"  {text.legend_cluster}", "fill": "rgba(255, 153, 0, 0.85)",
             "stroke": "#884400", "kind": "circle"},
        )
