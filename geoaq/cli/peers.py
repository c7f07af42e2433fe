"""`geoaq peers …`: the peer tables a province or the ministry publishes — load, list, and the
own city's or county's figures placed among them with the gap to a place."""

from __future__ import annotations

import click

from geoaq.cli._common import (
    DB_OPTION,
    GeoaqGroup,
    acting,
    connected,
    emit,
    format_option,
    language,
    parse_date,
)
from geoaq.cli.rank import BASIS_HELP, optional_date
from geoaq.i18n import say, t
from geoaq.rankings.peers import FIGURES


@click.group(cls=GeoaqGroup)
def peers() -> None:
    """Peer tables (对标排名表): load, list, place."""


@peers.command("load")
@click.argument("path", type=click.Path(dir_okay=False, exists=True))
@click.option("--table", "table_name", required=True, help="Its name, e.g. 河南省县（市、区） (rank targets name it).")
@click.option("--start", default=None, help="First day of its period (default: the file's 时段 column).")
@click.option("--end", default=None, help="Last day of its period.")
@click.option("--sheet", default=None, help="Only this sheet of a workbook.")
@click.option("--encoding", default="auto", show_default=True, help="auto, utf-8 or gbk (CSV).")
@click.option("--demo", "synthetic", is_flag=True, help="Mark the table as 演示数据.")
@DB_OPTION
def load(path: str, table_name: str, start: str | None, end: str | None, sheet: str | None, encoding: str,
         synthetic: bool, db_path: str | None) -> None:
    """Load a peer table (Excel or CSV: names, 综合指数, PM2.5, 优良天数比率, rank, period); the
    account of --as (an administrator or a city user) is recorded as who loaded it."""
    from geoaq.rankings.peers import load_peer_table

    with connected(db_path) as con:
        report = load_peer_table(path, table_name, con=con, start=optional_date(start, "--start"),
                                 end=optional_date(end, "--end"), encoding=encoding, sheet=sheet,
                                 synthetic=synthetic, actor=acting(con, required=False))
    lang = language()
    for line in report.messages():
        click.echo(say(line, lang))


@peers.command("list")
@format_option("table", "csv", "json")
@DB_OPTION
def list_tables(output: str, db_path: str | None) -> None:
    """Every loaded peer table and period."""
    from geoaq.rankings.peers import stored_tables

    with connected(db_path) as con:
        emit(stored_tables(con), output)


@peers.command("place")
@click.option("--table", "table_name", required=True, help="The peer table's name.")
@click.option("--start", required=True, help="First day of the table's period.")
@click.option("--end", required=True, help="Last day of the table's period.")
@click.option("--unit", required=True, help="The own city or county, as geoaq names it (洛阳 / 孟津区).")
@click.option("--by", "level", type=click.Choice(["city", "district", "township", "zone"]), default="city",
              show_default=True)
@click.option("--metric", type=click.Choice(FIGURES), default="composite_index", show_default=True)
@click.option("--place", "places", type=int, multiple=True, help="A place to show the gap to (repeat), e.g. 3.")
@click.option("--standard", "basis", default=None, help=BASIS_HELP)
@format_option("table", "csv", "json")
@DB_OPTION
def place(table_name: str, start: str, end: str, unit: str, level: str, metric: str, places: tuple[int, ...],
          basis: str | None, output: str, db_path: str | None) -> None:
    """The unit's own computed figure placed among a peer table, and the gap to each --place."""
    from geoaq.rankings import present
    from geoaq.rankings.peers import match, peer_rows
    from geoaq.rankings.peers import place as place_unit
    from geoaq.rankings.ranking import own_figures, ranking_standard

    first, last = parse_date(start, "--start"), parse_date(end, "--end")
    std = ranking_standard(last, basis)
    with connected(db_path) as con:
        rows = peer_rows(con, table_name, first, last)
        figures = own_figures(con, level, first, last, std, (metric,))
    index, _ = match(unit, figures["unit_name"].tolist())
    value = None if index is None else figures[metric].iloc[index]
    placed = place_unit(rows, metric, unit, value, table_name=table_name, period=(first, last))
    lang = language()
    if output == "table":
        click.echo(t("cli.peers.placed", lang, unit=unit, table=table_name, start=first, end=last,
                     rank="—" if placed.rank is None else placed.rank, size=placed.size, standard=std.name))
        for note in placed.notes:
            click.echo(f"* {say(note, lang)}")
        for k in places:
            needed, gap = placed.needed_for(k), placed.gap_for(k)
            click.echo(t("cli.peers.gap", lang, place=k, needed="—" if needed is None else f"{needed:g}",
                         gap="—" if gap is None else f"{gap:g}"))
    emit(present.placement_table(placed, lang) if output == "table" else placed.table, output)


@peers.command("targets")
@click.option("--standard", "basis", default=None, help=BASIS_HELP)
@format_option("table", "csv", "json")
@DB_OPTION
def targets(basis: str | None, output: str, db_path: str | None) -> None:
    """The rank targets of data/targets.toml for the stored city and counties, each against the
    loaded peer table of its period (and of its baseline): status, place, gap."""
    from geoaq.rankings import present
    from geoaq.rankings.peers import assess_rank_targets

    with connected(db_path) as con:
        table = assess_rank_targets(con, basis=basis)
    emit(present.rank_targets_table(table, language()) if output == "table" else table, output)
