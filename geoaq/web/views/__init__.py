"""What each page shows, as plain tables and map overlays (no Streamlit)."""
