"""Running the feeds: one run now (`run_feed`), or on a schedule (`start_feeds`, `serve_feeds`).

The schedule is APScheduler's (3.11): a `BackgroundScheduler` with one job per enabled feed on
an interval trigger (``every_minutes``), run at once on start when ``run_at_start``. Each job
**coalesces** (runs the service missed are one run, which back-fills what they would have
fetched), runs as **at most one instance** (a run still going when the next is due makes that
one wait for the next interval) and has a **misfire grace** (``misfire_grace_minutes``). The
jobs share one worker thread, so two feeds' loads never compete for the database.

A job never raises into the scheduler: an unexpected failure is logged (masked) and recorded
as a failed request, and the next run starts afresh.

The app's server calls `start_feeds` once (the scheduler runs in its process, which owns an
embedded database); a shared service can instead run ``geoaq feeds run`` (`serve_feeds`) as a
process of its own, and cron ``geoaq feeds run --once``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import UTC

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

from geoaq._errors import FeedError
from geoaq.feeds import http as feeds_http
from geoaq.feeds.clock import Clock, utc_now
from geoaq.feeds.cnemc import run_cnemc
from geoaq.feeds.config import FEEDS, FeedsSettings, load_feeds
from geoaq.feeds.firms import run_firms
from geoaq.feeds.runs import FeedRequest, Run

_log = logging.getLogger(__name__)

#: feed name -> one run of it
RUNNERS: dict[str, Callable[..., list[FeedRequest]]] = {"firms": run_firms, "cnemc": run_cnemc}
JOB_PREFIX = "feed:"


def chosen(settings: FeedsSettings, feeds: Iterable[str] | None = None) -> list[str]:
    """The feeds to run: `feeds` (each must exist and be enabled), else every enabled one."""
    if feeds is None:
        return settings.enabled
    names = list(dict.fromkeys(feeds))
    for name in names:
        if name not in FEEDS:
            raise FeedError(f"no feed {name!r}; the feeds are {', '.join(FEEDS)}")
        if not settings.schedule(name).enabled:
            raise FeedError(f"the {name} feed is disabled in {settings.path}: set "
                            f"[{name}] enabled = true in the site's feeds.toml to run it")
    return names


def run_feed(name: str, settings: FeedsSettings, database: object = None, *,
             clock: Clock = utc_now) -> list[FeedRequest]:
    """One run of feed `name` now; the rows it wrote to ``feed_runs``."""
    return RUNNERS[name](settings, database, clock=clock)


def scheduled_run(name: str, settings: FeedsSettings, database: object = None) -> None:
    """The scheduler's job: one run of `name`, whatever happens logged and never raised."""
    try:
        requests = run_feed(name, settings, database)
    except Exception as exc:  # the scheduler thread must go on: log, record, carry on
        message = feeds_http.mask(f"{type(exc).__name__}: {exc}")
        _log.error("feed %s: the run failed: %s", name, message)
        try:
            run_ = Run(name, database)
            run_.write(started_utc=run_.started_utc, status="failed", error=message)
        except Exception as again:
            _log.error("feed %s: the failure could not be recorded: %s", name,
                       feeds_http.mask(again))
        return
    failed = sum(r.status == "failed" for r in requests)
    _log.info("feed %s: %d requests, %d failed", name, len(requests), failed)


def build_scheduler(settings: FeedsSettings, database: object = None,
                    feeds: Iterable[str] | None = None) -> BackgroundScheduler:
    """A scheduler (not started) with one job per feed of `chosen(settings, feeds)`."""
    scheduler = BackgroundScheduler(timezone=UTC,
                                    executors={"default": ThreadPoolExecutor(max_workers=1)})
    for name in chosen(settings, feeds):
        schedule = settings.schedule(name)
        extra = {"next_run_time": utc_now()} if schedule.run_at_start else {}
        scheduler.add_job(scheduled_run, IntervalTrigger(seconds=schedule.every_minutes * 60,
                                                         timezone=UTC),
                          args=(name, settings, database), id=JOB_PREFIX + name,
                          name=f"geoaq feed {name}", coalesce=True, max_instances=1,
                          misfire_grace_time=int(schedule.misfire_grace_minutes * 60),
                          replace_existing=True, **extra)
    return scheduler


def start_feeds(database: object = None, *, settings: FeedsSettings | None = None,
                feeds: Iterable[str] | None = None) -> BackgroundScheduler:
    """Start the enabled feeds in background threads of this process; returns the running
    scheduler (``shutdown()`` it on exit). With no feed enabled it has no job and fetches
    nothing. `database` is what `geoaq.db.connection.connect` opens (default: the configured
    database)."""
    settings = settings or load_feeds()
    scheduler = build_scheduler(settings, database, feeds)
    scheduler.start()
    names = [job.id.removeprefix(JOB_PREFIX) for job in scheduler.get_jobs()]
    _log.info("feeds started: %s", ", ".join(names) if names else "none enabled")
    return scheduler


def serve_feeds(database: object = None, *, settings: FeedsSettings | None = None,
                feeds: Iterable[str] | None = None, until: Callable[[], object]) -> None:
    """Run the feeds on their schedule until `until()` returns, then let a running request
    finish and return (``geoaq feeds run``: `until` waits for SIGTERM or Ctrl-C)."""
    scheduler = start_feeds(database, settings=settings, feeds=feeds)
    try:
        until()
    finally:
        scheduler.shutdown(wait=True)
