"""地图 Map: the five layers and the administrative boundaries on one map."""

from __future__ import annotations

import geopandas as gpd
import streamlit as st
from streamlit_folium import st_folium

from app_pages.common import database_version, lang, load_layers, require_database
from geoaq.i18n import t
from geoaq.layers import LayerSpec, load_registry
from geoaq.mapview import DISPLAY_TOLERANCE_M, build_map, configured_tiles


def layer_caption(spec: LayerSpec, frame: gpd.GeoDataFrame, synthetic: int, period, language: str) -> str:
    parts = [f"{len(frame):,} {t('rows', language)}"]
    if synthetic:
        parts.append(t("synthetic_note", language, n=f"{synthetic:,}"))
    if period is not None:
        label = spec.column(spec.time_column).title(language)
        parts.append(f"{label}: {period[0]} – {period[1]}")
    return " · ".join(parts)


language = lang()
st.title(t("app_title", language))
st.caption(t("app_caption", language))
db_file = require_database()
registry = load_registry()
layers = load_layers(str(db_file), database_version(db_file))

st.sidebar.header(t("layers", language))
visible: list[str] = []
for name, spec in registry.items():
    frame, synthetic, period = layers[name]
    label = (f"{spec.title(language)}（{len(frame):,}）" if language == "zh"
             else f"{spec.title(language)} ({len(frame):,})")
    if st.sidebar.checkbox(label, value=len(frame) > 0, key=f"show_{name}", disabled=len(frame) == 0):
        visible.append(name)
    st.sidebar.caption(layer_caption(spec, frame, synthetic, period, language))

tiles = configured_tiles()
base = st.sidebar.selectbox(t("base_map", language), [tiles.name, t("no_base_map", language)], key="base_map")
if any(layers[name][1] for name in registry):
    st.info(t("demo_warning", language))

drawn = [(registry[name], layers[name][0]) for name in visible]
fmap = build_map(drawn, lang=language, tiles=tiles if base == tiles.name else None)
st_folium(fmap, height=640, use_container_width=True, returned_objects=[], key="main_map")
st.caption(t("map_help", language) + " " + t("simplified_note", language, m=f"{DISPLAY_TOLERANCE_M:g}"))
