"""geoaq.web.map_layers.event_layer: the packed payload decodes back to the events; the layer renders offline."""

from __future__ import annotations

import base64
import json
import re
import urllib.parse

import numpy as np
import pandas as pd
import pytest

from geoaq.geo import coords
from geoaq.web.assets import cdn_urls_in, localize_assets
from geoaq.web.client_files import client_source, client_version
from geoaq.web.map import build_map
from geoaq.web.map_layers.event_layer import STATUS_CODES, EventLayer, clicked_event_id, pack_events
from geoaq.web.views.fires import STATUS_COLOURS

LABELS = {"suspected": "疑似", "verified": "已核实", "dismissed": "已排除"}


def _events(n: int = 5, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    days = pd.to_datetime("2025-06-01") + pd.to_timedelta(rng.integers(0, 120, n), unit="D")
    hexes = [f"{v:08x}" for v in rng.integers(0, 2**32, n, dtype=np.uint64)]
    return pd.DataFrame({
        "event_id": [f"FE-{d:%Y%m%d}-{h}" for d, h in zip(days, hexes, strict=True)],
        "lon": rng.uniform(111.5, 113.0, n),
        "lat": rng.uniform(33.6, 35.0, n),
        "status": rng.choice(list(STATUS_CODES), n),
        "local_date": days.date,
        "county_name": rng.choice(["偃师区", "孟津区", "伊川县"], n),
    })


def decode(payload: dict) -> pd.DataFrame:
    """What the layer's script reads from the payload, done in Python."""
    raw = payload["data"]
    n = payload["count"]
    types = {"Float32Array": "<f4", "Uint32Array": "<u4", "Uint16Array": "<u2", "Uint8Array": "u1"}
    columns = {name: np.frombuffer(raw, dtype=types[kind], count=n, offset=offset)
               for name, (kind, offset) in payload["layout"].items()}
    days = pd.Timestamp(payload["first_day"]) + pd.to_timedelta(columns["day"].astype(int), unit="D")
    if payload["ids"] is None:
        ids = [f"FE-{d:%Y%m%d}-{h:08x}" for d, h in zip(days, columns["id"], strict=True)]
    else:
        ids = payload["ids"]
    return pd.DataFrame({
        "event_id": ids,
        "lon": columns["lon"], "lat": columns["lat"],
        "status": [STATUS_CODES[s] for s in columns["status"]],
        "local_date": days.date,
        "county_name": [payload["counties"][c] for c in columns["county"]],
    })


def test_the_payload_decodes_to_the_same_events():
    events = _events(500)
    payload = pack_events(events, status_labels=LABELS, status_colours=STATUS_COLOURS)
    back = decode(payload)
    assert payload["count"] == 500 and payload["ids"] is None  # ids travel as 4 bytes each
    pd.testing.assert_frame_equal(back.drop(columns=["lon", "lat"]), events.drop(columns=["lon", "lat"]),
                                  check_dtype=False)
    # float32: well under a metre at these longitudes
    assert np.abs(back["lon"] - events["lon"]).max() < 1e-5
    assert np.abs(back["lat"] - events["lat"]).max() < 1e-5
    assert [s["label"] for s in payload["statuses"]] == [LABELS[s] for s in STATUS_CODES]


def test_ids_of_another_form_are_sent_as_text():
    events = _events(3)
    events.loc[1, "event_id"] = "FE-19990101-0000abcd"  # a day that is not the event's own
    events.loc[2, "event_id"] = "manual-7"
    payload = pack_events(events, status_labels=LABELS, status_colours=STATUS_COLOURS)
    assert payload["ids"] == list(events["event_id"])
    assert "id" not in payload["layout"]
    assert decode(payload)["event_id"].tolist() == list(events["event_id"])


def test_events_without_coordinates_are_left_out_and_named():
    events = _events(4)
    events.loc[2, ["lon", "lat"]] = np.nan
    payload = pack_events(events, status_labels=LABELS, status_colours=STATUS_COLOURS)
    assert payload["count"] == 3 and payload["skipped"] == [2]
    assert decode(payload)["event_id"].tolist() == events["event_id"].drop(index=2).tolist()


def test_an_unknown_status_is_refused():
    events = _events(2).assign(status=["suspected", "pending"])
    with pytest.raises(ValueError, match=r"unknown statuses \['pending'\]"):
        pack_events(events, status_labels=LABELS, status_colours=STATUS_COLOURS)


def test_no_events_give_an_empty_payload():
    payload = pack_events(_events(0), status_labels=LABELS, status_colours=STATUS_COLOURS)
    assert payload["count"] == 0 and payload["data"] == b""


def test_a_season_of_events_stays_small():
    """16 bytes an event: 100,000 events are 1.6 MB, not the ~100 MB of one popup each."""
    events = _events(100_000, seed=7)
    payload = pack_events(events, status_labels=LABELS, status_colours=STATUS_COLOURS)
    assert len(payload["data"]) <= 1_600_016


def test_county_names_cannot_break_out_of_the_script():
    events = _events(2).assign(county_name=["</script><script>alert(1)</script>", "A & B"])
    layer = EventLayer(events, name="火点事件", status_labels=LABELS, status_colours=STATUS_COLOURS)
    fmap = build_map([], layers=(layer,))
    html = fmap.get_root().render()
    assert "</script><script>alert(1)" not in html
    spec = re.search(r"geoaq\.eventLayer\(\w+, (\{.*?\}),\n", html).group(1)
    assert json.loads(spec)["counties"][0] == "</script><script>alert(1)</script>"


def test_the_layer_renders_with_local_assets_only():
    layer = EventLayer(_events(50), name="火点事件（50）", status_labels=LABELS, status_colours=STATUS_COLOURS)
    fmap = localize_assets(build_map([], layers=(layer,)), "/app/static/vendor")
    html = fmap.get_root().render()
    assert cdn_urls_in(html) == []
    assert '<script src="/app/static/vendor/supercluster/dist/supercluster.min.js"></script>' in html
    assert f'<script src="/app/static/vendor/geoaq/geoaq_map.js?v={client_version("geoaq_map.js")}"></script>' in html
    assert "geoaq.eventLayer(" in html and "new Supercluster(" in client_source("geoaq_map.js")
    assert "火点事件（50）" in html  # the layer control lists it
    labels = [entry["label"].strip() for entry in layer.legend]
    assert labels[:4] == ["火点事件（50）", "疑似", "已核实", "已排除"]


def test_on_gcj02_tiles_the_points_move_with_the_base_map():
    events = _events(20)
    layer = EventLayer(events, name="x", status_labels=LABELS, status_colours=STATUS_COLOURS, datum="gcj02")
    payload = json.loads(layer.spec_json) | {"data": base64.b64decode(json.loads(layer.data_json))}
    back = decode(payload)
    lon, lat = coords.wgs84_to_gcj02(events["lon"].to_numpy(), events["lat"].to_numpy())
    assert np.abs(back["lon"] - lon).max() < 1e-5 and np.abs(back["lat"] - lat).max() < 1e-5
    assert np.abs(back["lon"] - events["lon"]).min() > 1e-4  # it did move (hundreds of metres)


def test_a_click_reports_the_event_id_of_its_tooltip():
    known = {"FE-20250606-1a2b3c4d"}
    assert clicked_event_id({"last_object_clicked_tooltip": "FE-20250606-1a2b3c4d · 疑似"}, known) == \
        "FE-20250606-1a2b3c4d"
    assert clicked_event_id({"last_object_clicked_tooltip": "偃师区 · 管控区"}, known) is None
    assert clicked_event_id({"last_object_clicked_tooltip": None}, known) is None
    assert clicked_event_id(None, known) is None


def test_a_published_payload_is_fetched_instead_of_inlined():
    published: list[bytes] = []

    def publish(data: bytes) -> str:
        published.append(data)
        return "/app/static/cache/map/abc.bin"

    events = _events(300)
    layer = EventLayer(events, name="x", status_labels=LABELS, status_colours=STATUS_COLOURS, publish=publish)
    assert published == [layer.data] and len(layer.data) == 300 * 16
    spec = json.loads(layer.spec_json)
    assert spec["url"] == "/app/static/cache/map/abc.bin" and layer.data_json == '""'
    assert decode(spec | {"data": published[0]})["event_id"].tolist() == events["event_id"].tolist()
    html = build_map([], layers=(layer,)).get_root().render()
    assert "fetchBytes(spec.url)" in client_source("geoaq_map.js") and len(html) < 60_000  # the page stays small
    unpublished = EventLayer(events, name="x", status_labels=LABELS, status_colours=STATUS_COLOURS,
                             publish=lambda data: None)  # nowhere to publish: inline
    assert json.loads(unpublished.spec_json)["url"] is None
    assert base64.b64decode(json.loads(unpublished.data_json)) == layer.data


def test_a_published_payload_starts_downloading_before_the_map_script():
    url = "/app/static/cache/map/abc.bin"
    layer = EventLayer(_events(30), name="x", status_labels=LABELS, status_colours=STATUS_COLOURS,
                       publish=lambda data: url)
    fmap = build_map([], layers=(layer,))
    (first, starter), (second, _), (third, _) = layer.default_js  # after localize_assets, in this order
    assert (first, second, third) == ("geoaq_events_prefetch", "geoaq_map", "supercluster")
    assert starter.startswith("data:text/javascript;charset=utf-8,")
    script = urllib.parse.unquote(starter.split(",", 1)[1])
    assert f"}})({json.dumps(url)});" in script
    # the gzip copy beside the file, unpacked by the browser; the file itself where it can't
    assert "get(url + '.gz', true)" in script and "new DecompressionStream('gzip')" in script
    assert "geoaq.eventLayer(" in fmap.get_root().render()
    assert "window.geoaqPrefetch[url]" in client_source("geoaq_map.js")  # where the layer looks
    inline = EventLayer(_events(30), name="x", status_labels=LABELS, status_colours=STATUS_COLOURS)
    assert [name for name, _ in inline.default_js] == ["geoaq_map", "supercluster"]  # nothing to fetch
