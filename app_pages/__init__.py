"""The app's page scripts, run by app.py through st.navigation (the page table is geoaq.web.pages)."""
