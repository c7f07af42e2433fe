"""`geoaq report`: the zone compliance summary (达标评估) as a table, CSV or Excel."""

from __future__ import annotations

from datetime import date

import click

from geoaq.cli._common import DB_OPTION, connected, format_option, period


@click.command()
@period
@click.option("--zone", "zone_id", default=None, help="Only this control zone (zone_id).")
@click.option("--district", default=None, help="Only this county (adcode).")
@click.option("--standard", default="2012", show_default=True)
@format_option("table", "csv", "xlsx")
@click.option("--out", "out_path", type=click.Path(dir_okay=False), default=None,
              help="File for csv/xlsx (default: compliance_START_END.<format>).")
@DB_OPTION
def report(start: date, end: date, zone_id: str | None, district: str | None, standard: str, output: str,
           out_path: str | None, db_path: str | None) -> None:
    """Zone compliance summary (达标评估): each city, county, control zone and enterprise cluster
    against the plans' targets, with every reason."""
    from pathlib import Path

    from geoaq.compliance import summary as compliance
    from geoaq.tables import write_table

    with connected(db_path) as con:
        summary = compliance.summarize(con, start, end, zone_id=zone_id, district=district, standard=standard)
    if summary.empty:
        raise click.ClickException(f"nothing to report: no zone {zone_id!r} / district {district!r}"
                                   if zone_id or district else "nothing to report: no zones, counties or cities")
    flat = compliance.flatten(summary)
    title = f"达标评估 {start} 至 {end}（北京时间，标准 {standard}）"
    if output == "table":
        click.echo(title)
        for row in summary.itertuples():
            click.echo(f"\n[{row.status}] {row.scope_name} ({row.scope_type} {row.scope_id}, {row.scope_kind})")
            click.echo(f"  fire events {row.fire_events} (verified {row.fire_events_verified}), penalties "
                       f"{row.penalty_yuan:,} 元; enterprises {row.enterprises}; coal users in ban zones "
                       f"{len(row.coal_users)}; mines {row.mines}; stations {', '.join(row.stations) or '—'}")
            for reason in row.reasons:
                click.echo(f"  - {reason}")
            for line in row.sensitive_areas:
                click.echo(f"  · 敏感区 {line}")
        return
    path = Path(out_path or f"compliance_{start}_{end}.{output}")
    written = write_table(flat, path, title, "达标评估")
    click.echo(f"{len(flat)} scopes → {written}")
