"""`geoaq demo`: (re)build the 洛阳市 demo database from data/demo/, file by file."""

from __future__ import annotations

import click

from geoaq import config
from geoaq.cli._common import DB_OPTION, ProgressBar


@click.command()
@DB_OPTION
def demo(db_path: str | None) -> None:
    """(Re)build the 洛阳市 demo database from data/demo/ (real files + 演示数据)."""
    from geoaq.demo.build import build_demo

    target = config.db_path(db_path)
    click.echo(f"building the demo database {target} …")

    def _show(load, report) -> None:
        tag = " [演示数据]" if load.synthetic else ""
        click.echo(f"  {report.layer:<14} {load.file.name}{tag}: loaded {report.loaded:,}, "
                   f"rejected {report.rejected_rows:,} ({report.seconds:.1f} s)")

    reports = build_demo(db_path, on_report=_show, progress=ProgressBar())
    click.echo(f"done: {len(reports)} files, {sum(r.loaded for r in reports):,} rows → {target}")
