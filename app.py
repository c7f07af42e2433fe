"""geoaq — the Streamlit app. Run with `make run` (or `python -m geoaq.serve`, see `geoaq/serve.py`).

Thin on purpose: the language switch and the page list; each page in `app_pages/` reads
through `geoaq` functions (cached in `app_pages/common.py`) and lays out its widgets.
"""

from __future__ import annotations

import streamlit as st

from geoaq.i18n import DEFAULT_LANGUAGE, LANGUAGES, t

st.set_page_config(page_title="geoaq · 大气污染防治一张图", page_icon="🗺️", layout="wide")

language = st.sidebar.radio(
    t("language", DEFAULT_LANGUAGE), list(LANGUAGES), format_func=LANGUAGES.get, horizontal=True,
    key="lang",
)
pages = [
    st.Page("app_pages/map.py", title=t("page_map", language), icon="🗺️", url_path="map", default=True),
    st.Page("app_pages/fires.py", title=t("page_fires", language), icon="🔥", url_path="fires"),
    st.Page("app_pages/compliance.py", title=t("page_compliance", language), icon="✅", url_path="compliance"),
    st.Page("app_pages/air_quality.py", title=t("page_air_quality", language), icon="🌫️", url_path="air-quality"),
    st.Page("app_pages/data.py", title=t("page_data", language), icon="🗂️", url_path="data"),
    st.Page("app_pages/routes.py", title=t("page_routes", language), icon="🚗", url_path="routes"),
]
st.navigation(pages).run()
