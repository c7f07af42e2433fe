"""The Streamlit app's side of geoaq: the folium map, its offline assets, views and serving."""
