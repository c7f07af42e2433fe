"""The feeds file (shipped disabled, checked key by key, a site's own copy) and the HTTP layer:
masking secrets in texts and in urllib3's log lines, the retry policy, a JSON answer."""

from __future__ import annotations

import logging

import pytest
import requests
from feeds_replay import VALID_KEY, Reply, feeds_toml, settings, write_site

from geoaq._errors import FeedFetchError, FeedsRulesError
from geoaq.feeds import http as feeds_http
from geoaq.feeds.config import FIRMS_SOURCES, feeds_file, load_feeds


def test_the_shipped_file_enables_nothing_and_holds_every_default():
    feeds = load_feeds()
    assert feeds.path == feeds_file() and feeds.path.name == "feeds.toml"
    assert feeds.enabled == []
    assert feeds.firms.sources == FIRMS_SOURCES and feeds.firms.bbox is None
    assert (feeds.firms.day_range, feeds.firms.budget, feeds.firms.backfill_days) == (5, 1000, 10)
    assert feeds.cnemc.url == "" and feeds.http.timeout == (10.0, 60.0)


def test_a_site_file_is_used_instead(tmp_path, monkeypatch):
    write_site(tmp_path / "site", firms={"enabled": True, "sources": ["MODIS_NRT"], "budget": 50})
    monkeypatch.setenv("GEOAQ_SITE_DIR", str(tmp_path / "site"))
    feeds = load_feeds()
    assert feeds.path == tmp_path / "site" / "rules" / "feeds.toml"
    assert feeds.enabled == ["firms"] and feeds.firms.sources == ("MODIS_NRT",) and feeds.firms.budget == 50


@pytest.mark.parametrize(("firms", "message"), [
    ({"sorces": ["MODIS_NRT"]}, "unknown key(s) ['sorces'] in [firms] (did you mean 'sources'?)"),
    ({"sources": ["LANDSAT_NRT"]}, "firms.sources"),
    ({"sources": []}, "firms.sources must be a non-empty list"),
    ({"day_range": 10}, "firms.day_range must be an integer from 1 to 5, got 10"),
    ({"budget": 6000}, "firms.budget must be an integer from 1 to 5000"),
    ({"bbox": [106.0, 21.0, 97.0, 29.0]}, "firms.bbox must be [west, south, east, north] with west < east"),
    ({"bbox": [97.0, 21.0, 106.0]}, "firms.bbox must be [] or [west, south, east, north]"),
    ({"base_url": "ftp://x"}, "firms.base_url must be an http(s):// URL"),
])
def test_a_bad_value_names_its_key(tmp_path, firms, message):
    path = tmp_path / "feeds.toml"
    path.write_text(feeds_toml(firms), "utf-8")
    with pytest.raises(FeedsRulesError) as caught:
        load_feeds(path)
    assert message in str(caught.value) and str(path) in str(caught.value)


def test_mask_takes_out_the_key_and_anything_in_its_place():
    secret = "fedcba9876543210fedcba9876543210"
    text = f"GET https://h/api/area/csv/{secret}/MODIS_NRT/1,2,3,4/1 and ?MAP_KEY={secret}&x=1"
    assert feeds_http.mask(text, [secret]) == ("GET https://h/api/area/csv/****/MODIS_NRT/1,2,3,4/1 "
                                               "and ?MAP_KEY=****&x=1")
    assert feeds_http.mask(f"/api/area/csv/{secret}/VIIRS_SNPP_NRT/") == "/api/area/csv/****/VIIRS_SNPP_NRT/"
    assert feeds_http.mask(f"key {secret} alone", [secret]) == "key **** alone"


def test_urllib3_log_lines_are_masked(replay, caplog):
    secret = "a1b2c3d4e5f6a1b2c3d4e5f6a1b2c3d4"
    feeds_http.hide(secret)
    replay.route(r"^/api/", [Reply(503, b"busy"), Reply(body=b"ok\n")])
    feeds = load_feeds()
    client = feeds_http.session(feeds.http.__class__(1, 1, 1, 0))
    with caplog.at_level(logging.DEBUG):
        client.get(f"{replay.url}/api/area/csv/{secret}/MODIS_NRT/1,2,3,4/1", timeout=2).close()
    lines = [r.getMessage() for r in caplog.records if r.name.startswith("urllib3")]
    assert any("/api/area/csv/****/MODIS_NRT" in line for line in lines)
    assert not any(secret in line for line in lines) and secret not in caplog.text


def test_the_retry_policy_backs_off_on_network_errors_and_5xx():
    feeds = load_feeds()
    policy = feeds_http.retry_policy(feeds.http)
    assert (policy.total, policy.connect, policy.read, policy.status) == (3, 3, 3, 3)
    assert set(policy.status_forcelist) == {500, 502, 503, 504} and policy.backoff_factor == 2
    assert policy.allowed_methods == frozenset({"GET"}) and not policy.raise_on_status


def test_get_json_reads_json_and_refuses_anything_else(tmp_path, replay):
    replay.route(r"^/ok$", Reply(body=b'{"a": 1}'))
    replay.route(r"^/page$", Reply(body=b"<html>no</html>"))
    feeds = settings(tmp_path, replay)
    client = feeds_http.session(feeds.http)
    assert feeds_http.get_json(client, replay.url + "/ok", feeds.http) == {"a": 1}
    with pytest.raises(FeedFetchError, match="not JSON: <html>no</html>"):
        feeds_http.get_json(client, replay.url + "/page", feeds.http)
    with pytest.raises(FeedFetchError, match=r"HTTP 404: 404: Not Found"):
        feeds_http.get_json(client, replay.url + f"/mapserver/mapkey_status/?MAP_KEY={VALID_KEY}", feeds.http)


def test_fetch_writes_the_whole_answer(tmp_path, replay):
    replay.route(r"^/f$", Reply(body=b"a,b\n1,2\n", trickle=0.01, chunk=3))
    feeds = settings(tmp_path, replay)
    got = feeds_http.fetch(requests.Session(), replay.url + "/f", tmp_path / "f.csv", feeds.http)
    assert (got.size, got.attempts, got.path.read_bytes()) == (8, 1, b"a,b\n1,2\n")
