"""The Data page's feeds section: each feed's last success and the latest requests, worded in
the page's language (no Chinese in English outside the data)."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pandas as pd
import pytest
from english import LANG, check_english, data_values
from streamlit.testing.v1 import AppTest

from geoaq.db import connection as db
from geoaq.feeds.runs import FeedRequest, record

APP = str(Path(__file__).resolve().parents[2] / "app.py")


@pytest.fixture(autouse=True)
def _signed_in_as_an_administrator(monkeypatch) -> None:
    """The page opens signed in (as tests/app/conftest.py does for the app's tests)."""
    from geoaq.accounts.roles import Actor
    from geoaq.web import auth

    admin = Actor(account_id=0, name="test-admin", role="admin", origin="test")
    monkeypatch.setattr(auth, "session_actor", lambda address: admin)


def _requests() -> list[FeedRequest]:
    start = datetime(2026, 3, 1, 4, 40)
    firms = dict(run_id="r1", feed="firms", run_started_utc=start, started_utc=start, hour_bjt=None)
    live = dict(run_id="r2", feed="cnemc", source="live", run_started_utc=start, started_utc=start,
                first_day=None, day_range=None, url=None)
    return [
        FeedRequest(**firms, source="VIIRS_SNPP_NRT", first_day=date(2026, 2, 28), day_range=2,
                    url="https://firms.example/api/area/csv/****/VIIRS_SNPP_NRT/1,2,3,4/2/2026-02-28",
                    finished_utc=datetime(2026, 3, 1, 4, 41), status="ok", rows_read=12, new_rows=12,
                    changed_rows=0, rejected_rows=0, transactions=2, ingest_id=99),
        FeedRequest(**firms, source="MODIS_NRT", first_day=date(2026, 2, 28), day_range=2, url=None,
                    finished_utc=datetime(2026, 3, 1, 4, 42), status="failed", transactions=4,
                    error="https://firms.example/api/area/csv/****/MODIS_NRT/…: HTTP 503 Service Unavailable"),
        FeedRequest(**live, hour_bjt=datetime(2026, 3, 1, 12), finished_utc=datetime(2026, 3, 1, 4, 43),
                    status="ok", rows_read=1597, new_rows=1597, changed_rows=0, rejected_rows=0,
                    transactions=1),
        FeedRequest(**live, hour_bjt=datetime(2026, 3, 1, 11), finished_utc=datetime(2026, 3, 1, 4, 44),
                    status="waiting", transactions=1, error="not published yet (HTTP 404)"),
    ]


def _texts(at: AppTest) -> list[str]:
    texts = [e.value for kind in ("title", "subheader", "caption", "info", "markdown")
             for e in getattr(at, kind)]
    for frame in (e.value for e in at.dataframe):
        texts += [str(c) for c in frame.columns]
        texts += [str(v) for column in frame.columns for v in frame[column].tolist()]
    return texts


def _frame(at: AppTest, heading: str) -> pd.DataFrame:
    """The page's table whose first column is `heading`."""
    return next(e.value for e in at.dataframe if list(e.value.columns)[:1] == [heading])


def _open(lang: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=300)
    at.session_state["lang"] = lang
    at.run()
    at.switch_page("app_pages/data.py").run()
    assert not at.exception, at.exception
    return at


def test_the_data_page_says_no_feed_has_run(demo_db):
    at = _open(LANG)
    assert "Scheduled feeds" in [s.value for s in at.subheader]
    assert any(i.value.startswith("No feed has run yet") for i in at.info)


def test_the_data_page_shows_the_feed_runs_in_english(demo_db):
    with db.connect(demo_db) as con:
        for request in _requests():
            record(con, request)
    at = _open(LANG)
    summary = _frame(at, "Feed")
    assert list(summary.columns) == ["Feed", "Last success", "Last request", "Its result", "Its error",
                                     "Failed since the last success"]
    rows = {r["Feed"]: r for r in summary.to_dict("records")}
    # Beijing time: 04:43 UTC is 12:43
    assert rows["National live release"]["Last success"] == "2026-03-01 12:43"
    assert rows["National live release"]["Its result"] == "not published yet"
    assert rows["NASA FIRMS fires"]["Last success"] == "2026-03-01 12:41"
    assert rows["NASA FIRMS fires"]["Failed since the last success"] == 1
    latest = _frame(at, "Started")
    assert len(latest) == 4 and set(latest["Result"]) == {"loaded", "failed", "not published yet"}
    assert "2026-02-28 +1" in set(latest["Asked"]) and "2026-03-01 12:00" in set(latest["Asked"])
    check_english(_texts(at), data_values(demo_db))


def test_the_data_page_shows_the_feed_runs_in_chinese(demo_db):
    with db.connect(demo_db) as con:
        for request in _requests():
            record(con, request)
    at = _open("zh")
    summary = _frame(at, "数据源")
    assert "最近成功" in summary.columns and "全国空气质量实时发布" in set(summary["数据源"])
    assert set(_frame(at, "开始时间")["结果"]) == {"已入库", "失败", "尚未发布"}
