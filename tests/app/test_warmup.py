"""geoaq.web.warmup: the map and fires pages' opening computations done ahead, in the caches
the pages read."""

from __future__ import annotations

import logging

import pytest
import streamlit as st

from geoaq.fires import check as fire_check
from geoaq.web import cache as common
from geoaq.web import warmup


@pytest.fixture
def empty_caches():
    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_data.clear()
    st.cache_resource.clear()


@pytest.fixture
def attributions(monkeypatch) -> list[tuple]:
    """The (start, end) of every fire attribution actually computed (not read from the cache)."""
    calls: list[tuple] = []
    real = fire_check.attribute_events

    def counted(con, start, end, **kwargs):
        calls.append((start, end))
        return real(con, start, end, **kwargs)

    monkeypatch.setattr(fire_check, "attribute_events", counted)
    return calls


def test_warming_computes_what_the_pages_then_read_from_the_cache(demo_db, empty_caches, attributions):
    done = warmup.warm_first_views(demo_db)
    assert done[0] == "layers" and any(step.startswith("fire check") for step in done)
    db, version = str(demo_db), common.database_version(demo_db)
    fires = common.fire_period(db, version)
    start, end = common.fires_default_period(fires)
    computed = len(attributions)
    assert (start, end) in attributions
    checked = common.fire_check(db, version, start, end, None, "suspected")  # as the fires page opens
    map_start, map_end = common.map_default_period(common.readings_period(db, version), fires)
    common.fire_check(db, version, map_start, map_end, None, "suspected")  # as the map page opens
    assert len(attributions) == computed  # both from the cache
    assert len(checked) > 0
    common.fire_check(db, version, start, end, "high", "suspected")  # another choice is computed
    assert len(attributions) == computed + 1


def test_warming_waits_for_streamlit_and_gives_up_quietly(demo_db, caplog):
    with caplog.at_level(logging.WARNING, logger="geoaq.web.warmup"):
        assert warmup.warm_when_started(demo_db, started=lambda: False, wait_s=0.2) == []
    assert "did not start" in caplog.text


def test_warming_a_missing_or_broken_database_does_nothing(tmp_path, caplog, empty_caches):
    assert warmup.warm_when_started(tmp_path / "none.duckdb", started=lambda: True) == []
    broken = tmp_path / "broken.duckdb"
    broken.write_bytes(b"not a database")
    with caplog.at_level(logging.WARNING, logger="geoaq.web.warmup"):
        assert warmup.warm_when_started(broken, started=lambda: True) == []
    assert "failed" in caplog.text and str(broken) in caplog.text
