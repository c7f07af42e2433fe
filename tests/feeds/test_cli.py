"""`geoaq feeds run --once` and `geoaq feeds status`: the table of requests in either language
(no Chinese in English), exit status 1 when a request failed, the key never printed, and a site
without an enabled feed told so in one line."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from english import CJK
from feeds_replay import (
    AREA_PATH,
    VALID_KEY,
    Reply,
    firms_answer,
    firms_csv,
    firms_replay,
    write_site,
)

from geoaq.cli import main

SNPP = r"/VIIRS_SNPP_NRT/"


@pytest.fixture
def site(tmp_path, replay, monkeypatch):
    """FIRMS enabled on the replay (every day answered with the S-NPP test rows of 06-26/27)."""
    firms_replay(replay)
    from datetime import date

    replay.route(SNPP, Reply(body=firms_csv("VIIRS_SNPP_NRT", date(2025, 6, 26), 2)))
    write_site(tmp_path / "site", firms={"enabled": True, "base_url": replay.url, "bbox": [97.0, 21.0, 106.0, 29.0],
                                         "backfill_days": 1, "check_key_status": False})
    monkeypatch.setenv("GEOAQ_SITE_DIR", str(tmp_path / "site"))
    monkeypatch.setenv("GEOAQ_FIRMS_MAP_KEY", VALID_KEY)
    return tmp_path / "site"


def invoke(*args: str):
    return CliRunner().invoke(main, list(args))


def test_run_once_prints_each_request_and_status_lists_them(site, migrated_db):
    result = invoke("--lang", "en", "feeds", "run", "--once", "--db", str(migrated_db))
    assert result.exit_code == 0, result.output
    assert "firms: 4 requests, 0 failed" in result.output
    assert "loaded" in result.output and "no rows" in result.output and "VIIRS_SNPP_NRT" in result.output
    assert not CJK.search(result.output) and VALID_KEY not in result.output
    status = invoke("--lang", "en", "feeds", "status", "--db", str(migrated_db))
    assert status.exit_code == 0, status.output
    assert status.output.startswith("firms: last success 20") and "failed since the last success: 0" in status.output
    assert not CJK.search(status.output)
    zh = invoke("--lang", "zh", "feeds", "status", "--db", str(migrated_db))
    assert "已入库" in zh.output and "最近成功" in zh.output
    as_json = invoke("feeds", "status", "--format", "json", "--db", str(migrated_db))
    assert '"status":"ok"' in as_json.output.replace(" ", "") and VALID_KEY not in as_json.output


def test_a_failed_request_makes_the_exit_status_1(site, replay, migrated_db):
    replay.route(AREA_PATH.pattern, firms_answer)
    replay.route(SNPP, Reply(500, b"Internal Server Error"))
    result = invoke("--lang", "en", "feeds", "run", "--once", "--db", str(migrated_db))
    assert result.exit_code == 1
    assert "firms: 4 requests, 1 failed" in result.output
    assert result.output.rstrip().endswith(
        "Error: 1 requests failed (see the error column; `geoaq feeds status` lists them)")


def test_a_refused_key_is_shown_masked(site, migrated_db, monkeypatch):
    secret = "fedcba9876543210fedcba9876543210"
    monkeypatch.setenv("GEOAQ_FIRMS_MAP_KEY", secret)
    result = invoke("--lang", "en", "feeds", "run", "--once", "--format", "csv", "--db", str(migrated_db))
    assert result.exit_code == 1
    assert "FIRMS refused the MAP_KEY" in result.output and "/api/area/csv/****/" in result.output
    assert secret not in result.output


def test_nothing_enabled_is_one_line(migrated_db, tmp_path, monkeypatch):
    result = invoke("--lang", "en", "feeds", "run", "--once", "--db", str(migrated_db))
    assert result.exit_code == 1
    assert result.output.startswith("Error: no feed is enabled in ") and result.output.count("\n") == 1
    named = invoke("feeds", "run", "--feed", "cnemc", "--once", "--db", str(migrated_db))
    assert named.exit_code == 1 and "the cnemc feed is disabled" in named.output
    missing = invoke("feeds", "status", "--db", str(tmp_path / "nope.duckdb"))
    assert missing.exit_code == 1 and "not found" in missing.output
    never = invoke("--lang", "en", "feeds", "status", "--db", str(migrated_db))
    assert never.output == "no feed has run yet\n"
