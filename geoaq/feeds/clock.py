"""The feeds' times: now in UTC (what `feed_runs` stores, naive), and Beijing time (UTC+8 all
year, no daylight saving), in which the live release labels its hours.

Every feed function takes a `Clock` (default `utc_now`), so tests run them at any moment.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

Clock = Callable[[], datetime]
BEIJING_OFFSET = timedelta(hours=8)


def utc_now() -> datetime:
    """Now, as an aware UTC time."""
    return datetime.now(UTC)


def naive_utc(moment: datetime) -> datetime:
    """`moment` in UTC without its zone (a naive time is taken as UTC already)."""
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(UTC).replace(tzinfo=None)


def beijing(moment: datetime) -> datetime:
    """`moment` as naive Beijing time."""
    return naive_utc(moment) + BEIJING_OFFSET


def floor_hour(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)
