"""Writing result tables for people: CSV that Excel opens (UTF-8 with BOM) and Excel
workbooks with a title row that states what and which period the table covers."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

import pandas as pd

from geoaq._errors import GeoaqError


def xlsx_bytes(table: pd.DataFrame, title: str, sheet_name: str = "geoaq") -> bytes:
    """The table as an .xlsx workbook: the title in row 1, the header frozen below it."""
    buffer = BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        table.to_excel(writer, index=False, startrow=1, sheet_name=sheet_name)
        sheet = writer.sheets[sheet_name]
        sheet.cell(row=1, column=1, value=title)
        sheet.freeze_panes = "A3"
        for index, column in enumerate(table.columns, start=1):
            values = [str(column), *(str(v) for v in table[column].head(200))]
            letter = sheet.cell(row=2, column=index).column_letter
            sheet.column_dimensions[letter].width = min(60, max(len(v) for v in values) + 4)
    return buffer.getvalue()


def write_table(table: pd.DataFrame, path: Path, title: str, sheet_name: str = "geoaq") -> Path:
    """Write .csv (UTF-8 with BOM, for Excel) or .xlsx; any other suffix is refused."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        table.to_csv(path, index=False, encoding="utf-8-sig")
    elif suffix == ".xlsx":
        path.write_bytes(xlsx_bytes(table, title, sheet_name))
    else:
        raise GeoaqError(f"{path}: tables are written as .csv or .xlsx, not {suffix or '(no suffix)'}")
    return path


def _fit_columns(sheet, table: pd.DataFrame, header_row: int) -> None:
    for index, column in enumerate(table.columns, start=1):
        values = [str(column), *(str(v) for v in table[column].head(200))]
        letter = sheet.cell(row=header_row, column=index).column_letter
        width = min(60, max(len(v) for v in values) + 4)
        sheet.column_dimensions[letter].width = max(sheet.column_dimensions[letter].width or 0, width)


def sheet_name(name: str, taken: set[str] | None = None) -> str:
    """`name` as Excel allows a sheet name: at most 31 characters, none of []:*?/\\, unique
    among `taken` (a number added)."""
    clean = "".join("_" if c in '[]:*?/\\' else c for c in str(name)).strip() or "sheet"
    clean, taken = clean[:31], taken or set()
    candidate, number = clean, 2
    while candidate in taken:
        suffix = f" ({number})"
        candidate, number = clean[:31 - len(suffix)] + suffix, number + 1
    return candidate


def xlsx_sheets(sheets: dict[str, pd.DataFrame], title: str) -> bytes:
    """One sheet per table (named by its key), each with `title` in row 1 and its header frozen
    below it: e.g. a checklist per county."""
    buffer = BytesIO()
    taken: set[str] = set()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for name, table in sheets.items():
            chosen = sheet_name(name, taken)
            taken.add(chosen)
            table.to_excel(writer, index=False, startrow=1, sheet_name=chosen)
            sheet = writer.sheets[chosen]
            sheet.cell(row=1, column=1, value=title)
            sheet.freeze_panes = "A3"
            _fit_columns(sheet, table, 2)
    return buffer.getvalue()


def xlsx_blocks(blocks: list[tuple[str, pd.DataFrame]], title: str, sheet_name: str = "geoaq") -> bytes:
    """Tables one under another on one sheet, each under its heading, `title` in row 1: a
    one-page report (e.g. the emergency response assessment)."""
    buffer = BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        row = 2
        for heading, table in blocks:
            table.to_excel(writer, index=False, startrow=row, sheet_name=sheet_name)
            sheet = writer.sheets[sheet_name]
            sheet.cell(row=row, column=1, value=heading)
            _fit_columns(sheet, table, row + 1)
            row += len(table) + 3
        if not blocks:
            pd.DataFrame().to_excel(writer, index=False, sheet_name=sheet_name)
        writer.sheets[sheet_name].cell(row=1, column=1, value=title)
    return buffer.getvalue()
