"""The periods a ranking covers, and the periods its moves are measured against.

A ranking is of a month, a quarter, the year to date (累计, 1 January to a day) or a year. Its
*previous period* is the one the last bulletin ranked: the month or quarter before (cut at the
same day of it when this one is cut), the year to date at the end of the month before (in
January: the whole year before), the year before. Its *same period a year earlier* (同期) is the
same days one year earlier. Pure.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

from geoaq._errors import RankingInputError
from geoaq.i18n import Message, msg

PERIOD_KINDS = ("month", "quarter", "ytd", "year")


@dataclass(frozen=True)
class Period:
    """Beijing days `start` … `end` (inclusive) of a kind (month, quarter, ytd, year)."""

    kind: str
    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def label(self) -> Message:
        """"2025年1月" / "2025年第1季度" / "2025年1—4月累计" / "2025年" (rankings.period.*), with
        "（截至1月15日）" when the month or quarter is cut."""
        full_end = kind_end(self.kind, self.start)
        cut = "" if self.end == full_end or self.kind == "ytd" else msg("rankings.period.cut", end=self.end)
        return msg(f"rankings.period.{self.kind}", year=self.start.year, month=self.start.month,
                   quarter=(self.start.month - 1) // 3 + 1, end_month=self.end.month, cut=cut,
                   start=self.start, end=self.end)

    def text(self) -> str:
        """"2025-01-01 – 2025-01-31", for file names and keys."""
        return f"{self.start:%Y-%m-%d} – {self.end:%Y-%m-%d}"


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _quarter_start(day: date) -> date:
    return date(day.year, (day.month - 1) // 3 * 3 + 1, 1)


def kind_start(kind: str, day: date) -> date:
    """The first day of the period of `kind` holding `day`."""
    check_kind(kind)
    if kind == "month":
        return _month_start(day)
    if kind == "quarter":
        return _quarter_start(day)
    return date(day.year, 1, 1)


def kind_end(kind: str, start: date) -> date:
    """The last day of the whole period of `kind` that starts on `start`."""
    if kind == "month":
        return start.replace(day=calendar.monthrange(start.year, start.month)[1])
    if kind == "quarter":
        last_month = start.month + 2
        return date(start.year, last_month, calendar.monthrange(start.year, last_month)[1])
    return date(start.year, 12, 31)


def check_kind(kind: str) -> str:
    if kind not in PERIOD_KINDS:
        raise RankingInputError(f"period must be one of {', '.join(PERIOD_KINDS)}, got {kind!r}")
    return kind


def resolve(kind: str, start: date | None = None, end: date | None = None, *,
            latest: date | None = None) -> Period:
    """The period of `kind` asked for: start … end when both are given (start must be the
    first day of a period of that kind and end inside it); only `end`: the period of that kind
    up to `end`; neither: the last whole month or quarter (the year to date, or the year) up to
    `latest` (the last day with data). A period that is not of its kind is a RankingInputError
    naming what would be."""
    check_kind(kind)
    if end is None and start is not None:
        end = min(kind_end(kind, start), latest) if latest else kind_end(kind, start)
    if end is None:
        if latest is None:
            raise RankingInputError("no period given and no readings to take one from")
        end = _last_whole(kind, latest)
    first = kind_start(kind, end)
    if start is not None and start != first:
        raise RankingInputError(
            f"a {kind} period starts on {first} for an end on {end}, not on {start} "
            f"(use --period to rank another kind of period)")
    if end < first:
        raise RankingInputError(f"the period ends ({end}) before it starts ({first})")
    return Period(kind, first, end)


def _last_whole(kind: str, latest: date) -> date:
    """The end of the last whole month/quarter on or before `latest`; for ytd and year, `latest`
    itself (a year ranked so far) unless `latest` ends a year."""
    if kind in {"ytd", "year"}:
        return latest
    if latest == kind_end(kind, kind_start(kind, latest)):
        return latest
    return kind_start(kind, latest) - timedelta(days=1)


def _shift_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    year, month = index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def year_before(day: date) -> date:
    """The same day one year earlier (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


def same_period_a_year_earlier(period: Period) -> Period:
    """同期: the same days one year earlier (a whole month stays whole: February 2025 of a
    February 2024 ends on the 28th)."""
    start = year_before(period.start)
    whole = period.end == kind_end(period.kind, period.start)
    end = kind_end(period.kind, start) if whole and period.kind != "ytd" else year_before(period.end)
    return Period(period.kind, start, end)


def previous_period(period: Period) -> Period:
    """The period the last bulletin ranked (see the module docstring)."""
    if period.kind in {"month", "quarter"}:
        months = 1 if period.kind == "month" else 3
        start = _shift_months(period.start, -months)
        whole = period.end == kind_end(period.kind, period.start)
        if whole:
            return Period(period.kind, start, kind_end(period.kind, start))
        return Period(period.kind, start, min(_shift_months(period.end, -months), kind_end(period.kind, start)))
    if period.kind == "year":
        return Period("year", date(period.start.year - 1, 1, 1), date(period.start.year - 1, 12, 31))
    month_before = _month_start(period.end) - timedelta(days=1)
    if month_before.year < period.start.year:  # January: the last year to date was the whole year
        return Period("ytd", date(month_before.year, 1, 1), month_before)
    return Period("ytd", period.start, month_before)
