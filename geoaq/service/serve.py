"""Start the Streamlit app on a server mended for speed (``python -m geoaq.web.serve``).

``streamlit run`` with `geoaq.web.streamlit_internals` installed (Nagle's algorithm off,
the index page mended), and, for the app itself, what the map and fires pages compute as
they open computed as the server starts (`geoaq.web.warmup`), so the day's first visit does
not wait for it.

    python -m geoaq.web.serve [SCRIPT.py] [streamlit run options...]   # app.py unless a script is named
"""

from __future__ import annotations

import atexit
import logging
import sys
from pathlib import Path

from geoaq import config
from geoaq.db import backend, handoff
from geoaq.db import connection as db
from geoaq.web.streamlit_internals import install, run_streamlit

LOG = logging.getLogger(__name__)

APP = config.APP_SCRIPT


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


def own_database(address: str | None = None) -> handoff.Holder | None:
    """Hold the configured embedded database (when it exists) for this process and answer the
    commands handed over to it; None for a DuckLake or a database not made yet."""
    target = backend.database(address)
    if not target.embedded or not target.path.exists():
        return None
    from geoaq.service.commands import run_request

    holder = handoff.Holder(target.path, db.connect(target.path), run_request)
    atexit.register(holder.close)
    LOG.warning("geoaq: this server owns %s; commands on it are run here", target.path)
    return holder


def start_service_feeds() -> object | None:
    """The scheduled feeds of `feeds.toml` in this process (unless ``GEOAQ_SERVICE_FEEDS=0``);
    a malformed site feeds file is logged, and the app starts without feeds."""
    if not config.service_feeds():
        return None
    from geoaq._errors import GeoaqError
    from geoaq.feeds.scheduler import start_feeds

    try:
        scheduler = start_feeds(config.database())
    except GeoaqError as exc:
        LOG.error("geoaq: the scheduled feeds are not running: %s", exc)
        return None
    atexit.register(_stop_feeds, scheduler)
    return scheduler


def _stop_feeds(scheduler: object) -> None:
    """Stop the feeds' scheduler at exit, unless it was stopped already."""
    if getattr(scheduler, "running", False):
        scheduler.shutdown(wait=False)


def run_arguments(argv: list[str]) -> list[str]:
    """``streamlit run``'s arguments for `argv`: the script it names first, else the app."""
    if argv and not argv[0].startswith("-"):
        return ["run", *argv]
    return ["run", str(APP), *argv]


def main(argv: list[str] | None = None) -> None:
    """``streamlit run`` on `argv` (see `run_arguments`), on the mended server (`install`)."""
    arguments = run_arguments(sys.argv[1:] if argv is None else argv)
    install(app_page_elements(arguments[1]))
    if is_app(arguments[1]):
        own_database()
        from geoaq.web.warmup import warm_in_background

        warm_in_background()  # the first visit finds its default views computed
        start_service_feeds()
    sys.exit(run_streamlit(arguments))


if __name__ == "__main__":
    main()
