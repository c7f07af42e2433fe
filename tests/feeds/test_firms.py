"""The FIRMS feed against a replay of the area API: what a run asks, back-fill after a failed
run, a re-run adding nothing, the key refused and masked, the rate limit, and every broken
answer (an error page, an empty day, a truncated body, a slow answer, a 503 then success)."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta

import pandas as pd
import pytest
from feeds_replay import (
    AREA_PATH,
    VALID_KEY,
    Reply,
    all_rows,
    firms_answer,
    firms_csv,
    firms_replay,
    key_status,
    settings,
)
from helpers import DATA, table_rows

from geoaq.feeds import firms
from geoaq.feeds.firms import Ask, plan_days, run_firms
from geoaq.feeds.runs import recent

NOON = datetime(2025, 6, 27, 12, 0, tzinfo=UTC)
SNPP = r"/VIIRS_SNPP_NRT/"


def at(moment: datetime):
    return lambda: moment


def rows_of(con, source: str = "N") -> int:
    return con.execute("SELECT count(*) FROM fire_points WHERE satellite = ?", [source]).fetchone()[0]


def feed_rows(con) -> pd.DataFrame:
    return recent(con, "firms", 1000).sort_values(["started_utc", "source"]).reset_index(drop=True)


# --- planning (pure) --------------------------------------------------------------------------


@pytest.mark.parametrize(("done", "backfill", "day_range", "expected"), [
    ((), 1, 5, [(27, 1)]),
    ((), 7, 5, [(21, 5), (26, 2)]),
    ((21, 22, 23, 24, 25, 26), 7, 5, [(27, 1)]),
    ((21, 22, 25), 7, 5, [(23, 2), (26, 2)]),
    ((), 7, 2, [(21, 2), (23, 2), (25, 2), (27, 1)]),
    ((24,), 7, 5, [(21, 3), (25, 3)]),
], ids=str)
def test_plan_days_asks_the_days_not_done_in_spans_of_at_most_day_range(done, backfill, day_range, expected):
    days = {date(2025, 6, d) for d in done}
    got = plan_days(date(2025, 6, 27), days, backfill, day_range)
    assert [(first.day, n) for first, n in got] == expected


def test_a_day_counts_done_only_when_asked_after_it_was_over_and_settled():
    history = pd.DataFrame({
        "source": ["VIIRS_SNPP_NRT"] * 3, "first_day": pd.to_datetime(["2025-06-20", "2025-06-25", "2025-06-27"]),
        "day_range": [5, 2, 1], "status": ["ok", "ok", "ok"],
        "finished_utc": pd.to_datetime(["2025-06-25 12:00", "2025-06-27 05:00", "2025-06-27 23:00"]),
    })
    done = firms.done_days(history, "VIIRS_SNPP_NRT", settle_hours=6)
    # 06-24 ended 06-25 00:00 + 6 h ≤ 12:00: done; 06-26 ended 06-27 00:00 + 6 h > 05:00: not yet
    assert done == {date(2025, 6, d) for d in (20, 21, 22, 23, 24, 25)}
    assert firms.done_days(history, "MODIS_NRT", 6) == set()
    failed = history.assign(status="failed")
    assert firms.done_days(failed, "VIIRS_SNPP_NRT", 6) == set()


def test_the_area_is_widened_and_written_outward():
    box = firms.widen((112.0, 34.0, 113.0, 35.0), margin_km=11.132)
    assert box[1] == pytest.approx(33.9) and box[3] == pytest.approx(35.1)
    assert box[0] < 111.88 and box[2] > 113.12  # a degree of longitude is shorter at 35° N
    assert firms.area_text((97.00001, 21.5, 105.99991, 28.99999)) == "97.0000,21.5000,106.0000,29.0000"
    url = firms.area_url("https://f.example/", "KEY", Ask("MODIS_NRT", date(2025, 6, 26), 2), (1, 2, 3, 4))
    assert url == "https://f.example/api/area/csv/KEY/MODIS_NRT/1.0000,2.0000,3.0000,4.0000/2/2025-06-26"


# --- runs against the replay ----------------------------------------------------------------


def test_a_run_loads_the_asked_days_of_every_source_and_records_each_request(tmp_path, replay, con, migrated_db):
    firms_replay(replay)
    feeds = settings(tmp_path, replay, {"backfill_days": 7})
    done = run_firms(feeds, migrated_db, clock=at(NOON), key=VALID_KEY)
    assert [(r.source, r.first_day, r.day_range, r.status) for r in done] == [
        (source, first, n, status)
        for source in ("VIIRS_SNPP_NRT", "VIIRS_NOAA20_NRT", "VIIRS_NOAA21_NRT", "MODIS_NRT")
        for first, n, status in (
            (date(2025, 6, 21), 5, "ok" if source in ("VIIRS_SNPP_NRT",) else "empty"),
            (date(2025, 6, 26), 2, "ok" if source in ("VIIRS_SNPP_NRT", "MODIS_NRT") else "empty"))]
    assert rows_of(con, "N") == 20 and rows_of(con, "T") + rows_of(con, "A") == 20
    stored = feed_rows(con)
    assert len(stored) == 8 and set(stored["run_id"]) == {done[0].run_id}
    first = stored[(stored["source"] == "VIIRS_SNPP_NRT") & (stored["first_day"] == "2025-06-21")].iloc[0]
    assert first["url"] == f"{replay.url}/api/area/csv/****/VIIRS_SNPP_NRT/97.0000,21.0000,106.0000,29.0000/5/2025-06-21"
    assert (first["rows_read"], first["new_rows"], first["rejected_rows"]) == (all_rows("VIIRS_SNPP_NRT", date(2025, 6, 21), date(2025, 6, 25)), 3, 0)
    assert sorted(stored["transactions"].tolist()) == [2] * 4 + [5] * 4
    ingest = con.execute("SELECT source_file FROM ingest_runs ORDER BY ingest_id").fetchall()
    assert ingest == [("FIRMS VIIRS_SNPP_NRT 2025-06-21..2025-06-25",), ("FIRMS VIIRS_SNPP_NRT 2025-06-26..2025-06-27",),
                      ("FIRMS MODIS_NRT 2025-06-26..2025-06-27",)]


def test_a_re_run_adds_nothing(tmp_path, replay, con, migrated_db):
    firms_replay(replay)
    feeds = settings(tmp_path, replay, {"backfill_days": 7})
    run_firms(feeds, migrated_db, clock=at(NOON), key=VALID_KEY)
    before = (table_rows(con, "fire_points"), table_rows(con, "rejects"))
    again = run_firms(feeds, migrated_db, clock=at(NOON + timedelta(minutes=5)), key=VALID_KEY)
    # the days over and settled are not asked again; today (06-27) is, and nothing is new
    assert {(r.first_day, r.day_range) for r in again} == {(date(2025, 6, 27), 1)}
    assert [r.status for r in again] == ["ok", "empty", "empty", "empty"]
    assert sum(r.new_rows for r in again) == 0 and again[0].rows_read == 11
    assert (table_rows(con, "fire_points"), table_rows(con, "rejects")) == before
    # asking everything again (a site clearing its records) adds nothing either
    con.execute("DELETE FROM feed_runs")
    third = run_firms(feeds, migrated_db, clock=at(NOON), key=VALID_KEY)
    assert sum(r.new_rows for r in third) == 0 and sum(r.rows_read for r in third) == 40
    assert (table_rows(con, "fire_points"), table_rows(con, "rejects")) == before


def test_the_gap_after_a_failed_run_is_back_filled(tmp_path, replay, con, migrated_db):
    firms_replay(replay)
    feeds = settings(tmp_path, replay, {"backfill_days": 7, "sources": ["VIIRS_SNPP_NRT"]})
    first = run_firms(feeds, migrated_db, clock=at(datetime(2025, 6, 23, 12, tzinfo=UTC)), key=VALID_KEY)
    assert [(r.first_day, r.day_range, r.status) for r in first] == [(date(2025, 6, 17), 5, "empty"),
                                                                       (date(2025, 6, 22), 2, "ok")]
    assert rows_of(con) == 1  # the detection of 06-22
    replay.route(AREA_PATH.pattern, Reply(503, b"Service Unavailable", {"Content-Type": "text/plain"}))
    failed = run_firms(feeds, migrated_db, clock=at(datetime(2025, 6, 25, 12, tzinfo=UTC)), key=VALID_KEY)
    assert [(r.first_day, r.day_range, r.status) for r in failed] == [(date(2025, 6, 23), 3, "failed")]
    assert "HTTP 503" in failed[0].error and failed[0].transactions == 3 * 2  # tried twice
    assert rows_of(con) == 1
    replay.route(AREA_PATH.pattern, firms_answer)
    third = run_firms(feeds, migrated_db, clock=at(NOON), key=VALID_KEY)
    # 06-23 (asked before it was over), 06-24 and 06-25 (the failed run's), 06-26 and today
    assert [(r.first_day, r.day_range, r.status) for r in third] == [(date(2025, 6, 23), 5, "ok")]
    assert rows_of(con) == 20 and third[0].new_rows == 19


def test_a_bad_key_is_one_error_recorded_with_the_key_masked(tmp_path, replay, con, migrated_db, caplog):
    firms_replay(replay)
    secret = "fedcba9876543210fedcba9876543210"
    feeds = settings(tmp_path, replay, {"backfill_days": 7, "check_key_status": True})
    with caplog.at_level(logging.DEBUG):
        done = run_firms(feeds, migrated_db, clock=at(NOON), key=secret)
    assert len(done) == 1 and done[0].status == "failed"
    assert "FIRMS refused the MAP_KEY" in done[0].error and "Invalid MAP_KEY." in done[0].error
    assert "/api/area/csv/****/VIIRS_SNPP_NRT/" in done[0].error
    assert replay.count(r"^/api/area/") == 1  # nothing more asked
    stored = recent(con, None, 100)
    assert len(stored) == 1
    texts = [str(v) for v in stored.iloc[0].tolist()] + [caplog.text] + [r.getMessage() for r in caplog.records]
    assert not any(secret in text for text in texts)
    assert any("****" in r.getMessage() for r in caplog.records if r.name.startswith("urllib3"))
    assert table_rows(con, "ingest_runs") == 0


def test_no_key_is_recorded_as_a_failed_run(tmp_path, replay, con, migrated_db, monkeypatch):
    monkeypatch.delenv("GEOAQ_FIRMS_MAP_KEY", raising=False)
    done = run_firms(settings(tmp_path, replay), migrated_db, clock=at(NOON))
    assert [(r.status, r.error) for r in done] == [
        ("failed", "GEOAQ_FIRMS_MAP_KEY is not set: the FIRMS feed needs a MAP_KEY")]
    assert replay.requests == []


def test_the_key_comes_from_the_environment(tmp_path, replay, con, migrated_db, monkeypatch):
    firms_replay(replay)
    monkeypatch.setenv("GEOAQ_FIRMS_MAP_KEY", VALID_KEY)
    done = run_firms(settings(tmp_path, replay, {"sources": ["VIIRS_SNPP_NRT"], "backfill_days": 2}),
                     migrated_db, clock=at(NOON))
    assert [r.status for r in done] == ["ok"] and rows_of(con) == 6 + 11  # 06-26 and 06-27


def test_the_area_is_the_jurisdiction_when_no_box_is_set(tmp_path, replay, con, migrated_db):
    from geoaq.ingest.layer import ingest

    firms_replay(replay)
    feeds = settings(tmp_path, replay, {"bbox": [], "margin_km": 0, "backfill_days": 1,
                                        "sources": ["MODIS_NRT"]})
    nowhere = run_firms(feeds, migrated_db, clock=at(NOON), key=VALID_KEY)
    assert [r.status for r in nowhere] == ["failed"] and "admin_units layer is empty" in nowhere[0].error
    ingest("admin_units", DATA / "luoyang_counties.geojson", con=con)
    west, south, east, north = con.execute(
        "SELECT min(ST_XMin(geom)), min(ST_YMin(geom)), max(ST_XMax(geom)), max(ST_YMax(geom)) FROM admin_units").fetchone()
    done = run_firms(feeds, migrated_db, clock=at(NOON), key=VALID_KEY)
    assert done[-1].status == "empty"
    area = AREA_PATH.match(replay.requests[-1])["area"]
    assert [float(v) for v in area.split(",")] == pytest.approx([west, south, east, north], abs=1e-4)


def test_an_empty_day_is_a_success_without_rows(tmp_path, replay, con, migrated_db):
    firms_replay(replay)
    done = run_firms(settings(tmp_path, replay, {"sources": ["VIIRS_NOAA21_NRT"], "backfill_days": 1}),
                     migrated_db, clock=at(NOON), key=VALID_KEY)
    assert [(r.status, r.rows_read, r.new_rows) for r in done] == [("empty", 0, 0)]
    assert table_rows(con, "ingest_runs") == 0


@pytest.mark.parametrize(("reply", "error"), [
    (Reply(body=firms_csv("VIIRS_SNPP_NRT", date(2025, 6, 26), 2), cut=700),
     "truncated answer (the connection broke off): "),
    (Reply(body=firms_csv("VIIRS_SNPP_NRT", date(2025, 6, 26), 2), cut=700, content_length=False),
     "truncated answer: the last line is cut"),
    (Reply(body=firms_csv("VIIRS_SNPP_NRT", date(2025, 6, 26), 2).rsplit(b",", 3)[0] + b"\n",
           content_length=False), "truncated answer: the last line has 10 of the header's 13 fields"),
    (Reply(body=b"<html><body>Service temporarily down for maintenance</body></html>\n",
           headers={"Content-Type": "text/html"}), "not a FIRMS CSV; the answer starts '<html>"),
    (Reply(body=firms_csv("MODIS_NRT", date(2025, 6, 26), 1)), "a MODIS file for the source VIIRS_SNPP_NRT"),
    (Reply(404, b"Not Found", {"Content-Type": "text/plain"}), "HTTP 404 Not Found: Not Found"),
], ids=["content-length", "cut-line", "short-last-line", "html", "wrong-instrument", "404"])
def test_a_broken_answer_is_a_recorded_error_and_loads_nothing(tmp_path, replay, con, migrated_db, reply, error):
    replay.route(AREA_PATH.pattern, reply)
    feeds = settings(tmp_path, replay, {"sources": ["VIIRS_SNPP_NRT", "VIIRS_NOAA20_NRT"], "backfill_days": 2})
    done = run_firms(feeds, migrated_db, clock=at(NOON), key=VALID_KEY)
    assert [r.status for r in done] == ["failed", "failed"]  # one broken answer does not stop the run
    assert error in done[0].error, done[0].error
    assert table_rows(con, "ingest_runs") == 0 and not con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'fire_points'").fetchone()[0]
    assert len(recent(con)) == 2


def test_a_slow_answer_times_out_and_ends_the_run(tmp_path, replay, con, migrated_db):
    firms_replay(replay)
    replay.route(SNPP, Reply(body=firms_csv("VIIRS_SNPP_NRT", date(2025, 6, 26), 2), delay=2.5))
    feeds = settings(tmp_path, replay, {"backfill_days": 2}, http={"read_timeout_s": 0.5, "retries": 1})
    done = run_firms(feeds, migrated_db, clock=at(NOON), key=VALID_KEY)
    assert [(r.source, r.status) for r in done] == [("VIIRS_SNPP_NRT", "failed")]
    assert "no answer in time (connect 2 s, read 0.5 s) after 2 tries" in done[0].error
    assert replay.count(SNPP) == 2 and done[0].transactions == 2 * 2
    assert table_rows(con, "ingest_runs") == 0


def test_a_503_is_retried_with_back_off_then_loaded(tmp_path, replay, con, migrated_db):
    firms_replay(replay)
    busy = Reply(503, b"busy", {"Content-Type": "text/plain", "Retry-After": "0"})
    replay.route(SNPP, [busy, Reply(body=firms_csv("VIIRS_SNPP_NRT", date(2025, 6, 26), 2))])
    feeds = settings(tmp_path, replay, {"sources": ["VIIRS_SNPP_NRT"], "backfill_days": 2},
                     http={"retries": 2, "backoff_s": 0.05})
    done = run_firms(feeds, migrated_db, clock=at(NOON), key=VALID_KEY)
    assert [(r.status, r.new_rows, r.transactions) for r in done] == [("ok", 17, 2 * 2)]
    assert replay.count(SNPP) == 2


# --- the rate limit -----------------------------------------------------------------------------


def test_the_budget_caps_the_transactions_of_any_ten_minutes(tmp_path, replay, con, migrated_db):
    firms_replay(replay)
    feeds = settings(tmp_path, replay, {"backfill_days": 1, "budget": 3})
    first = run_firms(feeds, migrated_db, clock=at(NOON), key=VALID_KEY)
    assert [r.status for r in first] == ["ok", "empty", "empty", "deferred"]
    assert "rate-limit budget spent: 3 transactions per 10 minutes" in first[-1].error
    assert first[-1].transactions == 0 and replay.count(r"^/api/area/") == 3
    soon = run_firms(feeds, migrated_db, clock=at(NOON + timedelta(minutes=9)), key=VALID_KEY)
    assert [r.status for r in soon] == ["deferred"] * 4 and replay.count(r"^/api/area/") == 3
    later = run_firms(feeds, migrated_db, clock=at(NOON + timedelta(minutes=11)), key=VALID_KEY)
    assert [r.status for r in later] == ["ok", "empty", "empty", "deferred"]
    assert replay.count(r"^/api/area/") == 6


def test_what_firms_says_the_key_used_counts_too(tmp_path, replay, con, migrated_db):
    firms_replay(replay, used=4998)
    feeds = settings(tmp_path, replay, {"backfill_days": 1, "check_key_status": True})
    done = run_firms(feeds, migrated_db, clock=at(NOON), key=VALID_KEY)
    assert [r.status for r in done] == ["ok", "empty", "deferred", "deferred"]
    assert done[-1].error == "FIRMS says the key has used 4,998 of its 5,000 transactions of the last 10 minutes"
    assert replay.count(r"^/mapserver/mapkey_status/\?MAP_KEY=" + VALID_KEY) == 1


def test_a_key_status_that_cannot_be_read_leaves_the_site_budget(tmp_path, replay, con, migrated_db, caplog):
    firms_replay(replay)
    replay.route(r"^/mapserver/", Reply(body=b"MAP_KEY is invalid or your have exceeded your limit."))
    feeds = settings(tmp_path, replay, {"backfill_days": 1, "check_key_status": True,
                                        "sources": ["VIIRS_SNPP_NRT"]})
    done = run_firms(feeds, migrated_db, clock=at(NOON), key=VALID_KEY)
    assert [r.status for r in done] == ["ok"]
    assert "key status not available" in caplog.text and VALID_KEY not in caplog.text


def test_an_answer_saying_the_limit_is_exceeded_defers_the_rest(tmp_path, replay, con, migrated_db):
    firms_replay(replay)
    replay.route(SNPP, Reply(429, b"Exceeding allowed transaction limit", {"Content-Type": "text/plain"}))
    done = run_firms(settings(tmp_path, replay, {"backfill_days": 1}), migrated_db, clock=at(NOON), key=VALID_KEY)
    assert [r.status for r in done] == ["failed", "deferred", "deferred", "deferred"]
    assert "FIRMS rate limit reached" in done[0].error
    assert replay.count(r"^/api/area/") == 1


def test_window_used_counts_the_last_ten_minutes():
    history = pd.DataFrame({"started_utc": pd.to_datetime(["2025-06-27 11:49", "2025-06-27 11:51", "2025-06-27 11:59"]),
                            "transactions": [5, 2, 1]})
    assert firms.window_used(history, NOON) == 3
    assert firms.allowance(settings_of(budget=10), 3, None) == 7
    assert firms.allowance(settings_of(budget=10), 3, (4996, 5000)) == 4
    assert firms.allowance(settings_of(budget=10), 12, None) == 0


def settings_of(**values):
    from dataclasses import replace

    from geoaq.feeds.config import load_feeds

    return replace(load_feeds().firms, **values)


def test_key_status_is_parsed(replay):
    from geoaq.feeds.config import load_feeds
    from geoaq.feeds.http import session

    replay.route(r"^/mapserver/", key_status(12))
    feeds = load_feeds()
    from dataclasses import replace
    feeds = replace(feeds, firms=replace(feeds.firms, base_url=replay.url))
    assert firms.key_status(session(feeds.http), feeds, VALID_KEY) == (12, 5000)
