"""``python -m geoaq.service [SCRIPT.py] [streamlit run options...]``: start the service."""

from geoaq.service.serve import main

main()
