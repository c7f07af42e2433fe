"""The map: styled from the registry, popups escaped, legend, nothing from a CDN."""

from __future__ import annotations

import html
import json

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from geoaq.layers import load_registry
from geoaq.web.assets import cdn_urls_in
from geoaq.web.map import (
    OSM,
    build_map,
    configured_tiles,
    format_value,
    layer_feature_collection,
    legend_entries,
    popup_html,
    tooltip_text,
)

HOSTILE = '<b>粗体</b><img src=x onerror="alert(1)">'


@pytest.fixture(scope="module")
def registry():
    return load_registry()


@pytest.fixture
def stations():
    return gpd.GeoDataFrame(
        {"code": ["1811A", "9999X"], "name": ["中信二小", HOSTILE], "level": ["国控", None],
         "city": ["洛阳", "洛阳"], "district": [None, None], "province": [None, None],
         "prefecture": [None, None], "reference_station": [False, True], "synthetic": [False, True]},
        geometry=[shapely.Point(112.36, 34.67), shapely.Point(112.39, 34.65)], crs=4326,
    )


@pytest.fixture
def zones():
    ring = shapely.Polygon([(112.3, 34.6), (112.5, 34.6), (112.5, 34.7), (112.3, 34.7)],
                           holes=[[(112.35, 34.62), (112.4, 34.62), (112.4, 34.65), (112.35, 34.65)]])
    return gpd.GeoDataFrame(
        {"zone_id": ["Z1"], "name": ["城区禁煤区"], "zone_type": ["禁煤区"], "county": ["西工区"],
         "effective_date": [None], "authority": [None], "document": [None], "synthetic": [True]},
        geometry=[ring], crs=4326,
    )


def test_popup_escapes_every_value(registry, stations):
    record = stations.iloc[1].to_dict()
    text = popup_html(record, registry["stations"], "zh")
    assert "<img" not in text and "<b>粗体" not in text
    assert html.escape(HOSTILE) in text
    assert "演示数据" in text  # synthetic rows are labelled wherever shown


def test_tooltip_escaped_and_labelled(registry, stations):
    text = tooltip_text(stations.iloc[1].to_dict(), registry["stations"], "en")
    assert text.startswith(html.escape(HOSTILE)) and "Synthetic demo data" in text


def test_popup_uses_titles_units_and_words(registry):
    spec = registry["fire_points"]
    record = {"frp": 12.5, "confidence_class": "high", "satellite": "N", "synthetic": False}
    zh = popup_html(record, spec, "zh")
    assert "火辐射功率" in zh and "12.5 MW" in zh and "—" in zh
    en = popup_html(record, spec, "en")
    assert "Fire radiative power" in en
    assert format_value(True, "zh") == "是" and format_value(False, "en") == "no"


def test_feature_collection_colours_by_registry_column(registry, zones):
    collection = layer_feature_collection(zones, registry["control_zones"], "zh")
    feature = collection["features"][0]
    assert feature["properties"]["_color"] == registry["control_zones"].style.colors["禁煤区"]
    assert len(feature["geometry"]["coordinates"]) == 2  # the hole survives simplification


def test_legend_lists_layers_and_present_values(registry, zones, stations):
    entries = legend_entries([(registry["control_zones"], zones), (registry["stations"], stations)], "zh")
    labels = [e["label"] for e in entries]
    assert registry["control_zones"].title_zh in labels
    assert any("禁煤区" in label for label in labels)
    assert not any("秸秆禁烧区" in label for label in labels)  # absent values are not listed


def test_map_renders_offline_with_all_layers(registry, zones, stations):
    fmap = build_map([(registry["control_zones"], zones), (registry["stations"], stations)], lang="zh")
    rendered = fmap.get_root().render()
    assert cdn_urls_in(rendered) == []
    assert "/app/static/vendor/leaflet/dist/leaflet.js" in rendered
    assert "tile.openstreetmap.org" in rendered  # tiles are the only remote resource
    assert "<img src=x" not in rendered  # the hostile name only appears escaped
    assert json.dumps(registry["stations"].title_zh, ensure_ascii=False) in rendered  # legend


def test_empty_layers_are_skipped_and_no_tiles_possible(registry, stations):
    empty = stations.iloc[0:0]
    fmap = build_map([(registry["stations"], empty)], tiles=None)
    rendered = fmap.get_root().render()
    assert "tile.openstreetmap.org" not in rendered
    assert "geo_json" not in rendered


def test_tile_url_configurable(monkeypatch):
    assert configured_tiles() == OSM
    monkeypatch.setenv("GEOAQ_TILE_URL", "http://tiles.intranet.local/{z}/{x}/{y}.png")
    tiles = configured_tiles()
    assert tiles.url.startswith("http://tiles.intranet.local") and tiles.attribution


def test_base_maps_offered(monkeypatch):
    from geoaq.web.map import AMAP, available_tiles

    monkeypatch.delenv("GEOAQ_TIANDITU_TOKEN", raising=False)
    names = [t.name for t in available_tiles()]
    assert names[0] == "OpenStreetMap" and AMAP.name in names and not any("天地图" in n for n in names)
    monkeypatch.setenv("GEOAQ_TIANDITU_TOKEN", "abc123")
    tianditu = next(t for t in available_tiles() if "天地图" in t.name)
    assert "tk=abc123" in tianditu.url and "LAYER=vec" in tianditu.url and "LAYER=cva" in tianditu.overlay_url
    monkeypatch.setenv("GEOAQ_TILE_URL", "http://10.1.2.3/tiles/{z}/{x}/{y}.png")
    assert available_tiles()[0].url.startswith("http://10.1.2.3/")


def test_amap_tiles_shift_every_layer_to_gcj02(registry, stations, zones):
    from geoaq.geo import coords
    from geoaq.web.map import AMAP, Overlay, point_collection

    events = pd.DataFrame({"lon": [112.4], "lat": [34.6]})
    overlay = Overlay("火点事件", point_collection(events, ["<b>x</b>"], ["x"], ["#ff0000"]))
    wgs = build_map([(registry["stations"], stations)], tiles=OSM, overlays=(overlay,)).get_root().render()
    gcj = build_map([(registry["stations"], stations)], tiles=AMAP, overlays=(overlay,)).get_root().render()
    lon, lat = coords.wgs84_to_gcj02(112.36, 34.67)
    assert f"{float(lon)!r}"[:9] in gcj and "112.36," in wgs
    shifted_event = coords.wgs84_to_gcj02(112.4, 34.6)
    assert f"{float(shifted_event[0])!r}"[:9] in gcj
    assert "webrd0{s}.is.autonavi.com" in gcj and '"subdomains": "1234"' in gcj
    assert cdn_urls_in(gcj) == []


def test_drawn_shapes_are_rounded_to_about_a_metre_and_keyed_by_id(registry, zones):
    wobbly = zones.assign(geometry=[shapely.affinity.translate(zones.geometry.iloc[0], 1.23456789e-6, 0)])
    collection = layer_feature_collection(pd.concat([wobbly, zones]), registry["control_zones"], "zh")
    assert [f["id"] for f in collection["features"]] == [0, 1]
    ring = collection["features"][0]["geometry"]["coordinates"][0]
    assert all(round(x, 5) == x and round(y, 5) == y for x, y in ring)
    assert ring[0] == (112.3, 34.6)  # 1.2e-6° (13 cm) off: drawn where it was


def test_styles_are_keyed_by_feature_id_not_by_popup_text(registry, zones):
    # folium keys per-feature styles by the first unique property unless features have ids:
    # without them every popup's HTML would be written out a second time in the style switch
    fmap = build_map([(registry["control_zones"], zones)], lang="zh")
    rendered = fmap.get_root().render()
    assert "switch(feature.id)" in rendered
    assert "switch(feature.properties._popup)" not in rendered


def test_the_map_knows_its_bounds_without_walking_its_shapes(registry, zones, monkeypatch):
    fmap = build_map([(registry["control_zones"], zones)], lang="zh")
    # st_folium asks for them on every rerun; folium would iterate over every vertex
    monkeypatch.setattr("folium.features.get_bounds", lambda *a, **k: pytest.fail("walked the shapes"))
    assert fmap.get_bounds() == [[34.6, 112.3], [34.7, 112.5]]
    empty = build_map([], tiles=None)
    assert empty.get_bounds() == [[None, None], [None, None]]  # folium's own answer


def test_a_clustered_layer_clusters_its_points_and_draws_its_shapes(registry, zones, stations):
    spec = registry["enterprises"]  # cluster = true; points or polygons
    assert spec.style.cluster and not spec.is_point_layer
    plants = gpd.GeoDataFrame(
        {"enterprise_id": ["E1", "E2", "E3"], "name": ["甲厂", "乙厂", "丙园区"], "synthetic": [True] * 3},
        geometry=[shapely.Point(112.36, 34.67), shapely.Point(112.37, 34.66), zones.geometry.iloc[0]], crs=4326)
    rendered = build_map([(spec, plants)], lang="zh").get_root().render()
    assert rendered.count("L.markerClusterGroup(") == 1
    assert rendered.count("L.circleMarker(") == 2  # the two plants, inside the cluster group
    assert "geo_json" in rendered  # the park's outline
    assert "/app/static/vendor/leaflet.markercluster/dist/leaflet.markercluster.js" in rendered
    assert "/app/static/vendor/jquery/dist/jquery.min.js" in rendered  # folium.Popup uses $()
    only_points = build_map([(spec, plants.iloc[:2])], lang="zh").get_root().render()
    assert only_points.count("L.markerClusterGroup(") == 1 and "geo_json" not in only_points
