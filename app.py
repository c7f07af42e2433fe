"""geoaq — the Streamlit app: the five layers and the county boundaries on one map.

Thin on purpose: it reads layers through `geoaq.store` (cached per database version), builds
the map with `geoaq.mapview` and lays out the page; no SQL and no logic of its own.
Run with `make run` (or `streamlit run app.py`).
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import streamlit as st
from streamlit_folium import st_folium

from geoaq import config, db, store
from geoaq.i18n import DEFAULT_LANGUAGE, LANGUAGES, t
from geoaq.layers import LayerSpec, load_registry
from geoaq.mapview import DISPLAY_TOLERANCE_M, build_map, configured_tiles

st.set_page_config(page_title="geoaq · 大气污染防治一张图", page_icon="🗺️", layout="wide")


@st.cache_data(show_spinner=False)
def load_layers(db_path: str, version: float) -> dict[str, tuple[gpd.GeoDataFrame, int, object]]:
    """Every registry layer as (features, synthetic rows, period); `version` keys the cache."""
    registry = load_registry()
    con = db.connect(db_path, read_only=True)
    try:
        loaded = {}
        for name, spec in registry.items():
            frame = store.read_layer(con, spec)
            synthetic = int(frame["synthetic"].fillna(False).sum()) if len(frame) else 0
            loaded[name] = (frame, synthetic, store.layer_period(con, spec))
        return loaded
    finally:
        con.close()


def database_version(path: Path) -> float:
    """Changes whenever the database file (or its WAL) is written, so caches refresh."""
    wal = path.with_name(path.name + ".wal")
    return path.stat().st_mtime + (wal.stat().st_mtime if wal.exists() else 0.0)


def layer_caption(spec: LayerSpec, frame: gpd.GeoDataFrame, synthetic: int, period, lang: str) -> str:
    parts = [f"{len(frame):,} {t('rows', lang)}"]
    if synthetic:
        parts.append(t("synthetic_note", lang, n=f"{synthetic:,}"))
    if period is not None:
        label = spec.column(spec.time_column).title(lang)
        parts.append(f"{label}: {period[0]} – {period[1]}")
    return " · ".join(parts)


lang = st.sidebar.radio(
    t("language", DEFAULT_LANGUAGE), list(LANGUAGES), format_func=LANGUAGES.get, horizontal=True,
    key="lang",
)
st.title(t("app_title", lang))
st.caption(t("app_caption", lang))

db_file = config.db_path()
if not db_file.exists():
    st.error(t("no_database", lang, path=db_file))
    st.stop()

registry = load_registry()
layers = load_layers(str(db_file), database_version(db_file))

st.sidebar.header(t("layers", lang))
visible: list[str] = []
for name, spec in registry.items():
    frame, synthetic, period = layers[name]
    shown = st.sidebar.checkbox(
        f"{spec.title(lang)}（{len(frame):,}）" if lang == "zh" else f"{spec.title(lang)} ({len(frame):,})",
        value=len(frame) > 0, key=f"show_{name}", disabled=len(frame) == 0,
    )
    st.sidebar.caption(layer_caption(spec, frame, synthetic, period, lang))
    if shown:
        visible.append(name)

tiles = configured_tiles()
base = st.sidebar.selectbox(t("base_map", lang), [tiles.name, t("no_base_map", lang)], key="base_map")

if any(layers[name][1] for name in registry):
    st.info(t("demo_warning", lang))

drawn = [(registry[name], layers[name][0]) for name in visible]
fmap = build_map(drawn, lang=lang, tiles=tiles if base == tiles.name else None)
st_folium(fmap, height=640, use_container_width=True, returned_objects=[], key="main_map")
st.caption(t("map_help", lang) + " " + t("simplified_note", lang, m=f"{DISPLAY_TOLERANCE_M:g}"))
