"""`geoaq fires …`: the satellite fire events of a period (check, penalties, density), their
verification (set-status, history) and the township notice."""

from __future__ import annotations

from datetime import date

import click

from geoaq.cli._common import (
    DB_OPTION,
    GeoaqGroup,
    acting,
    connected,
    emit,
    format_option,
    language,
    period,
)
from geoaq.i18n import join, t

FIGURES_OPTION = click.option("--figures", type=click.Choice(["suspected", "verified"]), default="suspected",
                              show_default=True)


@click.group(cls=GeoaqGroup)
def fires() -> None:
    """Satellite fire events: check, penalties, verification, township notice."""


@fires.command("check")
@period
@click.option("--min-confidence", default=None, help="low|nominal|high, l|n|h, or a MODIS 0-100 value.")
@click.option("--figures", type=click.Choice(["suspected", "verified"]), default="suspected",
              show_default=True, help="Penalise all not-dismissed events, or verified ones only.")
@format_option("table", "csv", "json")
@DB_OPTION
def fires_check(start: date, end: date, min_confidence: str | None, figures: str, output: str,
                db_path: str | None) -> None:
    """Every fire event of the period: county, township, zones, nearest enterprise/mine,
    category, status, penalty (times in Beijing time)."""
    from geoaq.fires.check import check_fires

    with connected(db_path) as con:
        checked = check_fires(con, start, end, min_confidence=min_confidence, figures=figures,
                              actor=acting(con, required=False))
    checked["landcover_name"] = _landcover_names(checked, language())
    if output == "table":
        shown = checked[["event_id", "first_detected_bjt", "lon", "lat", "detections", "satellites",
                         "county_name", "township_name", "zone_types", "nearest_enterprise_name",
                         "nearest_enterprise_m", "category", "status", "penalty_yuan"]].copy()
        shown["lon"], shown["lat"] = shown["lon"].round(5), shown["lat"].round(5)
        shown["nearest_enterprise_m"] = shown["nearest_enterprise_m"].round(0)
        lang = language()
        shown["zone_types"] = shown["zone_types"].map(lambda types: join(types, lang))
        click.echo(t("cli.fires.check", lang, start=start, end=end, n=len(checked), figures=figures,
                     penalty=int(checked["penalty_yuan"].sum())))
        emit(shown, output)
    else:
        emit(checked, output)


def _landcover_names(checked, lang: str):
    """The land-cover class under each event in `lang` (the class map names both)."""
    if checked.empty or checked["landcover_code"].isna().all():
        return checked["landcover_name"]
    from geoaq.geo import raster

    class_map = raster.load_class_map()
    return checked["landcover_code"].map(lambda code: class_map.name(code, lang), na_action="ignore")


@fires.command("penalties")
@period
@FIGURES_OPTION
@click.option("--by", type=click.Choice(["county", "township"]), default="township", show_default=True)
@format_option("table", "csv", "json")
@DB_OPTION
def fires_penalties(start: date, end: date, figures: str, by: str, output: str, db_path: str | None) -> None:
    """Penalty totals (扣减财力, 元) per county or township with the events behind each amount."""
    from geoaq.fires import penalties
    from geoaq.fires.check import check_fires

    with connected(db_path) as con:
        checked = check_fires(con, start, end, figures=figures, actor=acting(con, required=False))
    levels = ("county",) if by == "county" else ("county", "township")
    totals = penalties.totals(checked, by=levels)
    if output == "table":
        click.echo(t("cli.fires.penalties", language(), start=start, end=end, figures=figures))
    emit(totals, output)


@fires.command("density")
@period
@format_option("table", "csv", "json")
@DB_OPTION
def fires_density(start: date, end: date, output: str, db_path: str | None) -> None:
    """Straw-burning events per 1,000 ha of cropland per county (land-cover raster)."""
    from geoaq.fires.check import check_fires, fires_per_cropland

    with connected(db_path) as con:
        table = fires_per_cropland(con, check_fires(con, start, end, actor=acting(con, required=False)))
    if output == "table":
        click.echo(t("cli.fires.density", language(), start=start, end=end))
    emit(table, output)


@fires.command("set-status")
@click.argument("event_id")
@click.argument("status")
@click.option("--reason", default=None, help="For dismissed: industrial_heat_source, not_a_fire, duplicate, outside_jurisdiction (or 工业热源/非火点/重复/非本辖区).")
@click.option("--note", default=None)
@click.option("--county", default=None, help="Corrected county adcode.")
@click.option("--township", default=None, help="Corrected township adcode.")
@DB_OPTION
def fires_set_status(event_id: str, status: str, reason: str | None, note: str | None,
                     county: str | None, township: str | None, db_path: str | None) -> None:
    """Mark EVENT_ID suspected|verified|dismissed (疑似/核定/排除) as the account named by
    `geoaq --as NAME` (a city user or administrator); history is kept."""
    from geoaq.fires import verification

    with connected(db_path) as con:
        actor = acting(con)
        change = verification.set_status(con, event_id, status, actor=actor, reason=reason,
                                         note=note, county_adcode=county, township_adcode=township)
        current = verification.current_status(con, [event_id]).iloc[0]
    click.echo(t("cli.fires.set_status", language(), event=event_id, status=current["status"], change=change,
                 by=actor.label))


@fires.command("history")
@click.argument("event_id")
@DB_OPTION
def fires_history(event_id: str, db_path: str | None) -> None:
    """Every status change of EVENT_ID, oldest first."""
    from geoaq.fires import verification

    with connected(db_path) as con:
        emit(verification.history(con, event_id, actor=acting(con, required=False)), "table")


@fires.command("submit")
@click.argument("event_id")
@click.argument("result")
@click.option("--note", default=None)
@click.option("--evidence", "evidence_paths", multiple=True, type=click.Path(exists=True, dir_okay=False),
              help="An evidence file (JPEG/PNG photo, PDF, docx, xlsx; type read from the content); "
                   "repeat for several.")
@DB_OPTION
def fires_submit(event_id: str, result: str, note: str | None, evidence_paths: tuple[str, ...],
                 db_path: str | None) -> None:
    """A county's field-check RESULT for EVENT_ID (burning_confirmed|not_a_fire|
    industrial_heat_source|outside_jurisdiction, or 属实焚烧/非火点/工业热源/非本辖区), for the
    city to approve or send back, with its evidence files; acts as `geoaq --as NAME`."""
    from geoaq.fires import evidence, workflow

    files = [evidence.Upload.from_path(path) for path in evidence_paths]
    with connected(db_path) as con:
        actor = acting(con)
        number = workflow.submit_check(con, event_id, result, actor=actor, note=note, files=files)
        stored = len(evidence.evidence_of(con, actor=actor, submission_id=number)) if files else 0
    click.echo(t("cli.fires.submitted", language(), event=event_id, submission=number))
    if stored:
        click.echo(t("cli.fires.evidence.stored", language(), n=stored, submission=number))


@fires.command("evidence")
@click.option("--submission", "submission_id", type=int, default=None, help="Only this submission's.")
@click.option("--event", "event_id", default=None, help="Only this event's.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default=None,
              help="Also copy the files into this directory (named evidence-ID-CHECKSUM.EXT).")
@format_option("table", "csv", "json")
@DB_OPTION
def fires_evidence(submission_id: int | None, event_id: str | None, out_dir: str | None, output: str,
                   db_path: str | None) -> None:
    """The evidence files of the field checks (one submission's, one event's, or all the
    jurisdiction's of the account named by --as), and with --out their copies."""
    from pathlib import Path

    from geoaq.fires import evidence

    with connected(db_path) as con:
        actor = acting(con, required=False)  # evidence_of refuses without an account
        frame = evidence.evidence_of(con, actor=actor, submission_id=submission_id, event_id=event_id)
        written = (evidence.export(con, Path(out_dir), actor=actor, submission_id=submission_id,
                                   event_id=event_id) if out_dir else [])
    emit(frame, output)
    if out_dir:
        click.echo(t("cli.fires.evidence.exported", language(), n=len(written), path=out_dir), err=output != "table")


@fires.command("propose")
@click.argument("event_id")
@click.option("--county", default=None, help="The county adcode proposed.")
@click.option("--township", default=None, help="The township adcode proposed.")
@click.option("--note", default=None)
@DB_OPTION
def fires_propose(event_id: str, county: str | None, township: str | None, note: str | None,
                  db_path: str | None) -> None:
    """A county's proposed correction of EVENT_ID's county/township, for the city to approve."""
    from geoaq.fires import workflow

    with connected(db_path) as con:
        number = workflow.propose_correction(con, event_id, actor=acting(con), county_adcode=county,
                                             township_adcode=township, note=note)
    click.echo(t("cli.fires.submitted", language(), event=event_id, submission=number))


@fires.command("review")
@click.argument("submission_id", type=int)
@click.argument("decision", type=click.Choice(["approve", "return"]))
@click.option("--reason", default=None, help="Why it is sent back (needed for return).")
@DB_OPTION
def fires_review(submission_id: int, decision: str, reason: str | None, db_path: str | None) -> None:
    """The city approves SUBMISSION_ID (the event's status changes) or returns it with a reason."""
    from geoaq.fires import workflow

    with connected(db_path) as con:
        workflow.review(con, submission_id, decision, actor=acting(con), reason=reason)
    click.echo(t(f"cli.fires.reviewed_{decision}", language(), submission=submission_id))


@fires.command("submissions")
@click.option("--event", "event_id", default=None, help="Only this event's.")
@click.option("--waiting", is_flag=True, help="Only what waits for the account named by --as.")
@format_option("table", "csv", "json")
@DB_OPTION
def fires_submissions(event_id: str | None, waiting: bool, output: str, db_path: str | None) -> None:
    """The counties' submissions and the city's reviews (only the jurisdiction's for --as)."""
    from geoaq.fires import workflow

    with connected(db_path) as con:
        actor = acting(con, required=waiting)
        frame = workflow.waiting_for(con, actor) if waiting else workflow.submissions(con, event_id, actor=actor)
    emit(frame, output)


@fires.command("notice")
@period
@click.option("--out", "out_path", required=True, type=click.Path(dir_okay=False),
              help="Output file: .xlsx or .csv.")
@click.option("--county", default=None, help="Only this county (adcode).")
@FIGURES_OPTION
@click.option("--lang", type=click.Choice(["zh", "en"]), default=None,
              help="Language of the notice (default: the run's language, Chinese unless told otherwise).")
@DB_OPTION
def fires_notice(start: date, end: date, out_path: str, county: str | None, figures: str, lang: str | None,
                 db_path: str | None) -> None:
    """Write the township notice (county, township, lon, lat, Beijing time, satellite, zone,
    category, status) as Excel or CSV."""
    from pathlib import Path

    from geoaq.fires.check import check_fires
    from geoaq.fires.notice import notice_table, notice_title, write_notice

    with connected(db_path) as con:
        actor = acting(con, required=False)
        if county and actor is not None:
            actor.require_county(county, "write the notice of county")
        checked = check_fires(con, start, end, figures=figures, actor=actor)
    if county:
        checked = checked[checked["county_adcode"] == county]
    lang = language(lang)
    table = notice_table(checked, lang)
    written = write_notice(table, Path(out_path), notice_title(start, end, lang), lang)
    click.echo(t("cli.fires.notice", lang, n=len(table), path=written))
