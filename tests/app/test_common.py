"""geoaq.web.cache: what the pages share — publishing packed map data as static files."""

from __future__ import annotations

import gzip
import hashlib
import os

import pytest
import streamlit as st

from geoaq.web import cache as common


def _static_serving(monkeypatch, enabled: bool) -> None:
    """Set server.enableStaticServing as the config file would (it can't be set at run time)."""
    real = st.get_option
    monkeypatch.setattr(st, "get_option",
                        lambda key: enabled if key == "server.enableStaticServing" else real(key))


@pytest.fixture
def static_dir(tmp_path, monkeypatch):
    monkeypatch.setattr(common, "STATIC_DIR", tmp_path / "static")
    _static_serving(monkeypatch, True)
    return tmp_path / "static"


def test_published_bytes_are_served_under_their_hash(static_dir):
    data = b"\x01\x02packed events"
    url = common.publish_static(data)
    name = common.published_name(data)
    assert url == f"/app/static/cache/map/{name}"
    # a keyed hash: knowing the bytes does not give the name
    assert hashlib.sha256(data).hexdigest()[:24] not in name and len(name) == 36
    assert (static_dir / "cache" / "map" / name).read_bytes() == data
    # its gzip copy, which the server sends as it is and the browser unpacks
    assert gzip.decompress((static_dir / "cache" / "map" / f"{name}.gz").read_bytes()) == data
    assert common.publish_static(data) == url  # the same bytes, the same file
    assert sorted(p.name for p in (static_dir / "cache" / "map").iterdir()) == [name, f"{name}.gz"]


def test_only_the_most_recently_used_files_are_kept(static_dir, monkeypatch):
    monkeypatch.setattr(common, "KEEP_PUBLISHED", 3)
    urls = []
    for i in range(5):
        urls.append(common.publish_static(f"payload {i}".encode()))
        folder = static_dir / "cache" / "map"
        for offset, file in enumerate(sorted(folder.iterdir(), key=lambda f: f.stat().st_mtime)):
            os.utime(file, (1_000_000 + offset, 1_000_000 + offset))  # distinct, ordered times
    kept = {f"/app/static/cache/map/{p.name}" for p in (static_dir / "cache" / "map").iterdir()}
    assert kept == set(urls[-3:]) | {f"{url}.gz" for url in urls[-3:]}


def test_nothing_is_published_where_it_cannot_be_served(static_dir, tmp_path, monkeypatch):
    _static_serving(monkeypatch, False)
    assert common.publish_static(b"x") is None
    _static_serving(monkeypatch, True)
    blocked = tmp_path / "file-not-folder"
    blocked.write_text("")
    monkeypatch.setattr(common, "STATIC_DIR", blocked)  # cannot create folders inside a file
    assert common.publish_static(b"x") is None


def test_fires_default_period_is_the_last_seven_days_with_detections():
    from datetime import date

    assert common.fires_default_period((date(2025, 10, 1), date(2025, 10, 31))) == (date(2025, 10, 25),
                                                                                   date(2025, 10, 31))
    assert common.fires_default_period((date(2025, 10, 29), date(2025, 10, 31))) == (date(2025, 10, 29),
                                                                                   date(2025, 10, 31))
    assert common.fires_default_period(None, today=date(2026, 1, 7)) == (date(2026, 1, 1), date(2026, 1, 7))


def test_map_default_period_is_the_last_two_days_of_readings_else_of_fires():
    from datetime import date

    import pandas as pd

    readings = (pd.Timestamp("2025-01-01 00:00"), pd.Timestamp("2025-12-31 23:00"))
    fires = (date(2025, 10, 1), date(2025, 10, 31))
    assert common.map_default_period(readings, fires) == (date(2025, 12, 30), date(2025, 12, 31))
    assert common.map_default_period(None, fires) == (date(2025, 10, 30), date(2025, 10, 31))
    assert common.map_default_period(None, None, today=date(2026, 1, 7)) == (date(2026, 1, 6), date(2026, 1, 7))


def test_fire_filters_from_widget_values_keep_only_known_counties():
    state = {"fire_cat": ["straw_burning"], "fire_county": ["新安县", "no such county"], "fire_in_zone": True}
    assert common.fire_filters(state, ["新安县", "涧西区"]) == (
        ("categories", ("straw_burning",)), ("statuses", ()), ("counties", ("新安县",)), ("in_zone_only", True))
    assert common.fire_filters({}, []) == (("categories", ()), ("statuses", ()), ("counties", ()),
                                           ("in_zone_only", False))
