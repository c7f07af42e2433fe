"""`geoaq demo`: (re)build the 洛阳市 demo database from data/demo/, file by file."""

from __future__ import annotations

import click

from geoaq.cli._common import DB_OPTION, GeoaqCommand, ProgressBar, language
from geoaq.db.backend import database
from geoaq.i18n import t


@click.command(cls=GeoaqCommand)
@DB_OPTION
def demo(db_path: str | None) -> None:
    """(Re)build the 洛阳市 demo database from data/demo/ (real files + 演示数据)."""
    from geoaq.demo.build import build_demo

    lang = language()
    target = database(db_path).describe()  # a catalog's password masked
    click.echo(t("cli.demo.building", lang, path=target))

    def _show(load, report) -> None:
        tag = t("cli.demo.synthetic", lang) if load.synthetic else ""
        click.echo(t("cli.demo.loaded", lang, layer=report.layer, file=load.file.name, tag=tag, loaded=report.loaded,
                     rejected=report.rejected_rows, seconds=report.seconds))

    reports = build_demo(db_path, on_report=_show, progress=ProgressBar())
    click.echo(t("cli.demo.done", lang, files=len(reports), rows=sum(r.loaded for r in reports), path=target))
