"""The live national release feed: one CSV an hour (全国城市空气质量实时发布), every run.

Where the files come from is the site's ``[cnemc] url``: a template filled with the Beijing
time that labels the hour (its end, as the release does): ``{date}`` (2026-03-01), ``{hour}``
(12), or ``{year}``, ``{month}``, ``{day}`` — e.g. an archive laid out as
``…/Archive/{date}/{date}T{hour}.csv``, as the public archive of the sample
``tests/data/cnemc_live_2026-03-01T12.csv`` is.

**What a run asks** (`hours_to_ask`): every hour of the last ``backfill_hours`` whose file is
due (``delay_minutes`` after the hour's end) and that no earlier request settled: loaded
(``ok``/``empty``) or given up (``missing``). Missed hours are back-filled, oldest first.

**An hour not published** (HTTP 404 or 410) is recorded as ``waiting`` and asked again next
run; once it is ``give_up_hours`` old it is recorded as ``missing`` and never asked again (the
platform skips an hour now and then: it must not be asked forever).

**Loading**: the file is downloaded to a temporary file, checked (complete; the live header;
its ``timepoint`` the hour asked) and loaded with `geoaq.ingest.readings.load_readings`
(format ``live``) in one transaction, rejects and the stations layer's merge included; the
natural key (station, hour) makes a repeated hour add nothing.
"""

from __future__ import annotations

import logging
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import requests

from geoaq._errors import FeedError, FeedFetchError, GeoaqError
from geoaq.db import connection as geoaq_db
from geoaq.feeds import files
from geoaq.feeds import http as feeds_http
from geoaq.feeds.clock import Clock, beijing, floor_hour, utc_now
from geoaq.feeds.config import CnemcSettings, FeedsSettings
from geoaq.feeds.runs import FINAL, FeedRequest, Run, since

FEED = "cnemc"
SOURCE = "live"
#: HTTP statuses that say "no such file (yet)"
NOT_PUBLISHED = (404, 410)
_log = logging.getLogger(__name__)


# --- what to ask (pure) ----------------------------------------------------------------------


def hour_url(template: str, hour: datetime) -> str:
    """The URL of the file labelled `hour` (Beijing time)."""
    return template.format(date=f"{hour:%Y-%m-%d}", hour=f"{hour:%H}", year=f"{hour:%Y}",
                           month=f"{hour:%m}", day=f"{hour:%d}")


def latest_due(now_utc: datetime, delay_minutes: int) -> datetime:
    """The last hour (Beijing label) whose file is due at `now_utc`."""
    return floor_hour(beijing(now_utc) - timedelta(minutes=delay_minutes))


def settled_hours(history: pd.DataFrame) -> set[datetime]:
    """The hours a request loaded, found empty or gave up."""
    if history.empty:
        return set()
    rows = history[history["status"].isin(FINAL) & history["hour_bjt"].notna()]
    return {pd.Timestamp(h).to_pydatetime() for h in rows["hour_bjt"]}


def hours_to_ask(now_utc: datetime, settled: set[datetime], backfill_hours: int,
                 delay_minutes: int) -> list[datetime]:
    """The due hours of the last `backfill_hours` not `settled`, oldest first."""
    last = latest_due(now_utc, delay_minutes)
    hours = [last - timedelta(hours=back) for back in range(backfill_hours - 1, -1, -1)]
    return [hour for hour in hours if hour not in settled]


def given_up(hour: datetime, now_utc: datetime, give_up_hours: int) -> bool:
    """Whether an hour still unpublished at `now_utc` is old enough to be recorded missing."""
    return beijing(now_utc) - hour >= timedelta(hours=give_up_hours)


def file_hour(shape: files.CsvShape) -> datetime | None:
    """The hour the file's first row is labelled with (``timepoint``), None if unreadable."""
    from geoaq.ingest.readers import header_key
    from geoaq.ingest.readings import parse_times

    keys = [header_key(h) for h in shape.header]
    if "timepoint" not in keys or len(shape.first_row) <= keys.index("timepoint"):
        return None
    times, _ = parse_times(pa.array([shape.first_row[keys.index("timepoint")]]))
    return None if np.isnat(times[0]) else pd.Timestamp(times[0]).to_pydatetime()


def check_answer(path: Path, hour: datetime, shown: str) -> files.CsvShape:
    """The answer's shape when it is a whole live-release file of `hour`, else the
    `FeedFetchError` saying what it is."""
    from geoaq.ingest.readings.spellings import is_live_header

    shape = files.shape(path, shown)
    if not is_live_header(shape.header):
        head = files.first_line(path)
        raise FeedFetchError(f"{shown}: not the live release's CSV; the answer starts "
                             f"{head[:120]!r}", status=200)
    if shape.data_lines:
        labelled = file_hour(shape)
        if labelled != hour:
            raise FeedFetchError(f"{shown}: the file is labelled {labelled or 'with no readable hour'}"
                                 f", not {hour:%Y-%m-%d %H:%M} (check [cnemc] url)", status=200)
    return shape


# --- a run ------------------------------------------------------------------------------------


def _load(database: object, path: Path, hour: datetime, run_: Run, started: datetime,
          url: str, attempts: int) -> FeedRequest:
    """Load a checked file into readings and record it (on the load's connection)."""
    from geoaq.ingest.readings import load_readings

    with geoaq_db.connect(database) as con:
        report = load_readings(path, con=con, fmt="live", source_name=f"CNEMC live {hour:%Y-%m-%dT%H}")
        return run_.write(con=con, started_utc=started, status="ok", source=SOURCE, hour_bjt=hour,
                          url=url, rows_read=report.rows_read, new_rows=report.inserted,
                          changed_rows=report.updated, rejected_rows=report.rejected_rows,
                          transactions=attempts, ingest_id=report.ingest_id)


def run_cnemc(settings: FeedsSettings, database: object = None, *, clock: Clock = utc_now,
              client: requests.Session | None = None) -> list[FeedRequest]:
    """One run of the live-release feed (see the module notes). Returns the rows written to
    ``feed_runs``, in order. A failed hour is recorded, not raised."""
    cnemc = settings.cnemc
    run_ = Run(FEED, database, clock)
    if not cnemc.url:
        run_.write(started_utc=run_.started_utc, status="failed", source=SOURCE,
                   error="feeds.toml [cnemc] url is empty: the live feed needs the URL of its files")
        return run_.requests
    with geoaq_db.connect(database) as con:
        history = since(con, FEED, run_.started_utc - timedelta(hours=cnemc.backfill_hours + 24))
    hours = hours_to_ask(run_.started_utc, settled_hours(history), cnemc.backfill_hours,
                         cnemc.delay_minutes)
    if not hours:
        return run_.requests
    client = client or feeds_http.session(settings.http)
    _log.info("cnemc: %d hours to ask, %s to %s", len(hours), f"{hours[0]:%Y-%m-%d %H:%M}",
              f"{hours[-1]:%Y-%m-%d %H:%M}")
    with tempfile.TemporaryDirectory(prefix="geoaq-cnemc-") as folder:
        for index, hour in enumerate(hours):
            stop = _one(settings, cnemc, database, client, hour, run_, Path(folder))
            if stop is not None:
                left = len(hours) - index - 1
                if left:
                    _log.warning("cnemc: %d more hours not asked this run: %s", left, stop)
                break
    return run_.requests


def _one(settings: FeedsSettings, cnemc: CnemcSettings, database: object, client: requests.Session,
         hour: datetime, run_: Run, folder: Path) -> FeedError | None:
    """Fetch, check, load and record one hour; returns the error that ends the run (a server
    that does not answer), else None."""
    url = hour_url(cnemc.url, hour)
    shown = feeds_http.mask(url)
    started = run_.now()
    path = folder / f"cnemc_{hour:%Y-%m-%dT%H}.csv"
    attempts = settings.http.retries + 1
    try:
        fetched = feeds_http.fetch(client, url, path, settings.http)
        attempts = fetched.attempts
        shape = check_answer(path, hour, shown)
        if shape.data_lines == 0:
            run_.write(started_utc=started, status="empty", source=SOURCE, hour_bjt=hour, url=shown,
                       rows_read=0, new_rows=0, changed_rows=0, rejected_rows=0,
                       transactions=attempts)
            return None
        done = _load(database, path, hour, run_, started, shown, attempts)
        _log.info("cnemc %s: %s rows, %s new, %s rejected", f"{hour:%Y-%m-%d %H:%M}",
                  done.rows_read, done.new_rows, done.rejected_rows)
        return None
    except FeedFetchError as exc:
        attempts = exc.attempts
        if exc.status in NOT_PUBLISHED:
            missing = given_up(hour, run_.now(), cnemc.give_up_hours)
            run_.write(started_utc=started, status="missing" if missing else "waiting",
                       source=SOURCE, hour_bjt=hour, url=shown, transactions=attempts,
                       error=(f"not published {cnemc.give_up_hours} h after the hour: given up"
                              if missing else f"not published yet (HTTP {exc.status})"))
            return None
        error: FeedError = exc
    except GeoaqError as exc:  # the file reached the loader and was refused: nothing was loaded
        error = FeedError(f"{shown}: {feeds_http.mask(exc)}")
    message = feeds_http.mask(error)
    run_.write(started_utc=started, status="failed", source=SOURCE, hour_bjt=hour, url=shown,
               transactions=attempts, error=message)
    _log.warning("cnemc %s: failed: %s", f"{hour:%Y-%m-%d %H:%M}", message)
    if isinstance(error, FeedFetchError) and error.status is None:
        return error
    return None
