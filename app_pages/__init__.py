"""The app's pages (run through `app.py`'s st.navigation)."""
