"""The township notice (火点核查通知): the checked events as the table sent to townships.

One row per fire event with county, township, longitude, latitude, time (Beijing), satellite,
zone, category and status, written as CSV (UTF-8 with BOM, so Excel opens it correctly) or
as an Excel workbook with a title stating the period. It is for Chinese townships, so it is
worded in Chinese by default; every word comes from the locales (fires.notice.*), and
``lang="en"`` gives the English variant.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd

from geoaq.i18n import DEFAULT_LANGUAGE, join, t
from geoaq.tables import write_table, xlsx_bytes

#: the notice's columns (headings: fires.notice.column.<name>)
NOTICE_COLUMNS = ("event_id", "county", "township", "lon", "lat", "time", "satellite", "zone", "category",
                  "status", "penalty")


def status_text(status: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """A verification status in words: 核定 / Verified."""
    return t(f"fires.status.{status}", lang)


def category_text(category: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """An event category in words: 秸秆焚烧 / Straw burning."""
    return t(f"fires.category.{category}", lang)


def notice_table(checked: pd.DataFrame, lang: str = DEFAULT_LANGUAGE) -> pd.DataFrame:
    """The notice rows from `fire_check.check_fires` output, worded in `lang` (Chinese for the
    townships by default); pure."""
    zones = checked["zone_names"].map(lambda names: join(names, lang) if len(names) else "—")
    table = pd.DataFrame({
        0: checked["event_id"],
        1: checked["county_name"].fillna("—"),
        2: checked["township_name"].fillna("—"),
        3: checked["lon"].round(5),
        4: checked["lat"].round(5),
        5: pd.to_datetime(checked["first_detected_bjt"]).dt.strftime("%Y-%m-%d %H:%M"),
        6: checked["satellites"],
        7: zones,
        8: checked["category"].map(lambda c: category_text(c, lang)),
        9: checked["status"].map(lambda s: status_text(s, lang)),
        10: checked["penalty_yuan"].fillna(0).astype("int64"),
    })
    columns = [t(f"fires.notice.column.{name}", lang) for name in NOTICE_COLUMNS]
    table.columns = columns
    return table.sort_values([columns[1], columns[2], columns[5]], kind="stable").reset_index(drop=True)


def notice_title(start: date, end: date, lang: str = DEFAULT_LANGUAGE) -> str:
    return t("fires.notice.title", lang, start=start, end=end)


def notice_xlsx_bytes(table: pd.DataFrame, title: str, lang: str = DEFAULT_LANGUAGE) -> bytes:
    """The notice as an Excel workbook: a title row stating the period, then the table."""
    return xlsx_bytes(table, title, t("fires.notice.sheet", lang))


def write_notice(table: pd.DataFrame, path: Path, title: str, lang: str = DEFAULT_LANGUAGE) -> Path:
    """Write the notice as .csv (UTF-8 with BOM, for Excel) or .xlsx; returns the path."""
    return write_table(table, path, title, t("fires.notice.sheet", lang))
