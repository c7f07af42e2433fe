"""The app's pages (run through `app.py`'s st.navigation)."""

from __future__ import annotations

from typing import NamedTuple


class PageEntry(NamedTuple):
    """One page of the app: its script, the i18n key of its title, its icon and URL path."""

    script: str
    title_key: str
    icon: str
    url_path: str


#: In the sidebar's order; the first is the default page (at the app's root URL).
PAGES = (
    PageEntry("app_pages/map.py", "page_map", "🗺️", "map"),
    PageEntry("app_pages/fires.py", "page_fires", "🔥", "fires"),
    PageEntry("app_pages/compliance.py", "page_compliance", "✅", "compliance"),
    PageEntry("app_pages/air_quality.py", "page_air_quality", "🌫️", "air-quality"),
    PageEntry("app_pages/data.py", "page_data", "🗂️", "data"),
    PageEntry("app_pages/routes.py", "page_routes", "🚗", "routes"),
)
