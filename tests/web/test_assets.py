"""geoaq.web.assets: the map's JS/CSS come from static/vendor, never from a CDN."""

from __future__ import annotations

import json
import re
from pathlib import Path

import branca.colormap
import folium
import folium.plugins
import pytest
import streamlit_folium
from folium.elements import JSCSSMixin
from streamlit import config as st_config

from geoaq.web import assets
from geoaq.web.assets import (
    ASSETS,
    DROPPED,
    MissingAssetError,
    OfflineAssetError,
    cdn_urls_in,
    default_base_url,
    install_assets,
    localize_assets,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
NODE_MODULES = REPO_ROOT / "node_modules"
BASE = "/app/static/vendor"

ZONES = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "properties": {"name": "zone"},
            "geometry": {
                "type": "Polygon",
                "coordinates": [[[120.1, 30.2], [120.2, 30.2], [120.2, 30.3], [120.1, 30.2]]],
            },
        }
    ],
}

needs_node_modules = pytest.mark.skipif(
    not NODE_MODULES.is_dir(),
    reason=f"{NODE_MODULES} missing: run `npm ci` at the repo root (make test does)",
)


def make_map() -> folium.Map:
    """A map with the plugins the app uses: MarkerCluster, Draw, a GeoJson layer."""
    m = folium.Map(location=[30.25, 120.15], zoom_start=11)
    cluster = folium.plugins.MarkerCluster().add_to(m)
    folium.Marker([30.25, 120.15], icon=folium.Icon(prefix="fa", icon="industry")).add_to(cluster)
    folium.plugins.Draw().add_to(m)
    folium.GeoJson(ZONES, tooltip=folium.GeoJsonTooltip(fields=["name"])).add_to(m)
    return m


def st_folium_links(m: folium.Map, monkeypatch: pytest.MonkeyPatch) -> tuple[list, list]:
    """The js_links/css_links streamlit-folium's st_folium would hand its iframe."""
    captured: dict = {}
    monkeypatch.setattr(streamlit_folium, "_component_func", lambda **kw: captured.update(kw))
    streamlit_folium.st_folium(m, returned_objects=[])
    return captured["js_links"], captured["css_links"]


def test_unlocalized_map_uses_cdns(monkeypatch):
    # The baseline this module exists for (and a check on cdn_urls_in itself).
    m = make_map()
    assert any("cdn.jsdelivr.net" in u for u in cdn_urls_in(m.get_root().render()))
    js, _ = st_folium_links(make_map(), monkeypatch)
    assert any(u.startswith("https://") for u in js)


def test_localized_map_html_has_no_cdn_url():
    m = localize_assets(make_map())
    html = m.get_root().render()
    assert cdn_urls_in(html) == []
    for name in DROPPED:
        assert name not in html
    srcs = re.findall(r'<script src="([^"]+)"', html)
    assert f"{BASE}/leaflet/dist/leaflet.js" in srcs
    assert f"{BASE}/leaflet.markercluster/dist/leaflet.markercluster.js" in srcs
    assert f"{BASE}/leaflet-draw/dist/leaflet.draw.js" in srcs


def test_st_folium_gets_only_local_links(monkeypatch):
    js, css = st_folium_links(localize_assets(make_map()), monkeypatch)
    local = {f"{BASE}/{a.relpath}" for a in ASSETS.values()}
    assert js and css
    assert set(js) <= local, set(js) - local
    assert set(css) <= local, set(css) - local
    assert js[0] == f"{BASE}/leaflet/dist/leaflet.js"  # Leaflet before its plugins
    assert f"{BASE}/leaflet-draw/dist/leaflet.draw.css" in css
    assert f"{BASE}/leaflet.markercluster/dist/MarkerCluster.Default.css" in css


def test_a_map_goes_without_the_assets_nothing_on_it_uses(monkeypatch):
    # streamlit-folium loads a map's scripts one after another: each unused one is a wait
    m = folium.Map(location=[30.25, 120.15], zoom_start=11)
    folium.plugins.Draw().add_to(m)
    folium.GeoJson(ZONES, tooltip=folium.GeoJsonTooltip(fields=["name"])).add_to(m)
    folium.Marker([30.25, 120.15], icon=folium.DivIcon(html="<b>1</b>")).add_to(m)  # not an Icon
    js, css = st_folium_links(localize_assets(m), monkeypatch)
    assert js == [f"{BASE}/leaflet/dist/leaflet.js", f"{BASE}/leaflet-draw/dist/leaflet.draw.js"]
    assert css == [f"{BASE}/leaflet/dist/leaflet.css", f"{BASE}/leaflet-draw/dist/leaflet.draw.css"]
    assert not any(name in m.get_root().render() for name in ("jquery", "bootstrap", "awesome"))
    # folium.Popup builds its content with jQuery ($(`<div>…`)[0]): a map with one keeps it
    with_popup = folium.Map()
    folium.CircleMarker([30.2, 120.1], popup=folium.Popup("<b>站点</b>")).add_to(with_popup)
    js, css = st_folium_links(localize_assets(with_popup), monkeypatch)
    assert js == [f"{BASE}/leaflet/dist/leaflet.js", f"{BASE}/jquery/dist/jquery.min.js"]
    kept_in_front = folium.Map()
    zone = folium.GeoJson(ZONES).add_to(kept_in_front)
    kept_in_front.keep_in_front(zone)  # its script calls $(document).ready
    assert "jquery" not in assets.unused_map_assets(kept_in_front)
    # with an Icon the whole icon kit stays (make_map has one)
    js, css = st_folium_links(localize_assets(make_map()), monkeypatch)
    names = {asset.relpath for name, asset in ASSETS.items() if name in assets.ICON_ASSETS}
    assert names <= {u.removeprefix(f"{BASE}/") for u in js + css}


def test_inline_data_scripts_pass_through():
    class Inline(JSCSSMixin, folium.MacroElement):
        default_js = [("starter", "data:text/javascript,window.started%3Dtrue")]

    m = folium.Map()
    Inline().add_to(m)
    localize_assets(m)
    assert ("starter", "data:text/javascript,window.started%3Dtrue") in next(
        e for e in assets._walk(m) if isinstance(e, Inline)).default_js


def test_walk_covers_every_jscss_element_streamlit_folium_sees():
    m = localize_assets(make_map())
    for element in assets._walk(m):
        if isinstance(element, JSCSSMixin):
            for _, url in [*element.default_js, *element.default_css]:
                assert url.startswith(f"{BASE}/"), (type(element).__name__, url)


def test_map_rendered_before_localizing_loses_its_cdn_links():
    m = make_map()
    m.get_root().render()
    localize_assets(m)
    assert cdn_urls_in(m.get_root().render()) == []


def test_localize_is_idempotent_and_leaves_class_defaults_alone():
    m = localize_assets(localize_assets(make_map()))
    assert m.default_js[0] == ("leaflet", f"{BASE}/leaflet/dist/leaflet.js")
    assert folium.Map.default_js[0][1].startswith("https://")
    assert folium.plugins.MarkerCluster.default_js[0][1].startswith("https://")
    assert cdn_urls_in(folium.Map().get_root().render())


def test_unknown_plugin_asset_is_refused():
    m = folium.Map()
    folium.plugins.Fullscreen().add_to(m)
    url = dict(folium.plugins.Fullscreen.default_js)["Control.Fullscreen.js"]
    with pytest.raises(OfflineAssetError) as excinfo:
        localize_assets(m)
    message = str(excinfo.value)
    assert "Fullscreen" in message
    assert "'Control.Fullscreen.js'" in message
    assert url in message
    assert isinstance(excinfo.value, ValueError)


def test_custom_element_with_unknown_asset_is_refused():
    class Heat(JSCSSMixin):
        default_js = [("leaflet", "https://cdn.example/leaflet.js"), ("heat", "https://x/h.js")]

    m = folium.Map()
    m.add_child(Heat())
    with pytest.raises(OfflineAssetError, match=r"Heat needs asset 'heat' from https://x/h\.js"):
        localize_assets(m)


def test_known_name_for_another_library_is_refused():
    # BoatMarker reuses the name 'markerclusterjs' for leaflet.boatmarker.
    m = folium.Map()
    folium.plugins.BoatMarker([30.0, 120.0]).add_to(m)
    with pytest.raises(OfflineAssetError, match="BoatMarker.*markerclusterjs.*boatmarker"):
        localize_assets(m)


def test_branca_colormap_is_refused():
    m = folium.Map()
    branca.colormap.LinearColormap(["green", "red"], vmin=0, vmax=300).add_to(m)
    with pytest.raises(OfflineAssetError, match="d3"):
        localize_assets(m)


def test_base_url_must_be_absolute():
    with pytest.raises(ValueError, match="absolute"):
        localize_assets(folium.Map(), base_url="app/static/vendor")
    m = localize_assets(folium.Map(), base_url="/geo/app/static/vendor/")
    assert m.default_js[0][1] == "/geo/app/static/vendor/leaflet/dist/leaflet.js"


def test_default_base_url_follows_streamlit_base_url_path():
    old = st_config.get_option("server.baseUrlPath")
    try:
        st_config.set_option("server.baseUrlPath", "")
        assert default_base_url() == BASE
        st_config.set_option("server.baseUrlPath", "/geoaq/")
        assert default_base_url() == "/geoaq/app/static/vendor"
    finally:
        st_config.set_option("server.baseUrlPath", old)


def test_cdn_urls_in():
    html = """
    <script src="https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js"></script>
    <script type="text/javascript" src='http://code.jquery.com/jquery.js'></script>
    <script src="/app/static/vendor/leaflet/dist/leaflet.js"></script>
    <link rel="stylesheet" href="//cdnjs.cloudflare.com/x.css"/>
    <link rel="stylesheet" href="/app/static/vendor/leaflet/dist/leaflet.css"/>
    <a href="https://example.org/">not a resource</a>
    """
    assert cdn_urls_in(html) == [
        "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js",
        "http://code.jquery.com/jquery.js",
        "//cdnjs.cloudflare.com/x.css",
    ]


def test_package_json_pins_every_vendored_package_exactly():
    manifest = json.loads((REPO_ROOT / "package.json").read_text(encoding="utf-8"))
    lock = json.loads((REPO_ROOT / "package-lock.json").read_text(encoding="utf-8"))
    pins = manifest["dependencies"]
    assert manifest["private"] is True
    for package, version in pins.items():
        assert re.fullmatch(r"\d+\.\d+\.\d+", version), (package, version)
        assert lock["packages"][f"node_modules/{package}"]["version"] == version
    assert {a.package for a in ASSETS.values()} <= pins.keys()
    assert pins["leaflet"] == "1.9.4"


@needs_node_modules
def test_install_assets_copies_manifest_and_what_css_refers_to(tmp_path):
    static = tmp_path / "static"
    files = install_assets(NODE_MODULES, static)
    vendor = static / "vendor"
    assert files == sorted(files)
    for asset in ASSETS.values():
        assert (vendor / asset.relpath).is_file(), asset.relpath
    assert (vendor / "leaflet/dist/images/marker-icon.png") in files
    assert (vendor / "@fortawesome/fontawesome-free/webfonts/fa-solid-900.woff2") in files
    assert (vendor / "leaflet-draw/dist/images/spritesheet.svg") in files
    # Every url(...) in the vendored CSS resolves to a vendored file.
    for css in vendor.rglob("*.css"):
        for ref in re.findall(r"url\(\s*['\"]?([^'\")]+)", css.read_text(encoding="utf-8")):
            if ref.startswith(("data:", "#")):
                continue
            target = (css.parent / ref.split("?")[0].split("#")[0]).resolve()
            assert target.is_file(), f"{css.relative_to(vendor)} refers to missing {ref}"


@needs_node_modules
def test_install_assets_is_idempotent(tmp_path):
    first = install_assets(NODE_MODULES, tmp_path)
    stamps = {p: p.stat().st_mtime_ns for p in first}
    assert install_assets(NODE_MODULES, tmp_path) == first
    assert {p: p.stat().st_mtime_ns for p in first} == stamps


def test_install_assets_names_the_missing_file(tmp_path):
    node_modules = tmp_path / "node_modules"
    (node_modules / "leaflet" / "dist").mkdir(parents=True)
    with pytest.raises(MissingAssetError, match=r"node_modules/\S+ is missing: run `npm ci`"):
        install_assets(node_modules, tmp_path / "static")
    with pytest.raises(MissingAssetError, match="does not exist: run `npm ci`"):
        install_assets(tmp_path / "nowhere" / "node_modules", tmp_path / "static")


def test_install_assets_refuses_stale_node_modules(tmp_path):
    (tmp_path / "package.json").write_text(json.dumps({"dependencies": {"leaflet": "1.9.4"}}))
    (tmp_path / "node_modules" / "leaflet").mkdir(parents=True)
    (tmp_path / "node_modules" / "leaflet" / "package.json").write_text('{"version": "1.9.3"}')
    with pytest.raises(MissingAssetError, match="1.9.3.*pins 1.9.4.*npm ci"):
        install_assets(tmp_path / "node_modules", tmp_path / "static")


@needs_node_modules
def test_cli(tmp_path, capsys):
    assert assets.main(["--node-modules", str(NODE_MODULES), "--static", str(tmp_path)]) == 0
    assert "files in" in capsys.readouterr().out
    assert (tmp_path / "vendor/leaflet/dist/leaflet.js").is_file()
    assert assets.main(["--node-modules", str(tmp_path / "none"), "--static", str(tmp_path)]) == 1
    assert "npm ci" in capsys.readouterr().err
