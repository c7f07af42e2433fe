"""geoaq — the Streamlit app. Run with `make run` (or `python -m geoaq.web.serve`, see `geoaq/web/serve.py`).

Thin on purpose: the language switch and the page list; each page in `app_pages/` reads
through `geoaq` functions (cached in `geoaq/web/cache.py`) and lays out its widgets.
"""

from __future__ import annotations

import streamlit as st

from geoaq.i18n import DEFAULT_LANGUAGE, LANGUAGES, t
from geoaq.web.pages import PAGES

st.set_page_config(page_title="geoaq · 大气污染防治一张图", page_icon="🗺️", layout="wide")

language = st.sidebar.radio(
    t("language", DEFAULT_LANGUAGE), list(LANGUAGES), format_func=LANGUAGES.get, horizontal=True,
    key="lang",
)
pages = [
    st.Page(page.script, title=t(page.title_key, language), icon=page.icon, url_path=page.url_path,
            default=number == 0)
    for number, page in enumerate(PAGES)
]
st.navigation(pages).run()
