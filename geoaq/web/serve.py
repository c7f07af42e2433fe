"""Start the Streamlit app on a server mended for speed (``python -m geoaq.web.serve``).

``streamlit run`` with `geoaq.web.streamlit_internals` installed (Nagle's algorithm off,
the index page mended), and, for the app itself, what the map and fires pages compute as
they open computed as the server starts (`geoaq.web.warmup`), so the day's first visit does
not wait for it.

    python -m geoaq.web.serve [SCRIPT.py] [streamlit run options...]   # app.py unless a script is named
"""

from __future__ import annotations

import sys
from pathlib import Path

from geoaq import config
from geoaq.web.streamlit_internals import install

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
