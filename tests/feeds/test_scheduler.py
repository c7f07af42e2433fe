"""The schedule: one job per enabled feed (coalescing, one instance, misfire grace), a job on a
short interval that runs and is recorded, a failing run that never reaches the scheduler."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest
from feeds_replay import VALID_KEY, firms_replay, settings

from geoaq._errors import FeedError
from geoaq.feeds import scheduler
from geoaq.feeds.config import load_feeds
from geoaq.feeds.runs import recent
from geoaq.feeds.scheduler import build_scheduler, chosen, scheduled_run, start_feeds


def test_one_job_per_enabled_feed_coalescing_one_at_a_time(tmp_path):
    feeds = settings(tmp_path, None, {"every_minutes": 15, "misfire_grace_minutes": 5, "run_at_start": False},
                     {"enabled": True, "url": "http://127.0.0.1:9/{date}T{hour}.csv"})
    sched = build_scheduler(feeds, "x.duckdb")
    jobs = {job.id: job for job in sched.get_jobs()}
    assert set(jobs) == {"feed:firms", "feed:cnemc"}
    firms = jobs["feed:firms"]
    assert (firms.coalesce, firms.max_instances, firms.misfire_grace_time) == (True, 1, 300)
    assert firms.trigger.interval.total_seconds() == 15 * 60
    assert firms.args == ("firms", feeds, "x.duckdb")
    assert jobs["feed:cnemc"].trigger.interval.total_seconds() == 60 * 60


def test_the_shipped_file_starts_nothing():
    feeds = load_feeds()
    assert feeds.enabled == []
    sched = start_feeds("never-opened.duckdb", settings=feeds)
    try:
        assert sched.running and sched.get_jobs() == []
    finally:
        sched.shutdown()


def test_a_feed_is_chosen_only_when_enabled(tmp_path):
    feeds = settings(tmp_path, None)
    assert chosen(feeds) == ["firms"] and chosen(feeds, ["firms", "firms"]) == ["firms"]
    with pytest.raises(FeedError, match=r"the cnemc feed is disabled in .*feeds.toml: set \[cnemc\] enabled = true"):
        chosen(feeds, ["cnemc"])
    with pytest.raises(FeedError, match="no feed 'noaa'"):
        chosen(feeds, ["noaa"])


def test_a_job_on_a_short_interval_runs_and_is_recorded(tmp_path, replay, con, migrated_db, monkeypatch):
    firms_replay(replay)
    monkeypatch.setenv("GEOAQ_FIRMS_MAP_KEY", VALID_KEY)
    feeds = settings(tmp_path, replay, {"every_minutes": 0.02, "run_at_start": False, "backfill_days": 1,
                                        "sources": ["VIIRS_NOAA20_NRT"]})
    sched = start_feeds(migrated_db, settings=feeds)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and recent(con)["run_id"].nunique() < 2:
            time.sleep(0.2)
    finally:
        sched.shutdown(wait=True)
    runs = recent(con)
    assert runs["run_id"].nunique() >= 2
    assert set(runs["status"]) == {"empty"} and set(runs["feed"]) == {"firms"}
    assert replay.count(r"/VIIRS_NOAA20_NRT/") == len(runs)


def test_a_run_that_breaks_is_logged_and_recorded_never_raised(tmp_path, con, migrated_db, monkeypatch, caplog):
    secret = "fedcba9876543210fedcba9876543210"

    def broken(settings, database, clock=None):
        raise RuntimeError(f"boom at https://f.example/api/area/csv/{secret}/MODIS_NRT/1,2,3,4/1/2025-06-27")

    monkeypatch.setitem(scheduler.RUNNERS, "firms", broken)
    scheduled_run("firms", settings(tmp_path, None), migrated_db)
    row = recent(con).iloc[0]
    assert (row["feed"], row["status"]) == ("firms", "failed")
    assert row["error"].startswith("RuntimeError: boom at https://f.example/api/area/csv/****/MODIS_NRT/")
    assert secret not in caplog.text and "the run failed" in caplog.text


def test_run_feed_runs_the_named_feed(tmp_path, replay, con, migrated_db):
    firms_replay(replay)
    feeds = settings(tmp_path, replay, {"backfill_days": 1, "sources": ["VIIRS_NOAA21_NRT"]})
    noon = datetime(2025, 6, 27, 12, tzinfo=UTC)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GEOAQ_FIRMS_MAP_KEY", VALID_KEY)
        done = scheduler.run_feed("firms", feeds, migrated_db, clock=lambda: noon)
    assert [(r.feed, r.status) for r in done] == [("firms", "empty")]
