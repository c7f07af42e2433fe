"""Fixtures of the emergency tests; the constructed data live in tests/emergency_cases.py."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from emergency_cases import build_area

from geoaq.db import connection as db
from geoaq.emergency.rules import EmergencyRules, load_emergency_rules


@pytest.fixture
def rules() -> EmergencyRules:
    return load_emergency_rules()


@pytest.fixture(scope="session")
def _area_template(tmp_path_factory: pytest.TempPathFactory, _migrated_template: Path) -> Path:
    folder = tmp_path_factory.mktemp("emergency_area")
    path = folder / "area.duckdb"
    shutil.copyfile(_migrated_template, path)
    return build_area(path, folder)


@pytest.fixture
def area_db(db_path: Path, _area_template: Path) -> Path:
    """A database with the two counties, the enterprises and the two stations (a copy)."""
    shutil.copyfile(_area_template, db_path)
    return db_path


@pytest.fixture
def area_con(area_db: Path):
    con = db.connect(area_db)
    try:
        yield con
    finally:
        con.close()
