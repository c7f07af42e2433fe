"""What the English tests share: the data values of a database (the text its layers, rejects
and the plans hold, which any language shows as it is) and the texts that still hold Chinese
once those are taken out."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from geoaq import config
from geoaq.db import connection as db
from geoaq.db import store
from geoaq.i18n import LANGUAGES, t
from geoaq.layers import load_registry

#: the emergency tables whose text is data (geoaq.emergency)
EMERGENCY_TABLES = ("emergency_lists", "emergency_list_rows", "emergency_list_measures", "emergency_warnings",
                    "emergency_inspections")
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
LANG = "en"


def data_values(path: Path) -> list[str]:
    """Every text the database holds in its layers, rejects, readings and emergency tables, and
    the plans' names: what a page may show in Chinese whatever the language. Longest first."""
    values: set[str] = set()
    con = db.connect(path, read_only=True)
    try:
        for spec in load_registry().values():
            frame = store.read_layer(con, spec)
            for column in frame.columns.drop(frame.geometry.name):
                values |= {v for v in frame[column].dropna().astype(str) if CJK.search(v)}
                values |= {x for v in frame[column].dropna() if isinstance(v, list | tuple) for x in map(str, v)}
        rejects = store.list_rejects(con, None)
        for column in rejects.columns:
            values |= {v for v in rejects[column].dropna().astype(str) if CJK.search(v)}
        for table in EMERGENCY_TABLES:  # the list, warnings and findings: names, measures, areas …
            if store.table_exists(con, table):
                frame = con.execute(f"SELECT * FROM {table}").df()  # noqa: S608 (names above)
                for column in frame.columns:
                    values |= {v for v in frame[column].dropna().astype(str) if CJK.search(v)}
    finally:
        con.close()
    targets = tomllib.loads(config.targets_file().read_text("utf-8"))
    for target in targets.get("target", []):
        values |= {str(target.get(k, "")) for k in ("plan", "source")} | {str(target["scope"]["name"])}
    values |= {t("app.language", LANG), *LANGUAGES.values()}
    return sorted((v for v in values if v and CJK.search(v)), key=len, reverse=True)


def leftovers(texts: list[str], data: list[str]) -> list[str]:
    """The texts that still hold a Chinese character once every data value is taken out."""
    data = sorted(set(data), key=len, reverse=True)
    found = []
    for text in dict.fromkeys(texts):
        if not CJK.search(text):
            continue
        rest = text
        for value in data:
            if value in rest:
                rest = rest.replace(value, " ")
        if CJK.search(rest):
            found.append(text)
    return found


def check_english(texts: list[str], data: list[str]) -> None:
    """Fail with every text that holds Chinese outside the data values."""
    assert texts, "nothing collected"
    left = leftovers(texts, data)
    assert left == [], "Chinese outside the data values in English:\n" + "\n".join(left)
