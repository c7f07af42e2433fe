"""`geoaq routes …`: saved inspection routes and the findings that come back from them
(`geoaq.routes.findings`). Every command acts as the account named with ``geoaq --as NAME``:
an inspector sees and records only the routes given to its teams."""

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
)
from geoaq.i18n import t


@click.group(cls=GeoaqGroup)
def routes() -> None:
    """Saved inspection routes (plans, their sheets) and the findings of their stops."""


@routes.command("plans")
@format_option("table", "csv", "json")
@DB_OPTION
def routes_plans(output: str, db_path: str | None) -> None:
    """The saved plans of which the account sees a stop (newest first)."""
    from geoaq.routes import findings

    with connected(db_path) as con:
        emit(findings.saved_plans(con, actor=acting(con)), output)


@routes.command("sheet")
@click.argument("plan_id", type=int)
@click.option("--out", "out_path", type=click.Path(dir_okay=False), default=None,
              help="File to write (default: standard output).")
@DB_OPTION
def routes_sheet(plan_id: int, out_path: str | None, db_path: str | None) -> None:
    """The fillable CSV sheet of saved plan PLAN_ID (the stops the account sees, latest
    findings filled in): fill in 巡查结果 (and 火点核查结果, 备注) and load it back."""
    from pathlib import Path

    from geoaq.routes import findings

    with connected(db_path) as con:
        data = findings.findings_sheet(con, plan_id, actor=acting(con), lang=language())
    if out_path:
        Path(out_path).write_bytes(data)
    else:
        click.echo(data.decode("utf-8-sig"), nl=False)


@routes.group("findings", cls=GeoaqGroup)
def routes_findings() -> None:
    """The findings of route stops: add one, load a filled sheet, list them."""


def _report(done, lang: str) -> None:
    click.echo(t("cli.routes.recorded", lang, added=done.added, skipped=done.skipped,
                 submissions=", ".join(map(str, done.submissions)) or "—"))


@routes_findings.command("add")
@click.argument("plan_id", type=int)
@click.argument("team")
@click.argument("seq", type=int)
@click.argument("finding")
@click.option("--result", "check_outcome", default=None,
              help="A fire event's check result: 属实焚烧 / 非火点 / 工业热源 / 非本辖区 (default: from the finding).")
@click.option("--note", default=None, help="What was found.")
@DB_OPTION
def findings_add(plan_id: int, team: str, seq: int, finding: str, check_outcome: str | None, note: str | None,
                 db_path: str | None) -> None:
    """Record FINDING (已完成 done / 未找到 not_found / 发现问题 problem_found) of stop SEQ of
    TEAM's route in saved plan PLAN_ID. On a fire event it is a field-check submission for the
    city to approve."""
    from geoaq.routes import findings

    with connected(db_path) as con:
        done = findings.record_finding(con, plan_id, team, seq, finding, actor=acting(con),
                                       check_outcome=check_outcome, note=note, source="cli")
    _report(done, language())


@routes_findings.command("load")
@click.argument("path", type=click.Path(dir_okay=False))
@DB_OPTION
def findings_load(path: str, db_path: str | None) -> None:
    """Record the findings of a filled route sheet (CSV): every bad row is named before anything
    is written; rows equal to a stop's latest finding are skipped."""
    from geoaq.routes import findings

    with connected(db_path) as con:
        done = findings.load_findings(con, path, actor=acting(con))
    _report(done, language())


@routes_findings.command("list")
@click.option("--plan", "plan_id", type=int, default=None, help="Only this saved plan's findings.")
@format_option("table", "csv", "json")
@DB_OPTION
def findings_list(plan_id: int | None, output: str, db_path: str | None) -> None:
    """Every finding on stops the account sees (oldest first): who, role, from where, when."""
    from geoaq.routes import findings

    with connected(db_path) as con:
        frame = findings.findings(con, plan_id, actor=acting(con))
    if output == "table" and len(frame):
        lang = language()
        frame = frame[["finding_id", "plan_id", "team", "crew", "seq", "target_id", "name", "finding",
                       "check_outcome", "note", "submission_id", "source", "recorded_by", "recorded_by_role",
                       "recorded_at"]].copy()
        frame["finding"] = frame["finding"].map(lambda f: t(f"routes.finding.{f}", lang))
        frame["check_outcome"] = frame["check_outcome"].map(
            lambda o: t(f"fires.outcome.{o}", lang) if isinstance(o, str) else "")
    emit(frame, output)
