"""The NASA FIRMS feed: the jurisdiction's active fires from the FIRMS area API, every run.

A request is ``{base_url}/api/area/csv/{MAP_KEY}/{SOURCE}/{west},{south},{east},{north}/
{DAY_RANGE}/{DATE}``: the detections of one source (VIIRS_SNPP_NRT, VIIRS_NOAA20_NRT,
VIIRS_NOAA21_NRT, MODIS_NRT) from the UTC day DATE over DAY_RANGE days (1–5), as a FIRMS CSV.

**What a run asks** (`plan_days`): per source, every UTC day of the last ``backfill_days``
that no earlier successful request covered *after the day was over* (its end plus
``settle_hours``, while FIRMS still adds the day's last passes). So each run asks today and
yesterday again, and a failed run or a stopped service leaves days that the next run asks too:
gaps since the last success are back-filled. Consecutive days go in one request of up to
``day_range`` days.

**The area** is ``bbox`` from the feeds file, else the extent of the ``admin_units`` layer,
widened by ``margin_km`` on every side.

**Loading**: each answer is downloaded to a temporary file, checked (complete, a FIRMS header
of the source's instrument; a header alone is an empty day) and loaded with
`geoaq.ingest.layer.ingest` into ``fire_points`` in one transaction, rejects and all; the
layer's natural key (latitude, longitude, acq_date, acq_time, satellite) makes a repeated
request add nothing.

**The key** (``GEOAQ_FIRMS_MAP_KEY``) is masked in every message, log line and stored URL. A
refused key (HTTP 400 "Invalid MAP_KEY.") is one failed request recorded, and the run asks
nothing more.

**The rate limit**: FIRMS allows 5,000 transactions per key in 10 minutes, a request of N days
counting N. A run spends at most the site's ``budget`` in any 10 minutes, counting what
`feed_runs` recorded in the last 10 minutes (retries included) and, when
``check_key_status``, what FIRMS's ``/mapserver/mapkey_status/`` says the key has used (the
key may serve others too). Requests beyond it are recorded as deferred and asked next run; an
answer saying the limit is exceeded defers the rest too.
"""

from __future__ import annotations

import logging
import math
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import pandas as pd
import requests

from geoaq import config
from geoaq._errors import (
    FeedError,
    FeedFetchError,
    FeedKeyError,
    FeedRateLimitError,
    GeoaqError,
)
from geoaq.db import connection as geoaq_db
from geoaq.db.named import run
from geoaq.db.store import table_exists
from geoaq.feeds import files
from geoaq.feeds import http as feeds_http
from geoaq.feeds.clock import Clock, naive_utc, utc_now
from geoaq.feeds.config import FIRMS_LIMIT, FIRMS_WINDOW_MINUTES, FeedsSettings, FirmsSettings
from geoaq.feeds.runs import SUCCESS, FeedRequest, Run, since
from geoaq.ingest.firms import detect_instrument

FEED = "firms"
LAYER = "fire_points"
KM_PER_DEGREE = 111.32
_log = logging.getLogger(__name__)

Box = tuple[float, float, float, float]


# --- what to ask (pure) ----------------------------------------------------------------------


@dataclass(frozen=True)
class Ask:
    """One request to make: a source, its first UTC day and how many days."""

    source: str
    first_day: date
    days: int

    @property
    def last_day(self) -> date:
        return self.first_day + timedelta(days=self.days - 1)

    def label(self) -> str:
        return f"{FEED} {self.source} {self.first_day}" + (f"..{self.last_day}" if self.days > 1 else "")


def widen(box: Box, margin_km: float) -> Box:
    """`box` widened by `margin_km` on every side (longitude degrees shrink with latitude)."""
    west, south, east, north = box
    dlat = margin_km / KM_PER_DEGREE
    widest = max(abs(south), abs(north))
    dlon = margin_km / (KM_PER_DEGREE * max(math.cos(math.radians(min(widest, 89.0))), 0.01))
    return (max(west - dlon, -180.0), max(south - dlat, -90.0), min(east + dlon, 180.0),
            min(north + dlat, 90.0))


def area_text(box: Box) -> str:
    """``west,south,east,north`` with 4 decimals (about 10 m), outward so nothing is cut."""
    west, south, east, north = box
    return ",".join(f"{v:.4f}" for v in (math.floor(west * 1e4) / 1e4, math.floor(south * 1e4) / 1e4,
                                           math.ceil(east * 1e4) / 1e4, math.ceil(north * 1e4) / 1e4))


def area_url(base_url: str, key: str, ask: Ask, box: Box) -> str:
    return (f"{base_url.rstrip('/')}/api/area/csv/{key}/{ask.source}/{area_text(box)}/"
            f"{ask.days}/{ask.first_day.isoformat()}")


def status_url(base_url: str, key: str) -> str:
    return f"{base_url.rstrip('/')}/mapserver/mapkey_status/?MAP_KEY={key}"


def done_days(history: pd.DataFrame, source: str, settle_hours: int) -> set[date]:
    """The UTC days of `source` that a successful request covered after they were over
    (their end plus `settle_hours`)."""
    done: set[date] = set()
    if history.empty:
        return done
    rows = history[(history["source"] == source) & history["status"].isin(SUCCESS)
                   & history["first_day"].notna()]
    settle = timedelta(days=1, hours=settle_hours)
    for first, count, finished in zip(rows["first_day"], rows["day_range"], rows["finished_utc"],
                                      strict=True):
        first = pd.Timestamp(first).date()
        finished = pd.Timestamp(finished).to_pydatetime()
        for offset in range(int(count)):
            day = first + timedelta(days=offset)
            if finished >= datetime.combine(day, datetime.min.time()) + settle:
                done.add(day)
    return done


def plan_days(today: date, done: set[date], backfill_days: int, day_range: int) -> list[tuple[date, int]]:
    """(first day, days) of the requests for the last `backfill_days` up to `today` without the
    `done` ones: runs of consecutive days, each cut into requests of at most `day_range`."""
    wanted = [today - timedelta(days=back) for back in range(backfill_days - 1, -1, -1)]
    wanted = [day for day in wanted if day not in done]
    spans: list[tuple[date, int]] = []
    for day in wanted:
        if spans and spans[-1][0] + timedelta(days=spans[-1][1]) == day and spans[-1][1] < day_range:
            spans[-1] = (spans[-1][0], spans[-1][1] + 1)
        else:
            spans.append((day, 1))
    return spans


def plan(settings: FirmsSettings, history: pd.DataFrame, now_utc: datetime) -> list[Ask]:
    """Every request of a run at `now_utc`, source by source, oldest days first."""
    today = naive_utc(now_utc).date()
    asks = []
    for source in settings.sources:
        done = done_days(history, source, settings.settle_hours)
        asks += [Ask(source, first, days)
                 for first, days in plan_days(today, done, settings.backfill_days, settings.day_range)]
    return asks


def window_used(history: pd.DataFrame, now_utc: datetime) -> int:
    """Transactions recorded in the rate limit's window (the last 10 minutes) before `now_utc`."""
    if history.empty:
        return 0
    start = naive_utc(now_utc) - timedelta(minutes=FIRMS_WINDOW_MINUTES)
    recent = history[pd.to_datetime(history["started_utc"]) >= start]
    return int(recent["transactions"].fillna(0).sum())


def expected_instrument(source: str) -> str:
    return "MODIS" if source.startswith("MODIS") else "VIIRS"


# --- the answer -------------------------------------------------------------------------------


def refusal(text: str, status: int | None) -> FeedError | None:
    """The key or rate-limit error an answer (its first line, or an error page) stands for."""
    lowered = text.lower()
    if "invalid map_key" in lowered or "map_key is invalid" in lowered:
        return FeedKeyError(f"FIRMS refused the MAP_KEY (GEOAQ_FIRMS_MAP_KEY): {text.strip()}; "
                            "check the key; nothing more is asked this run")
    if status == 429 or ("exceed" in lowered and ("limit" in lowered or "transaction" in lowered)):
        return FeedRateLimitError(f"FIRMS rate limit reached: {text.strip()}; the other requests "
                                  "wait for the next run")
    return None


def check_answer(path: Path, ask: Ask, shown: str) -> files.CsvShape:
    """The answer's shape, when it is a whole FIRMS CSV of the source's instrument; else the
    `FeedKeyError`, `FeedRateLimitError` or `FeedFetchError` it stands for."""
    head = files.first_line(path)
    problem = refusal(head, 200)
    if problem is not None:
        raise problem
    shape = files.shape(path, shown)
    instrument = detect_instrument(shape.header)
    if instrument is None:
        raise FeedFetchError(f"{shown}: not a FIRMS CSV; the answer starts {head[:120]!r}", status=200)
    if instrument != expected_instrument(ask.source):
        raise FeedFetchError(f"{shown}: a {instrument} file for the source {ask.source}", status=200)
    return shape


# --- a run ------------------------------------------------------------------------------------


def jurisdiction(con: geoaq_db.Connection) -> Box | None:
    """The extent of the ``admin_units`` layer, None when it holds nothing."""
    if not table_exists(con, "admin_units"):
        return None
    row = run(con, "feeds_admin_extent").fetchone()
    return None if row is None or any(v is None for v in row) else tuple(float(v) for v in row)


def key_status(client: requests.Session, settings: FeedsSettings, key: str) -> tuple[int, int] | None:
    """(transactions used, limit) of the key in FIRMS's current window, None when FIRMS does
    not say (a logged warning: the site's own count still holds)."""
    try:
        answer = feeds_http.get_json(client, status_url(settings.firms.base_url, key), settings.http)
    except FeedFetchError as exc:
        _log.warning("firms: key status not available: %s", feeds_http.mask(exc))
        return None
    if not isinstance(answer, dict) or "current_transactions" not in answer:
        _log.warning("firms: key status not understood: %s", feeds_http.mask(answer)[:200])
        return None
    try:
        used = int(answer.get("current_transactions") or 0)
        limit = int(answer.get("transaction_limit") or FIRMS_LIMIT)
    except (TypeError, ValueError):
        return None
    return used, limit


def allowance(settings: FirmsSettings, used_here: int, status: tuple[int, int] | None) -> int:
    """Transactions this run may spend: the site's budget less its own recent use, and no
    more than FIRMS says the key has left."""
    left = settings.budget - used_here
    if status is not None:
        left = min(left, status[1] - status[0])
    return max(left, 0)


def _load(database: object, path: Path, ask: Ask, run_: Run, started: datetime, url: str,
          transactions: int) -> FeedRequest:
    """Load a checked answer into fire_points and record it (on the load's connection)."""
    from geoaq.fires.check import regroup_after_load
    from geoaq.ingest.layer import ingest

    def progress(stage: str, done: int, total: int) -> None:
        if stage in ("validating", "writing"):
            _log.info("%s: %s %s rows", ask.label(), stage, f"{total:,}")

    name = f"FIRMS {ask.source} {ask.first_day}" + (f"..{ask.last_day}" if ask.days > 1 else "")
    with geoaq_db.connect(database) as con:
        report = ingest(LAYER, path, con=con, source_name=name, progress=progress)
        if report.inserted or report.updated:  # the pages then find the events grouped
            regroup_after_load(con)
        return run_.write(con=con, started_utc=started, status="ok", source=ask.source,
                          first_day=ask.first_day, day_range=ask.days, url=url,
                          rows_read=report.rows_read, new_rows=report.inserted,
                          changed_rows=report.updated, rejected_rows=report.rejected_rows,
                          transactions=transactions, ingest_id=report.ingest_id)


def _defer(settings: FirmsSettings, run_: Run, asks: Iterable[Ask], reason: str, box: Box) -> None:
    """Record requests not made this run (asked by the next)."""
    for ask in asks:
        run_.write(started_utc=run_.now(), status="deferred", source=ask.source,
                   first_day=ask.first_day, day_range=ask.days,
                   url=area_url(settings.base_url, feeds_http.MASK, ask, box), error=reason)


def run_firms(settings: FeedsSettings, database: object = None, *, clock: Clock = utc_now,
              key: str | None = None, client: requests.Session | None = None) -> list[FeedRequest]:
    """One run of the FIRMS feed: plan, fetch, check, load and record each request (see the
    module notes). Returns the rows written to ``feed_runs``, in order. A failed request is
    recorded, not raised."""
    firms = settings.firms
    run_ = Run(FEED, database, clock)
    key = key if key is not None else config.firms_map_key()
    if not key:
        run_.write(started_utc=run_.started_utc, status="failed",
                   error="GEOAQ_FIRMS_MAP_KEY is not set: the FIRMS feed needs a MAP_KEY")
        return run_.requests
    feeds_http.hide(key)
    with geoaq_db.connect(database) as con:
        box = firms.bbox or jurisdiction(con)
        history = since(con, FEED, run_.started_utc - timedelta(days=firms.backfill_days + 2))
    if box is None:
        run_.write(started_utc=run_.started_utc, status="failed",
                   error="no area to ask: the admin_units layer is empty and feeds.toml "
                         "[firms] bbox is []")
        return run_.requests
    box = widen(box, firms.margin_km)
    asks = plan(firms, history, run_.started_utc)
    if not asks:
        return run_.requests
    client = client or feeds_http.session(settings.http)
    status = key_status(client, settings, key) if firms.check_key_status else None
    used_here = window_used(history, run_.started_utc)
    left = allowance(firms, used_here, status)
    _log.info("firms: %d requests planned, %d transactions allowed", len(asks), left)
    spent = (f"rate-limit budget spent: {firms.budget} transactions per {FIRMS_WINDOW_MINUTES} "
             "minutes (feeds.toml [firms] budget)")
    if status is not None and status[1] - status[0] < firms.budget - used_here:
        spent = (f"FIRMS says the key has used {status[0]:,} of its {status[1]:,} transactions "
                 f"of the last {FIRMS_WINDOW_MINUTES} minutes")
    with tempfile.TemporaryDirectory(prefix="geoaq-firms-") as folder:
        for index, ask in enumerate(asks):
            if ask.days > left:
                _defer(firms, run_, asks[index:], spent, box)
                break
            request, stop = _one(settings, database, client, key, ask, box, run_, Path(folder))
            left -= request.transactions
            if isinstance(stop, FeedRateLimitError):
                _defer(firms, run_, asks[index + 1:], str(stop), box)
                break
            if stop is not None:
                break
    return run_.requests


def _one(settings: FeedsSettings, database: object, client: requests.Session, key: str, ask: Ask,
         box: Box, run_: Run, folder: Path) -> tuple[FeedRequest, FeedError | None]:
    """Fetch, check, load and record one request: (its row, the error that ends the run — a
    refused key, the rate limit, a server that does not answer — or None)."""
    url = area_url(settings.firms.base_url, key, ask, box)
    shown = feeds_http.mask(url)
    started = run_.now()
    path = folder / f"{ask.source}_{ask.first_day}_{ask.days}.csv"
    transactions = ask.days * (settings.http.retries + 1)
    _log.info("%s: asking %s", ask.label(), shown)
    try:
        fetched = feeds_http.fetch(client, url, path, settings.http)
        transactions = ask.days * fetched.attempts
        shape = check_answer(path, ask, shown)
        if shape.data_lines == 0:
            _log.info("%s: no detections", ask.label())
            return run_.write(started_utc=started, status="empty", source=ask.source,
                              first_day=ask.first_day, day_range=ask.days, url=shown, rows_read=0,
                              new_rows=0, changed_rows=0, rejected_rows=0,
                              transactions=transactions), None
        done = _load(database, path, ask, run_, started, shown, transactions)
        _log.info("%s: %s rows, %s new, %s rejected", ask.label(), done.rows_read, done.new_rows,
                  done.rejected_rows)
        return done, None
    except FeedFetchError as exc:
        transactions = ask.days * exc.attempts
        error: FeedError = refusal(str(exc), exc.status) or exc
    except FeedError as exc:
        error = exc
    except GeoaqError as exc:  # the file reached ingest and was refused: nothing was loaded
        error = FeedError(f"{shown}: {feeds_http.mask(exc)}")
    message = feeds_http.mask(error)
    request = run_.write(started_utc=started, status="failed", source=ask.source,
                         first_day=ask.first_day, day_range=ask.days, url=shown,
                         transactions=transactions, error=message)
    _log.warning("%s: failed: %s", ask.label(), message)
    if isinstance(error, FeedKeyError | FeedRateLimitError):
        return request, error
    if isinstance(error, FeedFetchError) and error.status is None:
        return request, error  # no answer at all: the other requests would wait as long
    return request, None
