"""`geoaq emergency …`: the heavy-pollution emergency (重污染天气应急) — the emission-reduction
list (load, versions, show, check), warnings (add, load, list, end, cancel, history), the
level a forecast suggests, what a warning asks (response, with the per-county checklist), the
inspectors' findings and the response assessment."""

from __future__ import annotations

from pathlib import Path

import click

from geoaq.cli._common import (
    DB_OPTION,
    GeoaqGroup,
    acting,
    connected,
    emit,
    format_option,
    language,
    pairs,
    standard_option,
)
from geoaq.i18n import say, t

VERSION_OPTION = click.option("--version", "version", default=None,
                              help="List version YEAR[@YYYY-MM-DD] (default: the newest; see `list versions`).")
BY_OPTION = click.option("--by", "by", default=None,
                         help="Who enters it, when the command runs without an account (--as names the account, "
                              "which the record then names and whose role and counties are checked).")


def _actor(con):
    """The account named by --as (its role and counties checked by the service), or None."""
    return acting(con, required=False)


def _by(actor, by: str | None) -> str:
    """Who the command's output names: the account, else --by."""
    return actor.label if actor is not None else (by or "")


def _say_all(messages) -> None:
    lang = language()
    for message in messages:
        click.echo(say(message, lang))


@click.group(cls=GeoaqGroup)
def emergency() -> None:
    """Heavy-pollution emergency: the reduction list, warnings, response, findings, assessment."""


# --- the list ---------------------------------------------------------------------------------


@emergency.group("list", cls=GeoaqGroup)
def list_group() -> None:
    """The emission-reduction list (应急减排清单): load, versions, show."""


@list_group.command("load")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--year", "list_year", default=None, help="清单年度, e.g. 2024—2025年秋冬季 (default: the file's column).")
@click.option("--effective", default=None, help="Effective date YYYY-MM-DD (default: the file's 生效日期 column).")
@click.option("--sheet", default=None, help="Only this sheet of a workbook (default: every sheet with the list).")
@click.option("--encoding", default="auto", show_default=True, help="auto, utf-8 or gbk (CSV).")
@DB_OPTION
def list_load(path: str, list_year: str | None, effective: str | None, sheet: str | None, encoding: str,
              db_path: str | None) -> None:
    """Load the list from an Excel (.xlsx) or CSV file as one version (rejects: `geoaq rejects
    --layer emergency_list`)."""
    from geoaq.emergency.reduction_list import load_list

    with connected(db_path) as con:
        report = load_list(path, con=con, list_year=list_year, effective_from=effective, encoding=encoding,
                           sheet=sheet, actor=_actor(con))
    _say_all(report.messages())


@list_group.command("versions")
@format_option("table", "csv", "json")
@DB_OPTION
def list_versions(output: str, db_path: str | None) -> None:
    """Every stored version of the list, the newest first."""
    from geoaq.emergency import present, reduction_list

    with connected(db_path) as con:
        stored = reduction_list.versions(con)
    emit(present.versions_table(stored, language()) if output == "table" else stored, output)


@list_group.command("show")
@VERSION_OPTION
@click.option("--level", default=None, help="A warning level (III/II/I, 黄色/橙色/红色; default: all).")
@format_option("table", "csv", "json")
@DB_OPTION
def list_show(version: str | None, level: str | None, output: str, db_path: str | None) -> None:
    """The list's lines with their measure, its kind and the cuts (t/a) at each level."""
    from geoaq.emergency import present, reduction_list
    from geoaq.emergency.measures import actions
    from geoaq.emergency.rules import load_emergency_rules

    rules = load_emergency_rules()
    code = _level(level, rules)
    with connected(db_path) as con:
        chosen = reduction_list.resolve_version(con, version)
        rows, measures = reduction_list.read_list(con, chosen)
    acts = actions(rows, measures, rules)
    levels = [code] if code else rules.level_order
    lang = language()
    for current in levels:
        at = acts[acts["level"] == current]
        if output == "table":
            click.echo(t("cli.emergency.lines", lang, level=present.level_text(current, lang),
                         version=reduction_list.version_label(chosen), n=len(at)))
        emit(present.lines_table(at, lang) if output == "table" else at, output)


def _level(level: str | None, rules) -> str | None:
    if level is None:
        return None
    code = rules.level_of(level)
    if code is None:
        raise click.BadParameter(f"{level!r} is not a warning level (III/II/I, 黄色/橙色/红色)", param_hint="--level")
    return code


@emergency.command("check")
@VERSION_OPTION
@click.option("--total", "totals", multiple=True,
              help="The whole society's emissions of a pollutant, t/a: so2=1234 (repeat; default: the list's own).")
@format_option("table", "csv", "json", "xlsx")
@click.option("--out", "out_path", default=None, type=click.Path(dir_okay=False), help="File for xlsx.")
@DB_OPTION
def check(version: str | None, totals: tuple[str, ...], output: str, out_path: str | None, db_path: str | None) -> None:
    """Does the list reach 10/20/30 % at Ⅲ/Ⅱ/Ⅰ, and every consistency problem with its rule."""
    from geoaq.emergency import present, reduction_list
    from geoaq.emergency.checks import check_list
    from geoaq.emergency.rules import POLLUTANTS
    from geoaq.tables import xlsx_sheets

    given = {}
    for key, value in pairs(totals, "--total").items():
        if key.lower() not in POLLUTANTS:
            raise click.BadParameter(f"{key!r}: expected one of {', '.join(POLLUTANTS)}", param_hint="--total")
        try:
            given[key.lower()] = float(value)
        except ValueError:
            raise click.BadParameter(f"{key}={value!r}: not a number of t/a", param_hint="--total") from None
    with connected(db_path) as con:
        result = check_list(con, version, totals=given)
    lang = language()
    label = reduction_list.version_label(result.version)
    shares, problems = present.shares_table(result.shares, lang), present.problems_table(result.problems, lang)
    if output == "xlsx":
        path = Path(out_path or f"emergency_check_{result.version[1]:%Y%m%d}.xlsx")
        path.write_bytes(xlsx_sheets({t("emergency.sheet.shares", lang): shares,
                                      t("emergency.sheet.problems", lang): problems},
                                     t("emergency.check_title", lang, version=label)))
        click.echo(t("cli.emergency.written", lang, path=path))
        return
    if output == "table":
        click.echo(t("cli.emergency.check", lang, version=label, rows=result.rows, errors=result.errors,
                     problems=len(result.problems)))
        emit(shares, output)
        click.echo("")
        emit(problems, output)
    else:
        emit(result.shares, output)
        emit(result.problems, output)


# --- warnings ---------------------------------------------------------------------------------


@emergency.group("warning", cls=GeoaqGroup)
def warning_group() -> None:
    """Warnings (预警): add, load, list, end, cancel, history."""


@warning_group.command("add")
@click.option("--area", required=True, help="The city (洛阳市) or a county of admin_units (name or adcode).")
@click.option("--level", required=True, help="III/II/I or 黄色/橙色/红色.")
@click.option("--start", required=True, help="Beijing time, YYYY-MM-DD HH:MM.")
@click.option("--end", required=True, help="Beijing time, YYYY-MM-DD HH:MM.")
@click.option("--issued-by", required=True, help="The issuing authority (重污染天气应急指挥部 …).")
@click.option("--document", default=None, help="文号.")
@click.option("--note", default=None)
@click.option("--id", "warning_id", default=None, help="The warning's id (default: made from start, level, area).")
@BY_OPTION
@DB_OPTION
def warning_add(area: str, level: str, start: str, end: str, issued_by: str, document: str | None,
                note: str | None, warning_id: str | None, by: str, db_path: str | None) -> None:
    """Enter a warning (or a new revision of the one with --id)."""
    from geoaq.emergency import alerts

    with connected(db_path) as con:
        actor = _actor(con)
        wid, outcome = alerts.issue_warning(con, area=area, level=level, start=start, end=end, issued_by=issued_by,
                                            recorded_by=by, document=document, note=note, warning_id=warning_id,
                                            actor=actor)
        row = alerts.warning(con, wid)
    lang = language()
    click.echo(t(f"cli.emergency.warning_{outcome}", lang, warning=say(alerts.title(row), lang), by=_by(actor, by)))


@warning_group.command("load")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--encoding", default="auto", show_default=True)
@BY_OPTION
@DB_OPTION
def warning_load(path: str, encoding: str, by: str, db_path: str | None) -> None:
    """Load warnings from a CSV or Excel file (预警区域, 预警级别, 开始时间, 结束时间, 发布单位 …)."""
    from geoaq.emergency.alerts import load_warnings

    with connected(db_path) as con:
        report = load_warnings(path, con=con, recorded_by=by, encoding=encoding, actor=_actor(con))
    _say_all(report.messages())


@warning_group.command("list")
@click.option("--all", "include_cancelled", is_flag=True, help="Cancelled ones too.")
@format_option("table", "csv", "json")
@DB_OPTION
def warning_list(include_cancelled: bool, output: str, db_path: str | None) -> None:
    """Every warning (its latest revision), the latest start first."""
    from geoaq.emergency import alerts, present

    with connected(db_path) as con:
        found = alerts.current_warnings(con, include_cancelled=include_cancelled)
    emit(present.warnings_table(found, language()) if output == "table" else found, output)


@warning_group.command("end")
@click.argument("warning_id")
@click.option("--at", "end", required=True, help="The new end, Beijing time YYYY-MM-DD HH:MM (提前解除 or 延长).")
@click.option("--note", default=None)
@BY_OPTION
@DB_OPTION
def warning_end(warning_id: str, end: str, note: str | None, by: str, db_path: str | None) -> None:
    """Move a warning's end (a new revision)."""
    from geoaq.emergency import alerts

    with connected(db_path) as con:
        actor = _actor(con)
        outcome = alerts.revise_warning(con, warning_id, recorded_by=by, end=end, note=note, actor=actor)
        row = alerts.warning(con, warning_id)
    lang = language()
    click.echo(t(f"cli.emergency.warning_{outcome}", lang, warning=say(alerts.title(row), lang), by=_by(actor, by)))


@warning_group.command("cancel")
@click.argument("warning_id")
@click.option("--note", default=None)
@BY_OPTION
@DB_OPTION
def warning_cancel(warning_id: str, note: str | None, by: str, db_path: str | None) -> None:
    """Cancel a warning (撤销; a new revision, the history is kept)."""
    from geoaq.emergency import alerts

    with connected(db_path) as con:
        actor = _actor(con)
        alerts.revise_warning(con, warning_id, recorded_by=by, note=note, cancel=True, actor=actor)
        row = alerts.warning(con, warning_id)
    lang = language()
    click.echo(t("cli.emergency.warning_cancelled", lang, warning=say(alerts.title(row), lang), by=_by(actor, by)))


@warning_group.command("history")
@click.argument("warning_id")
@format_option("table", "csv", "json")
@DB_OPTION
def warning_history(warning_id: str, output: str, db_path: str | None) -> None:
    """Every revision of a warning, the first first."""
    from geoaq.emergency import alerts, present

    with connected(db_path) as con:
        found = alerts.history(con, warning_id)
    emit(present.warnings_table(found, language()) if output == "table" else found, output)


@emergency.command("suggest")
@click.argument("path", required=False, type=click.Path(dir_okay=False))
@click.option("--aqi", "values", multiple=True, help="A forecast day: 2025-01-05=228 (repeat).")
@DB_OPTION
def suggest(path: str | None, values: tuple[str, ...], db_path: str | None) -> None:
    """The warning level a forecast of daily AQI suggests (a file of 日期/AQI, or --aqi DAY=AQI),
    by the criteria of emergency.toml."""
    import pandas as pd

    from geoaq.emergency.forecast import read_forecast, suggest_level
    from geoaq.emergency.rules import load_emergency_rules

    if path and values:
        raise click.UsageError("give a forecast file or --aqi values, not both")
    if path:
        forecast = read_forecast(path)
    elif values:
        given = [pairs((item,), "--aqi").popitem() for item in values]  # a day given twice is refused
        forecast = pd.DataFrame({"day": [d for d, _ in given], "aqi": [a for _, a in given]})
    else:
        raise click.UsageError("give a forecast file or --aqi DAY=AQI values")
    click.echo(say(suggest_level(forecast, load_emergency_rules()).message(), language()))


# --- during and after -------------------------------------------------------------------------


@emergency.command("response")
@click.argument("warning_id")
@format_option("table", "csv", "json")
@click.option("--checklist", "checklist_path", default=None, type=click.Path(dir_okay=False),
              help="Write the per-county checklist (检查表) to this .xlsx file.")
@DB_OPTION
def response(warning_id: str, output: str, checklist_path: str | None, db_path: str | None) -> None:
    """What a warning asks: every enterprise of its area and its measure, counts per county,
    fire events and station AQI during it; optionally the per-county checklist. Run as a
    county account (--as) only its counties' enterprises, checklists and fires."""
    from geoaq.db import store
    from geoaq.emergency import access, alerts, present
    from geoaq.emergency.response import (
        checklist,
        checklist_title,
        response_in_jurisdiction,
        warning_response,
    )
    from geoaq.layers import get_layer
    from geoaq.tables import xlsx_sheets

    with connected(db_path) as con:
        actor = _actor(con)
        names = access.county_names(store.read_layer(con, get_layer("admin_units")), actor)
        found = response_in_jurisdiction(warning_response(con, warning_id), names,
                                         actor.counties if actor is not None else None)
        stations = store.read_layer(con, get_layer("stations"))
    lang = language()
    if checklist_path:
        sheets = checklist(found, lang)
        Path(checklist_path).write_bytes(xlsx_sheets(sheets, checklist_title(found, lang)))
        click.echo(t("cli.emergency.checklist", lang, path=checklist_path, counties=len(sheets),
                     lines=sum(len(s) for s in sheets.values())))
    if output != "table":
        emit(found.enterprises, output)
        return
    click.echo(t("cli.emergency.response", lang, warning=say(alerts.title(found.warning), lang),
                 enterprises=len(found.enterprises), act=len(found.must_act), fires=len(found.fires)))
    emit(present.county_table(found.by_county, lang), output)
    click.echo("")
    emit(present.enterprises_table(found.must_act, lang), output)
    click.echo("")
    names = dict(zip(stations["code"], stations["name"], strict=True)) if len(stations) else {}
    emit(present.stations_table(found.stations, names, lang), output)


@emergency.group("inspection", cls=GeoaqGroup)
def inspection_group() -> None:
    """Inspection findings of a warning (应急检查): add, load."""


@inspection_group.command("add")
@click.argument("warning_id")
@click.argument("enterprise_key")
@click.option("--result", required=True, help="compliant|violation|unable (已落实/未落实/未能检查).")
@click.option("--inspector", required=True)
@click.option("--at", "inspected_at", default=None, help="Beijing time YYYY-MM-DD HH:MM (default: now).")
@click.option("--line", default="", help="The production line (生产线/工序) as the list names it.")
@click.option("--finding", default=None, help="What was found (发现问题).")
@BY_OPTION
@DB_OPTION
def inspection_add(warning_id: str, enterprise_key: str, result: str, inspector: str, inspected_at: str | None,
                   line: str, finding: str | None, by: str, db_path: str | None) -> None:
    """Enter one finding for an enterprise (and line) of the warning's list."""
    from geoaq.emergency.inspections import record_inspection

    with connected(db_path) as con:
        outcome = record_inspection(con, warning_id, enterprise_key, result=result, inspector=inspector,
                                    recorded_by=by, inspected_at=inspected_at, line=line, finding=finding,
                                    actor=_actor(con))
    click.echo(t(f"cli.emergency.inspection_{outcome}", language(), warning=warning_id, enterprise=enterprise_key))


@inspection_group.command("load")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--warning", "warning_id", default=None, help="The warning, for files without a 预警编号 column.")
@click.option("--encoding", default="auto", show_default=True)
@BY_OPTION
@DB_OPTION
def inspection_load(path: str, warning_id: str | None, encoding: str, by: str, db_path: str | None) -> None:
    """Load findings: the returned checklist (every sheet) or any table of them."""
    from geoaq.emergency.inspections import load_inspections

    with connected(db_path) as con:
        report = load_inspections(path, con=con, recorded_by=by, warning_id=warning_id, encoding=encoding,
                                  actor=_actor(con))
    _say_all(report.messages())


@emergency.command("assess")
@click.argument("warning_id")
@standard_option
@click.option("--out", "out_path", default=None, type=click.Path(dir_okay=False),
              help="Write the one-page assessment (应急响应评估) to this .xlsx file.")
@DB_OPTION
def assess(warning_id: str, basis: str, out_path: str | None, db_path: str | None) -> None:
    """After a warning: station AQI and PM2.5 during it against the days before (one standard,
    named), the measures asked and the inspection findings."""
    from geoaq.emergency import assessment as emergency_assessment
    from geoaq.tables import xlsx_blocks

    with connected(db_path) as con:
        result = emergency_assessment.assess_warning(con, warning_id, basis=basis)
    lang = language()
    blocks = emergency_assessment.one_page(result, lang)
    title = emergency_assessment.title(result, lang)
    if out_path:
        Path(out_path).write_bytes(xlsx_blocks(blocks, title, t("emergency.sheet.assessment", lang)))
        click.echo(t("cli.emergency.written", lang, path=out_path))
    click.echo(title)
    click.echo(say(emergency_assessment.summary_message(result), lang))
    for heading, table in blocks:
        click.echo("")
        click.echo(heading)
        emit(table, "table")
