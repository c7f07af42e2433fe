"""geoaq.web.map_layers.file_layer: map layers whose features travel as files, and the script that starts
their download early."""

from __future__ import annotations

import json
import re
import urllib.parse

import geopandas as gpd
import pytest
import shapely

from geoaq.layers import load_registry
from geoaq.web.assets import cdn_urls_in
from geoaq.web.client_files import client_source
from geoaq.web.map import _style_function, build_map, layer_feature_collection, layer_file
from geoaq.web.map_layers.file_layer import GeoJsonFileLayer, prefetch_script_url


@pytest.fixture(scope="module")
def registry():
    return load_registry()


@pytest.fixture
def zones():
    return gpd.GeoDataFrame(
        {"zone_id": ["Z1", "Z2"], "name": ["城区禁煤区", "</script><b>x</b>"], "zone_type": ["禁煤区", "秸秆禁烧区"],
         "county": ["西工区", None], "effective_date": [None, None], "authority": [None, None],
         "document": [None, None], "synthetic": [True, True]},
        geometry=[shapely.box(112.3, 34.6, 112.5, 34.7), shapely.box(112.6, 34.6, 112.7, 34.7)], crs=4326)


def _publisher():
    published: dict[str, bytes] = {}

    def publish(data: bytes) -> str:
        url = f"/app/static/cache/map/{len(published)}.bin"
        published[url] = data
        return url

    return published, publish


def test_a_layer_file_carries_each_feature_with_the_style_folium_would_give_it(registry, zones):
    spec = registry["control_zones"]
    collection = layer_feature_collection(zones, spec, "zh")
    data = json.loads(layer_file(collection, spec).decode("utf-8"))
    assert len(data["features"]) == 2
    for feature, original in zip(data["features"], collection["features"], strict=True):
        assert feature["properties"]["_style"] == _style_function(spec)(original)
        assert feature["properties"]["_popup"] == original["properties"]["_popup"]  # escaped HTML
    assert "&lt;/script&gt;" in data["features"][1]["properties"]["_popup"]


def test_published_layers_leave_the_map_script_and_start_downloading_first(registry, zones):
    published, publish = _publisher()
    fmap = build_map([(registry["admin_units"], zones), (registry["control_zones"], zones)], lang="zh",
                     publish=publish)
    html = fmap.get_root().render()
    assert "L.geoJson(" not in html and "城区禁煤区" not in html  # no features inside the page
    assert list(published) == ["/app/static/cache/map/0.bin", "/app/static/cache/map/1.bin"]
    assert cdn_urls_in(html) == []
    starters = re.findall(r'<script src="(data:text/javascript;charset=utf-8,[^"]+)"', html)
    assert [urllib.parse.unquote(s).count('"/app/static/cache/map/') for s in starters] == [1, 1]
    # in their order, each in a pane of its own beneath the overlays (fire events, …)
    assert html.index('{"order": 0, ') < html.index('{"order": 1, ')
    assert "var pane = 'geoaq-layer-' + options.order;" in client_source("geoaq_map.js")
    assert "style.zIndex = 300 + options.order;" in client_source("geoaq_map.js")
    layers = [e for e in fmap._children.values() if isinstance(e, GeoJsonFileLayer)]
    assert [layer.layer_name for layer in layers] == ["行政区划（区县/乡镇） (2)", "管控区（禁煤区/禁烧区等） (2)"]
    assert "geoaq.fileLayer(" in html and "window.geoaqPrefetch[url]" in client_source("geoaq_map.js")


def test_without_a_place_to_publish_the_features_stay_inline(registry, zones):
    fmap = build_map([(registry["control_zones"], zones)], lang="zh", publish=lambda data: None)
    html = fmap.get_root().render()
    assert "L.geoJson(" in html and "geo_json_file_layer" not in html


def test_the_prefetch_script_names_its_file_and_its_gzip_copy():
    url = "/app/static/cache/map/abc.bin"
    starter = prefetch_script_url(url)
    script = urllib.parse.unquote(starter.split(",", 1)[1])
    assert script.endswith(f"}})({json.dumps(url)});")
    assert "get(url + '.gz', true)" in script and "new DecompressionStream('gzip')" in script
    assert ".catch(function () { return get(url, false); })" in script  # the file itself if not


def test_a_layer_order_outside_the_panes_is_refused():
    with pytest.raises(ValueError, match="order must be 0..99"):
        GeoJsonFileLayer("/x.bin", name="x", order=100)


def test_a_layer_file_is_made_once_for_the_same_content_and_again_when_it_changes(registry, zones, monkeypatch):
    import geoaq.web.map as mapview

    made = []
    real = mapview.layer_feature_collection
    monkeypatch.setattr(mapview, "layer_feature_collection", lambda *a, **k: made.append(1) or real(*a, **k))
    monkeypatch.setattr(mapview, "_LAYER_FILES", type(mapview._LAYER_FILES)())
    published, publish = _publisher()
    spec = registry["control_zones"]
    build_map([(spec, zones)], lang="zh", publish=publish)
    build_map([(spec, zones.copy())], lang="zh", publish=publish)  # same content, another frame
    assert len(made) == 1 and len(set(published.values())) == 1
    renamed = zones.assign(name=["城区禁煤区", "新名字"])
    build_map([(spec, renamed)], lang="zh", publish=publish)
    moved = zones.assign(geometry=zones.geometry.translate(0.01, 0))
    build_map([(spec, moved)], lang="zh", publish=publish)
    build_map([(spec, zones)], lang="en", publish=publish)
    assert len(made) == 4 and len(set(published.values())) == 4
    assert "新名字" in list(published.values())[2].decode("utf-8")
