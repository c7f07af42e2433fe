"""Inspection findings during a warning (应急检查结果): for an enterprise's line, when it was
checked, by whom, and whether the measure was in place (已落实 / 未落实 / 未能检查).

A finding is entered on the page or the command line, or comes back in the per-county checklist
(`response.checklist`) with its inspectors' columns filled in: every sheet is read, a row with no
result is an enterprise not yet inspected (counted, not a reject), a row whose result, time,
inspector or enterprise cannot be used goes to `rejects` (layer ``emergency_inspections``) with
every problem. The enterprise must be on the list version the warning uses, the time between
the warning's start and one day after its end. Natural key (warning, enterprise key, line,
time): the same finding loaded again is left alone, a changed one replaces it. One transaction.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import pandas as pd

from geoaq._errors import AccessDeniedError, EmergencyInputError, MissingColumnsError
from geoaq.accounts.roles import RECORD_FINDINGS, Actor
from geoaq.db import connection as geoaq_db
from geoaq.db import store
from geoaq.db.named import run
from geoaq.emergency import access, alerts, reduction_list
from geoaq.emergency.columns import aliases, find_header, is_summary_row, plain_field
from geoaq.emergency.response import CHECKLIST_COLUMNS, checklist_header, warning_response
from geoaq.emergency.rules import RESULTS, EmergencyRules, load_emergency_rules
from geoaq.i18n import LANGUAGES, Message, msg
from geoaq.ingest.spreadsheet import read_grids

LAYER = "emergency_inspections"
#: the name a write claims (`geoaq.db.connection.claim`): one writer of the findings at a time
CLAIM = "emergency_inspections"
COLUMNS = ["warning_id", "enterprise_key", "line", "inspected_at", "result", "inspector", "finding",
           "recorded_by", "recorded_at", "synthetic", "source_file", "source_row"]
#: how long after a warning's end a check still counts as its inspection
LATE = timedelta(days=1)


def _plain() -> dict[str, str]:
    words = {c: tuple(checklist_header(c, lang) for lang in LANGUAGES) for c in CHECKLIST_COLUMNS}
    words["warning_id"] += ("预警编号", "warning_id")
    words["enterprise_key"] += ("统一社会信用代码", "企业编号", "enterprise_id")
    words["line"] += ("生产线", "工序")
    words["inspected_at"] += ("检查时间", "时间")
    words["inspector"] += ("检查人", "检查人员")
    words["result"] += ("检查结果", "结果", "是否落实")
    words["finding"] += ("发现问题", "问题", "备注")
    words["synthetic"] = ("synthetic", "演示数据")
    return aliases(words)


def _check(values: dict, rules: EmergencyRules, warning: pd.Series, listed: set[tuple[str, str]]) -> dict:
    """A finding's values cleaned, or one EmergencyInputError naming every problem."""
    problems = []
    key = str(values.get("enterprise_key") or "").strip()
    line = str(values.get("line") or "").strip()
    if not key:
        problems.append("enterprise_key is empty")
    elif (key, line) not in listed:
        lines = sorted(known for k, known in listed if k == key)
        problems.append(f"enterprise {key!r}" + (f" line {line!r}" if line else "")
                        + (f" is not on the list the warning uses (its lines: {lines})" if lines
                           else " is not on the list the warning uses"))
    result = rules.result_of(values.get("result"))
    if result is None:
        problems.append(f"result {values.get('result')!r} is not one of {', '.join(RESULTS)} "
                        f"(or {', '.join(sorted(rules.results))})")
    inspector = str(values.get("inspector") or "").strip()
    if not inspector:
        problems.append("inspector is empty")
    at = alerts.parse_time(values.get("inspected_at"))
    start, end = pd.Timestamp(warning["start_at"]), pd.Timestamp(warning["end_at"])
    if at is None:
        problems.append(f"inspected_at {values.get('inspected_at')!r} is not a time (YYYY-MM-DD HH:MM)")
    elif not start <= pd.Timestamp(at) <= end + LATE:
        problems.append(f"inspected at {at:%Y-%m-%d %H:%M}, outside the warning ({start:%Y-%m-%d %H:%M} – "
                        f"{end:%Y-%m-%d %H:%M}, and one day after)")
    if problems:
        raise EmergencyInputError("inspection: " + "; ".join(problems))
    finding = str(values.get("finding") or "").strip() or None
    return {"warning_id": str(warning["warning_id"]), "enterprise_key": key, "line": line, "inspected_at": at,
            "result": result, "inspector": inspector, "finding": finding}


def _listed(con: geoaq_db.Connection, warning: pd.Series) -> set[tuple[str, str]]:
    version = reduction_list.resolve_version(con, on=pd.Timestamp(warning["start_at"]).date())
    rows, _ = reduction_list.read_list(con, version)
    return set(zip(rows["enterprise_key"].astype(str), rows["line"].astype(str), strict=True))


def _write(con: geoaq_db.Connection, values: dict, recorded_by: str, synthetic: bool,
           source_file: str | None, source_row: int | None) -> str:
    key = [values["warning_id"], values["enterprise_key"], values["line"], values["inspected_at"]]
    stored = run(con, "emergency_inspection_find", key).fetchone()
    if stored is not None and tuple(stored) == (values["result"], values["inspector"], values["finding"]):
        return "unchanged"
    if stored is not None:
        run(con, "emergency_inspection_delete", key)
    run(con, "emergency_inspection_insert", [*key, values["result"], values["inspector"], values["finding"],
                                             recorded_by, synthetic, source_file, source_row])
    return "new" if stored is None else "changed"


def record_inspection(con: geoaq_db.Connection, warning_id: str, enterprise_key: str, *, result: str,
                      inspector: str, recorded_by: str | None = None, inspected_at: datetime | str | None = None,
                      line: str = "", finding: str | None = None,
                      rules: EmergencyRules | None = None, actor: Actor | None = None) -> str:
    """Enter one finding (time: now, Beijing, when not given); new / changed / unchanged. An
    EmergencyInputError names every problem and writes nothing. With `actor` (the signed-in
    account, whom it then names) the enterprise must be in its jurisdiction
    (`geoaq.emergency.access`)."""
    rules = rules or load_emergency_rules()
    require_inspected(con, actor, warning_id, [enterprise_key])
    recorded_by = access.recorder(actor, recorded_by)
    if not str(recorded_by or "").strip():
        raise EmergencyInputError("inspection: say who enters it (recorded_by)")
    row = alerts.warning(con, warning_id)
    values = _check({"enterprise_key": enterprise_key, "line": line, "result": result, "inspector": inspector,
                     "inspected_at": inspected_at or datetime.now().replace(microsecond=0), "finding": finding},
                    rules, row, _listed(con, row))
    geoaq_db.ensure_claims(con, CLAIM)
    for attempt in geoaq_db.write_attempts(con):  # a concurrent write of the findings may win
        with attempt, geoaq_db.transaction(con):
            geoaq_db.claim(con, CLAIM)
            outcome = _write(con, values, recorded_by.strip(), False, None, None)
    return outcome


def findings(con: geoaq_db.Connection, warning_id: str) -> pd.DataFrame:
    """Every finding of a warning, the earliest first (COLUMNS)."""
    if not store.table_exists(con, "emergency_inspections"):
        return pd.DataFrame(columns=COLUMNS)
    return run(con, "emergency_inspections_of", [warning_id]).df()


# --- a returned checklist ---------------------------------------------------------------------


@dataclass
class InspectionsReport:
    source_file: str
    rows_read: int
    not_inspected: int
    inserted: int
    updated: int
    unchanged: int
    rejects: pd.DataFrame
    seconds: float
    ingest_id: int
    warning_ids: list[str] = field(default_factory=list)
    layer: str = LAYER
    file_format: str = ""
    encoding: str | None = None
    source_crs = "none (no geometry)"
    repaired = 0

    @property
    def loaded(self) -> int:
        return self.inserted + self.updated + self.unchanged

    @property
    def rejected_rows(self) -> int:
        return len(self.rejects.drop_duplicates(["source", "row_number"])) if len(self.rejects) else 0

    def messages(self) -> list[Message]:
        lines = [msg("emergency.report.inspections", file=self.source_file, read=self.rows_read,
                     blank=self.not_inspected, new=self.inserted, changed=self.updated, unchanged=self.unchanged,
                     rejected=self.rejected_rows)]
        for record in self.rejects.head(10).itertuples():
            lines.append(msg("emergency.report.reject", row=int(record.row_number), column=record.column_name or "",
                             value="" if pd.isna(record.value) else record.value, reason=record.reason))
        lines.append(msg("emergency.report.time", seconds=self.seconds, ingest=self.ingest_id))
        return lines


def _load_rows(con: geoaq_db.Connection, sheets: list, shown: str, rules: EmergencyRules, recorded_by: str,
               warning_id: str | None, actor: Actor | None = None) -> InspectionsReport:
    """Check and write every filled-in row of every sheet (inside the caller's transaction)."""
    rejects, counts, ids, keys = [], {"new": 0, "changed": 0, "unchanged": 0}, [], {}
    rows_read = blank = 0
    warnings: dict[str, tuple[pd.Series, set]] = {}
    ingest_id = store.next_ingest_id(con)
    for grid, header in sheets:
        label = shown if len(sheets) == 1 and grid.sheet is None else f"{shown} [{grid.sheet}]"
        at = {f.name: i for i, f in header.fields.items()}
        for row, number in zip(grid.rows[header.data_start:], grid.row_numbers[header.data_start:], strict=True):
            if is_summary_row(row):
                continue
            values = {name: (row[i] if i < len(row) else None) for name, i in at.items()}
            rows_read += 1
            if values.get("result") is None and values.get("inspector") is None:
                blank += 1
                continue
            wid = str(values.get("warning_id") or warning_id or "").strip()
            try:
                if not wid:
                    raise EmergencyInputError("inspection: the warning is not given (预警编号)")
                if wid not in warnings:
                    found = alerts.warning(con, wid)
                    warnings[wid] = (found, _listed(con, found))
                cleaned = _check(values, rules, *warnings[wid])
            except EmergencyInputError as exc:
                rejects.append({"source": label, "row_number": number, "column_name": None, "value": None,
                                "reason": str(exc).removeprefix("inspection: ")})
                continue
            synthetic = str(values.get("synthetic") or "").strip().lower() in {"true", "1", "是"}
            counts[_write(con, cleaned, recorded_by, synthetic, label, number)] += 1
            ids.append(wid)
            keys.setdefault(wid, set()).add(str(cleaned["enterprise_key"]))
    for wid, inspected in keys.items():  # inside the load's transaction: a refusal keeps nothing
        require_inspected(con, actor, wid, inspected)
    frame = pd.DataFrame(rejects, columns=["source", "row_number", "column_name", "value", "reason"])
    for label, part in frame.groupby("source", sort=False):
        store.record_rejects(con, part.drop(columns="source"), ingest_id, LAYER, str(label))
    return InspectionsReport(shown, rows_read, blank, counts["new"], counts["changed"], counts["unchanged"], frame,
                             0.0, ingest_id, list(dict.fromkeys(ids)), file_format=sheets[0][0].file_format,
                             encoding=sheets[0][0].encoding)


def load_inspections(path: str | Path, *, recorded_by: str | None = None, warning_id: str | None = None,
                     con: geoaq_db.Connection | None = None, db: str | Path | None = None,
                     encoding: str = "auto", rules: EmergencyRules | None = None,
                     source_name: str | None = None, actor: Actor | None = None) -> InspectionsReport:
    """Load a returned checklist (every sheet) or any table of findings: columns of the
    enterprise key, result, inspector and time, the warning's id (or `warning_id` for all rows),
    optional line and finding. See the module notes. With `actor` (whom the rows then name) a
    row of an enterprise outside its jurisdiction refuses the whole file."""
    started_at, t0 = datetime.now(), time.perf_counter()
    if actor is not None:
        actor.require(RECORD_FINDINGS, "load inspections")
    recorded_by = access.recorder(actor, recorded_by)
    path = Path(path)
    shown = source_name or str(path)
    rules = rules or load_emergency_rules()
    if not str(recorded_by or "").strip():
        raise EmergencyInputError("inspections: say who loads them (recorded_by)")
    plain = _plain()
    sheets = []
    for grid in read_grids(path, encoding=encoding):
        header = find_header(grid, lambda h: plain_field(h, plain))
        names = {f.name for f in header.fields.values()} if header else set()
        if {"enterprise_key", "result", "inspector", "inspected_at"} <= names:
            sheets.append((grid, header))
    if not sheets:
        raise MissingColumnsError(f"{shown}: no sheet has the columns of findings: the enterprise "
                                  "(统一社会信用代码/企业编号), 检查结果, 检查人, 检查时间 (and 预警编号, or give the warning)")
    owned = con is None
    con = con or geoaq_db.connect(db)
    try:
        geoaq_db.ensure_claims(con, CLAIM)
        for attempt in geoaq_db.write_attempts(con):  # a concurrent write of the findings may win
            with attempt, geoaq_db.transaction(con):
                geoaq_db.claim(con, CLAIM)
                report = _load_rows(con, sheets, shown, rules, recorded_by.strip(), warning_id, actor)
                report.seconds = time.perf_counter() - t0
                store.record_run(con, report, hashlib.sha256(path.read_bytes()).hexdigest(), started_at,
                                 {"recorded_by": recorded_by, "warning_id": warning_id, "encoding": encoding})
    finally:
        if owned:
            con.close()
    return report


def require_inspected(con: geoaq_db.Connection, actor: Actor | None, warning_id: str, enterprise_keys: Iterable[str]) -> None:
    """Refuse unless `actor` may record inspections of these enterprises under the warning."""
    if actor is None:
        return
    actor.require(RECORD_FINDINGS, f"record inspections of warning {warning_id}")
    if actor.city_wide:
        return
    from geoaq.layers import get_layer

    names = access.county_names(store.read_layer(con, get_layer("admin_units")), actor) or frozenset()
    lines = warning_response(con, warning_id, with_air=False).lines
    where = dict(zip(lines["enterprise_key"].astype(str), lines["county"], strict=True))
    outside = sorted({str(k) for k in enterprise_keys if where.get(str(k)) not in names})
    if outside:
        held = ", ".join(sorted(actor.counties))
        raise AccessDeniedError(
            f"account {actor.name!r} ({actor.role}, counties {held}) may not record inspections of "
            f"{', '.join(outside[:10])}{' …' if len(outside) > 10 else ''} under warning {warning_id}: "
            "not listed in its counties")
