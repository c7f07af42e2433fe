"""Map data that travels as files of their own: a GeoJSON layer fetched by URL, and the script
that starts such downloads while the map's other scripts load.

Why: folium writes a GeoJSON layer's features into the map's script. For the 火点核查 page's
background (143 admin units and the control zones, ~0.5 MB) that script is rebuilt, templated,
sent over the WebSocket and parsed by the browser on every visit and rerun — about 0.2 s of a
new browser's wait for the map. Published once as a content-addressed file instead
(``geoaq.web.cache.publish_static``), the features are downloaded while the map's own script
loads, gzipped, and kept in the browser's cache.

:class:`GeoJsonFileLayer` draws the same features as ``folium.GeoJson`` does in
`geoaq.web.map.build_map`: each feature's style, popup (HTML prepared and escaped in Python)
and tooltip come with it (``_style``, ``_popup``, ``_tooltip``). Its clicks reach
``st_folium`` like any layer's: the (empty) layer is on the map when st_folium starts
listening, and a click on a feature added later is passed on through it.
"""

from __future__ import annotations

import json
import urllib.parse
from typing import Any

from folium.elements import JSCSSMixin
from folium.map import Layer
from jinja2 import Template

from geoaq.web.client_files import CLIENT_URL, client_function

__all__ = ["GeoJsonFileLayer", "prefetch_script_url", "script_json"]


def prefetch_script_url(url: str) -> str:
    """A ``data:`` script that starts downloading the file at `url` and keeps the promise of
    its bytes in ``window.geoaqPrefetch[url]``, where the layers' scripts look first.

    streamlit-folium loads a map's scripts one after another before running the map's own
    script; listed among a layer's scripts, this one overlaps the download with the rest.
    Inline, so it costs no request of its own and fetches nothing from elsewhere.
    """
    script = f"{client_function('prefetch.js')}({json.dumps(url)});"
    return "data:text/javascript;charset=utf-8," + urllib.parse.quote(script, safe="")


class GeoJsonFileLayer(JSCSSMixin, Layer):
    """A GeoJSON layer whose features are downloaded from `url` (a published file).

    Every feature carries ``_style`` (Leaflet path options), ``_popup`` (HTML, escaped) and
    ``_tooltip`` (text or escaped HTML); points are drawn as circle markers of `radius`.
    Layers are stacked by `order` (0 lowest), beneath the map's other overlays.
    """

    _template = Template("""
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = geoaq.fileLayer({{ this._parent.get_name() }}, {{ this.url_json }},
            {{ this.options_json }});
        {% endmacro %}
    """)

    def __init__(self, url: str, *, name: str, order: int = 0, radius: float = 6.0, max_width: int = 420,
                 show: bool = True):
        super().__init__(name=name, overlay=True, control=True, show=show)
        self._name = "GeoJsonFileLayer"
        if not 0 <= order < 100:
            raise ValueError(f"order must be 0..99 (a pane between tiles and overlays), got {order}")
        self.order = int(order)
        self.url_json = script_json(url)
        self.options_json = script_json({"order": int(order), "radius": float(radius),
                                         "maxWidth": int(max_width)})
        self.default_js = [("geoaq_prefetch_" + url, prefetch_script_url(url)),
                           ("geoaq_map", f"{CLIENT_URL}/geoaq_map.js")]


def script_json(value: Any) -> str:
    """JSON safe inside an HTML <script> element (no "</", no U+2028/2029 surprises)."""
    text = json.dumps(value, ensure_ascii=False)
    return (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))
