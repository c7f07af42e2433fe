"""The service a machine runs: the Streamlit app on the mended server, owning the embedded
database (commands hand their work to it), and the scheduled feeds."""
