"""Everything geoaq knows of Streamlit's internals, in one module: two changes to how
Streamlit 1.67 serves the app, each measured by ``bench/serve.py`` and each installed only
where its hook is found (a warning at start names a change left out after an upgrade).

* **Nagle's algorithm off on every connection.** Streamlit's Starlette server binds its
  listening socket itself (``starlette_server._bind_socket``), created without a protocol
  number, and asyncio only switches Nagle's algorithm off (``TCP_NODELAY``) on accepted
  sockets whose protocol is TCP. So every response on a kept-alive connection, written as
  headers then body, waits for the browser's delayed ACK: about 40 ms each on Linux. A new
  browser fetches some 60 of Streamlit's script files that way, six connections at a time,
  and the WebSocket messages are held back the same way. Accepted sockets inherit
  ``TCP_NODELAY`` from the listening one, so setting it there once fixes every connection.
* **Streamlit's index page mended** (the static handler,
  ``starlette_static_routes.create_streamlit_static_handler``), reading the layout of
  Streamlit's front-end bundle:

  - *Preloads.* Streamlit's front end loads the script of each kind of element (date input,
    select box, the map's component frame...) only when the first message that draws one
    arrives over the WebSocket: a second round of some 40 files, fetched after the app has
    connected and the page has run, while React holds back the map's frame until the scripts
    of the widgets sent with it are in. Naming the scripts of the elements a page draws as it
    opens in that page's index lets the browser fetch them while it loads Streamlit's own
    bundle. The files and their dependencies come from the bundle's own import map (Vite's
    ``__vite__mapDeps``): the same files, fetched earlier, no more bytes.
  - *The server's base path, for a link straight to a page.* On ``/fires`` Streamlit cannot
    tell whether ``fires`` is a page or the path the server is mounted at, so it first tries
    ``/fires/_stcore/health``, and only ~0.13 s later (its retry delay) the root. A small
    script (``geoaq/web/client/base_url.js``) tells it the base path
    (``window.__streamlit.BACKEND_BASE_URL``, Streamlit's own setting for hosts that embed
    it) whenever the URL's last segment is one of the app's pages.

It also tells `geoaq.web.warmup` when Streamlit's runtime is up (``Runtime.exists``).

Not patched, because a setting does it: Streamlit asks the internet for the machine's
external IP address at a headless start unless ``browser.serverAddress`` is set, which
``.streamlit/config.toml`` does (``localhost``; a shared server sets its own name).
"""

from __future__ import annotations

import hashlib
import html
import importlib
import json
import logging
import os
import posixpath
import re
import socket
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from geoaq._errors import UnknownBundle
from geoaq.web.client_files import client_function

LOG = logging.getLogger(__name__)


# --- the runtime -----------------------------------------------------------------------------

def run_streamlit(arguments: list[str]) -> int:
    """Streamlit's command line on `arguments` (``["run", "app.py", …]``), in this process."""
    import sys

    from streamlit.web import cli

    sys.argv = ["streamlit", *arguments]
    return cli.main()


def runtime_started() -> bool:
    """Whether Streamlit's runtime is up (its caches are then the ones sessions will read)."""
    hook = _streamlit_hook("streamlit.runtime", "Runtime")
    return hook is not None and bool(hook[1].exists())


# --- the socket ------------------------------------------------------------------------------

def without_nagle(bind: Callable[..., socket.socket]) -> Callable[..., socket.socket]:
    """`bind`, wrapped so that the TCP socket it returns has ``TCP_NODELAY`` set."""

    def bind_without_nagle(*args: Any, **kwargs: Any) -> socket.socket:
        sock = bind(*args, **kwargs)
        if sock.family in (socket.AF_INET, socket.AF_INET6) and sock.type == socket.SOCK_STREAM:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock

    bind_without_nagle.__wrapped__ = bind  # type: ignore[attr-defined]
    return bind_without_nagle


def _streamlit_hook(module_name: str, attribute: str) -> tuple[Any, Any] | None:
    """(module, its `attribute`) of Streamlit's `module_name`, or None where this Streamlit
    has no such module or attribute (another version: the change is then left out)."""
    try:
        module = importlib.import_module(module_name)
    except ImportError:
        return None
    found = getattr(module, attribute, None)
    return None if found is None else (module, found)


def install_socket_fix() -> bool:
    """Wrap Streamlit's socket binding (once); False where this Streamlit binds no socket itself."""
    hook = _streamlit_hook("streamlit.web.server.starlette.starlette_server", "_bind_socket")
    if hook is None:
        return False
    starlette_server, bind = hook
    if not hasattr(bind, "__wrapped__"):
        starlette_server._bind_socket = without_nagle(bind)
    return True


# --- the index page: hooks ---------------------------------------------------------------

def serving_mended_index(create_handler: Callable[..., Any],
                         page_elements: Mapping[str, tuple[str, ...]]) -> Callable[..., Any]:
    """`create_handler` (Streamlit's static files), wrapped to answer GETs of the index page
    with `mended_pages`' page for the URL's last segment (the root's for any other), with an
    ETag so a returning browser gets "304 Not Modified" as from Streamlit's own page; the
    page unchanged if this Streamlit's bundle is not understood."""

    def create_mending_handler(directory: str, base_url: str | None) -> Any:
        from starlette.responses import Response

        handler = create_handler(directory, base_url)
        try:
            pages = {path: html.encode("utf-8") for path, html in mended_pages(Path(directory), page_elements).items()}
        except (ValueError, OSError) as error:  # UnknownBundle, or a file not read as UTF-8
            LOG.warning("geoaq: Streamlit's index page served as it is: %s", error)
            return handler
        tags = {path: f'"{hashlib.sha256(page).hexdigest()[:24]}"' for path, page in pages.items()}
        index_path = os.path.join(directory, "index.html")
        get_response = handler.get_response

        async def get_mended_response(path: str, scope: Any) -> Any:
            response = await get_response(path, scope)
            if (scope.get("method") == "GET" and response.status_code == 200
                    and getattr(response, "path", None) == index_path):
                page_path = path.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]
                page_path = page_path if page_path in pages else ""
                headers = {"Cache-Control": response.headers.get("cache-control", "no-cache"),
                           "ETag": tags[page_path]}
                if tags[page_path] in dict(scope.get("headers", [])).get(b"if-none-match", b"").decode("latin-1"):
                    return Response(status_code=304, headers=headers)  # the browser's copy is this page
                return Response(pages[page_path], media_type="text/html", headers=headers)
            return response

        handler.get_response = get_mended_response
        return handler

    create_mending_handler.__wrapped__ = create_handler  # type: ignore[attr-defined]
    return create_mending_handler


def install_index_page(page_elements: Mapping[str, tuple[str, ...]] | None = None) -> bool:
    """Wrap Streamlit's static file handler (once) to serve the mended index page, given the
    app's pages (URL path -> element scripts, see `mended_pages`); False where this Streamlit
    has no such hook."""
    hook = _streamlit_hook("streamlit.web.server.starlette.starlette_static_routes", "create_streamlit_static_handler")
    if hook is None:
        return False
    starlette_static_routes, create_handler = hook
    create_handler = getattr(create_handler, "__wrapped__", create_handler)
    starlette_static_routes.create_streamlit_static_handler = serving_mended_index(create_handler,
                                                                                   dict(page_elements or {}))
    return True


def install(page_elements: Mapping[str, tuple[str, ...]] | None = None) -> bool:
    """Every change (see the module's docstring); False, with a warning naming it, for each
    one whose hook this Streamlit does not have (the app then runs without that change)."""
    installed = {"Nagle's algorithm off (streamlit.web.server.starlette.starlette_server._bind_socket)":
                 install_socket_fix(),
                 "index page mended (streamlit.web.server.starlette.starlette_static_routes."
                 "create_streamlit_static_handler)": install_index_page(page_elements)}
    for change, done in installed.items():
        if not done:
            LOG.warning("geoaq: Streamlit %s has no hook for: %s; running without it",
                        _streamlit_version(), change)
    return all(installed.values())


def _streamlit_version() -> str:
    try:
        from importlib.metadata import version

        return version("streamlit")
    except Exception:  # metadata missing: the version is only for the message
        return "(unknown version)"


# --- the index page: Streamlit's bundle and its index.html, read -------------------------

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


def script_control_exception() -> type[BaseException]:
    """Streamlit's exception for a rerun or a stop asked for while the script runs (a click on
    the page, the app's own Stop): raised in the script at its next Streamlit call
    (`geoaq.web.search_progress` ends a route search on it, keeping the best plan)."""
    from streamlit.runtime.scriptrunner_utils.exceptions import ScriptControlException

    return ScriptControlException


def keep_in_session(key: str, value: Any) -> None:
    """`st.session_state[key] = value` without Streamlit's yield point. Once a click has
    interrupted the script (a route search stopped by the user: `geoaq.web.search_progress`),
    Streamlit 1.67 raises its stop exception at every later Streamlit call of that run —
    setting a session-state key included, before the value is stored — so the best plan so
    far would be lost; the session's state object is written under its own lock instead
    (``SafeSessionState._state``), and the rerun the click asked for finds the value."""
    from streamlit.runtime.state.session_state_proxy import get_session_state

    safe = get_session_state()
    with safe._lock:
        safe._state[key] = value
