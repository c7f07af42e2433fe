"""The app's page table: each page's script (in `app_pages/`), title, URL path and opening elements."""

from __future__ import annotations

from typing import NamedTuple


class PageEntry(NamedTuple):
    """One page of the app: its script, the i18n key of its title, its icon, URL path, and the
    Streamlit elements it always draws as it opens, by the name of Streamlit's script for
    each. The index page preloads them (`geoaq.web.streamlit_internals`); tests/browser/test_served_index.py
    checks that a new browser fetches none of their files late. Elements drawn only with some
    data are left out: the fires page shows its event table only for a few hundred events,
    and the table's scripts (1.6 MB) would weigh on the season's map."""

    script: str
    title_key: str
    icon: str
    url_path: str
    elements: tuple[str, ...]


#: Drawn on every page by app.py: the language switch, the password change and the sign-out button.
SIDEBAR_ELEMENTS = ("Radio", "Button", "TextInput")

#: In the sidebar's order; the first is the default page (at the app's root URL).
PAGES = (
    PageEntry("app_pages/map.py", "app.page.map", "🗺️", "map",
              ("ComponentInstance", "Checkbox", "DateInput", "DownloadButton", "Selectbox", "Slider", "Spinner")),
    PageEntry("app_pages/fires.py", "app.page.fires", "🔥", "fires",
              ("ComponentInstance", "Checkbox", "DateInput", "DownloadButton", "Metric", "Multiselect",
               "Selectbox", "Spinner", "TextInput")),
    PageEntry("app_pages/compliance.py", "app.page.compliance", "✅", "compliance",
              ("ComponentInstance", "DataFrame", "DateInput", "DownloadButton", "Metric", "Multiselect", "Selectbox",
               "Spinner")),
    PageEntry("app_pages/air_quality.py", "app.page.air_quality", "🌫️", "air-quality",
              ("ArrowVegaLiteChart", "DataFrame", "DateInput", "DownloadButton", "Metric", "Multiselect",
               "Selectbox", "Spinner")),
    PageEntry("app_pages/data.py", "app.page.data", "🗂️", "data",
              ("Button", "DataFrame", "DownloadButton", "FileUploader", "Selectbox", "TextArea", "TextInput")),
    PageEntry("app_pages/routes.py", "app.page.routes", "🚗", "routes",
              ("ComponentInstance", "Button", "Checkbox", "DataFrame", "DateInput", "NumberInput", "Selectbox",
               "Spinner", "TextArea", "TextInput")),
    PageEntry("app_pages/emergency.py", "app.page.emergency", "🚨", "emergency",
              ("ComponentInstance", "Button", "DataFrame", "DateTimeInput", "DownloadButton", "FileUploader",
               "Metric", "NumberInput", "Selectbox", "TextInput")),
    PageEntry("app_pages/rankings.py", "app.page.rankings", "🏆", "rankings",
              ("Button", "ComponentInstance", "DataFrame", "DateInput", "DownloadButton", "FileUploader", "Metric",
               "Radio", "Selectbox", "Spinner", "TextInput")),
)


def page_elements() -> dict[str, tuple[str, ...]]:
    """Each page's URL path -> the element scripts it draws as it opens, sidebar included."""
    return {page.url_path: SIDEBAR_ELEMENTS + page.elements for page in PAGES}
