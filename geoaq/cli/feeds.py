"""`geoaq feeds …`: run the scheduled feeds in the foreground (a service of their own, or one
run from cron) and show what they recorded."""

from __future__ import annotations

import logging
import signal
import sys

import click
import pandas as pd

from geoaq._errors import FeedError
from geoaq.cli._common import (
    DB_OPTION,
    GeoaqGroup,
    connected,
    emit,
    format_option,
    language,
    require_db,
)
from geoaq.i18n import t

FEED_CHOICES = click.Choice(["firms", "cnemc"])


@click.group(cls=GeoaqGroup)
def feeds() -> None:
    """Scheduled feeds (NASA FIRMS fires, the national live release): run them, see their runs."""


def _log_to_stderr() -> None:
    """Each request's progress on stderr, as a service's log (when nothing else logs)."""
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("geoaq.feeds").setLevel(logging.INFO)


def requests_table(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Requests as the command line shows them: Beijing times, worded statuses and headings."""
    from geoaq.feeds.runs import VIEW_COLUMNS, requests_view

    shown = requests_view(frame)
    shown["status"] = shown["status"].map(lambda s: t(f"feeds.status.{s}", lang))
    return shown.rename(columns={c: t(f"feeds.column.{c}", lang) for c in VIEW_COLUMNS})


@feeds.command("run")
@click.option("--feed", "names", type=FEED_CHOICES, multiple=True,
              help="Only this feed (repeatable; default: every feed enabled in feeds.toml).")
@click.option("--once", is_flag=True, help="One run of each feed now, then exit (e.g. from cron); "
              "exit status 1 when a request failed.")
@format_option("table", "csv", "json")
@DB_OPTION
def feeds_run(names: tuple[str, ...], once: bool, output: str, db_path: str | None) -> None:
    """Run the feeds in the foreground: on their schedule until stopped (Ctrl-C or SIGTERM
    finish the request under way), or once with --once. Progress goes to stderr."""
    from geoaq.feeds.config import load_feeds
    from geoaq.feeds.scheduler import chosen, run_feed, serve_feeds

    lang = language()
    require_db(db_path)
    settings = load_feeds()
    selected = chosen(settings, names or None)
    if not selected:
        raise FeedError(t("cli.feeds.none_enabled", lang, path=settings.path))
    _log_to_stderr()
    if not once:
        # SIGTERM and Ctrl-C are blocked in every thread (the scheduler's inherit it) and
        # awaited here, so whichever thread the kernel picks, the main thread gets them
        stops = {signal.SIGINT, signal.SIGTERM}
        signal.pthread_sigmask(signal.SIG_BLOCK, stops)
        click.echo(t("cli.feeds.serving", lang, feeds=", ".join(selected)), err=True)
        serve_feeds(db_path, settings=settings, feeds=selected, until=lambda: signal.sigwait(stops))
        return
    failed = 0
    for name in selected:
        requests = run_feed(name, settings, db_path)
        frame = pd.DataFrame([vars(r) for r in requests], columns=_columns())
        failed += int((frame["status"] == "failed").sum())
        if output == "table":
            click.echo(t("cli.feeds.ran", lang, feed=name, n=len(frame),
                         failed=int((frame["status"] == "failed").sum())))
            emit(requests_table(frame, lang), output)
        else:
            emit(frame.drop(columns=["runner"]), output)
    if failed:
        raise FeedError(t("cli.feeds.failed", lang, n=failed))


def _columns() -> list[str]:
    from geoaq.feeds.runs import COLUMNS

    return list(COLUMNS)


@feeds.command("status")
@click.option("--feed", "name", type=FEED_CHOICES, default=None, help="Only this feed's requests.")
@click.option("--limit", type=click.IntRange(1, 100_000), default=20, show_default=True,
              help="How many of the latest requests to list.")
@format_option("table", "csv", "json")
@DB_OPTION
def feeds_status(name: str | None, limit: int, output: str, db_path: str | None) -> None:
    """Each feed's last success and last request, then the latest requests (Beijing time)."""
    from geoaq.feeds import runs

    lang = language()
    with connected(db_path) as con:
        summary = runs.summary(con)
        latest = runs.recent(con, name, limit)
    if output != "table":
        emit(latest, output)
        return
    if summary.empty:
        click.echo(t("cli.feeds.never", lang))
        return
    for row in runs.summary_view(summary).itertuples():
        click.echo(t("cli.feeds.summary", lang, feed=row.feed,
                     success=row.last_success or t("feeds.never", lang), last=row.last_run,
                     status=t(f"feeds.status.{row.last_status}", lang), failed=int(row.failed_since)))
    emit(requests_table(latest, lang), output)
