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
