"""`geoaq aq load|hourly|evaluate`: load hourly station readings, and the AQI (HJ 633) and period
evaluation (HJ 663) computed from them."""

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
    period,
)
from geoaq.db import connection as db
from geoaq.i18n import t


@click.group(cls=GeoaqGroup)
def aq() -> None:
    """Air quality: hourly station readings (load), and what is computed from them."""


@aq.command("load")
@click.argument("paths", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["auto", "national", "station", "ymdh"]),
              default="auto", show_default=True,
              help="national: CNEMC china_sites_YYYYMMDD.csv; station: a time column and pollutant "
                   "columns; ymdh: year/month/day/hour columns (UCI Beijing).")
@click.option("--station", default=None, metavar="CODE",
              help="Station code for files without a station code column (e.g. 1003A).")
@click.option("--unit", "units", multiple=True, metavar="POLLUTANT=UNIT",
              help="The file's unit of a pollutant: ug/m3, mg/m3, ppm or ppb (repeatable), e.g. "
                   "--unit co=ug/m3. Stored as µg/m³, CO mg/m³.")
@click.option("--encoding", type=click.Choice(["auto", "utf-8", "gbk"], case_sensitive=False),
              default="auto", show_default=True)
@DB_OPTION
def aq_load(paths: tuple[str, ...], fmt: str, station: str | None, units: tuple[str, ...],
            encoding: str, db_path: str | None) -> None:
    """Load hourly readings files (PATH...) into the readings table, each in its own
    transaction; bad rows and values go to the rejects table (geoaq rejects --layer readings)."""
    from geoaq.ingest.readings import load_readings, parse_units

    declared = pairs(units, "--unit") or None
    parse_units(declared)  # a misspelt unit fails before any file is read
    options = {"fmt": fmt, "station": station, "units": declared, "encoding": encoding}
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


@aq.command("hourly")
@period
@click.option("--stations", default=None, help="Comma-separated station codes (default: all).")
@click.option("--standard", default="2012", show_default=True, help="Standards version (data/standards/).")
@format_option("table", "csv", "json")
@DB_OPTION
def aq_hourly(start: date, end: date, stations: str | None, standard: str, output: str, db_path: str | None) -> None:
    """Hourly AQI (HJ 633 real-time rule) per station: AQI, primary pollutant, level, IAQIs."""
    from geoaq.aq import readings as airquality

    with connected(db_path, read_only=True) as con:
        table = airquality.hourly_table(con, start, end, _codes(stations), standard)
    if output == "table":
        click.echo(t("cli.aq.hourly", language(), start=start, end=end, standard=standard, n=len(table)))
    emit(table, output)


@aq.command("evaluate")
@period
@click.option("--by", type=click.Choice(["station", "city", "district"]), default="station", show_default=True)
@click.option("--standard", default="2012", show_default=True)
@format_option("table", "csv", "json")
@DB_OPTION
def aq_evaluate(start: date, end: date, by: str, standard: str, output: str, db_path: str | None) -> None:
    """HJ 663 evaluation of the period per station, city or district (数据不足 where data are short)."""
    from geoaq.aq import readings as airquality

    lang = language()
    with connected(db_path, read_only=True) as con:
        table = airquality.evaluate_period(con, start, end, by=by, standard=standard)
    for column, group in (("status", "aq.data_status"), ("attainment", "aq.attainment")):
        if column in table.columns:
            table[column] = table[column].map(lambda code, group=group: t(f"{group}.{code}", lang))
    if output == "table":
        click.echo(t("cli.aq.evaluate", lang, start=start, end=end, by=by, standard=standard))
        shown = ["station_code" if by == "station" else by, "pm25_mean", "pm10_mean", "so2_mean", "no2_mean",
                 "co_p95", "o3_8h_p90", "good_day_ratio", "heavy_days", "composite_index", "attainment", "status"]
        table = table[[c for c in shown if c in table.columns]].round(2)
    emit(table, output)
