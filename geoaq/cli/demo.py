"""`geoaq demo`: (re)build the 洛阳市 demo database from data/demo/, file by file."""

from __future__ import annotations

import click

from geoaq import config
from geoaq.cli._common import DB_OPTION, GeoaqCommand, ProgressBar, language
from geoaq.db.backend import database
from geoaq.i18n import t


@click.command(cls=GeoaqCommand)
@DB_OPTION
def demo(db_path: str | None) -> None:
    """(Re)build the 洛阳市 demo database from data/demo/ (real files + 演示数据)."""
    from geoaq.accounts.passwords import generate_password
    from geoaq.demo.accounts import DEMO_ACCOUNTS
    from geoaq.demo.build import build_demo

    lang = language()
    target = database(db_path).describe()  # a catalog's password masked
    click.echo(t("cli.demo.building", lang, path=target))

    def _show(load, report) -> None:
        tag = t("cli.demo.synthetic", lang) if load.synthetic else ""
        click.echo(t("cli.demo.loaded", lang, layer=report.layer, file=load.file.name, tag=tag, loaded=report.loaded,
                     rejected=report.rejected_rows, seconds=report.seconds))

    given = config.demo_password()
    password = given or generate_password()
    reports = build_demo(db_path, on_report=_show, progress=ProgressBar(), accounts_password=password)
    click.echo(t("cli.demo.done", lang, files=len(reports), rows=sum(r.loaded for r in reports), path=target))
    names = ", ".join(account[0] for account in DEMO_ACCOUNTS)
    if given:
        click.echo(t("cli.demo.accounts_given", lang, names=names))
    else:
        click.echo(t("cli.demo.accounts", lang, names=names, password=password))
