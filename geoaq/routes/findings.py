"""Saved routes and the findings inspectors bring back (巡查结果回传, migration 0013).

1. A plan is saved (`save_plan`, by an account that may plan routes, every stop inside its
   jurisdiction): it gets a plan id, printed on the sheets and written into the exported CSV,
   and each team's route is given to an inspection team (its *crew*: a team named in the
   inspectors' accounts, `geoaq users set-role NAME inspector --team 巡查一组`).
2. The finding of each stop — 已完成 done / 未找到 not found / 发现问题 problem found, with a
   note — is recorded on the routes page or the command line (`record_finding`), or by
   uploading the filled CSV of the route sheet (`load_findings`: read with the project's CSV
   reader, every bad row named with its file, row and column before anything is written; a
   row equal to the stop's latest finding is skipped, so a re-upload adds nothing; a failed
   load writes nothing).
3. A finding on a fire event enters the verification workflow (`geoaq.fires.workflow`): done
   and problem found become a field-check submission for the city to approve, with the
   recording account as the submitter — problem found as 属实焚烧 (burning confirmed), done as
   非火点 (not a fire), unless the finding names its check result (`check_outcome`, any of
   the workflow's results). Not found makes no submission.

Who sees and records what (`visible_stop`): admin, city and viewer accounts every stop; a
county account the stops inside its counties; an inspector the routes given to its teams
(and, when its account has counties, only their stops there). Recording needs the role's
routes.findings permission (not a viewer). Every finding names the account, its role, where
from, when, and how it came (page, upload, cli); nothing is overwritten.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from geoaq._errors import AccessDeniedError, GeoaqError, IngestError, RouteFindingsError
from geoaq.accounts.jurisdiction import county_of_points
from geoaq.accounts.roles import PLAN_ROUTES, RECORD_FINDINGS, VIEW, Actor
from geoaq.db.connection import Connection, next_ids, transaction, write_attempts
from geoaq.db.named import run
from geoaq.i18n import LANGUAGES, choices, code_for, t

#: a stop's finding (words: routes.finding.<code>)
FINDINGS = ("done", "not_found", "problem_found")
#: how a finding came (page, upload, cli)
SOURCES = ("page", "upload", "cli")
#: a fire event's check result when the finding names none
DEFAULT_OUTCOME = {"problem_found": "burning_confirmed", "done": "not_a_fire"}
#: the columns of the filled sheet the loader reads (headings: routes.column.<key>)
SHEET_KEYS = ("plan_id", "team", "seq", "target_id", "finding", "check_result", "note")
STOP_COLUMNS = ("plan_id", "team", "crew", "seq", "kind", "target_id", "ref_layer", "ref_id", "name", "lon", "lat",
                "county_adcode", "arrival", "finding_id", "finding", "check_outcome", "note", "submission_id",
                "recorded_by", "recorded_at")


def normalise_finding(value: object) -> str | None:
    """The finding code for a code or its word in either language ("未找到" -> "not_found")."""
    return code_for(value, FINDINGS, "routes.finding")


def target_ref(kind: str, target_id: str) -> tuple[str | None, str | None]:
    """(layer, id) of what a stop inspects: the fire event, enterprise or mine; (None, None)
    for a picked point or a target from a file."""
    text = str(target_id or "")
    if kind == "fire_event":
        return "fire_events", text
    for prefix, layer in (("ENT-", "enterprises"), ("MINE-", "mines")):
        if text.startswith(prefix):
            return layer, text.removeprefix(prefix)
    return None, None


def stop_counties(con: Connection, lon: Iterable[float], lat: Iterable[float]) -> list[str | None]:
    """The county adcode (admin_units, level 县) each stop lies in; None outside every county."""
    return county_of_points(con, lon, lat)


def visible_stop(actor: Actor | None, crew: str | None, county: str | None) -> bool:
    """Whether `actor` sees a stop given to `crew` in `county` (see the module notes)."""
    if actor is None or actor.role in ("admin", "city", "viewer"):
        return True
    if actor.role == "inspector":
        return crew is not None and crew in actor.teams and (not actor.counties or county in actor.counties)
    return county is not None and county in actor.counties


def known_crews(con: Connection) -> list[str]:
    """The inspection teams named in the accounts (the crews a route may be given to)."""
    return [row[0] for row in run(con, "account_teams_known").fetchall()]


def _beijing_now():
    from geoaq.fires.verification import _beijing

    return _beijing(None)


def save_plan(con: Connection, plan, *, actor: Actor, crews: Mapping[str, str | None] | None = None) -> int:
    """Store `plan` (a `geoaq.routes.plan.RoutePlan`) with each team's route given to its crew
    (`crews`: route team -> inspection team; default the team's own name); its plan id.
    Refused (AccessDeniedError, nothing written) to a role that may not plan routes and when a
    stop lies outside the account's jurisdiction."""
    actor.require(PLAN_ROUTES, "save inspection routes")
    stops = plan.stops[~plan.stops["kind"].isin(["start", "end"])].reset_index(drop=True)
    if stops.empty:
        raise RouteFindingsError("the plan has no stops to save")
    crews = dict(crews or {})
    unknown = sorted(set(crews) - set(plan.team_names()))
    if unknown:
        raise RouteFindingsError(f"crews for teams not in the plan: {unknown}; teams: {plan.team_names()}")
    counties = stop_counties(con, stops["lon"], stops["lat"])
    for target, county in zip(stops["target_id"], counties, strict=True):
        actor.require_county(county, f"plan a route to target {target}")
    refs = [target_ref(k, i) for k, i in zip(stops["kind"], stops["target_id"], strict=True)]
    crew = [(crews.get(team) or team) for team in stops["team"]]
    arrival = [None if pd.isna(a) else pd.Timestamp(a).to_pydatetime() for a in stops["arrival"]]
    for attempt in write_attempts(con):
        with attempt, transaction(con):
            plan_id = next_ids(con, "route_plan")
            run(con, "route_plan_insert", [plan_id, plan.day, len(plan.teams), len(stops), plan.method or None,
                                           actor.label, actor.account_id, actor.role, actor.origin, _beijing_now()])
            run(con, "route_plan_stops_insert", [
                plan_id, [str(x) for x in stops["team"]], crew, [int(x) for x in stops["seq"]],
                [str(x) for x in stops["kind"]], [str(x) for x in stops["target_id"]], [r[0] for r in refs],
                [r[1] for r in refs], [str(x) for x in stops["name"]], [float(x) for x in stops["lon"]],
                [float(x) for x in stops["lat"]], counties, arrival])
    return int(plan_id)


def plan_stops(con: Connection, plan_id: int | None = None, *, actor: Actor | None) -> pd.DataFrame:
    """The stops of one saved plan (or all) that `actor` sees, each with its latest finding."""
    if actor is not None:
        actor.require(VIEW, "see saved routes")
    frame = run(con, "route_plan_stops_of", [plan_id, plan_id]).df()[list(STOP_COLUMNS)]
    keep = [visible_stop(actor, c, n) for c, n in zip(frame["crew"], frame["county_adcode"], strict=True)]
    return frame[np.asarray(keep, dtype=bool)].reset_index(drop=True) if len(frame) else frame


def saved_plans(con: Connection, *, actor: Actor | None) -> pd.DataFrame:
    """The saved plans of which `actor` sees a stop, newest first, with the stops it sees and
    how many of them have a finding."""
    plans = run(con, "route_plans_list").df()
    stops = plan_stops(con, actor=actor)
    seen = stops.groupby("plan_id").agg(visible=("seq", "size"), reported=("finding_id", "count")).reset_index()
    return plans.merge(seen, on="plan_id").sort_values("plan_id", ascending=False).reset_index(drop=True)


def findings(con: Connection, plan_id: int | None = None, *, actor: Actor | None) -> pd.DataFrame:
    """Every finding (of one plan, or all) on stops `actor` sees, oldest first."""
    if actor is not None:
        actor.require(VIEW, "see route findings")
    frame = run(con, "route_findings_of", [plan_id, plan_id]).df()
    if frame.empty:
        return frame
    keep = [visible_stop(actor, c, n) for c, n in zip(frame["crew"], frame["county_adcode"], strict=True)]
    return frame[np.asarray(keep, dtype=bool)].reset_index(drop=True)


# --- recording --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    """One finding to record: the stop (plan, team, seq; target_id checked when given), the
    finding code, a fire event's check result, a note; `where` names it in messages."""

    plan_id: int
    team: str
    seq: int
    finding: str
    check_outcome: str | None = None
    note: str | None = None
    target_id: str | None = None
    where: str = ""


@dataclass(frozen=True)
class Recorded:
    """What a recording did: the findings added, those skipped as equal to the stop's latest,
    and the field-check submissions made."""

    added: int
    skipped: int
    submissions: tuple[int, ...]


def _label(where: str) -> str:
    return f"{where}: " if where else ""


def _checked(items: list[Finding], stops: pd.DataFrame, actor: Actor) -> tuple[list[str], list[tuple]]:
    """(problems, [(finding, stop row)]) of `items` against the stored stops (all of them,
    not only the visible ones: a stop outside the jurisdiction is refused by name)."""
    from geoaq.fires.workflow import OUTCOMES

    problems, ready, seen = [], [], {}
    index = {(int(r.plan_id), str(r.team), int(r.seq)): r for r in stops.itertuples()}
    known_plans = {int(p) for p in stops["plan_id"]}
    for item in items:
        here = _label(item.where)
        stop = index.get((item.plan_id, item.team, item.seq))
        if stop is None:
            what = (f"no saved plan {item.plan_id}" if item.plan_id not in known_plans
                    else f"plan {item.plan_id} has no stop {item.seq} of team {item.team!r}")
            problems.append(f"{here}{what}")
            continue
        if not visible_stop(actor, stop.crew, stop.county_adcode):
            problems.append(f"{here}account {actor.name!r} ({actor.role}) may not record findings of plan "
                            f"{item.plan_id} team {item.team} stop {item.seq}: the route is not given to its "
                            "teams or the stop is outside its jurisdiction")
            continue
        if item.target_id and str(item.target_id).strip() != stop.target_id:
            problems.append(f"{here}stop {item.seq} of plan {item.plan_id} team {item.team} is target "
                            f"{stop.target_id}, not {item.target_id}")
            continue
        if item.check_outcome is not None and stop.kind != "fire_event":
            problems.append(f"{here}only a fire-event stop takes a check result (stop {item.seq} is {stop.kind})")
            continue
        if item.check_outcome is not None and item.finding == "not_found":
            problems.append(f"{here}a stop not found has no check result")
            continue
        if item.check_outcome is not None and item.check_outcome not in OUTCOMES:
            problems.append(f"{here}unknown check result {item.check_outcome!r}")
            continue
        key = (item.plan_id, item.team, item.seq)
        if key in seen and seen[key] != (item.finding, item.check_outcome, item.note):
            problems.append(f"{here}stop {item.seq} of plan {item.plan_id} team {item.team} is given a "
                            f"different finding already ({seen[key][0]})")
            continue
        seen[key] = (item.finding, item.check_outcome, item.note)
        ready.append((item, stop))
    return problems, ready


def record(con: Connection, items: list[Finding], *, actor: Actor, source: str = "page",
           source_file: str | None = None) -> Recorded:
    """Record `items` in one transaction (all or nothing); see the module notes."""
    from geoaq.fires import workflow

    actor.require(RECORD_FINDINGS, "record route findings")
    if source not in SOURCES:
        raise RouteFindingsError(f"unknown source {source!r}; use one of {SOURCES}")
    for attempt in write_attempts(con):
        with attempt, transaction(con):
            plans = sorted({item.plan_id for item in items})  # only the plans the findings name
            stops = pd.concat([run(con, "route_plan_stops_of", [p, p]).df()[list(STOP_COLUMNS)] for p in plans],
                              ignore_index=True) if plans else pd.DataFrame(columns=list(STOP_COLUMNS))
            problems, ready = _checked(items, stops, actor)
            if problems:
                raise RouteFindingsError(_problems_text(problems, source_file))
            added, skipped, made, done = 0, 0, [], set()
            for item, stop in ready:
                key = (item.plan_id, item.team, item.seq)
                fire = stop.kind == "fire_event" and item.finding != "not_found"
                outcome = (item.check_outcome or DEFAULT_OUTCOME[item.finding]) if fire else None
                latest = (stop.finding, None if pd.isna(stop.check_outcome) else stop.check_outcome,
                          None if pd.isna(stop.note) else stop.note)
                if key in done or latest == (item.finding, outcome, item.note):
                    skipped += 1  # the stop's latest finding already: a re-upload adds nothing
                    continue
                done.add(key)
                submission = None
                if fire:
                    note = f"route {item.plan_id} {item.team} #{item.seq}" + (f": {item.note}" if item.note else "")
                    try:
                        submission = workflow.submit_route_finding(con, stop.ref_id, outcome, actor=actor, note=note)
                    except AccessDeniedError:
                        raise
                    except GeoaqError as exc:  # e.g. a submission of the event waits already: named for the stop
                        raise RouteFindingsError(_problems_text([f"{_label(item.where)}{exc}"], source_file)) from exc
                    made.append(int(submission))
                finding_id = next_ids(con, "route_finding")
                run(con, "route_finding_insert", [
                    finding_id, item.plan_id, item.team, item.seq, stop.target_id, stop.ref_layer, stop.ref_id,
                    item.finding, outcome, item.note, submission, source, source_file, actor.label,
                    actor.account_id, actor.role, actor.origin, _beijing_now()])
                added += 1
    return Recorded(added, skipped, tuple(made))


def record_finding(con: Connection, plan_id: int, team: str, seq: int, finding: str, *, actor: Actor,
                   check_outcome: str | None = None, note: str | None = None, source: str = "page") -> Recorded:
    """Record one stop's finding (a code or its word; a fire event's check result likewise)."""
    from geoaq.fires.workflow import normalise_outcome

    code = normalise_finding(finding)
    if code is None:
        raise RouteFindingsError(f"unknown finding {finding!r}; use one of: {choices(FINDINGS, 'routes.finding')}")
    outcome = normalise_outcome(check_outcome) if check_outcome and str(check_outcome).strip() else None
    text = (note or "").strip() or None
    return record(con, [Finding(int(plan_id), str(team).strip(), int(seq), code, outcome, text)], actor=actor,
                  source=source)


# --- the filled route sheet -------------------------------------------------------------------


def _headings() -> dict[str, str]:
    """Every accepted heading (the code, its word in each language; lower case) -> key."""
    found = {}
    for key in SHEET_KEYS:
        found[key] = key
        for lang in LANGUAGES:
            found[t(f"routes.column.{key}", lang).strip().lower()] = key
    return found


def _problems_text(problems: list[str], source_file: str | None) -> str:
    shown = problems[:50]
    more = f"\n… and {len(problems) - len(shown)} more" if len(problems) > len(shown) else ""
    head = f"{source_file}: " if source_file else ""
    return (f"{head}{len(problems)} problem(s), nothing was recorded:\n" + "\n".join(shown) + more)


def read_sheet(data: bytes, file_name: str) -> tuple[list[Finding], list[str]]:
    """The findings of a filled route sheet (the CSV `geoaq.routes.export` writes, UTF-8 or GBK)
    and every problem found ("FILE, row N, column C: expected …, got …"). Rows without a
    finding (not filled in, the start and end rows) are left out."""
    from geoaq.fires.workflow import OUTCOMES, normalise_outcome
    from geoaq.ingest import csvtable

    try:
        text = csvtable.decode_text(data, "auto", file_name)
        header = csvtable.header_fields(text.first_line, csvtable.sniff_delimiter(text.first_line, ".csv"))
        rows = csvtable.read_table(text.body, header, file_name,
                                   delimiter=csvtable.sniff_delimiter(text.first_line, ".csv"), quoted_newlines=True)
    except IngestError as exc:
        raise RouteFindingsError(str(exc)) from exc
    names = _headings()
    position = {}
    for i, name in enumerate(header):
        key = names.get(name.strip().lower())
        if key is not None and key not in position:
            position[key] = i
    missing = [k for k in ("plan_id", "team", "seq", "finding") if k not in position]
    if missing:
        wanted = ", ".join(t(f"routes.column.{k}", "zh") + f" ({k})" for k in missing)
        raise RouteFindingsError(f"{file_name}: no column {wanted}; columns found: {header}")
    cells = {k: csvtable.clean(rows.table.column(f"c{i}")).to_pylist() for k, i in position.items()}
    problems = [f"{file_name}, row {n}: {reason}" for n, reason in rows.ragged]
    items = []
    heading = {k: header[i] for k, i in position.items()}
    for k, number in enumerate(rows.row_numbers):
        value = {key: cells[key][k] for key in cells}
        where = f"{file_name}, row {int(number)}"

        def bad(key: str, expected: str, got=None, where: str = where) -> None:
            problems.append(f"{where}, column {heading[key]}: expected {expected}, got {got!r}")

        if value.get("finding") is None:
            continue  # not filled in (or a start/end row)
        finding = normalise_finding(value["finding"])
        if finding is None:
            bad("finding", choices(FINDINGS, "routes.finding"), value["finding"])
            continue
        try:
            plan_id = int(str(value.get("plan_id") or "").strip())
        except ValueError:
            bad("plan_id", "the number of a saved plan", value.get("plan_id"))
            continue
        try:
            seq = int(float(str(value.get("seq") or "").strip()))
        except ValueError:
            bad("seq", "a stop number", value.get("seq"))
            continue
        team = (value.get("team") or "").strip()
        if not team:
            bad("team", "the route's team", value.get("team"))
            continue
        outcome = None
        if value.get("check_result") is not None:
            try:
                outcome = normalise_outcome(value["check_result"])
            except Exception:  # noqa: BLE001 - VerificationError: reported as a cell problem
                bad("check_result", choices(OUTCOMES, "fires.outcome") + " or empty", value["check_result"])
                continue
        items.append(Finding(plan_id, team, seq, finding, outcome, value.get("note"), value.get("target_id"),
                             where))
    return items, problems


def load_findings(con: Connection, source: str | Path | bytes, *, actor: Actor,
                  file_name: str | None = None) -> Recorded:
    """Record the findings of a filled route sheet (a path, or the bytes of an upload with its
    `file_name`): every problem of the file and of its stops is collected and reported at once
    (RouteFindingsError), and then nothing is written."""
    actor.require(RECORD_FINDINGS, "record route findings")
    if isinstance(source, bytes):
        data, name = source, Path(file_name or "upload.csv").name
    else:
        path = Path(source)
        if not path.is_file():
            raise RouteFindingsError(f"findings file {path} does not exist")
        data, name = path.read_bytes(), file_name or path.name
    items, problems = read_sheet(data, name)
    if problems:
        raise RouteFindingsError(_problems_text(problems, None))
    if not items:
        raise RouteFindingsError(f"{name}: no row has a finding ({t('routes.column.finding', 'zh')}) filled in")
    return record(con, items, actor=actor, source="upload", source_file=name)


def findings_sheet(con: Connection, plan_id: int, *, actor: Actor, lang: str = "zh") -> bytes:
    """The fillable CSV sheet of a saved plan's stops that `actor` sees (UTF-8 with BOM), with
    the latest findings filled in."""
    stops = plan_stops(con, int(plan_id), actor=actor)
    if stops.empty:
        raise RouteFindingsError(f"no saved plan {plan_id} with stops account {actor.name!r} sees")
    label = lambda key: t(f"routes.column.{key}", lang)  # noqa: E731
    table = pd.DataFrame({
        label("plan_id"): stops["plan_id"], label("team"): stops["team"], label("crew"): stops["crew"],
        label("seq"): stops["seq"],
        label("arrival"): stops["arrival"].map(lambda a: "" if pd.isna(a) else pd.Timestamp(a).strftime("%H:%M")),
        label("name"): stops["name"], label("target_id"): stops["target_id"],
        label("lon"): stops["lon"].round(6), label("lat"): stops["lat"].round(6),
        label("finding"): stops["finding"].map(lambda f: t(f"routes.finding.{f}", lang) if isinstance(f, str) else ""),
        label("check_result"): stops["check_outcome"].map(
            lambda o: t(f"fires.outcome.{o}", lang) if isinstance(o, str) else ""),
        label("note"): stops["note"].fillna(""),
    })
    return table.to_csv(index=False).encode("utf-8-sig")
