"""The live-release feed against a replay of an hourly archive: the hours a run asks, missed
hours back-filled, an hour not published waiting then given up (never asked for ever), a
re-run adding nothing, and broken files refused before anything is loaded."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from feeds_replay import LIVE_FILE, Reply, settings
from helpers import table_rows

from geoaq._errors import FeedsRulesError
from geoaq.feeds import cnemc
from geoaq.feeds.cnemc import hours_to_ask, run_cnemc
from geoaq.feeds.runs import recent

#: 13:00 Beijing time on 2026-03-01: the 12:00 file (the test file) is due 40 minutes after 12:00
ONE_PM = datetime(2026, 3, 1, 5, 0, tzinfo=UTC)
LIVE = LIVE_FILE.read_bytes()
ARCHIVE = r"^/Archive/(?P<date>[0-9-]+)/(?P=date)T(?P<hour>\d\d)\.csv$"


def at(moment: datetime):
    return lambda: moment


def hour(h: int, day: int = 1) -> datetime:
    return datetime(2026, 3, day, h)


def live_settings(tmp_path, replay, **values):
    cnemc_values = {"enabled": True, "url": replay.url + "/Archive/{date}/{date}T{hour}.csv",
                    "backfill_hours": 3, "give_up_hours": 3, **values}
    return settings(tmp_path, None, {"enabled": False}, cnemc_values)


def archive(replay, hours: dict[int, Reply]) -> None:
    """The archive holds the 12:00 test file (and whatever `hours` says); others are 404."""
    def answer(match):
        h = int(match["hour"])
        if h in hours:
            return hours[h]
        return Reply(body=LIVE) if (match["date"], h) == ("2026-03-01", 12) else Reply(404, b"404: Not Found")
    replay.route(ARCHIVE, answer)


def test_hours_to_ask_are_the_due_hours_not_settled():
    settled = {hour(11)}
    assert hours_to_ask(ONE_PM, settled, 4, 40) == [hour(9), hour(10), hour(12)]
    assert hours_to_ask(ONE_PM + timedelta(minutes=39), set(), 1, 40) == [hour(12)]
    assert hours_to_ask(ONE_PM + timedelta(minutes=41), set(), 1, 40) == [hour(13)]
    assert hours_to_ask(datetime(2026, 2, 28, 16, 30, tzinfo=UTC), set(), 2, 0) == [
        datetime(2026, 2, 28, 23), hour(0)]  # 00:30 Beijing time
    assert cnemc.hour_url("https://a.example/{year}/{month}{day}/{date}T{hour}.csv", hour(7)) == \
        "https://a.example/2026/0301/2026-03-01T07.csv"
    assert cnemc.given_up(hour(10), ONE_PM, 3) and not cnemc.given_up(hour(11), ONE_PM, 3)


def test_a_run_loads_the_hour_waits_for_one_and_gives_up_another(tmp_path, replay, con, migrated_db):
    archive(replay, {})
    feeds = live_settings(tmp_path, replay)
    done = run_cnemc(feeds, migrated_db, clock=at(ONE_PM))
    assert [(r.hour_bjt, r.status) for r in done] == [(hour(10), "missing"), (hour(11), "waiting"),
                                                        (hour(12), "ok")]
    assert done[0].error == "not published 3 h after the hour: given up"
    assert done[1].error == "not published yet (HTTP 404)"
    ok = done[2]
    assert (ok.rows_read, ok.new_rows, ok.rejected_rows) == (1597, table_rows(con, "readings"), 0)
    assert ok.url == replay.url + "/Archive/2026-03-01/2026-03-01T12.csv"
    assert con.execute("SELECT DISTINCT time_bjt FROM readings").fetchall() == [(hour(12),)]
    assert con.execute("SELECT source_file FROM ingest_runs").fetchall() == [("CNEMC live 2026-03-01T12",)]
    # the next run asks only the hour still waiting; the missing one is never asked again
    asked_before = len(replay.requests)
    again = run_cnemc(feeds, migrated_db, clock=at(ONE_PM + timedelta(minutes=10)))
    assert [(r.hour_bjt, r.status) for r in again] == [(hour(11), "waiting")]
    assert replay.requests[asked_before:] == ["/Archive/2026-03-01/2026-03-01T11.csv"]
    later = run_cnemc(feeds, migrated_db, clock=at(ONE_PM + timedelta(hours=1)))
    assert [(r.hour_bjt, r.status) for r in later] == [(hour(11), "missing"), (hour(13), "waiting")]


def test_missed_hours_are_back_filled_and_a_re_run_adds_nothing(tmp_path, replay, con, migrated_db):
    text = LIVE.decode()
    eleven = text.replace("2026-03-01T1200", "2026-03-01T1100").encode()
    archive(replay, {11: Reply(503, b"busy")})
    feeds = live_settings(tmp_path, replay, give_up_hours=24)
    first = run_cnemc(feeds, migrated_db, clock=at(ONE_PM))
    assert [(r.hour_bjt, r.status) for r in first] == [(hour(10), "waiting"), (hour(11), "failed"),
                                                         (hour(12), "ok")]
    assert "HTTP 503" in first[1].error
    archive(replay, {11: Reply(body=eleven)})
    second = run_cnemc(feeds, migrated_db, clock=at(ONE_PM + timedelta(minutes=5)))
    assert [(r.hour_bjt, r.status) for r in second] == [(hour(10), "waiting"), (hour(11), "ok")]
    assert second[1].new_rows == first[2].new_rows
    stored = table_rows(con, "readings"), table_rows(con, "rejects"), table_rows(con, "stations")
    con.execute("DELETE FROM feed_runs WHERE hour_bjt = ?", [hour(12)])
    third = run_cnemc(feeds, migrated_db, clock=at(ONE_PM + timedelta(minutes=10)))
    assert [(r.hour_bjt, r.status, r.new_rows) for r in third] == [(hour(10), "waiting", None), (hour(12), "ok", 0)]
    assert (table_rows(con, "readings"), table_rows(con, "rejects"), table_rows(con, "stations")) == stored


@pytest.mark.parametrize(("reply", "error"), [
    (Reply(body=LIVE, cut=50_000), "truncated answer (the connection broke off)"),
    (Reply(body=LIVE, cut=50_000, content_length=False), "truncated answer: the last line"),
    (Reply(body=LIVE.replace(b"2026-03-01T1200", b"2026-03-01T1300")), "the file is labelled 2026-03-01 13:00:00, not 2026-03-01 12:00"),
    (Reply(body=b"<!DOCTYPE html><html>login</html>\n", headers={"Content-Type": "text/html"}),
     "not the live release's CSV; the answer starts '<!DOCTYPE html>"),
], ids=["content-length", "cut-line", "wrong-hour", "html"])
def test_a_broken_file_is_refused_before_loading(tmp_path, replay, con, migrated_db, reply, error):
    archive(replay, {12: reply})
    done = run_cnemc(live_settings(tmp_path, replay, backfill_hours=1), migrated_db, clock=at(ONE_PM))
    assert [r.status for r in done] == ["failed"]
    assert error in done[0].error, done[0].error
    assert table_rows(con, "ingest_runs") == 0 and len(recent(con)) == 1


def test_a_header_only_hour_is_empty(tmp_path, replay, con, migrated_db):
    archive(replay, {12: Reply(body=LIVE.split(b"\n", 1)[0] + b"\n")})
    done = run_cnemc(live_settings(tmp_path, replay, backfill_hours=1), migrated_db, clock=at(ONE_PM))
    assert [(r.status, r.rows_read) for r in done] == [("empty", 0)]


def test_an_unreachable_archive_ends_the_run_after_one_hour(tmp_path, con, migrated_db):
    import socket

    with socket.socket() as probe:  # a loopback port nothing listens on
        probe.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{probe.getsockname()[1]}"
    feeds = settings(tmp_path, None, {"enabled": False},
                     {"enabled": True, "url": url + "/{date}T{hour}.csv", "backfill_hours": 5})
    done = run_cnemc(feeds, migrated_db, clock=at(ONE_PM))
    assert [r.status for r in done] == ["failed"] and "cannot connect" in done[0].error


def test_the_url_must_name_the_hour(tmp_path):
    with pytest.raises(FeedsRulesError, match=r"cnemc.url must name the hour"):
        settings(tmp_path, None, {"enabled": False}, {"url": "https://a.example/{date}.csv"})
    with pytest.raises(FeedsRulesError, match=r"unknown placeholder\(s\) \['minute'\]"):
        settings(tmp_path, None, {"enabled": False}, {"url": "https://a.example/{date}T{hour}{minute}.csv"})
    with pytest.raises(FeedsRulesError, match="an enabled live feed needs the URL"):
        settings(tmp_path, None, {"enabled": False}, {"enabled": True})
