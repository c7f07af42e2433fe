"""Streamlit's index page, mended so that a new browser starts the app sooner.

Two additions, both to the page's ``<head>``:

* **Preloads.** Streamlit's front end loads the script of each kind of element (date input,
  select box, the map's component frame...) only when the first message that draws one
  arrives over the WebSocket: a second round of some 40 files, fetched after the app has
  connected and the page has run, while React holds back the map's frame until the scripts
  of the widgets sent with it are in. Naming the scripts of the elements a page draws as it
  opens in that page's index lets the browser fetch them while it loads Streamlit's own
  bundle. The files and their dependencies come from the bundle's own import map (Vite's
  ``__vite__mapDeps``): the same files, fetched earlier, no more bytes.
* **The server's base path, for a link straight to a page.** On ``/fires`` Streamlit cannot
  tell whether ``fires`` is a page or the path the server is mounted at, so it first tries
  ``/fires/_stcore/health``, and only ~0.13 s later (its retry delay) the root. A small
  script tells it the base path (``window.__streamlit.BACKEND_BASE_URL``, Streamlit's own
  setting for hosts that embed it) whenever the URL's last segment is one of the app's pages.
"""

from __future__ import annotations

import html
import json
import posixpath
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

from geoaq._errors import UnknownBundle
from geoaq.web.client_files import client_function

_DEPENDENCY_TABLE = re.compile(r"__vite__mapDeps=\(i,m=__vite__mapDeps,d=\(m\.f\|\|\(m\.f=\[(?P<files>[^\]]*)\]")
_LAZY_IMPORT = re.compile(
    r"import\(`\./(?P<file>(?P<name>[A-Za-z]+)\.[\w-]+\.js)`\)(?:\.then\([^()]*\))?,"
    r"__vite__mapDeps\(\[(?P<deps>[\d,]*)\]\)")
_LINKED = re.compile(r"""(?:src|href)=["']\./static/(?P<path>[^"']+)["']""")


def element_scripts(bundle: str) -> dict[str, list[str]]:
    """Each lazily loaded element script of Streamlit's main `bundle`, with what it needs.

    Keys are the scripts' names without hash ("DateInput"); values are paths under
    ``static/`` (``js/DateInput.BHx02NDa.js``, then its dependencies, CSS included), in the
    order Streamlit's own loader would request them.
    """
    table = _DEPENDENCY_TABLE.search(bundle)
    if table is None:
        raise UnknownBundle("Streamlit's bundle has no __vite__mapDeps file table")
    files = [name.strip().strip("\"'`") for name in table["files"].split(",") if name.strip()]
    scripts: dict[str, list[str]] = {}
    for lazy in _LAZY_IMPORT.finditer(bundle):
        indexes = [int(i) for i in lazy["deps"].split(",") if i]
        if any(i >= len(files) for i in indexes):
            raise UnknownBundle(f"Streamlit's bundle names dependency {max(indexes)} of {lazy['file']}, "
                                f"but its file table has {len(files)}")
        needed = [lazy["file"], *(files[i] for i in indexes)]
        paths = [posixpath.normpath(f"js/{name}") for name in needed]  # the table is relative to js/
        scripts.setdefault(lazy["name"], list(dict.fromkeys(paths)))
    if not scripts:
        raise UnknownBundle("Streamlit's bundle has no lazily imported element scripts")
    return scripts


def linked_files(index_html: str) -> set[str]:
    """Paths under ``static/`` that `index_html` already loads or preloads."""
    return {match["path"] for match in _LINKED.finditer(index_html)}


def preload_tags(paths: Iterable[str]) -> str:
    """``<link>`` tags preloading `paths` (under ``static/``): modules, and stylesheets as styles."""
    tags = []
    for path in paths:
        href = html.escape(f"./static/{path}", quote=True)
        if path.endswith(".css"):
            tags.append(f'<link rel="preload" as="style" crossorigin href="{href}">')
        else:
            tags.append(f'<link rel="modulepreload" crossorigin href="{href}">')
    return "\n    ".join(tags)


def _into_head(index_html: str, tags: str) -> str:
    """`index_html` with `tags` at the end of its ``<head>``."""
    head_end = index_html.find("</head>")
    if head_end < 0:
        raise UnknownBundle("Streamlit's index.html has no </head>")
    return f"{index_html[:head_end]}  {tags}\n  {index_html[head_end:]}"


def with_preloads(index_html: str, scripts: dict[str, list[str]], elements: Iterable[str]) -> str:
    """`index_html` with the scripts of `elements` (and their dependencies) preloaded.

    Files the page links already are not named twice. Raises `UnknownBundle` for an element
    the bundle does not have, so a Streamlit upgrade that renames one is noticed.
    """
    elements = tuple(elements)
    missing = [name for name in elements if name not in scripts]
    if missing:
        raise UnknownBundle(f"Streamlit's bundle has no element script named {', '.join(missing)}; "
                            f"it has {', '.join(sorted(scripts))}")
    linked = linked_files(index_html)
    wanted = dict.fromkeys(path for name in elements for path in scripts[name] if path not in linked)
    return _into_head(index_html, preload_tags(wanted)) if wanted else index_html


def with_known_base(index_html: str, page_paths: Iterable[str]) -> str:
    """`index_html` with a script that gives Streamlit the server's base path when the URL
    names one of `page_paths` (the app's pages), so it does not probe for it."""
    paths = [path for path in page_paths if path]
    if not paths:
        return index_html
    # "</" escaped: the list sits inside a <script> element
    pages = json.dumps(paths).replace("</", "<\\/")
    call = f"{client_function('base_url.js')}({pages});"
    return _into_head(index_html, f"<script>{call}</script>")


def main_bundle(static_dir: Path, index_html: str) -> Path:
    """The file of Streamlit's main bundle, the module script `index_html` starts."""
    found = re.search(r"""<script type="module"[^>]*src=["']\./static/(?P<path>js/[^"']+)["']""", index_html)
    if found is None:
        raise UnknownBundle("Streamlit's index.html starts no module script")
    return static_dir / "static" / found["path"]


def mended_pages(static_dir: Path, page_elements: Mapping[str, Iterable[str]]) -> dict[str, str]:
    """Streamlit's ``index.html`` from `static_dir` for each page of `page_elements` (URL path
    -> the element scripts it draws as it opens), with those scripts preloaded and the base
    path given; under ``""`` the app's root, which shows the first page."""
    index_html = (static_dir / "index.html").read_text(encoding="utf-8")
    scripts = element_scripts(main_bundle(static_dir, index_html).read_text(encoding="utf-8"))
    pages = {path: with_known_base(with_preloads(index_html, scripts, elements), page_elements)
             for path, elements in page_elements.items()}
    pages[""] = next(iter(pages.values()), index_html)
    return pages
