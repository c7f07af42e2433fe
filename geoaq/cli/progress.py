"""`geoaq progress`: 时序进度 — each target in progress with its value so far, the share of the
period elapsed, what the rest may still have, whether that is possible, and the days at risk."""

from __future__ import annotations

import click

from geoaq.cli._common import DB_OPTION, connected, emit, format_option, language
from geoaq.cli.rank import BASIS_HELP, optional_date
from geoaq.i18n import t


@click.command("progress")
@click.option("--as-of", "as_of", default=None, help="The day the progress is taken at (default: the last with readings).")
@click.option("--target", "target_ids", multiple=True, help="Only this target id (repeat).")
@click.option("--no-counties", is_flag=True, help="City targets for the city only, not also for its counties.")
@click.option("--standard", "basis", default=None, help=BASIS_HELP)
@format_option("table", "csv", "json")
@DB_OPTION
def progress(as_of: str | None, target_ids: tuple[str, ...], no_counties: bool, basis: str | None, output: str,
             db_path: str | None) -> None:
    """时序进度 of the targets of data/targets.toml whose period holds --as-of."""
    from geoaq.compliance.targets import load_targets
    from geoaq.rankings import present
    from geoaq.rankings.progress import progress as follow

    targets = load_targets()
    if target_ids:
        known = {t_.id for t_ in targets}
        unknown = [i for i in target_ids if i not in known]
        if unknown:
            raise click.BadParameter(f"no target {', '.join(unknown)} in the targets file", param_hint="--target")
        targets = [t_ for t_ in targets if t_.id in target_ids]
    with connected(db_path) as con:
        table = follow(con, optional_date(as_of, "--as-of"), targets=targets, basis=basis,
                       with_counties=not no_counties)
    lang = language()
    if output == "table" and table.empty:
        click.echo(t("cli.progress.none", lang))
        return
    emit(present.progress_table(table, lang) if output == "table" else table, output)
