"""`geoaq route`: inspection routes (巡查路线) — collect the day's targets, order them into one
route per team within the working day, and print or export them."""

from __future__ import annotations

from datetime import date

import click

from geoaq.cli._common import (
    DB_OPTION,
    GeoaqCommand,
    acting,
    connected,
    format_option,
    language,
    parse_date,
)
from geoaq.i18n import say, t


@click.command("route", cls=GeoaqCommand)
@click.option("--teams", "team_count", type=int, default=1, show_default=True, help="Number of inspection teams.")
@click.option("--start", default=None, metavar="LON,LAT",
              help="Where every team starts (WGS-84; default: the depot of data/rules/routes.toml).")
@click.option("--end", default=None, metavar="LON,LAT", help="Where every team ends (default: its start).")
@click.option("--hours", type=float, default=None, help="Working hours per team (default: routes.toml).")
@click.option("--speed", type=float, default=None, help="Driving speed, km/h (default: routes.toml).")
@click.option("--matrix", "matrix_path", type=click.Path(dir_okay=False), default=None,
              help="Square CSV distance/time matrix in the order of the targets (N x N, or N+K with the "
                   "K depots after the targets).")
@click.option("--matrix-unit", type=click.Choice(["m", "km", "s", "min"]), default="m", show_default=True,
              help="Unit of --matrix: distances (m, km) are driven at the team speed; times (s, min) are used as given.")
@click.option("--road-graph", type=click.Path(dir_okay=False), default=None,
              help="Local road graph: GraphML, or GeoJSON/GeoPackage lines with speed_kmh.")
@click.option("--targets", "targets_path", type=click.Path(dir_okay=False), default=None,
              help="Targets file: CSV with lon/lat (经度/纬度) or GeoJSON/GeoPackage points.")
@click.option("--from-findings", "findings_day", default=None, metavar="DATE",
              help="Collect the targets of this Beijing day (YYYY-MM-DD) from the database: unverified "
                   "fire events, flagged enterprises, mines under rectification.")
@click.option("--pick", "picks", multiple=True, metavar="LON,LAT[,NAME]", help="Add a point (repeatable).")
@click.option("--draw", "draws", multiple=True, metavar="CATEGORY=N",
              help="双随机 draw: enterprises=N, enterprises:<industry>=N, mines=N (repeatable).")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the 双随机 draw.")
@click.option("--date", "day_text", default=None, help="Date of the routes (default: --from-findings or today).")
@format_option("table", "csv", "gpx", "kml", "html")
@click.option("--out", "out_path", type=click.Path(dir_okay=False), default=None,
              help="File for csv/gpx/kml/html (default: standard output).")
@click.option("--coords", type=click.Choice(["wgs84", "gcj02", "bd09"]), default="wgs84", show_default=True,
              help="Coordinates written to files (gcj02 for AMap/Tencent-based phone apps, bd09 for Baidu).")
@click.option("--work-limit", type=int, default=None, help="Search iterations (deterministic stop; default routes.toml).")
@click.option("--time-limit", type=float, default=None, help="Safety cap on search seconds (default routes.toml).")
@click.option("--lang", type=click.Choice(["zh", "en"]), default=None,
              help="Language of the output and files (default: the run's language, Chinese unless told otherwise).")
@click.option("--save", is_flag=True,
              help="Save the plan (needs --as an account that plans routes) so that findings can come back to it; "
                   "its id goes into the files.")
@click.option("--crew", "crews", multiple=True, metavar="TEAM=CREW",
              help="With --save: give TEAM's route (第1组 …) to the inspection team CREW of the accounts (repeat).")
@DB_OPTION
def route(team_count: int, start: str | None, end: str | None, hours: float | None, speed: float | None,
          matrix_path: str | None, matrix_unit: str, road_graph: str | None, targets_path: str | None,
          findings_day: str | None, picks: tuple[str, ...], draws: tuple[str, ...], seed: int,
          day_text: str | None, output: str, out_path: str | None, coords: str, work_limit: int | None,
          time_limit: float | None, lang: str | None, save: bool, crews: tuple[str, ...],
          db_path: str | None) -> None:
    """Inspection routes: order the day's targets into one route per team within the working day
    (PyVRP, HGS), and print or export them (table, CSV, GPX, KML, printable HTML). A progress
    bar shows on stderr; Ctrl-C stops the search and keeps the best plan so far."""
    from pathlib import Path

    import pandas as pd

    from geoaq.routes import export as route_export
    from geoaq.routes import targets as route_targets
    from geoaq.routes.inputs import parse_lonlat
    from geoaq.routes.plan import plan_routes
    from geoaq.routes.rules import load_route_rules, make_teams

    lang = language(lang)
    if targets_path and findings_day:
        raise click.UsageError("give --targets or --from-findings, not both")
    rules = load_route_rules()
    day = parse_date(day_text, "--date") if day_text else (parse_date(findings_day, "--from-findings")
                                                           if findings_day else date.today())
    picked = route_targets.parse_picked("\n".join(picks)) if picks else []
    quotas = route_targets.parse_quotas(list(draws))
    given = dict(_crew(text) for text in crews)
    if given and not save:
        raise click.UsageError("--crew goes with --save")
    frames = []
    if targets_path:
        frames.append(route_targets.read_targets_file(targets_path))
    if findings_day or quotas:
        with connected(db_path) as con:  # a county account's targets: only inside its counties
            found = route_targets.collect_targets(
                con, day, rules=rules, fires=bool(findings_day), enterprises=bool(findings_day),
                mines=bool(findings_day), draw=quotas or None, seed=seed, picked=None, lang=lang,
                actor=acting(con, required=False))
        if len(found):
            frames.append(found)
    if picked:
        frames.append(route_targets.picked_targets(picked, rules, lang))
    if not targets_path and not findings_day and not picked and not quotas:
        raise click.UsageError("no targets: give --targets FILE, --from-findings DATE, --pick or --draw")

    targets = pd.concat([f for f in frames if len(f)], ignore_index=True) if any(len(f) for f in frames) else None
    teams = make_teams(
        team_count, start=parse_lonlat(start, "--start") if start else None,
        end=parse_lonlat(end, "--end") if end else None, hours=hours, speed_kmh=speed, rules=rules,
        lang=lang)
    plan = _plan_with_progress(lambda control: plan_routes(
        targets, teams, rules=rules, day=day, matrix=matrix_path, matrix_unit=matrix_unit,
        road_graph=road_graph, work_limit=work_limit, time_limit_s=time_limit, control=control),
        time_limit if time_limit is not None else rules.time_limit_s)
    for line in plan.warnings:
        click.echo(t("cli.route.warning", lang, warning=say(line, lang)), err=True)
    if save:
        from dataclasses import replace

        from geoaq.routes.findings import save_plan

        with connected(db_path) as con:
            plan = replace(plan, plan_id=save_plan(con, plan, actor=acting(con), crews=given))
        click.echo(t("cli.route.saved", lang, plan=plan.plan_id), err=True)
    if output != "table":
        data = route_export.export(plan, output, lang=lang, coords=coords, rules=rules)
        if out_path:
            Path(out_path).write_bytes(data)
            click.echo(t("cli.route.written", lang, stops=plan.visited, routes=len(plan.teams), path=out_path), err=True)
        else:
            click.echo(data.decode("utf-8-sig"), nl=False)
        return
    click.echo(plan.summary(lang))
    for _, totals in plan.teams.iterrows():
        km = "—" if pd.isna(totals["distance_km"]) else t("cli.route.km", lang, km=totals["distance_km"])
        click.echo(t("cli.route.team", lang, team=totals["team"], stops=totals["stops"], km=km,
                     travel=totals["travel_min"], service=totals["service_min"], wait=totals["wait_min"],
                     depart=f"{totals['depart']:%H:%M}", back=f"{totals['return']:%H:%M}", hours=totals["hours_limit"]))
        table = route_export.stop_table(plan, totals["team"], lang=lang, rules=rules)
        click.echo(table.drop(columns=table.columns[[0]]).to_string(index=False, na_rep="—"))
    if len(plan.dropped):
        click.echo(t("cli.route.left_out", lang, n=len(plan.dropped)))
        shown = plan.dropped[["target_id", "name", "kind", "priority", "drop_reason"]].assign(
            drop_reason=plan.dropped["drop_reason"].map(lambda c: t(f"routes.drop.{c}", lang)))
        click.echo(shown.to_string(index=False))


def _crew(text: str) -> tuple[str, str]:
    """'第1组=巡查一组' → (team, crew)."""
    team, sep, crew = str(text).partition("=")
    if not sep or not team.strip() or not crew.strip():
        raise click.BadParameter(f"expected TEAM=CREW, got {text!r}", param_hint="--crew")
    return team.strip(), crew.strip()


def _plan_with_progress(plan, time_limit_s: float):
    """Run `plan(control)` with a progress bar on stderr; Ctrl-C stops the search and keeps
    the best plan so far (a second Ctrl-C interrupts as usual)."""
    import signal
    import sys

    from tqdm import tqdm

    from geoaq.routes.progress import Control

    bar = tqdm(total=100, file=sys.stderr, unit="%", leave=False,
               bar_format="{l_bar}{bar}| {elapsed}", disable=None)

    def show(progress) -> None:
        bar.set_description_str(progress.stage, refresh=False)
        bar.update(max(0, round(progress.done * 100) - bar.n))

    control = Control(show, time_limit_s)
    previous = signal.getsignal(signal.SIGINT)

    def interrupt(signum, frame) -> None:
        control.stop()
        signal.signal(signal.SIGINT, previous)

    try:
        signal.signal(signal.SIGINT, interrupt)
    except ValueError:  # not the main thread: no Ctrl-C handling
        previous = None
    try:
        return plan(control)
    finally:
        bar.close()
        if previous is not None:
            signal.signal(signal.SIGINT, previous)
