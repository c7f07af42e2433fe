"""The emission-reduction list (应急减排清单): loaded from the Excel or CSV file a bureau keeps,
kept by version (清单年度, effective date), read back for checks and warnings.

**The file.** One row per enterprise or production line (生产线/工序): its key (统一社会信用代码
or the enterprises layer's enterprise_id), name, county, industry, 绩效分级, annual emissions of
SO2, NOx, PM and VOCs (t/a; a header in kg/a, g/a or 万吨/年 is converted, another unit refused), and per warning level its measure
(停产, 限产 N%, 停用 …, 错峰, 无需减排) with, where the list gives them, the cuts it yields per
pollutant. Headers are recognised by what they say (`geoaq.emergency.columns`), under title
rows and across two-row headers; every sheet of a workbook that has the header is read, a merged
cell counting in each row it spans. Optional: 弄虚作假 (yes/no), 超低排放, 联系人, 联系电话,
清单年度 and 生效日期 (a file of one version), synthetic.

**Validation collects every problem.** Missing required columns refuse the file, naming each
with the names accepted and the columns found. A row without key or name, with an amount that
is not a number or is negative, a yes/no that is neither, or the same enterprise and line as an
earlier row, is left out and each problem goes to `rejects` (layer ``emergency_list``) with
file, row, column, value and reason. Rows that total the list (合计) are skipped.

**Loading** runs in one transaction (a failure changes nothing). A version is the last file
loaded for it: rows are matched on (enterprise key, line) and counted new, changed, unchanged or
removed (the file no longer has them); a load that changes anything writes the version again
in the file's order, one that changes nothing (the same file again) writes nothing. A file with
no row that can be loaded (only a header, every row rejected) is refused: it would erase the
version. Rows whose key is not in the enterprises layer are reported, not dropped.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from geoaq._errors import EmergencyInputError, IngestError, MissingColumnsError
from geoaq.accounts.roles import Actor
from geoaq.db import connection as geoaq_db
from geoaq.db import store
from geoaq.db.connection import claim
from geoaq.db.named import run
from geoaq.emergency import access
from geoaq.emergency.columns import (
    Field,
    Header,
    aliases,
    find_header,
    is_summary_row,
    list_field,
)
from geoaq.emergency.rules import POLLUTANTS, EmergencyRules, load_emergency_rules
from geoaq.i18n import Message, msg
from geoaq.ingest.spreadsheet import Grid, read_grids
from geoaq.ingest.validate import coerce_column
from geoaq.layers import ColumnSpec, get_layer

LAYER = "emergency_list"
#: the name a load claims (`geoaq.db.connection.claim`): one writer of the list at a time
CLAIM = "emergency_list"
#: plain fields of the list and the headers accepted for each (compared by `normal_header`)
PLAIN = aliases({
    "enterprise_key": ("统一社会信用代码", "社会信用代码", "信用代码", "企业编号", "企业代码", "enterprise_id",
                       "排污许可证编号", "credit_code"),
    "enterprise_name": ("企业名称", "单位名称", "企业(单位)名称", "名称", "name"),
    "county": ("区县", "县区", "县", "所在区县", "所属区县", "县市区", "county"),
    "industry": ("行业", "行业类别", "所属行业", "行业类型", "industry"),
    "line": ("生产线", "工序", "生产线工序", "涉气工序", "生产线名称", "工序名称", "生产线或工序", "line"),
    "grade": ("绩效分级", "绩效级别", "绩效等级", "绩效评级", "环保绩效等级", "分级", "grade"),
    "falsified": ("弄虚作假", "是否弄虚作假", "falsified"),
    "ule": ("超低排放", "超低排放改造", "超低排放状态", "是否完成超低排放改造", "超低排放改造情况", "ule"),
    "contact": ("联系人", "责任人", "contact"),
    "phone": ("联系电话", "电话", "联系方式", "phone"),
    "list_year": ("清单年度", "年度", "list_year"),
    "effective_from": ("生效日期", "实施日期", "生效时间", "effective_from"),
    "synthetic": ("synthetic", "演示数据"),
    "number": ("序号", "编号序号", "no"),
})
TEXT_FIELDS = ("enterprise_key", "enterprise_name", "county", "industry", "line", "grade", "ule",
               "contact", "phone")
ROW_COLUMNS = ["row_key", "row_hash", "enterprise_key", "enterprise_name", "county", "industry", "line",
               "grade", "falsified", "ule", *POLLUTANTS, "contact", "phone", "extra", "synthetic",
               "source_row"]
#: a stored row's columns besides the version (what `emergency_list_insert_rows` reads)
STORED_COLUMNS = [*ROW_COLUMNS, "source_file"]
MEASURE_COLUMNS = ["row_key", "level", "measure", *(f"cut_{p}" for p in POLLUTANTS)]
REJECT_COLUMNS = ["row_number", "column_name", "value", "reason"]
_AMOUNT = ColumnSpec("amount", "double", minimum=0)
_YES_NO = ColumnSpec("falsified", "boolean")
_DATE = ColumnSpec("effective_from", "date")


# --- the report --------------------------------------------------------------------------


@dataclass
class ListReport:
    """What a load of the list did; `lines(lang)` words it (the CLI prints them)."""

    list_year: str
    effective_from: date
    source_file: str
    file_format: str
    encoding: str | None
    sheets: list[str]
    rows_read: int
    inserted: int
    updated: int
    unchanged: int
    removed: int
    rejects: pd.DataFrame
    unmatched: pd.DataFrame  # row_key, enterprise_key, enterprise_name, source_row
    seconds: float
    ingest_id: int
    summary_rows: int = 0
    columns: dict[str, str] = field(default_factory=dict)  # field code → the file's header
    ignored_columns: list[str] = field(default_factory=list)
    synthetic: int = 0
    layer: str = LAYER
    source_crs = "none (no geometry)"
    repaired = 0

    @property
    def loaded(self) -> int:
        return self.inserted + self.updated + self.unchanged

    @property
    def rejected_rows(self) -> int:
        return int(self.rejects["row_number"].nunique()) if len(self.rejects) else 0

    def messages(self) -> list[Message]:
        """The report as messages (words: emergency.report.*)."""
        lines = [
            msg("emergency.report.head", file=self.source_file, year=self.list_year,
                effective=f"{self.effective_from:%Y-%m-%d}"),
            msg("emergency.report.format", format=self.file_format, encoding=self.encoding or "-",
                sheets=", ".join(self.sheets) or "-"),
            msg("emergency.report.counts", read=self.rows_read, loaded=self.loaded, new=self.inserted,
                changed=self.updated, unchanged=self.unchanged, removed=self.removed,
                rejected=self.rejected_rows, synthetic=self.synthetic),
        ]
        if self.summary_rows:
            lines.append(msg("emergency.report.summary_rows", n=self.summary_rows))
        if self.ignored_columns:
            lines.append(msg("emergency.report.ignored", columns=", ".join(self.ignored_columns)))
        if len(self.unmatched):
            shown = ", ".join(f"{r.enterprise_name} ({r.enterprise_key})" for r in self.unmatched.head(5).itertuples())
            lines.append(msg("emergency.report.unmatched", n=len(self.unmatched), shown=shown,
                             more=" …" if len(self.unmatched) > 5 else ""))
        for record in self.rejects.head(10).itertuples():
            lines.append(msg("emergency.report.reject", row=int(record.row_number),
                             column=record.column_name or "", value="" if pd.isna(record.value) else record.value,
                             reason=record.reason))
        lines.append(msg("emergency.report.time", seconds=self.seconds, ingest=self.ingest_id))
        return lines


# --- reading the file --------------------------------------------------------------------


@dataclass
class _Sheet:
    grid: Grid
    header: Header
    label: str  # the file (and sheet) a reject names


def _required(rules: EmergencyRules) -> list[tuple[str, str | None, str | None]]:
    keys: list[tuple[str, str | None, str | None]] = [("enterprise_key", None, None),
                                                      ("enterprise_name", None, None), ("grade", None, None)]
    keys += [("emission", None, p) for p in POLLUTANTS]
    keys += [("measure", level, None) for level in rules.level_order]
    return keys


def _wanted_text(key: tuple[str, str | None, str | None]) -> str:
    name, level, pollutant = key
    words = {
        "enterprise_key": "统一社会信用代码 / 企业编号 (enterprise_key)",
        "enterprise_name": "企业名称 (enterprise_name)",
        "grade": "绩效分级 (grade)",
        "emission": f"{pollutant} 年排放量（t/a）(emission)",
        "measure": f"{level} 级措施, e.g. 黄色预警措施 / Ⅱ级措施 (measure)",
    }
    return words[name]


def _sheets(path: Path, shown: str, rules: EmergencyRules, encoding: str, sheet: str | None) -> list[_Sheet]:
    """The sheets holding the list (a header naming the required fields); a file where none
    does is refused naming what is missing from the best one."""
    grids = read_grids(path, encoding=encoding, sheet=sheet)
    required = _required(rules)
    found, best = [], None
    for grid in grids:
        header = find_header(grid, lambda h: list_field(h, rules, PLAIN))
        if header is None:
            continue
        keys = {f.key for f in header.fields.values()}
        missing = [k for k in required if k not in keys]
        if best is None or len(missing) < len(best[1]):
            best = (grid, missing, header)
        if not missing:
            label = shown if len(grids) == 1 else f"{shown} [{grid.sheet}]"
            found.append(_Sheet(grid, header, label))
    if not found:
        grid, missing, header = best if best else (grids[0], required, None)
        seen = [n for n in (header.names if header else grid.rows[0] if grid.rows else []) if n]
        where = f" (sheet {grid.sheet!r})" if grid.sheet else ""
        raise MissingColumnsError(
            f"{shown}{where}: required column(s) missing for the emission-reduction list: "
            + "; ".join(_wanted_text(k) for k in missing)
            + f". Columns found: {seen}")
    for sheet_read in found:
        problems = [f"{sheet_read.header.names[i]!r}: unit {f.unit_problem!r}"
                    for i, f in sheet_read.header.fields.items() if f.unit_problem]
        if problems:
            raise IngestError(f"{sheet_read.label}: amounts must be a mass per year — t/a (吨/年), kg/a "
                              "(千克/年), g/a or 万吨/年, or no unit for t/a — not: " + "; ".join(problems))
    return found


def _cells(sheet: _Sheet) -> tuple[pd.DataFrame, np.ndarray, dict[str, str], list[str], int]:
    """(text cells per field column, spreadsheet rows, field code → header, ignored headers,
    summary rows skipped) of one sheet's data rows."""
    header = sheet.header
    rows, numbers, skipped = [], [], 0
    for row, number in zip(sheet.grid.rows[header.data_start:], sheet.grid.row_numbers[header.data_start:],
                           strict=True):
        if is_summary_row(row):
            skipped += 1
            continue
        rows.append(row + [None] * (len(header.names) - len(row)))
        numbers.append(number)
    columns: dict[str, pd.Series] = {}
    shown: dict[str, str] = {}
    for index, fld in header.fields.items():
        code = _code(fld)
        columns[code] = pd.Series([r[index] if index < len(r) else None for r in rows], dtype="string")
        shown[code] = str(header.names[index])
    used = set(header.fields)
    ignored = [str(n) for i, n in enumerate(header.names) if i not in used and n]
    extra = [{str(header.names[i]): r[i] for i in range(len(header.names))
              if i not in used and header.names[i] and i < len(r) and r[i] is not None} for r in rows]
    frame = pd.DataFrame(columns)
    frame["extra"] = [json.dumps(e, ensure_ascii=False, sort_keys=True) if e else None for e in extra]
    for factor_code, fld in ((_code(f), f) for f in header.fields.values()):
        if fld.factor not in (None, 1.0):
            frame.attrs.setdefault("factors", {})[factor_code] = fld.factor
    return frame, np.asarray(numbers, dtype=np.int64), shown, ignored, skipped


def _code(fld: Field) -> str:
    """A field's column name in the validation frame: enterprise_key, so2, measure_III, cut_III_so2."""
    if fld.name == "emission":
        return str(fld.pollutant)
    if fld.name == "measure":
        return f"measure_{fld.level}"
    if fld.name == "cut":
        return f"cut_{fld.level}_{fld.pollutant}"
    return fld.name


# --- validation (pure) -------------------------------------------------------------------


def _reject_frame(rows: np.ndarray, column: str | None, values, reasons) -> pd.DataFrame:
    return pd.DataFrame({"row_number": np.asarray(rows, dtype=np.int64), "column_name": column,
                         "value": list(values), "reason": list(reasons)}, columns=REJECT_COLUMNS)


def row_hash(values: dict, measures: list[dict]) -> str:
    """A row's content (its values and measures, not where it came from) as a short hash."""
    clean = {k: (None if v is None or (isinstance(v, float) and np.isnan(v)) else v) for k, v in values.items()}
    data = json.dumps([clean, measures], ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(data.encode("utf-8")).hexdigest()[:24]


def validate_list(frame: pd.DataFrame, rows: np.ndarray, rules: EmergencyRules, headers: dict[str, str]
                  ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(rows, measures, rejects) of one sheet's cells: every problem found, the rows with one
    left out. `headers` names each field's column as the file does (for the rejects)."""
    n = len(frame)
    bad = np.zeros(n, dtype=bool)
    rejects: list[pd.DataFrame] = []

    def reject(mask: np.ndarray, code: str, values: pd.Series, reason: str | pd.Series) -> None:
        mask = np.asarray(mask, dtype=bool)
        if not mask.any():
            return
        shown = [None if v is None or v is pd.NA else str(v)
                 for v in pd.Series(values).reset_index(drop=True)[mask]]
        why = ([reason] * int(mask.sum()) if isinstance(reason, str)
               else [str(r) for r in pd.Series(reason).reset_index(drop=True)[mask]])
        rejects.append(_reject_frame(rows[mask], headers.get(code, code), shown, why))
        bad[mask] = True

    text = {c: (frame[c].str.strip() if c in frame else pd.Series([None] * n, dtype="string"))
            for c in TEXT_FIELDS}
    for code in ("enterprise_key", "enterprise_name"):
        reject(text[code].isna().to_numpy(), code, text[code], "required value is empty")
    factors = frame.attrs.get("factors", {})
    amounts: dict[str, np.ndarray] = {}
    amount_codes = [*POLLUTANTS, *(c for c in frame.columns if c.startswith("cut_"))]
    for code in amount_codes:
        values = frame[code] if code in frame else pd.Series([None] * n, dtype="string")
        typed, reasons = coerce_column(values, _AMOUNT)
        reject(reasons.notna().to_numpy(), code, values, reasons.fillna(""))
        amounts[code] = typed.to_numpy(dtype=float, na_value=np.nan) * factors.get(code, 1.0)
    falsified = np.zeros(n, dtype=bool)
    if "falsified" in frame:
        typed, reasons = coerce_column(frame["falsified"], _YES_NO)
        reject(reasons.notna().to_numpy(), "falsified", frame["falsified"], reasons.fillna(""))
        falsified = typed.fillna(False).to_numpy(dtype=bool)
    synthetic = np.zeros(n, dtype=bool)
    if "synthetic" in frame:
        typed, _ = coerce_column(frame["synthetic"], _YES_NO)
        synthetic = typed.fillna(False).to_numpy(dtype=bool)
    line = text["line"].fillna("")
    keys = (text["enterprise_key"].fillna("") + "|" + line).to_numpy(dtype=object)
    first_row: dict[str, int] = {}
    duplicate = np.zeros(n, dtype=bool)
    reasons = np.empty(n, dtype=object)
    for i, key in enumerate(keys):
        if pd.isna(text["enterprise_key"].iloc[i]):
            continue
        if key in first_row:
            duplicate[i] = True
            reasons[i] = f"duplicate of row {first_row[key]} (same enterprise and production line)"
        else:
            first_row[key] = int(rows[i])
    reject(duplicate, "enterprise_key", text["enterprise_key"], pd.Series(reasons).fillna(""))
    keep = ~bad
    grades = text["grade"].map(rules.grade, na_action="ignore")
    out_rows, out_measures = [], []
    for i in np.flatnonzero(keep):
        values = {"enterprise_key": text["enterprise_key"].iloc[i], "enterprise_name": text["enterprise_name"].iloc[i],
                  "county": _or_none(text["county"].iloc[i]), "industry": _or_none(text["industry"].iloc[i]),
                  "line": line.iloc[i], "grade": _or_none(grades.iloc[i]), "falsified": bool(falsified[i]),
                  "ule": _or_none(text["ule"].iloc[i]),
                  **{p: float(np.nan_to_num(amounts[p][i])) for p in POLLUTANTS},
                  "contact": _or_none(text["contact"].iloc[i]), "phone": _or_none(text["phone"].iloc[i]),
                  "extra": frame["extra"].iloc[i], "synthetic": bool(synthetic[i])}
        measures = []
        for level in rules.level_order:
            measure = frame[f"measure_{level}"].iloc[i] if f"measure_{level}" in frame else None
            cuts = {f"cut_{p}": _or_nan(amounts.get(f"cut_{level}_{p}"), i) for p in POLLUTANTS}
            measures.append({"row_key": keys[i], "level": level, "measure": _or_none(measure), **cuts})
        out_measures += measures
        out_rows.append({"row_key": keys[i], "row_hash": row_hash(values, measures), **values,
                         "source_row": int(rows[i])})
    nonempty = [r for r in rejects if len(r)]
    reject_table = (pd.concat(nonempty, ignore_index=True) if nonempty else _reject_frame([], None, [], []))
    return (pd.DataFrame(out_rows, columns=ROW_COLUMNS),
            pd.DataFrame(out_measures, columns=MEASURE_COLUMNS),
            reject_table.sort_values("row_number", kind="stable").reset_index(drop=True))


def _or_none(value: object) -> str | None:
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    text = str(value).strip()
    return text or None


def _or_nan(values: np.ndarray | None, i: int) -> float:
    return float("nan") if values is None else float(values[i])


def _version_of(frame: pd.DataFrame, path: str, list_year: str | None,
                effective_from: date | str | None) -> tuple[str, date]:
    """The version a load is for: the options, else the file's own 清单年度/生效日期 columns
    (one value each); a conflict or a version left open is an IngestError."""
    problems = []
    year_values = sorted(set(frame["list_year"].dropna().str.strip())) if "list_year" in frame else []
    date_values = sorted(set(frame["effective_from"].dropna().str.strip())) if "effective_from" in frame else []
    for what, values in (("清单年度 (list_year)", year_values), ("生效日期 (effective_from)", date_values)):
        if len(values) > 1:
            problems.append(f"the file holds several {what} values {values}: one file is one version")
    year = list_year.strip() if list_year else (year_values[0] if len(year_values) == 1 else None)
    if list_year and year_values and year_values != [year]:
        problems.append(f"--year {year!r} but the file's 清单年度 is {year_values}")
    given = effective_from if effective_from else (date_values[0] if len(date_values) == 1 else None)
    effective = None
    if given is not None:
        typed, _ = coerce_column(pd.Series([str(given)], dtype="string"), _DATE)
        effective = None if typed.isna().iloc[0] else typed.iloc[0].date()
        if effective is None:
            problems.append(f"effective date {given!r} is not a date (expected YYYY-MM-DD)")
        elif effective_from and date_values:
            in_file, _ = coerce_column(pd.Series(date_values, dtype="string"), _DATE)
            if {d.date() for d in in_file.dropna()} != {effective}:
                problems.append(f"--effective {effective} but the file's 生效日期 is {date_values}")
    if year is None:
        problems.append("the list's year (清单年度) is not given: pass it (--year) or add a 清单年度 column")
    if given is None:
        problems.append("the list's effective date (生效日期) is not given: pass it (--effective YYYY-MM-DD) "
                        "or add a 生效日期 column")
    if problems:
        raise IngestError(f"{path}: " + "; ".join(problems))
    return str(year), effective


# --- storing -----------------------------------------------------------------------------


def _merge(con: geoaq_db.Connection, version: tuple[str, date], rows: pd.DataFrame, measures: pd.DataFrame,
           ingest_id: int) -> tuple[int, int, int, int]:
    """Make the stored rows of `version` the file's (inside the caller's transaction):
    (new, changed, unchanged, removed) by (enterprise key, line) and content. A load that changes
    anything rewrites the version in the file's order; one that changes nothing writes nothing."""
    stored = dict(run(con, "emergency_list_stored", [*version]).fetchall())
    incoming = dict(zip(rows["row_key"], rows["row_hash"], strict=True))
    new = sum(k not in stored for k in incoming)
    changed = sum(k in stored and stored[k] != h for k, h in incoming.items())
    removed = sum(k not in incoming for k in stored)
    if new or changed or removed:
        run(con, "emergency_list_clear_rows", [*version])
        run(con, "emergency_list_clear_measures", [*version])
        con.register("incoming_list_rows", pa.Table.from_pandas(
            rows.assign(position=range(len(rows))), preserve_index=False))
        con.register("incoming_list_measures", pa.Table.from_pandas(measures, preserve_index=False))
        try:
            run(con, "emergency_list_insert_rows", [*version, ingest_id])
            run(con, "emergency_list_insert_measures", [*version])
        finally:
            con.unregister("incoming_list_rows")
            con.unregister("incoming_list_measures")
    return new, changed, len(incoming) - new - changed, removed


def key_form(values: pd.Series) -> pd.Series:
    """Enterprise keys as compared with the layer's: NFKC (full-width ９１４１… typed in a Chinese
    input method), trimmed, upper case (a credit code's letters are capitals)."""
    return values.astype("string").str.normalize("NFKC").str.strip().str.upper()


def _unmatched(con: geoaq_db.Connection, rows: pd.DataFrame) -> pd.DataFrame:
    """The rows whose key is no enterprise_id of the enterprises layer (`key_form`)."""
    known = set(key_form(pd.Series(enterprise_keys(con), dtype="string")).dropna())
    missing = rows[~key_form(rows["enterprise_key"]).isin(known).to_numpy(dtype=bool)]
    return missing[["row_key", "enterprise_key", "enterprise_name", "source_row"]].reset_index(drop=True)


def enterprise_keys(con: geoaq_db.Connection) -> list[str]:
    """The enterprise_id of every enterprise in the layer."""
    spec = get_layer("enterprises")
    if not store.table_exists(con, spec.name):
        return []
    return store.read_layer(con, spec)["enterprise_id"].astype(str).tolist()


@dataclass
class _Read:
    """A file read and validated: what `_store` writes and reports."""

    path: Path
    shown: str
    sheets: list[_Sheet]
    rows: pd.DataFrame
    measures: pd.DataFrame
    rejects: list[tuple[str, pd.DataFrame]]  # (the file/sheet a reject names, its rejects)
    rows_read: int
    summary_rows: int
    headers: dict[str, str]
    ignored: list[str]

    @property
    def all_rejects(self) -> pd.DataFrame:
        found = [r for _, r in self.rejects if len(r)]
        return pd.concat(found, ignore_index=True) if found else _reject_frame([], None, [], [])


def _read(path: Path, shown: str, rules: EmergencyRules, encoding: str, sheet: str | None) -> tuple[_Read, list]:
    """Every sheet of the list read and validated, rows repeated across sheets rejected; and
    the cells of every sheet (for the version's own columns)."""
    sheets = _sheets(path, shown, rules, encoding, sheet)
    read = _Read(path, shown, sheets, pd.DataFrame(), pd.DataFrame(), [], 0, 0, {}, [])
    all_rows, all_measures, frames = [], [], []
    for part in sheets:
        frame, numbers, shown_headers, ignored, skipped = _cells(part)
        frames.append(frame)
        read.rows_read += len(frame)
        read.summary_rows += skipped
        read.headers |= {k: v for k, v in shown_headers.items() if k not in read.headers}
        read.ignored += [c for c in ignored if c not in read.ignored]
        valid_rows, valid_measures, sheet_rejects = validate_list(frame, numbers, rules, shown_headers)
        all_rows.append(valid_rows.assign(source_file=part.label))
        all_measures.append(valid_measures)
        read.rejects.append((part.label, sheet_rejects))
    rows = pd.concat(all_rows, ignore_index=True)
    measures = pd.concat(all_measures, ignore_index=True)
    repeated = rows["row_key"].duplicated(keep="first")
    if repeated.any():  # the same enterprise and line on two sheets
        later = rows[repeated]
        first = rows.drop_duplicates("row_key").set_index("row_key")["source_row"]
        read.rejects.append((shown, _reject_frame(
            later["source_row"].to_numpy(), read.headers.get("enterprise_key"), later["enterprise_key"].tolist(),
            [f"duplicate of row {first[k]} of another sheet (same enterprise and production line)"
             for k in later["row_key"]])))
        rows = rows[~repeated].reset_index(drop=True)
        measures = measures[measures["row_key"].isin(set(rows["row_key"]))].drop_duplicates(["row_key", "level"])
    read.rows, read.measures = rows, measures
    return read, frames


def _store(con: geoaq_db.Connection, read: _Read, version: tuple[str, date], t0: float, started_at: datetime,
           options: dict) -> ListReport:
    """Write a validated load (inside the caller's transaction), the list claimed, and report it."""
    claim(con, CLAIM)
    ingest_id = store.next_ingest_id(con)
    new, changed, same, removed = _merge(con, version, read.rows, read.measures, ingest_id)
    for label, found in read.rejects:
        store.record_rejects(con, found, ingest_id, LAYER, label)
    synthetic = int(read.rows["synthetic"].sum())
    digest = hashlib.sha256(read.path.read_bytes()).hexdigest()
    run(con, "emergency_list_version_delete", [*version])
    run(con, "emergency_list_version_insert", [*version, read.shown, digest, len(read.rows),
                                               bool(len(read.rows)) and synthetic == len(read.rows), ingest_id])
    first = read.sheets[0].grid
    report = ListReport(
        list_year=version[0], effective_from=version[1], source_file=read.shown, file_format=first.file_format,
        encoding=first.encoding, sheets=[s.grid.sheet for s in read.sheets if s.grid.sheet],
        rows_read=read.rows_read, inserted=new, updated=changed, unchanged=same, removed=removed,
        rejects=read.all_rejects, unmatched=_unmatched(con, read.rows), seconds=time.perf_counter() - t0,
        ingest_id=ingest_id, summary_rows=read.summary_rows, columns=read.headers, ignored_columns=read.ignored,
        synthetic=synthetic)
    store.record_run(con, report, digest, started_at, options)
    return report


def load_list(path: str | Path, *, con: geoaq_db.Connection | None = None, db: str | Path | None = None,
              list_year: str | None = None, effective_from: date | str | None = None,
              encoding: str = "auto", sheet: str | None = None, rules: EmergencyRules | None = None,
              source_name: str | None = None, actor: Actor | None = None) -> ListReport:
    """Load one file of the list as version (`list_year`, `effective_from`) — given, or from the
    file's own columns — and return the report. Raises IngestError (MissingColumnsError …),
    changing nothing, when the file cannot be loaded as a whole. With `actor` (the signed-in
    account) its role must manage lists and warnings (`geoaq.emergency.access`)."""
    access.require_manage(actor, "load emergency reduction lists")
    started_at, t0 = datetime.now(), time.perf_counter()
    path = Path(path)
    shown = source_name or str(path)
    read, frames = _read(path, shown, rules or load_emergency_rules(), encoding, sheet)
    if read.rows.empty:  # a load replaces the version: an empty or wholly rejected file would erase it
        rejects = read.all_rejects
        reasons = "; ".join(f"row {r.row_number} {r.column_name or ''}: {r.reason}".replace("  ", " ")
                            for r in rejects.head(5).itertuples())
        raise IngestError(f"{shown}: no row of the list can be loaded ({read.rows_read} read, "
                          f"{rejects['row_number'].nunique() if len(rejects) else 0} rejected"
                          + (f": {reasons}" if reasons else "") + "); nothing was changed")
    version = _version_of(pd.concat(frames, ignore_index=True), shown, list_year, effective_from)
    options = {"list_year": version[0], "effective_from": str(version[1]), "encoding": encoding, "sheet": sheet}
    owned = con is None
    con = con or geoaq_db.connect(db)
    try:
        geoaq_db.ensure_claims(con, CLAIM)
        for attempt in geoaq_db.write_attempts(con):  # a concurrent load of the list may win
            with attempt, geoaq_db.transaction(con):
                report = _store(con, read, version, t0, started_at, options)
    finally:
        if owned:
            con.close()
    return report


# --- reading back ------------------------------------------------------------------------


def versions(con: geoaq_db.Connection) -> pd.DataFrame:
    """Every stored version of the list, the newest effective date first: list_year,
    effective_from, source_file, rows, synthetic, ingest_id, loaded_at."""
    if not store.table_exists(con, "emergency_lists"):
        return pd.DataFrame(columns=["list_year", "effective_from", "source_file", "rows", "synthetic",
                                     "ingest_id", "loaded_at"])
    frame = run(con, "emergency_list_versions").df()
    frame["effective_from"] = pd.to_datetime(frame["effective_from"]).dt.date
    return frame


def version_label(version: tuple[str, date]) -> str:
    """YEAR@YYYY-MM-DD: how a version is named on the command line and the page."""
    return f"{version[0]}@{version[1]:%Y-%m-%d}"


def resolve_version(con: geoaq_db.Connection, chosen: str | None = None,
                    on: date | None = None) -> tuple[str, date]:
    """The version `chosen` names (YEAR@YYYY-MM-DD, or a YEAR: its latest), else the one in
    effect `on` a day (the latest effective on or before it), else the newest; an
    EmergencyInputError when there is none."""
    stored = versions(con)
    if stored.empty:
        raise EmergencyInputError("no emission-reduction list is loaded: load one first "
                                  "(geoaq emergency list load FILE, or the 重污染应急 page)")
    if chosen:
        year, _, day = chosen.partition("@")
        found = stored[stored["list_year"] == year.strip()]
        if day:
            found = found[found["effective_from"].astype(str) == day.strip()]
        if found.empty:
            known = ", ".join(version_label((r.list_year, r.effective_from)) for r in stored.itertuples())
            raise EmergencyInputError(f"no list version {chosen!r}; stored: {known}")
        row = found.iloc[0]
        return str(row["list_year"]), row["effective_from"]
    if on is not None:
        effective = stored[stored["effective_from"] <= on]
        if effective.empty:
            first = stored["effective_from"].min()
            raise EmergencyInputError(f"no list version is in effect on {on} (the first takes effect {first})")
        row = effective.iloc[0]
        return str(row["list_year"]), row["effective_from"]
    row = stored.iloc[0]
    return str(row["list_year"]), row["effective_from"]


def read_list(con: geoaq_db.Connection, version: tuple[str, date]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(rows, measures) of a stored version, in the file's order."""
    rows = run(con, "emergency_list_rows", [*version]).df()
    measures = run(con, "emergency_list_measures", [*version]).df()
    return rows, measures
