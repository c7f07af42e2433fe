"""The ``feed_runs`` table: every request a feed run made, what came of it, and the time of
each feed's last success.

A row is written once, when its request is done (loaded, found empty, failed, waiting for an
hour not yet published, given up as missing, or deferred by the rate limit), after the load's
own transaction has committed: a run killed half-way leaves no row for the request it was
making and its data unchanged, and the next run asks again (the load is idempotent, so a
request whose load committed just before a kill adds nothing the second time).

Statuses:

* ``ok`` — the file was loaded (``rows_read``/``new_rows``/``changed_rows``/``rejected_rows``,
  ``ingest_id`` the load in ``ingest_runs``);
* ``empty`` — the answer was complete and held no rows (a day without fires);
* ``failed`` — the request or the load failed (``error``); asked again next run;
* ``waiting`` — an hour of the live release not published yet; asked again next run;
* ``missing`` — an hour still not published `give_up_hours` after its end: not asked again;
* ``deferred`` — not asked: the rate limit's budget was spent; asked next run.
"""

from __future__ import annotations

import os
import socket
import uuid
from dataclasses import astuple, dataclass, field, fields
from datetime import date, datetime
from typing import Any

import pandas as pd

from geoaq.db import connection as geoaq_db
from geoaq.db.connection import Connection
from geoaq.db.named import run
from geoaq.db.store import table_exists
from geoaq.feeds.clock import BEIJING_OFFSET, Clock, naive_utc, utc_now

TABLE = "feed_runs"
STATUSES = ("ok", "empty", "failed", "waiting", "missing", "deferred")
#: statuses of a request that got what it asked for
SUCCESS = ("ok", "empty")
#: statuses after which a request is not asked again
FINAL = ("ok", "empty", "missing")
RECENT_COLUMNS = ("feed", "source", "first_day", "day_range", "hour_bjt", "status", "rows_read",
                  "new_rows", "changed_rows", "rejected_rows", "transactions", "error", "url",
                  "started_utc", "finished_utc", "ingest_id", "run_id", "runner")
SUMMARY_COLUMNS = ("feed", "last_success", "last_run", "last_status", "last_error", "failed_since")
SINCE_COLUMNS = ("source", "first_day", "day_range", "hour_bjt", "started_utc", "finished_utc",
                 "status", "transactions")


@dataclass(frozen=True)
class FeedRequest:
    """One row of ``feed_runs`` (times are naive UTC)."""

    run_id: str
    feed: str
    source: str | None
    first_day: date | None
    day_range: int | None
    hour_bjt: datetime | None
    url: str | None
    run_started_utc: datetime
    started_utc: datetime
    finished_utc: datetime
    status: str
    rows_read: int | None = None
    new_rows: int | None = None
    changed_rows: int | None = None
    rejected_rows: int | None = None
    transactions: int = 0
    ingest_id: int | None = None
    error: str | None = None
    runner: str | None = None

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"feed request status {self.status!r} is not one of {STATUSES}")


COLUMNS = tuple(f.name for f in fields(FeedRequest))


def new_run_id() -> str:
    """A run's id: a random UUID (DuckLake has no sequences)."""
    return str(uuid.uuid4())


def runner() -> str:
    """This process, as recorded with its requests: host and process id."""
    return f"{socket.gethostname()}:{os.getpid()}"


def record(con: Connection, request: FeedRequest) -> None:
    """Write one request's row (one statement: committed on its own)."""
    run(con, "feed_runs_insert", list(astuple(request)))


def _empty(columns: tuple[str, ...]) -> pd.DataFrame:
    return pd.DataFrame(columns=list(columns))


def since(con: Connection, feed: str, start_utc: datetime) -> pd.DataFrame:
    """`feed`'s requests that began at or after `start_utc`, oldest first."""
    if not table_exists(con, TABLE):
        return _empty(SINCE_COLUMNS)
    return run(con, "feed_runs_since", [feed, start_utc]).df()


def recent(con: Connection, feed: str | None = None, limit: int = 200) -> pd.DataFrame:
    """The latest `limit` requests (of `feed`, else of every feed), newest first."""
    if not table_exists(con, TABLE):
        return _empty(RECENT_COLUMNS)
    return run(con, "feed_runs_recent", [feed, feed, limit]).df()


def summary(con: Connection) -> pd.DataFrame:
    """Per feed that ever ran: the last success, the last request with its status and error,
    and the failures since the last success."""
    if not table_exists(con, TABLE):
        return _empty(SUMMARY_COLUMNS)
    return run(con, "feed_runs_summary").df()


# --- what the Data page and the command line show (codes, not words) ----------------------------

#: the columns of `requests_view`, in order (statuses stay codes: the adapters word them)
VIEW_COLUMNS = ("started", "feed", "source", "asked", "status", "rows_read", "new_rows",
                "rejected_rows", "error")


def bjt(value: object) -> str:
    """A stored UTC time as Beijing time to the minute; "" when there is none."""
    return f"{pd.Timestamp(value) + BEIJING_OFFSET:%Y-%m-%d %H:%M}" if pd.notna(value) else ""


def asked(row: Any) -> str:
    """What a request asked, short: ``2026-03-01 +1`` (two FIRMS days) or an hour."""
    hour, first = getattr(row, "hour_bjt", None), getattr(row, "first_day", None)
    if hour is not None and pd.notna(hour):
        return f"{pd.Timestamp(hour):%Y-%m-%d %H:%M}"
    if first is not None and pd.notna(first):
        days = int(row.day_range) if pd.notna(row.day_range) else 1
        return f"{pd.Timestamp(first):%Y-%m-%d}" + (f" +{days - 1}" if days > 1 else "")
    return ""


def requests_view(frame: pd.DataFrame) -> pd.DataFrame:
    """Requests (rows of `recent`, or `FeedRequest`s as a frame) as shown: the start in
    Beijing time, what was asked, the counts and the error."""
    if frame.empty:
        return pd.DataFrame(columns=list(VIEW_COLUMNS))
    rows = list(frame.itertuples(index=False))
    view = frame.assign(started=[bjt(r.started_utc) for r in rows], asked=[asked(r) for r in rows])
    return view[list(VIEW_COLUMNS)].reset_index(drop=True)


def summary_view(frame: pd.DataFrame) -> pd.DataFrame:
    """`summary` with its times in Beijing time."""
    view = frame.copy()
    for column in ("last_success", "last_run"):
        view[column] = view[column].map(bjt)
    return view[list(SUMMARY_COLUMNS)]


@dataclass
class Run:
    """One run of a feed: its id, when it began, and the rows its requests wrote (in order).

    `database` is what `geoaq.db.connection.connect` opens; a row is written on the load's own
    connection when there is one, else on a connection opened for it.
    """

    feed: str
    database: Any = None
    clock: Clock = utc_now
    run_id: str = field(default_factory=new_run_id)
    started_utc: datetime | None = None
    requests: list[FeedRequest] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.started_utc is None:
            self.started_utc = naive_utc(self.clock())

    def now(self) -> datetime:
        """The run's clock, naive UTC."""
        return naive_utc(self.clock())

    def write(self, *, started_utc: datetime, status: str, con: Connection | None = None,
              **values: Any) -> FeedRequest:
        """Record one request that began at `started_utc` and is done now."""
        request = FeedRequest(run_id=self.run_id, feed=self.feed,
                              source=values.pop("source", None),
                              first_day=values.pop("first_day", None),
                              day_range=values.pop("day_range", None),
                              hour_bjt=values.pop("hour_bjt", None), url=values.pop("url", None),
                              run_started_utc=self.started_utc, started_utc=started_utc,
                              finished_utc=self.now(), status=status, runner=runner(), **values)
        if con is not None:
            record(con, request)
        else:
            with geoaq_db.connect(self.database) as opened:
                record(opened, request)
        self.requests.append(request)
        return request
