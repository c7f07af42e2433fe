"""Smallest Streamlit page with the map as the app draws it, for tests/browser/test_offline_map.py.

A GeoJSON polygon, a few CircleMarkers with popups, a MarkerCluster with a Font Awesome marker and the
Draw control, served offline through geoaq.web.assets.localize_assets. With
GEOAQ_TEST_LOCALIZE=0 the map keeps folium's CDN links (to show that offline it stays blank).
"""

from __future__ import annotations

import os

import folium
import folium.plugins
import streamlit as st
from streamlit_folium import st_folium

from geoaq.web.assets import localize_assets

POLYGON = {
    "type": "Feature",
    "properties": {"name": "control zone"},
    "geometry": {
        "type": "Polygon",
        "coordinates": [
            [[120.10, 30.22], [120.22, 30.22], [120.22, 30.30], [120.10, 30.30], [120.10, 30.22]]
        ],
    },
}
STATIONS = [(30.25, 120.14, "#2a9d8f"), (30.27, 120.17, "#e9c46a"), (30.24, 120.20, "#e76f51")]

st.title("offline map")

m = folium.Map(location=[30.26, 120.16], zoom_start=12)
folium.GeoJson(POLYGON, name="zone", style_function=lambda _: {"color": "#264653"}).add_to(m)
for number, (lat, lon, colour) in enumerate(STATIONS, start=1):
    # folium.Popup's script builds its content with jQuery: the map keeps it for them
    folium.CircleMarker([lat, lon], radius=9, color=colour, fill=True, fill_opacity=0.8,
                        popup=folium.Popup(f"<b>站点 {number}</b>")).add_to(m)
cluster = folium.plugins.MarkerCluster().add_to(m)
folium.Marker([30.28, 120.12], icon=folium.Icon(prefix="fa", icon="industry")).add_to(cluster)
folium.plugins.Draw().add_to(m)

if os.environ.get("GEOAQ_TEST_LOCALIZE", "1") != "0":
    localize_assets(m)

st_folium(m, height=420, width=640, returned_objects=[])
