"""Serve the folium map's JavaScript and CSS from this server instead of public CDNs.

The platform runs on government intranets without internet access. By default folium and
streamlit-folium make the browser load Leaflet, jQuery, Bootstrap, Font Awesome,
awesome-markers and every plugin's files from public CDNs; offline, one failed script is
enough for streamlit-folium's component to stop and the map stays blank without an error
on the page. So:

* the files come from pinned npm packages (``package.json``/``package-lock.json`` at the
  repo root, installed with ``npm ci``);
* :func:`install_assets` (``python -m geoaq.web.assets``) copies the files the map needs, and
  the images/fonts their CSS refers to, into ``static/vendor/<npm package>/...``;
  Streamlit serves ``<folder of the app script>/static`` at ``/app/static/...`` when
  ``server.enableStaticServing`` is on (see ``.streamlit/config.toml``);
* geoaq's own browser code (``geoaq/web/client/*.js``) is copied beside them, into
  ``static/vendor/geoaq/``, and linked with its content's hash in the URL (``?v=…``), so a
  returning browser never runs a stale copy after an upgrade (`geoaq.web.client_files`; the
  small scripts that must run before any request are inlined instead);
* :func:`localize_assets` points every element of a map at those copies, and refuses
  (:class:`OfflineAssetError`) any asset it has no local copy for, so adding a plugin can
  never silently bring a CDN back.

The URLs are absolute paths (``/app/static/vendor/...``, prefixed with
``server.baseUrlPath`` when one is set): streamlit-folium draws the map inside an iframe
served from ``/component/...``, against which a relative URL would resolve to the wrong
place.

Do not put branca colormaps (``branca.colormap.ColorMap``, e.g. ``LinearColormap``) on the
map: streamlit-folium then injects d3 from two CDNs that nothing here can redirect, so
:func:`localize_assets` rejects them. Legends are plain HTML.
"""

from __future__ import annotations

import argparse
import filecmp
import json
import mimetypes
import re
import shutil
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import branca.colormap
import branca.element
import folium
import folium.plugins
from folium.elements import JSCSSMixin

from geoaq._errors import MissingAssetError, OfflineAssetError
from geoaq.web.client_files import (
    CLIENT_ASSETS,
    CLIENT_DIR,
    CLIENT_PACKAGE,
    client_version,
)

__all__ = [
    "ASSETS",
    "DROPPED",
    "EXTRA_FILES",
    "Asset",
    "MissingAssetError",
    "OfflineAssetError",
    "cdn_urls_in",
    "default_base_url",
    "install_assets",
    "localize_assets",
    "static_url",
    "vendor_files",
]

VENDOR_DIR = "vendor"
"""Folder inside the app's ``static/`` folder that :func:`install_assets` fills."""

@dataclass(frozen=True)
class Asset:
    """One file of an npm package that stands in for a folium CDN asset.

    ``cdn_hint`` must occur (case-insensitively) in the CDN URL folium gives for the
    asset: folium reuses asset names across plugins (BoatMarker calls its own script
    ``markerclusterjs``), and a name alone must not swap in the wrong library.
    """

    package: str
    path: str
    cdn_hint: str

    @property
    def relpath(self) -> str:
        """Path under ``static/vendor`` and under the vendor base URL."""
        return f"{self.package}/{self.path}"


# folium asset name (first element of a default_js/default_css pair) -> local file.
ASSETS: dict[str, Asset] = {
    # folium.Map
    "leaflet": Asset("leaflet", "dist/leaflet.js", "leaflet"),
    "leaflet_css": Asset("leaflet", "dist/leaflet.css", "leaflet"),
    "jquery": Asset("jquery", "dist/jquery.min.js", "jquery"),
    "bootstrap": Asset("bootstrap", "dist/js/bootstrap.bundle.min.js", "bootstrap"),
    "bootstrap_css": Asset("bootstrap", "dist/css/bootstrap.min.css", "bootstrap"),
    "awesome_markers": Asset(
        "leaflet.awesome-markers", "dist/leaflet.awesome-markers.js", "awesome-markers"
    ),
    "awesome_markers_css": Asset(
        "leaflet.awesome-markers", "dist/leaflet.awesome-markers.css", "awesome-markers"
    ),
    "awesome_markers_font_css": Asset(
        "@fortawesome/fontawesome-free", "css/all.min.css", "fontawesome"
    ),
    # folium.plugins.MarkerCluster / FastMarkerCluster
    "markerclusterjs": Asset(
        "leaflet.markercluster", "dist/leaflet.markercluster.js", "markercluster"
    ),
    "markerclustercss": Asset("leaflet.markercluster", "dist/MarkerCluster.css", "markercluster"),
    "markerclusterdefaultcss": Asset(
        "leaflet.markercluster", "dist/MarkerCluster.Default.css", "markercluster"
    ),
    # folium.plugins.Draw
    "leaflet_draw_js": Asset("leaflet-draw", "dist/leaflet.draw.js", "leaflet.draw"),
    "leaflet_draw_css": Asset("leaflet-draw", "dist/leaflet.draw.css", "leaflet.draw"),
    # geoaq.web.map_layers.event_layer.EventLayer: client-side clustering of 100,000+ fire events
    # (the UMD build bundles its one dependency, kdbush)
    "supercluster": Asset("supercluster", "dist/supercluster.min.js", "supercluster"),
}

# Assets folium lists that the map deliberately goes without: name -> why.
DROPPED: dict[str, str] = {
    "glyphicons_css": "Bootstrap 3 Glyphicons font, absent from Bootstrap 5; icons use "
    "folium.Icon(prefix='fa') with Font Awesome instead",
    "awesome_rotate_css": "folium's CSS for Icon(angle=N), published on no npm package and "
    "not shipped in the folium wheel; icons are not rotated (Font Awesome's own "
    "fa-rotate-90/180/270 still work)",
}

# What folium.Map lists for folium.Icon (Leaflet.awesome-markers, Font Awesome, Bootstrap) and
# nothing else on a map needs: a map without an Icon goes without them. In streamlit-folium's
# iframe each script loads only after the one before it, before the map draws: these scripts
# were ~150 ms of every new browser's wait for the 火点核查 map.
ICON_ASSETS = frozenset({
    "bootstrap", "bootstrap_css", "awesome_markers", "awesome_markers_css", "awesome_markers_font_css",
})
# jQuery, which folium.Map lists too, is used by folium.Popup's script ($(`<div …>`)[0]) and by
# Map(…).keep_in_front; a map with neither goes without it.
JQUERY_USERS: tuple[type, ...] = (folium.Popup, folium.plugins.TimeSliderChoropleth)


def unused_map_assets(root: branca.element.Element) -> frozenset[str]:
    """The names among folium.Map's assets that nothing on this map uses (see ICON_ASSETS)."""
    elements = list(_walk(root))
    unused: set[str] = set()
    if not any(isinstance(element, folium.Icon) for element in elements):
        unused |= ICON_ASSETS
    if not any(isinstance(element, JQUERY_USERS) or getattr(element, "objects_to_stay_in_front", None)
               for element in elements):
        unused.add("jquery")
    return frozenset(unused)


# Files the vendored CSS refers to (url(...)) that the manifest does not name: package -> paths.
EXTRA_FILES: dict[str, tuple[str, ...]] = {
    "leaflet": ("dist/images", "LICENSE"),
    "jquery": ("LICENSE.txt",),
    "bootstrap": ("LICENSE",),
    "@fortawesome/fontawesome-free": ("webfonts", "LICENSE.txt"),
    "leaflet.awesome-markers": ("dist/images", "LICENSE"),
    "leaflet.markercluster": ("MIT-LICENCE.txt",),
    "leaflet-draw": ("dist/images",),  # its npm package ships no licence file (MIT)
    "supercluster": ("LICENSE",),
}


def vendor_files() -> list[str]:
    """Paths (``<package>/<path>``) of the files and folders :func:`install_assets` copies."""
    paths = {asset.relpath for asset in ASSETS.values()}
    paths.update(f"{pkg}/{rel}" for pkg, rels in EXTRA_FILES.items() for rel in rels)
    return sorted(paths)


def _check_versions(node_modules: Path) -> None:
    """Fail when node_modules holds other versions than the pins in the sibling package.json."""
    manifest = node_modules.parent / "package.json"
    if not manifest.is_file():
        return
    pins: dict[str, str] = json.loads(manifest.read_text(encoding="utf-8")).get("dependencies", {})
    for package in sorted({a.package for a in ASSETS.values()} & pins.keys()):
        installed = node_modules / package / "package.json"
        if not installed.is_file():
            continue  # reported as a missing file below, with the file's name
        version = json.loads(installed.read_text(encoding="utf-8")).get("version")
        if version != pins[package]:
            raise MissingAssetError(
                f"{installed} is version {version}, but {manifest} pins {pins[package]}: "
                f"run `npm ci` in {node_modules.parent} to install the locked versions"
            )


def _copy_file(src: Path, dst: Path) -> None:
    """Copy src to dst unless dst already has the same content."""
    if dst.is_file() and filecmp.cmp(src, dst, shallow=False):
        return
    dst.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, dst)


def install_assets(node_modules: Path, static_dir: Path) -> list[Path]:
    """Copy the map's JS/CSS (and the images/fonts their CSS uses) into ``static_dir/vendor``,
    and geoaq's own client files into ``static_dir/vendor/geoaq``.

    Returns the destination files, sorted. Idempotent: files already up to date are left
    alone. Raises :class:`MissingAssetError` naming the first missing file when
    ``node_modules`` lacks something (run ``npm ci``).
    """
    node_modules = Path(node_modules).resolve()
    static_dir = Path(static_dir)
    if not node_modules.is_dir():
        raise MissingAssetError(
            f"{node_modules} does not exist: run `npm ci` in {node_modules.parent} "
            "to install the map's npm packages"
        )
    _check_versions(node_modules)

    sources: list[tuple[Path, str]] = []
    for rel in vendor_files():
        src = node_modules / rel
        if src.is_dir():
            sources.extend(
                (f, f"{rel}/{f.relative_to(src).as_posix()}")
                for f in sorted(src.rglob("*"))
                if f.is_file()
            )
        elif src.is_file():
            sources.append((src, rel))
        else:
            raise MissingAssetError(
                f"{src} is missing: run `npm ci` in {node_modules.parent} "
                "to install the map's npm packages (package-lock.json)"
            )

    sources.extend((CLIENT_DIR / name, f"{CLIENT_PACKAGE}/{name}") for name in sorted(set(CLIENT_ASSETS.values())))
    target = static_dir / VENDOR_DIR
    copied: list[Path] = []
    for src, rel in sources:
        dst = target / rel
        _copy_file(src, dst)
        copied.append(dst)
    return sorted(copied)


def default_base_url() -> str:
    """The absolute URL path of ``static/vendor``, honouring Streamlit's ``server.baseUrlPath``."""
    return static_url(VENDOR_DIR)


def static_url(relpath: str) -> str:
    """The absolute URL path Streamlit serves ``static/<relpath>`` at (``/app/static/…``),
    honouring ``server.baseUrlPath``."""
    try:
        from streamlit import config as st_config

        base_path = str(st_config.get_option("server.baseUrlPath") or "")
    except Exception:  # streamlit missing or its config unreadable: plain path
        base_path = ""
    base_path = base_path.strip("/")
    prefix = f"/{base_path}" if base_path else ""
    return f"{prefix}/app/static/{relpath.lstrip('/')}"


def _register_mime_types() -> None:
    """Make Python's mimetypes (which Streamlit's static serving uses) know .js and .css.

    Streamlit sends ``X-Content-Type-Options: nosniff``, so a script served with a wrong
    type never runs. Debian's /etc/mime.types is right; Windows' registry and bare
    systems can map ``.js`` to ``text/plain``.
    """
    mimetypes.add_type("text/javascript", ".js")
    mimetypes.add_type("text/css", ".css")
    mimetypes.add_type("font/woff2", ".woff2")
    mimetypes.add_type("font/ttf", ".ttf")


def _walk(element: branca.element.Element) -> Iterator[branca.element.Element]:
    """The element and all its descendants, as streamlit-folium's ``st_folium`` walks them."""
    yield element
    if isinstance(element, folium.plugins.DualMap):
        yield from _walk(element.m1)
        yield from _walk(element.m2)
    for child in getattr(element, "_children", {}).values():
        yield from _walk(child)


def _local_links(
    element: JSCSSMixin, links: list[tuple[str, str]], base_url: str,
    leave_out: frozenset[str] = frozenset(),
) -> list[tuple[str, str]]:
    """Rewrite one element's (name, url) pairs to local URLs, leaving out dropped assets
    and those in `leave_out`; ``data:`` URLs (inline scripts) stay as they are."""
    local: list[tuple[str, str]] = []
    for name, url in links:
        if name in DROPPED or name in leave_out:
            continue
        if url.startswith("data:"):  # inline, fetched from nowhere
            local.append((name, url))
            continue
        if name in CLIENT_ASSETS and url.split("?")[0].endswith(f"/{CLIENT_PACKAGE}/{CLIENT_ASSETS[name]}"):
            file = CLIENT_ASSETS[name]
            local.append((name, f"{base_url}/{CLIENT_PACKAGE}/{file}?v={client_version(file)}"))
            continue
        asset = ASSETS.get(name)
        if asset is None or asset.cdn_hint.lower() not in url.lower():
            known = "no local copy" if asset is None else f"a local copy of {asset.package}"
            raise OfflineAssetError(
                f"{type(element).__name__} needs asset {name!r} from {url}, but "
                f"geoaq.web.assets has {known} for it, so offline the map would stay blank. "
                "Add the npm package to package.json and the file to geoaq.web.assets.ASSETS "
                "(or, if the map works without it, to DROPPED)."
            )
        local.append((name, f"{base_url}/{asset.relpath}"))
    return local


def localize_assets(m: folium.Map, base_url: str | None = None) -> folium.Map:
    """Point every JS/CSS asset of the map (and its plugins) at ``static/vendor``.

    Sets each element instance's ``default_js``/``default_css`` (the class lists stay
    untouched), which both folium's own HTML and streamlit-folium read. ``base_url``
    defaults to :func:`default_base_url`; it must be an absolute path or URL. Raises
    :class:`OfflineAssetError` for an asset that is neither in :data:`ASSETS` nor
    :data:`DROPPED`, and for branca colormaps. A map goes without what folium.Map lists but
    nothing on it uses (:func:`unused_map_assets`), so call it once every element is on it.
    Returns ``m``.
    """
    if base_url is None:
        base_url = default_base_url()
    if not re.match(r"^(/|https?://)", base_url):
        raise ValueError(
            f"base_url {base_url!r} must be absolute ('/app/static/vendor'): the map runs "
            "in an iframe under /component/, where a relative URL points elsewhere"
        )
    base_url = base_url.rstrip("/")
    _register_mime_types()

    root = m.get_root()
    unused = unused_map_assets(root)
    for element in _walk(root):
        if isinstance(element, branca.colormap.ColorMap):
            raise OfflineAssetError(
                f"{type(element).__name__} on the map makes streamlit-folium load d3 from "
                "https://d3js.org and cdnjs.cloudflare.com; use a plain-HTML legend instead"
            )
        if isinstance(element, JSCSSMixin):
            leave_out = unused if isinstance(element, folium.Map) else frozenset()
            element.default_js = _local_links(element, list(element.default_js), base_url, leave_out)
            element.default_css = _local_links(element, list(element.default_css), base_url, leave_out)
            # A render before this call has already put CDN links into the header.
            if isinstance(root, branca.element.Figure):
                header = root.header
                for name, url in element.default_js:
                    if name in header._children:
                        header.add_child(branca.element.JavascriptLink(url), name=name)
                for name, url in element.default_css:
                    if name in header._children:
                        header.add_child(branca.element.CssLink(url), name=name)
                for name in (*DROPPED, *leave_out):
                    header._children.pop(name, None)
    return m


_LINK_RE = re.compile(
    r"""<(?:script\b[^>]*?\bsrc|link\b[^>]*?\bhref)\s*=\s*["']([^"']+)["']""",
    re.IGNORECASE,
)


def cdn_urls_in(html: str) -> list[str]:
    """Every external URL (``http(s)://`` or ``//``) in a ``<script src>`` or ``<link href>``."""
    return [
        url
        for url in _LINK_RE.findall(html)
        if re.match(r"^(?:https?:)?//", url.strip(), re.IGNORECASE)
    ]


def main(argv: list[str] | None = None) -> int:
    """``python -m geoaq.web.assets``: copy the map's npm files into the app's static folder."""
    parser = argparse.ArgumentParser(
        prog="python -m geoaq.web.assets",
        description="Copy the map's JS/CSS from node_modules (after `npm ci`) into "
        "STATIC/vendor, which Streamlit serves at /app/static/vendor.",
    )
    parser.add_argument("--node-modules", type=Path, default=Path("node_modules"))
    parser.add_argument(
        "--static",
        type=Path,
        default=Path("static"),
        help="the `static` folder next to the Streamlit app script (default: ./static)",
    )
    args = parser.parse_args(argv)
    try:
        files = install_assets(args.node_modules, args.static)
    except MissingAssetError as exc:
        print(f"geoaq.web.assets: {exc}", file=sys.stderr)
        return 1
    print(f"geoaq.web.assets: {len(files)} files in {args.static / VENDOR_DIR}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
