"""Start the Streamlit app on a server mended for speed (``python -m geoaq.web.serve``).

Two changes to how Streamlit 1.67 serves the app, each measured by ``bench/serve.py``:

* Nagle's algorithm off on every connection. Streamlit's Starlette server binds its listening
  socket itself, created without a protocol number, and asyncio only switches Nagle's
  algorithm off (``TCP_NODELAY``) on accepted sockets whose protocol is TCP. So every response
  on a kept-alive connection, written as headers then body, waits for the browser's delayed
  ACK: about 40 ms each on Linux. A new browser fetches some 60 of Streamlit's script files
  that way, six connections at a time, and the app's WebSocket messages are held back the
  same way. Accepted sockets inherit ``TCP_NODELAY`` from the listening one, so setting it
  there once fixes every connection.
* Streamlit's index page mended (`geoaq.web.index_page`): the scripts of the elements a page
  draws as it opens preloaded, so a new browser fetches them while it loads Streamlit's
  bundle rather than after the page has run; and, on a link straight to a page, the server's
  base path given, so Streamlit does not first probe the page's URL for it.

And it never asks the internet for the machine's external IP address: Streamlit does, at every
start without a configured address (``checkip.amazonaws.com``, to print an "External URL"
and to accept cross-origin WebSockets from it), which an intranet cannot answer.

For the app itself it also computes, as the server starts, what the map and fires pages
compute as they open (`geoaq.web.warmup`), so the day's first visit does not wait for it.

    python -m geoaq.web.serve [SCRIPT.py] [streamlit run options...]   # app.py unless a script is named
"""

from __future__ import annotations

import hashlib
import importlib
import logging
import os
import socket
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from geoaq import config
from geoaq.web.index_page import mended_pages

LOG = logging.getLogger(__name__)

APP = config.APP_SCRIPT


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


def no_external_ip() -> None:
    """No external address: geoaq does not ask the internet for one (see the module's docstring)."""
    return None


def install_offline_start() -> bool:
    """Replace Streamlit's look-up of the external IP (once); False where it has none."""
    hook = _streamlit_hook("streamlit.net_util", "get_external_ip")
    if hook is None:
        return False
    net_util, _ = hook
    net_util.get_external_ip = no_external_ip
    return True


def install(page_elements: Mapping[str, tuple[str, ...]] | None = None) -> bool:
    """Every change (see the module's docstring); False if one found no hook in this Streamlit."""
    return all([install_socket_fix(), install_index_page(page_elements), install_offline_start()])


def is_app(script: str) -> bool:
    """Whether `script` is the app (app.py), whose pages `geoaq.web.pages` describes."""
    return Path(script).resolve() == APP


def app_page_elements(script: str) -> dict[str, tuple[str, ...]]:
    """`script`'s pages (URL path -> element scripts): the app's (`geoaq.web.pages`) for
    app.py, else none."""
    if not is_app(script):
        return {}
    from geoaq.web.pages import page_elements

    return page_elements()


def run_arguments(argv: list[str]) -> list[str]:
    """``streamlit run``'s arguments for `argv`: the script it names first, else the app."""
    if argv and not argv[0].startswith("-"):
        return ["run", *argv]
    return ["run", str(APP), *argv]


def main(argv: list[str] | None = None) -> None:
    """``streamlit run`` on `argv` (see `run_arguments`), on the mended server (`install`)."""
    from streamlit.web import cli

    arguments = run_arguments(sys.argv[1:] if argv is None else argv)
    install(app_page_elements(arguments[1]))
    if is_app(arguments[1]):  # the first visit finds its default views computed
        from geoaq.web.warmup import warm_in_background

        warm_in_background()
    sys.argv = ["streamlit", *arguments]
    sys.exit(cli.main())


if __name__ == "__main__":
    main()
