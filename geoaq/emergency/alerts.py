"""Warnings (重污染天气预警): the city's or a county's warning of a level over a period, issued by
an authority, entered on the page or the command line, or loaded from a file.

Every change is a new revision of the warning in `emergency_warnings` (an end brought forward,
a correction, a cancellation), naming who entered it; nothing is overwritten, and a warning's
current state is its latest revision. A warning's id is ``YJ-<start YYYYMMDDHHMM>-<level>-<area
hash>`` unless given, so loading the same file again finds the same warnings: an identical one is
left alone, a changed one gets a new revision.

The area is the city (the whole list applies) or one of its counties (the rows of that county):
a name of the admin_units layer — a county's name or adcode, or the city's name. Times are Beijing
time; a warning covers [start, end].
"""

from __future__ import annotations

import hashlib
import re
import time
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import geopandas as gpd
import pandas as pd

from geoaq._errors import EmergencyInputError, MissingColumnsError, UnknownWarningError
from geoaq.accounts.roles import Actor
from geoaq.db import connection as geoaq_db
from geoaq.db import store
from geoaq.db.named import run
from geoaq.emergency import access
from geoaq.emergency.columns import aliases, find_header, is_summary_row, plain_field
from geoaq.emergency.rules import EmergencyRules, load_emergency_rules
from geoaq.i18n import Message, msg
from geoaq.ingest.spreadsheet import read_grids
from geoaq.layers import get_layer

LAYER = "emergency_warnings"
#: the name a write claims (`geoaq.db.connection.claim`): one writer of the warnings at a time
CLAIM = "emergency_warnings"
STATUSES = ("issued", "cancelled")
CITY, COUNTY = "city", "county"
COLUMNS = ["warning_id", "revision", "area", "level", "start_at", "end_at", "issued_by", "document", "note",
           "status", "recorded_by", "recorded_at", "synthetic", "source_file", "source_row"]
#: the value fields a revision may change (what "identical" compares)
VALUES = ("area", "level", "start_at", "end_at", "issued_by", "document", "note", "status")
PLAIN = aliases({
    "warning_id": ("预警编号", "编号", "warning_id"),
    "area": ("预警区域", "区域", "地区", "范围", "预警范围", "area"),
    "level": ("预警级别", "级别", "预警等级", "响应级别", "level"),
    "start_at": ("开始时间", "启动时间", "生效时间", "预警开始时间", "start", "start_at"),
    "end_at": ("结束时间", "解除时间", "预警解除时间", "预警结束时间", "end", "end_at"),
    "issued_by": ("发布单位", "发布机构", "发布部门", "发布", "issued_by"),
    "document": ("文号", "发布文号", "document"),
    "note": ("备注", "说明", "note"),
    "synthetic": ("synthetic", "演示数据"),
})
REQUIRED = ("area", "level", "start_at", "end_at", "issued_by")
_TIME = re.compile(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
                   r"(?:[\sT]*(\d{1,2})(?:\s*[:：时点]\s*(\d{1,2})?\s*分?)?(?::(\d{1,2}))?)?\s*$")


def parse_time(value: object) -> datetime | None:
    """A Beijing time from text: 2025-01-04 20:00, 2025/1/4 20:00, 2025年1月4日20时, 2025-01-04
    (midnight); a datetime as it is; None when it is none of these."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    if value is None:
        return None
    found = _TIME.match(unicodedata.normalize("NFKC", str(value)))
    if not found:
        return None
    year, month, day, hour, minute, second = (int(g) if g else 0 for g in found.groups())
    try:
        if hour == 24 and minute == 0:
            return datetime(year, month, day) + timedelta(days=1)
        return datetime(year, month, day, hour, minute, second)
    except ValueError:
        return None


def warning_id_for(area: str, level: str, start: datetime) -> str:
    """``YJ-202501042000-II-1a2b3c``: the id a warning gets when none is given."""
    digest = hashlib.sha1(area.strip().encode("utf-8")).hexdigest()[:6]
    return f"YJ-{start:%Y%m%d%H%M}-{level}-{digest}"


# --- areas ------------------------------------------------------------------------------------


def _spellings(city: str) -> set[str]:
    """A city's name as a warning may write it: with and without 市."""
    bare = city.removesuffix("市")
    return {city, bare, f"{bare}市"} if bare else {city}


def _station_cities(con: geoaq_db.Connection, counties: pd.DataFrame) -> set[str]:
    """The city named by the stations that lie inside the counties (a national feed stores
    every city's stations: those elsewhere name no area of this database)."""
    spec = get_layer("stations")
    if counties.empty or not store.table_exists(con, spec.name):
        return set()
    stations = store.read_layer(con, spec)
    stations = stations[stations["city"].notna() & stations.geometry.notna() & ~stations.geometry.is_empty]
    if stations.empty:
        return set()
    inside = gpd.sjoin(stations[["city", "geometry"]], counties[["geometry"]], predicate="intersects")
    return {str(v) for v in inside["city"]}


def areas(con: geoaq_db.Connection) -> dict[str, tuple[str, str | None]]:
    """Every name a warning's area may have → (city or county, the county's name): each county
    of admin_units (level 县) by name and adcode; the city by the name and adcode of a unit of
    level 市, by the counties' city and parent_adcode, and by the city of the stations inside
    the counties — a name with and without 市. Empty when admin_units is not loaded."""
    spec = get_layer("admin_units")
    if not store.table_exists(con, spec.name):
        return {}
    units = store.read_layer(con, spec)
    counties = units[units["level"] == "县"]
    city_units = units[units["level"] == "市"]
    names = {str(v) for v in counties["city"].dropna()} | {str(v) for v in city_units["name"].dropna()}
    names |= _station_cities(con, counties)
    codes = {str(v) for v in counties["parent_adcode"].dropna()} | {str(v) for v in city_units["adcode"].dropna()}
    found: dict[str, tuple[str, str | None]] = {}
    for name in names:
        found |= dict.fromkeys(_spellings(name.strip()), (CITY, None))
    found |= dict.fromkeys(codes, (CITY, None))
    for row in counties.itertuples():
        found[str(row.name)] = (COUNTY, str(row.name))
        found[str(row.adcode)] = (COUNTY, str(row.name))
    return found


def area_scope(area: str, known: dict[str, tuple[str, str | None]]) -> tuple[str, str | None]:
    """(city or county, county name) of a warning's area; city-wide when the database knows no
    areas at all (no admin_units). An area it does not know (admin_units loaded or replaced
    after the warning was entered) is an EmergencyInputError: the whole list is not applied to
    a place that may be elsewhere."""
    if not known:
        return CITY, None
    try:
        return known[area.strip()]
    except KeyError:
        raise EmergencyInputError(f"the warning's area {area.strip()!r} is neither the city nor a county of "
                                  f"admin_units (known: {', '.join(_known_names(known))}); correct the "
                                  "warning or load the area's boundaries") from None


def _known_names(known: dict[str, tuple[str, str | None]]) -> list[str]:
    return sorted(k for k in known if not k.isdigit())


# --- one warning ------------------------------------------------------------------------------


def check_warning(values: dict, rules: EmergencyRules, known: dict[str, tuple[str, str | None]]) -> dict:
    """The warning's values cleaned (level as its code, times as datetimes), or one
    EmergencyInputError naming every problem."""
    problems: list[str] = []
    out = dict(values)
    for key in (*REQUIRED, "recorded_by"):
        if key in values and (values[key] is None or not str(values[key]).strip()):
            problems.append(f"{key} is empty")
    area = str(values.get("area") or "").strip()
    if area and known and area not in known:
        problems.append(f"area {area!r} is neither the city nor a county of admin_units; "
                        f"known: {', '.join(_known_names(known))}")
    out["area"] = area
    level = rules.level_of(values.get("level")) if values.get("level") is not None else None
    if values.get("level") is not None and str(values.get("level")).strip() and level is None:
        spelt = ", ".join(f"{code} ({'/'.join(rules.levels[code].spellings[:3])})" for code in rules.level_order)
        problems.append(f"level {values['level']!r} is not a warning level; expected one of {spelt}")
    out["level"] = level
    for key in ("start_at", "end_at"):
        if values.get(key) is not None and str(values.get(key)).strip():
            out[key] = parse_time(values[key])
            if out[key] is None:
                problems.append(f"{key} {values[key]!r} is not a time (expected YYYY-MM-DD HH:MM, Beijing time)")
    if isinstance(out.get("start_at"), datetime) and isinstance(out.get("end_at"), datetime) \
            and out["end_at"] <= out["start_at"]:
        problems.append(f"the warning ends ({out['end_at']:%Y-%m-%d %H:%M}) before or when it starts "
                        f"({out['start_at']:%Y-%m-%d %H:%M})")
    status = out["status"] = values.get("status") or "issued"
    if status not in STATUSES:
        problems.append(f"status {status!r} is not one of {', '.join(STATUSES)}")
    if problems:
        raise EmergencyInputError("warning: " + "; ".join(problems))
    for key in ("issued_by", "document", "note", "recorded_by"):
        if isinstance(out.get(key), str):
            out[key] = out[key].strip() or None
    return out


def _current_row(con: geoaq_db.Connection, warning_id: str) -> pd.Series | None:
    found = run(con, "emergency_warning_history", [warning_id]).df()
    return None if found.empty else found.iloc[-1]


def _same(stored: pd.Series, values: dict) -> bool:
    def norm(v):
        if v is None or (isinstance(v, float) and pd.isna(v)) or v is pd.NaT:
            return None
        return pd.Timestamp(v).to_pydatetime() if isinstance(v, datetime | pd.Timestamp) else v
    return all(norm(stored[k]) == norm(values.get(k)) for k in VALUES)


def _write(con: geoaq_db.Connection, values: dict, *, source_file: str | None = None,
           source_row: int | None = None) -> str:
    """Add a revision unless the current one already says the same; new / changed / unchanged.
    Inside the caller's transaction."""
    stored = _current_row(con, values["warning_id"])
    if stored is not None and _same(stored, values):
        return "unchanged"
    revision = 1 if stored is None else int(stored["revision"]) + 1
    run(con, "emergency_warning_insert", [
        values["warning_id"], revision, values["area"], values["level"], values["start_at"], values["end_at"],
        values["issued_by"], values.get("document"), values.get("note"), values.get("status", "issued"),
        values["recorded_by"], bool(values.get("synthetic", False)), source_file, source_row])
    return "new" if stored is None else "changed"


def _written(con: geoaq_db.Connection, values: dict) -> str:
    """`_write` in its own transaction, the warnings claimed, run again if a concurrent write won."""
    geoaq_db.ensure_claims(con, CLAIM)
    for attempt in geoaq_db.write_attempts(con):
        with attempt, geoaq_db.transaction(con):
            geoaq_db.claim(con, CLAIM)
            outcome = _write(con, values)
    return outcome


def issue_warning(con: geoaq_db.Connection, *, area: str, level: str, start: datetime | str,
                  end: datetime | str, issued_by: str, recorded_by: str | None = None, document: str | None = None,
                  note: str | None = None, warning_id: str | None = None, synthetic: bool = False,
                  rules: EmergencyRules | None = None, actor: Actor | None = None) -> tuple[str, str]:
    """Enter a warning (or a revision of the one with `warning_id`); (warning id, new / changed /
    unchanged). An EmergencyInputError names every problem and writes nothing. With `actor`
    (the signed-in account, whom it then names) its role must manage warnings."""
    access.require_manage(actor, "issue heavy-pollution warnings")
    recorded_by = access.recorder(actor, recorded_by)
    rules = rules or load_emergency_rules()
    values = check_warning({"area": area, "level": level, "start_at": start, "end_at": end,
                            "issued_by": issued_by, "recorded_by": recorded_by, "document": document,
                            "note": note, "synthetic": synthetic}, rules, areas(con))
    values["warning_id"] = (warning_id or "").strip() or warning_id_for(values["area"], values["level"],
                                                                        values["start_at"])
    return values["warning_id"], _written(con, values)


def revise_warning(con: geoaq_db.Connection, warning_id: str, *, recorded_by: str | None = None,
                   end: datetime | str | None = None, level: str | None = None, note: str | None = None,
                   cancel: bool = False, rules: EmergencyRules | None = None, actor: Actor | None = None) -> str:
    """A new revision of a warning: its end moved (提前解除, 延长), its level corrected, or the
    warning cancelled (撤销); new / unchanged. With `actor` as for `issue_warning`."""
    access.require_manage(actor, "revise or cancel heavy-pollution warnings")
    recorded_by = access.recorder(actor, recorded_by)
    rules = rules or load_emergency_rules()
    current = warning(con, warning_id)
    values = {k: current[k] for k in VALUES} | {"recorded_by": recorded_by, "synthetic": bool(current["synthetic"])}
    values["start_at"] = pd.Timestamp(current["start_at"]).to_pydatetime()
    values["end_at"] = pd.Timestamp(current["end_at"]).to_pydatetime() if end is None else end
    if level is not None:
        values["level"] = level
    if note is not None:
        values["note"] = note
    if cancel:
        values["status"] = "cancelled"
    for key in ("document", "note"):
        if isinstance(values[key], float) and pd.isna(values[key]):
            values[key] = None
    values = check_warning(values, rules, areas(con)) | {"warning_id": warning_id}
    return _written(con, values)


# --- reading ----------------------------------------------------------------------------------


def current_warnings(con: geoaq_db.Connection, *, include_cancelled: bool = True) -> pd.DataFrame:
    """Every warning's latest revision, the latest start first."""
    if not store.table_exists(con, "emergency_warnings"):
        return pd.DataFrame(columns=COLUMNS)
    frame = run(con, "emergency_warnings_current").df()
    if not include_cancelled:
        frame = frame[frame["status"] != "cancelled"]
    return frame.reset_index(drop=True)


def warning(con: geoaq_db.Connection, warning_id: str) -> pd.Series:
    """A warning's latest revision; an UnknownWarningError when there is no such warning."""
    found = _current_row(con, warning_id) if store.table_exists(con, "emergency_warnings") else None
    if found is None:
        known = current_warnings(con)["warning_id"].head(10).tolist()
        raise UnknownWarningError(f"no warning {warning_id!r}" + (f"; recent: {', '.join(known)}" if known else
                                                                   "; none is stored yet"))
    return found


def history(con: geoaq_db.Connection, warning_id: str) -> pd.DataFrame:
    """Every revision of a warning, the first first."""
    warning(con, warning_id)
    return run(con, "emergency_warning_history", [warning_id]).df()


def in_force(con: geoaq_db.Connection, start: datetime, end: datetime | None = None) -> pd.DataFrame:
    """The issued (not cancelled) warnings that overlap [start, end] (one instant when no end)."""
    end = end or start
    frame = current_warnings(con, include_cancelled=False)
    if frame.empty:
        return frame
    overlaps = (pd.to_datetime(frame["start_at"]) <= pd.Timestamp(end)) & (pd.to_datetime(frame["end_at"]) >= pd.Timestamp(start))
    return frame[overlaps].reset_index(drop=True)


def on_day(con: geoaq_db.Connection, day: date) -> pd.DataFrame:
    """The issued warnings in force at some time of Beijing day `day` (one that ends at its
    midnight, 00:00, belongs to the day before only)."""
    start = datetime(day.year, day.month, day.day)
    found = in_force(con, start, start + timedelta(days=1) - timedelta(seconds=1))
    return found[pd.to_datetime(found["end_at"]) > pd.Timestamp(start)].reset_index(drop=True) if len(found) else found


def title(row: pd.Series) -> Message:
    """A warning in one line: 洛阳市 橙色预警（Ⅱ级）2025-01-04 20:00 – 2025-01-07 12:00."""
    return msg("emergency.warning_title", area=row["area"], level=msg(f"emergency.level.{row['level']}"),
               start=f"{pd.Timestamp(row['start_at']):%Y-%m-%d %H:%M}",
               end=f"{pd.Timestamp(row['end_at']):%Y-%m-%d %H:%M}", id=row["warning_id"])


# --- loading a file ---------------------------------------------------------------------------


@dataclass
class WarningsReport:
    """What a load of a warnings file did (`messages` words it)."""

    source_file: str
    rows_read: int
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
        return int(self.rejects["row_number"].nunique()) if len(self.rejects) else 0

    def messages(self) -> list[Message]:
        lines = [msg("emergency.report.warnings", file=self.source_file, read=self.rows_read, new=self.inserted,
                     changed=self.updated, unchanged=self.unchanged, rejected=self.rejected_rows)]
        for record in self.rejects.head(10).itertuples():
            lines.append(msg("emergency.report.reject", row=int(record.row_number), column=record.column_name or "",
                             value="" if pd.isna(record.value) else record.value, reason=record.reason))
        lines.append(msg("emergency.report.time", seconds=self.seconds, ingest=self.ingest_id))
        return lines


def _load_rows(con: geoaq_db.Connection, grid, header, known: dict, rules: EmergencyRules, shown: str,
               recorded_by: str) -> WarningsReport:
    """Check and write every row of a warnings file (inside the caller's transaction)."""
    at = {f.name: i for i, f in header.fields.items()}
    rejects, counts, ids, rows_read = [], {"new": 0, "changed": 0, "unchanged": 0}, [], 0
    ingest_id = store.next_ingest_id(con)
    for row, number in zip(grid.rows[header.data_start:], grid.row_numbers[header.data_start:], strict=True):
        if is_summary_row(row):
            continue
        rows_read += 1
        values = {name: (row[i] if i < len(row) else None) for name, i in at.items()}
        values["synthetic"] = str(values.get("synthetic") or "").strip().lower() in {"true", "1", "是"}
        values["recorded_by"] = recorded_by
        try:
            cleaned = check_warning(values, rules, known)
        except EmergencyInputError as exc:
            rejects.append({"row_number": number, "column_name": None, "value": None,
                            "reason": str(exc).removeprefix("warning: ")})
            continue
        cleaned["warning_id"] = (str(values.get("warning_id") or "").strip()
                                 or warning_id_for(cleaned["area"], cleaned["level"], cleaned["start_at"]))
        counts[_write(con, cleaned, source_file=shown, source_row=number)] += 1
        ids.append(cleaned["warning_id"])
    frame = pd.DataFrame(rejects, columns=["row_number", "column_name", "value", "reason"])
    store.record_rejects(con, frame, ingest_id, LAYER, shown)
    return WarningsReport(shown, rows_read, counts["new"], counts["changed"], counts["unchanged"], frame, 0.0,
                          ingest_id, ids, file_format=grid.file_format, encoding=grid.encoding)


def load_warnings(path: str | Path, *, con: geoaq_db.Connection | None = None, db: str | Path | None = None,
                  recorded_by: str | None = None, encoding: str = "auto", rules: EmergencyRules | None = None,
                  source_name: str | None = None, actor: Actor | None = None) -> WarningsReport:
    """Load a file of warnings (columns 预警区域, 预警级别, 开始时间, 结束时间, 发布单位; optional
    预警编号, 文号, 备注) in one transaction; a bad row goes to `rejects` with every problem.
    With `actor` as for `issue_warning`."""
    access.require_manage(actor, "load heavy-pollution warnings")
    recorded_by = access.recorder(actor, recorded_by)
    started_at, t0 = datetime.now(), time.perf_counter()
    path = Path(path)
    shown = source_name or str(path)
    rules = rules or load_emergency_rules()
    if not str(recorded_by or "").strip():
        raise EmergencyInputError("warnings: say who loads them (recorded_by)")
    grids = read_grids(path, encoding=encoding)
    grid, header = None, None
    for candidate in grids:
        found = find_header(candidate, lambda h: plain_field(h, PLAIN))
        if found and (header is None or len(found.fields) > len(header.fields)):
            grid, header = candidate, found
    names = {f.name for f in header.fields.values()} if header else set()
    missing = [c for c in REQUIRED if c not in names]
    if missing:
        accepted = "; ".join(f"{c}: {', '.join(k for k, v in PLAIN.items() if v == c)}" for c in missing)
        seen = [n for n in (header.names if header else grids[0].rows[0] if grids[0].rows else []) if n]
        raise MissingColumnsError(f"{shown}: required column(s) missing for warnings: {missing} (accepted "
                                  f"names, compared without spaces and brackets: {accepted}); columns found: {seen}")
    owned = con is None
    con = con or geoaq_db.connect(db)
    try:
        known = areas(con)
        geoaq_db.ensure_claims(con, CLAIM)
        for attempt in geoaq_db.write_attempts(con):  # a concurrent write of the warnings may win
            with attempt, geoaq_db.transaction(con):
                geoaq_db.claim(con, CLAIM)
                report = _load_rows(con, grid, header, known, rules, shown, recorded_by)
                report.seconds = time.perf_counter() - t0
                store.record_run(con, report, hashlib.sha256(path.read_bytes()).hexdigest(), started_at,
                                 {"recorded_by": recorded_by, "encoding": encoding})
    finally:
        if owned:
            con.close()
    return report
