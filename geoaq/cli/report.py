"""`geoaq report`: the zone compliance summary (达标评估) as a table, CSV or Excel."""

from __future__ import annotations

from datetime import date

import click

from geoaq.cli._common import (
    DB_OPTION,
    GeoaqCommand,
    acting,
    basis_callback,
    connected,
    format_option,
    language,
    period,
    standard_option,
)
from geoaq.i18n import say, t


@click.command(cls=GeoaqCommand)
@period
@click.option("--zone", "zone_id", default=None, help="Only this control zone (zone_id).")
@click.option("--district", default=None, help="Only this county (adcode).")
@standard_option
@click.option("--target-standard", default=None,
              callback=lambda ctx, param, value: value and basis_callback(ctx, param, value),
              help="Assess every plan target by this version (2012, 2026) instead of the one it was "
                   "set under (data/targets.toml: standard).")
@format_option("table", "csv", "xlsx")
@click.option("--out", "out_path", type=click.Path(dir_okay=False), default=None,
              help="File for csv/xlsx (default: compliance_START_END.<format>).")
@DB_OPTION
def report(start: date, end: date, zone_id: str | None, district: str | None, basis: str,
           target_standard: str | None, output: str, out_path: str | None, db_path: str | None) -> None:
    """Zone compliance summary (达标评估): each city, county, control zone and enterprise cluster
    against the plans' targets, with every reason. Run as a county account (--as) it holds only
    its counties and the zones and clusters in them."""
    from pathlib import Path

    from geoaq.aq.basis import basis_message
    from geoaq.compliance import summary as compliance
    from geoaq.compliance.jurisdiction import summary_in_jurisdiction
    from geoaq.tables import write_table

    lang = language()
    with connected(db_path) as con:
        actor = acting(con, required=False)
        summary = compliance.summarize(con, start, end, zone_id=zone_id, district=district, standard=basis,
                                       target_standard=target_standard)
        if actor is not None and not actor.city_wide:
            summary = summary_in_jurisdiction(summary, compliance.scope_geometries(con), actor)
    if summary.empty:
        raise click.ClickException(t("cli.report.nothing_in_scope", lang, zone=repr(zone_id), district=repr(district))
                                   if zone_id or district else t("cli.report.nothing", lang))
    title = t("compliance.title", lang, start=start, end=end, standard=say(basis_message(basis), lang))
    notes = list(dict.fromkeys(n for ns in compliance.worded(summary, lang)["notes"] for n in ns))
    if output == "table":
        click.echo(title)
        for note in notes:
            click.echo(t("cli.aq.note", lang, note=note))
        for row in compliance.worded(summary, lang).itertuples():
            click.echo(t("cli.report.scope", lang, status=row.status, name=row.scope_name, type=row.scope_type,
                         id=row.scope_id, kind=row.scope_kind))
            click.echo(t("cli.report.counts", lang, fire_events=row.fire_events, verified=row.fire_events_verified,
                         penalty=row.penalty_yuan, enterprises=row.enterprises, coal_users=len(row.coal_users),
                         mines=row.mines, stations=", ".join(row.stations) or "—"))
            for reason in row.reasons:
                click.echo(t("cli.report.reason", lang, reason=reason))
            for line in row.sensitive_areas:
                click.echo(t("cli.report.sensitive", lang, line=line))
        return
    flat = compliance.flatten(summary, lang)
    path = Path(out_path or f"compliance_{start}_{end}.{output}")
    written = write_table(flat, path, title, t("compliance.sheet", lang))
    click.echo(t("cli.report.written", lang, n=len(flat), path=written))
