"""geoaq's own browser code: the files of ``geoaq/web/client/`` and how they are named.

``geoaq_map.js`` is served as a map asset (`geoaq.web.assets` copies it beside the vendored
libraries and links it with its content's hash); the small scripts that must run before any
request (``prefetch.js``, ``base_url.js``) are inlined by `client_function`. Kept apart from
`geoaq.web.assets` so the server's start (`geoaq.web.streamlit_internals`) needs no folium.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

CLIENT_DIR = Path(__file__).resolve().parent / "client"
"""geoaq's own JavaScript for the map's frame and Streamlit's index page."""
CLIENT_PACKAGE = "geoaq"
"""Folder under ``static/vendor`` that takes the served client files."""
#: folium asset name -> a file of CLIENT_DIR served as a map asset
CLIENT_ASSETS: dict[str, str] = {"geoaq_map": "geoaq_map.js"}
#: the URL the elements name before `localize_assets` (which adds the base path and ``?v=``)
CLIENT_URL = f"/app/static/vendor/{CLIENT_PACKAGE}"


@functools.cache
def client_source(name: str) -> str:
    """The text of ``geoaq/web/client/<name>``, e.g. ``prefetch.js`` (read once)."""
    return (CLIENT_DIR / name).read_text(encoding="utf-8")


def client_function(name: str) -> str:
    """The function expression a client file holds (its leading comment left out), to be
    inlined and called: ``f"{client_function('prefetch.js')}({url})"``."""
    source = client_source(name)
    start = source.find("(function")
    if start < 0:
        raise ValueError(f"{CLIENT_DIR / name} holds no '(function' expression")
    return source[start:].rstrip().rstrip(";")


@functools.cache
def client_version(name: str) -> str:
    """The first 12 hex digits of the SHA-256 of a client file: changes with its content."""
    return hashlib.sha256((CLIENT_DIR / name).read_bytes()).hexdigest()[:12]
