"""`geoaq rank`: the ranking of counties, townships, zones, cities or stations over a month,
quarter, year to date or year, with the moves and the ties, as a table, CSV or Excel."""

from __future__ import annotations

from pathlib import Path

import click

from geoaq.cli._common import DB_OPTION, connected, emit, format_option, language, parse_date
from geoaq.i18n import say, t
from geoaq.rankings.periods import PERIOD_KINDS
from geoaq.rankings.rules import METRICS
from geoaq.rankings.units import LEVELS

BASIS_HELP = "One standard for the period and its comparisons: 2012 or 2026 (default: the one in force at its end)."


def optional_date(value: str | None, option: str):
    return None if value is None else parse_date(value, option)


@click.command("rank")
@click.option("--period", "kind", type=click.Choice(PERIOD_KINDS), default="month", show_default=True)
@click.option("--start", default=None, help="First day of the period (YYYY-MM-DD; default: the last whole one).")
@click.option("--end", default=None, help="Last day (default: the period's end, or the last day with readings).")
@click.option("--by", "by", type=click.Choice(LEVELS), default="district", show_default=True)
@click.option("--metric", type=click.Choice(list(METRICS)), default="composite_index", show_default=True)
@click.option("--standard", "basis", default=None, help=BASIS_HELP)
@format_option("table", "csv", "xlsx", "json")
@click.option("--out", "out_path", default=None, type=click.Path(dir_okay=False), help="File for xlsx.")
@DB_OPTION
def rank(kind: str, start: str | None, end: str | None, by: str, metric: str, basis: str | None, output: str,
         out_path: str | None, db_path: str | None) -> None:
    """Rank the units by a metric (HJ 663 values, 数据不足 last), with the moves against the
    previous period and the same period a year earlier on one standard; ties stated."""
    from geoaq.rankings import present
    from geoaq.rankings.ranking import rank as make_ranking
    from geoaq.tables import xlsx_blocks

    with connected(db_path) as con:
        ranking = make_ranking(con, kind, optional_date(start, "--start"), optional_date(end, "--end"), by=by,
                               metric=metric, basis=basis)
    lang = language()
    title = say(ranking.title(), lang)
    table = present.ranking_table(ranking, lang)
    notes = present.notes_text(ranking, lang)
    if output == "xlsx":
        path = Path(out_path or f"rank_{by}_{metric}_{ranking.period.start:%Y%m%d}_{ranking.period.end:%Y%m%d}.xlsx")
        import pandas as pd

        path.write_bytes(xlsx_blocks([(title, table), (t("rankings.bulletin.notes", lang),
                                                       pd.DataFrame({t("rankings.column.note", lang): notes}))],
                                     title, t("rankings.bulletin.sheet", lang)))
        click.echo(t("cli.rank.written", lang, path=path))
        return
    if output == "json":
        emit(ranking.table, output)
        return
    if output == "table":
        click.echo(title)
    emit(table, output)
    if output == "table":
        for note in notes:
            click.echo(f"* {note}")
