"""Tables bureaus keep in Excel or CSV, read as grids of text cells with their spreadsheet rows.

The 应急减排清单 and its returned checklists are workbooks made for people: a title row above
the header, a header of two rows under merged cells ("黄色预警" over "措施 / SO2 / NOx …"), an
enterprise's name merged down over its production lines, one sheet per county. `read_grids`
reads every sheet (a CSV is one) into rows of text exactly as a person sees them: a merged
range's value in each of its cells, numbers written as typed (3, not 3.0), dates as
YYYY-MM-DD, cells trimmed, the null tokens of `geoaq.ingest.csvtable` ("", "-", "/", "NA" …)
None. Each row carries its spreadsheet row number (the first row is 1), so a reject points at
the row a person opens. Finding the header is the caller's (it knows the columns it wants).

.xlsx and .xlsm are read with openpyxl (values as last calculated by Excel, not formulas; a
sheet whose formulas were never calculated — a file written by a program — is refused rather
than read as empty cells);
.csv/.txt/.tsv through `csvtable.decode_text` (UTF-8, UTF-8 with BOM, GBK detected); an .xls
(Excel 97-2003) is refused with what to do.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

from geoaq._errors import IngestError
from geoaq.ingest import csvtable

EXCEL_SUFFIXES = {".xlsx", ".xlsm"}
TEXT_SUFFIXES = {".csv", ".txt", ".tsv"}


@dataclass(frozen=True)
class Grid:
    """One sheet (or a CSV file) as text cells: `rows[i]` is spreadsheet row `row_numbers[i]`."""

    rows: list[list[str | None]]
    row_numbers: list[int]
    sheet: str | None
    file_format: str
    encoding: str | None = None

    @property
    def width(self) -> int:
        return max((len(r) for r in self.rows), default=0)


def cell_text(value: object) -> str | None:
    """A cell's value as the text a person reads; None for an empty cell or a null token."""
    if value is None:
        return None
    if isinstance(value, bool):
        text = "是" if value else "否"
    elif isinstance(value, float):
        text = str(int(value)) if value.is_integer() and abs(value) < 2**53 else repr(value)
    elif isinstance(value, dt.datetime):
        text = (value.strftime("%Y-%m-%d") if value.time() == dt.time()
                else value.strftime("%Y-%m-%d %H:%M:%S").removesuffix(":00"))
    elif isinstance(value, dt.date):
        text = value.strftime("%Y-%m-%d")
    elif isinstance(value, dt.time):
        text = value.strftime("%H:%M")
    else:
        text = str(value)
    text = text.strip()
    return None if text in csvtable.NULL_SET else text


def _excel_grids(path: Path, body: bytes) -> list[Grid]:
    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(body), data_only=True)
        formulas = openpyxl.load_workbook(io.BytesIO(body), data_only=False)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise IngestError(f"{path}: not a readable Excel workbook (.xlsx): {exc}") from exc
    grids = []
    for sheet in book.worksheets:
        values = [[cell_text(c) for c in row] for row in sheet.iter_rows(values_only=True)]
        cells = [cell.coordinate for row in formulas[sheet.title].iter_rows() for cell in row if cell.data_type == "f"]
        uncalculated = [c for c in cells if sheet[c].value is None]
        if uncalculated and len(uncalculated) == len(cells):  # (a formula Excel left blank, ="", is fine)
            shown = ", ".join(uncalculated[:10]) + (" …" if len(uncalculated) > 10 else "")
            raise IngestError(f"{path} [{sheet.title}]: {len(uncalculated)} cell(s) hold a formula without a "
                              f"calculated value ({shown}): the file was written by a program, not saved by "
                              "Excel or WPS; open it there, save it, and load it again")
        for merged in sheet.merged_cells.ranges:  # each cell of a merged range shows its value
            top = values[merged.min_row - 1][merged.min_col - 1] if merged.min_row <= len(values) else None
            for r in range(merged.min_row - 1, min(merged.max_row, len(values))):
                row = values[r]
                row.extend([None] * (merged.max_col - len(row)))
                for c in range(merged.min_col - 1, merged.max_col):
                    row[c] = top
        kept = [(i + 1, row) for i, row in enumerate(values) if any(v is not None for v in row)]
        grids.append(Grid([row for _, row in kept], [n for n, _ in kept], sheet.title, "xlsx"))
    return grids


def _text_grid(path: Path, body: bytes, encoding: str) -> Grid:
    text = csvtable.decode_text(body, encoding, path)
    delimiter = csvtable.sniff_delimiter(text.first_line, path.suffix.lower())
    reader = csv.reader(io.StringIO(text.body.decode("utf-8"), newline=""), delimiter=delimiter)
    rows, numbers = [], []
    for number, record in enumerate(reader, start=1):
        row = [cell_text(v) for v in record]
        if any(v is not None for v in row):
            rows.append(row)
            numbers.append(number)
    return Grid(rows, numbers, None, "csv", text.codec)


def read_grids(path: str | Path, *, encoding: str = "auto", sheet: str | None = None) -> list[Grid]:
    """Every sheet of a workbook (only `sheet` when given), or the one table of a CSV, as grids
    of text; blank rows left out (their numbers skipped). A missing or unreadable file, an
    unknown sheet or an unsupported format is an IngestError."""
    path = Path(path)
    if not path.is_file():
        raise IngestError(f"{path}: no such file")
    suffix = path.suffix.lower()
    body = path.read_bytes()
    if suffix in EXCEL_SUFFIXES:
        grids = _excel_grids(path, body)
        if sheet is not None:
            found = [g for g in grids if g.sheet == sheet]
            if not found:
                raise IngestError(f"{path}: no sheet {sheet!r}; sheets: {[g.sheet for g in grids]}")
            grids = found
    elif suffix in TEXT_SUFFIXES:
        if sheet is not None:
            raise IngestError(f"{path}: a CSV file has no sheets (--sheet {sheet})")
        grids = [_text_grid(path, body, encoding)]
    elif suffix == ".xls":
        raise IngestError(f"{path}: Excel 97-2003 (.xls) is not read; save it as .xlsx (or .csv) "
                          "in Excel or WPS and load that")
    else:
        raise IngestError(f"{path}: unsupported file type {suffix or '(none)'}; expected .xlsx or "
                          ".csv/.txt/.tsv")
    if not any(g.rows for g in grids):
        raise IngestError(f"{path}: the file is empty (no header, no rows)")
    return grids
