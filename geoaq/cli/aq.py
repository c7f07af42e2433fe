"""`geoaq aq load|hourly|evaluate|compare|check-published`: load hourly station readings, and the
AQI (HJ 633), the period evaluation (HJ 663-2013 methods), the comparison of two periods and the
check of the published AQI computed from them.

`--standard` is the basis (口径): ``in-force`` (the default) scores each hour and day by the
standard in force at its time (GB 3095-2012 / HJ 633-2012 until 2026-02-28, GB 3095-2026 /
HJ 633-2026 from 2026-03-01) and splits a period at the change; a version scores the whole
period (2012: 按原标准, 2026: 按新标准回溯). Every table says which standard each row used."""

from __future__ import annotations

from datetime import date
from typing import Any

import click

from geoaq._errors import GeoaqError
from geoaq.cli._common import (
    DB_OPTION,
    GeoaqGroup,
    ProgressBar,
    connected,
    emit,
    format_option,
    language,
    pairs,
    parse_date,
    period,
    standard_option,
)
from geoaq.db import connection as db
from geoaq.i18n import say, t


@click.group(cls=GeoaqGroup)
def aq() -> None:
    """Air quality: hourly station readings (load), and what is computed from them."""


@aq.command("load")
@click.argument("paths", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["auto", "national", "live", "station", "ymdh"]),
              default="auto", show_default=True,
              help="national: CNEMC china_sites_YYYYMMDD.csv; live: the live national release "
                   "(timepoint,stationcode,…,aqi,pm10,…); station: a time column and pollutant "
                   "columns; ymdh: year/month/day/hour columns (UCI Beijing).")
@click.option("--station", default=None, metavar="CODE",
              help="Station code for files without a station code column (e.g. 1003A).")
@click.option("--unit", "units", multiple=True, metavar="POLLUTANT=UNIT",
              help="The file's unit of a pollutant: ug/m3, mg/m3, ppm or ppb (repeatable), e.g. "
                   "--unit co=ug/m3. Stored as µg/m³, CO mg/m³.")
@click.option("--encoding", type=click.Choice(["auto", "utf-8", "gbk"], case_sensitive=False),
              default="auto", show_default=True)
@click.option("--hour-label", type=click.Choice(["end", "start"]), default=None,
              help="How a station or year/month/day/hour file labels its hours: end (08:00 is "
                   "07:00–08:00, the national platform's convention and the default) or start "
                   "(08:00 is 08:00–09:00). The national and live releases state theirs (end).")
@DB_OPTION
def aq_load(paths: tuple[str, ...], fmt: str, station: str | None, units: tuple[str, ...],
            encoding: str, hour_label: str | None, db_path: str | None) -> None:
    """Load hourly readings files (PATH...) into the readings table, each in its own
    transaction; bad rows and values go to the rejects table (geoaq rejects --layer readings).
    The live release's stations are added to or updated in the stations layer."""
    from geoaq.ingest.readings import load_readings, parse_units

    declared = pairs(units, "--unit") or None
    parse_units(declared)  # a misspelt unit fails before any file is read
    options = {"fmt": fmt, "station": station, "units": declared, "encoding": encoding,
               "hour_label": hour_label}
    failed: list[str] = []

    def _load_one(path: str, **target: Any) -> None:
        try:
            report = load_readings(path, **target, **options, progress=ProgressBar())
        except GeoaqError as exc:
            if len(paths) == 1:
                raise
            failed.append(path)
            click.echo(f"error: {exc}", err=True)
            return
        click.echo(report.summary())

    if len(paths) == 1:  # the database is opened only once the file has been read
        _load_one(paths[0], db=db_path)
        return
    con = db.connect(db_path)
    try:
        for path in paths:
            _load_one(path, con=con)
    finally:
        con.close()
    if failed:
        raise click.ClickException(f"{len(failed)} of {len(paths)} files were not loaded "
                                   f"(nothing of them was written): {', '.join(failed)}")


def _codes(value: str | None) -> list[str] | None:
    """'1811A, 1812A' → ['1811A', '1812A']; None (all stations) when not given."""
    return [c.strip() for c in value.split(",") if c.strip()] if value else None


def _basis_words(basis: str, lang: str) -> str:
    """The basis in words: 按施行标准 / 按原标准（GB 3095-2012 …）/ 按新标准回溯（…）."""
    from geoaq.aq.basis import basis_message

    return say(basis_message(basis), lang)


def _part_lines(table, lang: str) -> list[str]:
    """One line per part of an evaluation: its days, standard, limits and notes."""
    lines = []
    columns = ["start", "end", "standard_name", "limits_period", "evaluation_method", "notes"]
    for row in table[columns].drop_duplicates(["start", "end", "standard_name"]).itertuples():
        limits = (t("aq.limits_suffix", lang, limits=t(f"aq.limits_period.{row.limits_period}", lang))
                  if isinstance(row.limits_period, str) and row.limits_period else "")
        lines.append(t("cli.aq.part", lang, start=f"{row.start:%Y-%m-%d}", end=f"{row.end:%Y-%m-%d}",
                       standard=row.standard_name, limits=limits, method=row.evaluation_method))
        for note in (row.notes or "").split(","):
            if note:
                lines.append(t("cli.aq.note", lang, note=t(f"aq.standard_note.{note}", lang)))
    return lines


@aq.command("hourly")
@period
@click.option("--stations", default=None, help="Comma-separated station codes (default: all).")
@standard_option
@format_option("table", "csv", "json")
@DB_OPTION
def aq_hourly(start: date, end: date, stations: str | None, basis: str, output: str,
              db_path: str | None) -> None:
    """Hourly AQI (HJ 633 real-time rule) per station: AQI, primary pollutant, level, IAQIs,
    the standard of each hour and, where the release published them, its AQI and primary
    pollutant beside geoaq's."""
    from geoaq.aq import readings as airquality

    lang = language()
    with connected(db_path, read_only=True) as con:
        table = airquality.hourly_table(con, start, end, _codes(stations), basis)
    if output == "table":
        used = ", ".join(dict.fromkeys(table["standard_name"].dropna())) or "—"
        click.echo(t("cli.aq.hourly", lang, start=start, end=end, standard=used, n=len(table),
                     basis=_basis_words(basis, lang)))
    emit(table, output)


@aq.command("evaluate")
@period
@click.option("--by", type=click.Choice(["station", "city", "district"]), default="station", show_default=True)
@click.option("--monthly", is_flag=True, help="One row per calendar month.")
@standard_option
@format_option("table", "csv", "json")
@DB_OPTION
def aq_evaluate(start: date, end: date, by: str, monthly: bool, basis: str, output: str,
                db_path: str | None) -> None:
    """Evaluation of the period (HJ 663-2013 methods) per station, city or district, each part
    of the period by its standard (数据不足 where data are short)."""
    from geoaq.aq import readings as airquality

    lang = language()
    with connected(db_path, read_only=True) as con:
        table = airquality.evaluate_period(con, start, end, by=by, basis=basis, per_month=monthly)
    for column, group in (("status", "aq.data_status"), ("attainment", "aq.attainment")):
        if column in table.columns:
            table[column] = table[column].map(lambda code, group=group: t(f"{group}.{code}", lang))
    if output == "table":
        click.echo(t("cli.aq.evaluate", lang, start=start, end=end, by=by,
                     basis=_basis_words(basis, lang)))
        if len(table):
            for line in _part_lines(table, lang):
                click.echo(line)
        shown = ["station_code" if by == "station" else by, "month", "start", "end", "standard",
                 "pm25_mean", "pm10_mean", "so2_mean", "no2_mean", "co_p95", "o3_8h_p90",
                 "good_day_ratio", "heavy_days", "composite_index", "attainment", "status"]
        table = _rounded(table[[c for c in shown if c in table.columns]])
    emit(table, output)


def _rounded(table):
    """The table's float columns to two decimals (for the terminal)."""
    return table.round({c: 2 for c in table.columns if table[c].dtype.kind == "f"})


@aq.command("compare")
@period
@click.option("--previous-start", default=None, help="First day of the earlier period "
              "(default: a year before --start: 同比).")
@click.option("--previous-end", default=None, help="Last day of the earlier period "
              "(default: a year before --end).")
@click.option("--by", type=click.Choice(["station", "city", "district"]), default="city", show_default=True)
@standard_option
@format_option("table", "csv", "json")
@DB_OPTION
def aq_compare(start: date, end: date, previous_start: str | None, previous_end: str | None,
               by: str, basis: str, output: str, db_path: str | None) -> None:
    """The period against an earlier one (同比 by default), both by one standard (同口径): the
    one chosen with --standard, else the one in force at the end of the later period."""
    from geoaq.aq import compare
    from geoaq.aq import readings as airquality

    lang = language()
    before = compare.previous_year(start, end)
    previous = (parse_date(previous_start, "--previous-start") if previous_start else before[0],
                parse_date(previous_end, "--previous-end") if previous_end else before[1])
    if previous[0] > previous[1]:
        raise click.UsageError(f"the earlier period is reversed: {previous[0]} is after {previous[1]}")
    with connected(db_path, read_only=True) as con:
        table = airquality.compare_periods(con, (start, end), previous, by=by, basis=basis)
    if output == "table":
        if len(table):
            row = table.iloc[0]
            click.echo(t("cli.aq.compare", lang, start=start, end=end, previous_start=previous[0],
                         previous_end=previous[1], standard=row["standard_name"],
                         reason=t(f"aq.basis_reason.{row['basis_reason']}", lang)))
            for note in (row["notes"] or "").split(","):
                if note:
                    click.echo(t("cli.aq.note", lang, note=t(f"aq.standard_note.{note}", lang)))
        key = {"station": "station_code"}.get(by, by)
        table = table[[c for c in (key, "metric", "current", "previous", "change", "change_percent",
                                   "status_current", "status_previous") if c in table.columns]]
        for column in ("status_current", "status_previous"):
            if column in table.columns:
                table[column] = table[column].map(
                    lambda code: t(f"aq.data_status.{code}", lang) if isinstance(code, str) else "")
        table = _rounded(table)
    emit(table, output)


@aq.command("check-published")
@period
@click.option("--stations", default=None, help="Comma-separated station codes (default: all).")
@click.option("--all", "show_all", is_flag=True, help="List the matching station-hours too.")
@format_option("table", "csv", "json")
@DB_OPTION
def aq_check_published(start: date, end: date, stations: str | None, show_all: bool, output: str,
                       db_path: str | None) -> None:
    """Every station-hour whose published AQI or primary pollutant differs from geoaq's (each
    hour by the standard in force at its time), with the counts per standard and kind."""
    from geoaq.aq import published
    from geoaq.aq import readings as airquality

    lang = language()
    with connected(db_path, read_only=True) as con:
        compared = airquality.check_published(con, start, end, _codes(stations))
    shown = compared if show_all else published.differences(compared)
    if output == "table":
        click.echo(t("cli.aq.published", lang, start=start, end=end, n=len(compared),
                     differ=int((compared["kind"] != "match").sum())))
        summary = published.summary(compared)
        for row in summary[summary["station_hours"] > 0].itertuples():
            click.echo(t("cli.aq.published_kind", lang, standard=row.standard, n=row.station_hours,
                         kind=t(f"aq.published.kind.{row.kind}", lang)))
        shown = shown.assign(kind=shown["kind"].map(lambda k: t(f"aq.published.kind.{k}", lang)))
    emit(shown, output)
