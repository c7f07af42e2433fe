"""地图 Map: the five layers, stations coloured by AQI, fire events by status, land cover,
on a base map of the user's choice; draw an area to list what lies inside."""

from __future__ import annotations

from dataclasses import replace
from functools import partial

import geopandas as gpd
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from geoaq.aq.aqi import aqi_level_table
from geoaq.compliance.summary import worded
from geoaq.fires.check import in_jurisdiction
from geoaq.fires.notice import status_text
from geoaq.i18n import t
from geoaq.layers import LayerSpec, load_registry
from geoaq.web.auth import actor as signed_in
from geoaq.web.cache import (
    compliance_geometries,
    compliance_summary,
    database_version,
    fire_check,
    fire_detections,
    fire_period,
    hourly_aqi,
    landcover_image,
    lang,
    load_layers,
    map_default_period,
    publish_static,
    query_period,
    readings_period,
    require_database,
)
from geoaq.web.map import DISPLAY_TOLERANCE_M, available_tiles, build_map, geojson_bytes, tile_title
from geoaq.web.map_layers.event_layer import clicked_event_id
from geoaq.web.views.compliance import scope_at
from geoaq.web.views.fires import (
    MAP_DETECTIONS_MAX,
    detections_of_period,
    detections_table,
    display_table,
    draws_compactly,
    events_on_map,
)
from geoaq.web.views.inside import drawn_geometry, features_inside
from geoaq.web.views.stations import aqi_legend, stations_overlay


def layer_caption(spec: LayerSpec, frame: gpd.GeoDataFrame, synthetic: int, period, language: str) -> str:
    parts = [f"{len(frame):,} {t('common.rows', language)}"]
    if synthetic:
        parts.append(t("common.synthetic_note", language, n=f"{synthetic:,}"))
    if period is not None:
        label = spec.column(spec.time_column).title(language)
        parts.append(f"{label}: {period[0]} – {period[1]}")
    return " · ".join(parts)


language = lang()
actor = signed_in()
st.title(t("app.title", language))
st.caption(t("app.caption", language))
db_file = require_database()
version = database_version(db_file)
registry = load_registry()
with st.spinner(t("map.loading", language)):  # seconds on a first visit to a big database
    layers = load_layers(str(db_file), version)
if not actor.city_wide:  # a county account: the enterprises and mines of its counties (list, map, download)
    from geoaq.accounts.jurisdiction import features_in_jurisdiction

    _units = layers["admin_units"][0]
    _counties = _units[_units["level"] == "县"][["adcode", "geometry"]]
    layers = {name: ((features_in_jurisdiction(entry[0], _counties, actor), *entry[1:])
                     if name in ("enterprises", "mines") else entry) for name, entry in layers.items()}

# --- sidebar: layers, base map, land cover ------------------------------------------------
st.sidebar.header(t("map.layers", language))
visible: list[str] = []
for name, spec in registry.items():
    frame, synthetic, period = layers[name]
    label = t("format.with_count", language, name=spec.title(language), n=len(frame))
    if st.sidebar.checkbox(label, value=len(frame) > 0, key=f"show_{name}", disabled=len(frame) == 0):
        visible.append(name)
    st.sidebar.caption(layer_caption(spec, frame, synthetic, period, language))
if not actor.city_wide and "fire_points" in visible:  # raw detections are the whole city's:
    visible.remove("fire_points")  # a county account sees its fire events (below) instead
tiles_by_name = {source.name: source for source in available_tiles()}
base = st.sidebar.selectbox(t("map.base_map", language), [*tiles_by_name, ""], key="base_map",
                            format_func=lambda n: tile_title(tiles_by_name[n], language) if n
                            else t("map.no_base_map", language))
tiles = tiles_by_name.get(base)
if tiles is not None and tiles.datum == "gcj02":
    st.sidebar.caption(t("map.gcj_note", language))
image = landcover_image(str(db_file), language)
show_landcover = image is not None and st.sidebar.checkbox(t("map.landcover_layer", language), value=False,
                                                           key="show_landcover")

# --- time: date range and the hour the stations are coloured by ----------------------------
readings = readings_period(str(db_file), version)
fires = fire_period(str(db_file), version)
with st.container(border=True):
    c1, c2, c3 = st.columns([3, 3, 1])
    chosen = c1.date_input(t("fires.period", language), value=query_period(map_default_period(readings, fires)),
                           key="map_dates")
    if not isinstance(chosen, tuple) or len(chosen) != 2:
        st.info(t("fires.pick_end", language))
        st.stop()
    start, end = chosen
    hours = pd.date_range(pd.Timestamp(start), pd.Timestamp(end) + pd.Timedelta(hours=23), freq="h")
    last_reading = pd.Timestamp(readings[1]).floor("h") if readings else None  # the period may lie after it
    default_hour = last_reading if last_reading is not None and hours[0] <= last_reading <= hours[-1] else hours[-1]
    at = c2.select_slider(t("map.hour", language), options=list(hours), value=default_hour,
                          format_func=lambda h: h.strftime("%m-%d %H:%M"), key=f"map_hour_{start}_{end}")
    show_fires = c3.toggle(t("map.fire_events", language), value=True, key="map_show_fires")
st.caption(t("map.time_note", language, start=start, end=end, hour=pd.Timestamp(at).strftime("%Y-%m-%d %H:%M")))

if any(layers[name][1] for name in registry):
    st.info(t("common.demo_warning", language))

overlays = []
event_layers = ()
checked = None
if "stations" in visible and readings:
    with st.spinner(t("aq.computing", language)):
        hourly = hourly_aqi(str(db_file), version, start, end)
    overlay = stations_overlay(layers["stations"][0], hourly, at, language)
    shown = hourly.loc[hourly["time_bjt"] == pd.Timestamp(at), "standard_name"].dropna()
    overlays.append(replace(overlay, legend=aqi_legend(aqi_level_table(), language,
                                                       registry["stations"].title(language),
                                                       " / ".join(dict.fromkeys(shown)))))
    visible.remove("stations")
if show_fires and fires:
    with st.spinner(t("fires.computing", language)):
        checked = in_jurisdiction(fire_check(str(db_file), version, start, end, None, "suspected"), actor)
    if len(checked):
        detections = (None if draws_compactly(len(checked))
                      else fire_detections(str(db_file), version, tuple(checked["event_id"])))
        event_overlays, event_layers = events_on_map(checked, detections, language,
                                                     datum=tiles.datum if tiles else "wgs84",
                                                     publish=publish_static)
        overlays.extend(event_overlays)
frames = {name: layers[name][0] for name in visible}
if "fire_points" in frames:  # the period's detections, and only as many as a map can draw one by one
    if len(frames["fire_points"]) > MAP_DETECTIONS_MAX:  # a small layer draws whole, as before
        frames["fire_points"] = detections_of_period(frames["fire_points"], start, end)
    if len(frames["fire_points"]) > MAP_DETECTIONS_MAX:
        st.sidebar.caption(t("map.detections_too_many", language, n=len(frames.pop("fire_points")),
                             limit=MAP_DETECTIONS_MAX))
        visible.remove("fire_points")
drawn = [(registry[name], frames[name]) for name in visible]
images = (image,) if show_landcover else ()
fmap = build_map(drawn, lang=language, tiles=tiles, overlays=tuple(overlays), images=images, draw=True,
                 layers=event_layers, remember_view="main", publish=publish_static)  # the map stays where the user left it when it is rebuilt
result = st_folium(fmap, height=640, use_container_width=True, key="main_map",
                   returned_objects=["last_active_drawing", "last_object_clicked", "last_object_clicked_tooltip"])
st.caption(t("map.map_help", language) + " " + t("map.simplified_note", language, m=f"{DISPLAY_TOLERANCE_M:g}")
           + " " + t("map.draw_help", language))

clicked = (result or {}).get("last_object_clicked")
# looked up only after a click (a set of a season's 100,000 ids would cost ~50 ms a rerun)
event_ids = pd.Index(checked["event_id"] if checked is not None else [], dtype=object)
if clicked and clicked != st.session_state.get("map_last_click"):
    st.session_state["map_last_click"] = clicked
    clicked_event = clicked_event_id(result, event_ids)
    st.session_state["map_event"] = clicked_event
    hit = None if clicked_event else scope_at(clicked["lng"], clicked["lat"], compliance_geometries(str(db_file), version))
    st.session_state["map_zone"] = hit[1] if hit and hit[0] == "zone" else None
if st.session_state.get("map_event") and st.session_state["map_event"] in event_ids:  # a fire
    event_id = st.session_state["map_event"]
    with st.container(border=True):
        event = checked[checked["event_id"] == event_id]
        st.subheader(f"{event_id} · {status_text(event['status'].iloc[0], language)}")
        facts = display_table(event, language)
        st.caption(t("fires.period_note", language, start=start, end=end))
        st.dataframe(facts, hide_index=True, width="stretch")
        st.dataframe(detections_table(fire_detections(str(db_file), version, (event_id,)).drop(columns="event_id"),
                                      language), hide_index=True, width="stretch")
        st.page_link("app_pages/fires.py", label=t("map.event_review", language), icon="🔥",
                     query_params={"start": str(start), "end": str(end)})
if st.session_state.get("map_zone"):
    summary = compliance_summary(str(db_file), version, start, end, "2012")
    if not actor.city_wide:  # a county account: only the zones of its counties
        from geoaq.compliance.jurisdiction import summary_in_jurisdiction

        summary = summary_in_jurisdiction(summary, compliance_geometries(str(db_file), version), actor)
    zone = summary[(summary["scope_type"] == "zone") & (summary["scope_id"] == st.session_state["map_zone"])]
    if len(zone):
        row = worded(zone, language).iloc[0]
        with st.container(border=True):
            st.subheader(f"{row['scope_name']} · {row['status']}")
            st.caption(t("fires.period_note", language, start=start, end=end) + " · " + t("app.page.compliance", language))
            for reason in row["reasons"]:
                st.markdown(f"- {reason}")

with st.sidebar.expander(t("map.download_layers", language)):
    for name in visible:  # made on the click, not on every rerun (a big layer takes seconds)
        st.download_button(f"{registry[name].title(language)} (GeoJSON)", partial(geojson_bytes, frames[name]),
                           file_name=f"{name}.geojson", mime="application/geo+json", key=f"dl_{name}")

area = drawn_geometry((result or {}).get("last_active_drawing"))
if area is not None:
    everything = [(registry[name], layers[name][0]) for name in registry if len(layers[name][0])]
    counts, found = features_inside(everything, area, language)
    st.subheader(t("map.inside_title", language))
    st.dataframe(counts, hide_index=True, width="stretch")
    for name, table in found.items():
        with st.expander(t("format.with_count", language, name=registry[name].title(language), n=len(table))):
            st.dataframe(table, hide_index=True, width="stretch")
