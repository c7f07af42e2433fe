"""Where things live: project root, layer definitions, the DuckDB file.

Resolution order for the database: an explicit path (CLI `--db`), then the `GEOAQ_DB`
environment variable, then `data/geoaq.duckdb` in the project root.
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DB_PATH = PROJECT_ROOT / "data" / "geoaq.duckdb"
DEMO_DIR = PROJECT_ROOT / "data" / "demo"
#: The Streamlit app script and the folder Streamlit serves beside it at /app/static
APP_SCRIPT = PROJECT_ROOT / "app.py"
STATIC_DIR = PROJECT_ROOT / "static"


def db_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The DuckDB file to use: `explicit`, else `$GEOAQ_DB`, else `data/geoaq.duckdb`."""
    if explicit:
        return Path(explicit)
    env = os.environ.get("GEOAQ_DB")
    return Path(env) if env else DEFAULT_DB_PATH


def layers_dir() -> Path:
    """The directory of layer definitions: `$GEOAQ_LAYERS_DIR`, else `layers/` in the project."""
    env = os.environ.get("GEOAQ_LAYERS_DIR")
    return Path(env) if env else PROJECT_ROOT / "layers"
