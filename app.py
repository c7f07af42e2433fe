"""geoaq — the Streamlit app. Run with `make run` (or `python -m geoaq.service`, see `geoaq/service/serve.py`).

Thin on purpose: the language switch, the sign-in before any page (`geoaq.web.auth`), and the
page list; each page in `app_pages/` reads through `geoaq` functions (cached in
`geoaq/web/cache.py`) and lays out its widgets.
"""

from __future__ import annotations

import streamlit as st

from geoaq.i18n import LANGUAGES, t
from geoaq.web.auth import account_box, require_sign_in
from geoaq.web.cache import lang, require_database
from geoaq.web.pages import PAGES

# the language chosen on an earlier run (the switch below draws after the page's settings)
st.set_page_config(page_title=t("app.page_title", lang()), page_icon="🗺️", layout="wide")

# the switch names itself and each language in both languages, so it can always be found
language = st.sidebar.radio(
    t("app.language", lang()), list(LANGUAGES), format_func=LANGUAGES.get, horizontal=True, key="lang",
)
address = require_database()
require_sign_in(address, language)  # draws the sign-in page and stops until a session is open
account_box(address, language)
pages = [
    st.Page(page.script, title=t(page.title_key, language), icon=page.icon, url_path=page.url_path,
            default=number == 0)
    for number, page in enumerate(PAGES)
]
st.navigation(pages).run()
