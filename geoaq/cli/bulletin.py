"""`geoaq bulletin`: the month's 通报 (rankings, moves, targets at risk, fire events and
penalties per county) as Excel or printable HTML."""

from __future__ import annotations

from pathlib import Path

import click

from geoaq.cli._common import DB_OPTION, connected, language, parse_date
from geoaq.cli.rank import BASIS_HELP
from geoaq.i18n import t
from geoaq.rankings.units import LEVELS


@click.command("bulletin")
@click.option("--month", default=None, help="The month, YYYY-MM (default: the last whole month with readings).")
@click.option("--by", "by", type=click.Choice(LEVELS), default="district", show_default=True)
@click.option("--standard", "basis", default=None, help=BASIS_HELP)
@click.option("--format", "output", type=click.Choice(["xlsx", "html"]), default="xlsx", show_default=True)
@click.option("--out", "out_path", default=None, type=click.Path(dir_okay=False), help="The file to write.")
@click.option("--no-fires", is_flag=True, help="Leave out the fire check.")
@DB_OPTION
def bulletin(month: str | None, by: str, basis: str | None, output: str, out_path: str | None, no_fires: bool,
             db_path: str | None) -> None:
    """Write the month's bulletin (通报)."""
    from geoaq.rankings.bulletin import build

    first = None if month is None else parse_date(f"{month}-01", "--month")
    with connected(db_path) as con:
        made = build(con, first, basis=basis, by=by, with_fires=not no_fires)
    lang = language()
    path = Path(out_path or f"bulletin_{made.month:%Y%m}.{output}")
    if output == "xlsx":
        path.write_bytes(made.xlsx(lang))
    else:
        path.write_text(made.html(lang), "utf-8")
    click.echo(t("cli.rank.written", lang, path=path))
