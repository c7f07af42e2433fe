"""geoaq.web.views.fires: table labels, filters, escaped popups, and the switch to the compact layer."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from geoaq.web.map_layers.event_layer import EventLayer
from geoaq.web.views.fires import (
    detections_of_period,
    display_table,
    draws_compactly,
    events_on_map,
    events_overlay,
    filter_events,
    layer_payload,
)


def _checked(n: int = 3) -> pd.DataFrame:
    """Rows shaped like `fire_check.check_fires` output (the columns the views read)."""
    rng = np.random.default_rng(3)
    base = pd.DataFrame({
        "event_id": [f"FE-20250606-{i:08x}" for i in range(n)],
        "local_date": [pd.Timestamp("2025-06-06").date()] * n,
        "first_detected_bjt": pd.to_datetime(["2025-06-06 13:21"] * n),
        "lon": rng.uniform(112.0, 113.0, n),
        "lat": rng.uniform(34.2, 35.0, n),
        "county_name": ["偃师区", None, "<b>孟津区</b>"][:n] + ["伊川县"] * max(0, n - 3),
        "township_name": ["城关镇"] * n,
        "zone_names": [["偃师区秸秆禁烧区"], [], ["甲", "乙"]][:n] + [[]] * max(0, n - 3),
        "in_control_zone": [True, False, True][:n] + [False] * max(0, n - 3),
        "detections": [2, 1, 1][:n] + [1] * max(0, n - 3),
        "satellites": ["N,N20", "T", "N"][:n] + ["N"] * max(0, n - 3),
        "max_confidence": ["nominal", None, "high"][:n] + ["low"] * max(0, n - 3),
        "nearest_enterprise_name": ["某铸造厂", None, "某砖厂"][:n] + [None] * max(0, n - 3),
        "nearest_enterprise_m": [1599.4, np.nan, 12345.6][:n] + [np.nan] * max(0, n - 3),
        "nearest_mine_name": [None, "某煤矿", None][:n] + [None] * max(0, n - 3),
        "nearest_mine_m": [np.nan, 800.0, np.nan][:n] + [np.nan] * max(0, n - 3),
        "category": ["straw_burning", "other_open_burning", "suspected_industrial"][:n]
        + ["straw_burning"] * max(0, n - 3),
        "category_reason": ["土地覆盖：耕地"] * n,
        "status": ["suspected", "verified", "dismissed"][:n] + ["suspected"] * max(0, n - 3),
        "penalty_yuan": [500000.0, 0.0, np.nan][:n] + [0.0] * max(0, n - 3),
    })
    return base


def test_the_table_has_readable_labels_and_units():
    table = display_table(_checked(), "zh")
    assert list(table.columns[:3]) == ["事件编号", "首次探测(北京时间)", "区县"]
    assert table["最近企业(米)"].tolist() == ["某铸造厂 (1,599)", "—", "某砖厂 (12,346)"]
    assert table["最近矿山(米)"].tolist() == ["—", "某煤矿 (800)", "—"]
    assert table["所在管控区"].tolist() == ["偃师区秸秆禁烧区", "—", "甲、乙"]
    assert table["状态"].tolist() == ["疑似", "核定", "排除"]
    assert table["扣减(元)"].tolist() == [500000, 0, 0]
    english = display_table(_checked(), "en")
    assert english["Category"].tolist() == ["Straw burning", "Other open burning",
                                            "Suspected industrial heat source"]


def test_filters_combine_and_empty_filters_keep_everything():
    checked = _checked()
    assert len(filter_events(checked)) == 3
    assert filter_events(checked, statuses=["verified"])["event_id"].tolist() == [checked["event_id"][1]]
    assert filter_events(checked, in_zone_only=True, categories=["straw_burning"])["event_id"].tolist() == \
        [checked["event_id"][0]]


def test_few_events_get_popups_with_their_detections_escaped():
    checked = _checked()
    detections = pd.DataFrame({"event_id": [checked["event_id"][0]], "detected_bjt": [pd.Timestamp("2025-06-06 13:21")],
                               "satellite": ["N"], "confidence": ["nominal"]})
    overlays, layers = events_on_map(checked, detections, "zh", threshold=10)
    assert layers == () and len(overlays) == 1
    popups = [f["properties"]["_popup"] for f in overlays[0].collection["features"]]
    assert "06-06 13:21" in popups[0]
    assert "&lt;b&gt;孟津区&lt;/b&gt;" in popups[2] and "<b>孟津区</b>" not in popups[2]


def test_many_events_switch_to_the_compact_layer_without_detections():
    checked = _checked(12)
    overlays, layers = events_on_map(checked, None, "en", threshold=10)
    assert overlays == () and len(layers) == 1
    layer = layers[0]
    assert isinstance(layer, EventLayer) and layer.count == 12
    assert layer.layer_name == "Fire events (12)"
    assert draws_compactly(11, threshold=10) and not draws_compactly(10, threshold=10)


def test_a_payload_packed_earlier_draws_the_same_layer_and_is_left_as_it_was():
    checked = _checked(12)
    packed = layer_payload(checked, "en", datum="gcj02")
    kept = dict(packed)
    (fresh,) = events_on_map(checked, None, "en", datum="gcj02", threshold=10)[1]
    (reused,) = events_on_map(checked, None, "en", datum="gcj02", threshold=10, packed=packed)[1]
    assert reused.data == fresh.data and reused.spec_json == fresh.spec_json
    assert packed == kept  # the caller's copy (shared between reruns) is untouched
    wgs84 = layer_payload(checked, "en")
    assert wgs84["data"] != packed["data"]  # on GCJ-02 tiles the points moved


def test_few_events_need_their_detections():
    with pytest.raises(ValueError, match="3 events are drawn with their detections"):
        events_on_map(_checked(), None, "zh", threshold=10)


def test_the_overlay_colours_events_by_status():
    overlay = events_overlay(_checked(), pd.DataFrame(columns=["event_id", "detected_bjt", "satellite", "confidence"]))
    colours = [f["properties"]["_color"] for f in overlay.collection["features"]]
    assert colours == ["#ff9900", "#cc0000", "#999999"]


def test_the_map_draws_the_detections_of_its_beijing_days_only():
    at = pd.to_datetime(["2025-04-22 15:59", "2025-04-22 16:00", "2025-04-23 15:59", "2025-04-23 16:00"])
    detections = pd.DataFrame({"acquired_at_utc": at, "n": range(4)})
    assert detections_of_period(detections, date(2025, 4, 23), date(2025, 4, 23))["n"].tolist() == [1, 2]
    assert detections_of_period(detections, date(2025, 4, 22), date(2025, 4, 24))["n"].tolist() == [0, 1, 2, 3]
    assert detections_of_period(detections, date(2025, 5, 1), date(2025, 5, 2)).empty
