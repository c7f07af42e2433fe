"""Paths and small helpers shared by the test modules (imported as `helpers`)."""

from __future__ import annotations

from pathlib import Path

from geoaq import config, db

DATA = Path(__file__).resolve().parent / "data"
LAYERS_DIR = config.PROJECT_ROOT / "layers"


def table_rows(con: db.Connection, table: str) -> int:
    """Rows in `table` (a name from the registry or the core schema)."""
    return con.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]  # noqa: S608
