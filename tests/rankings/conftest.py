"""The constructed city of tests/ranking_cases.py, built once per module."""

from __future__ import annotations

import pytest
from ranking_cases import build

from geoaq.db import connection as db


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    """A connection to the constructed city's database."""
    tmp = tmp_path_factory.mktemp("city")
    connection = db.connect(build(tmp / "city.duckdb", tmp))
    yield connection
    connection.close()
