"""CSV bytes to a table of text columns, with spreadsheet row numbers and bad-row reports.

The one CSV reader of geoaq: layers (`readers.read_csv`) and hourly readings
(`readings.formats`) both read through it, in the same steps:

1. `decode_text`: the bytes as UTF-8 without a BOM (UTF-8 is checked, not decoded into Python
   text; GBK/GB18030 is re-encoded; see `geoaq.ingest.encoding`) and the first line;
2. `header_fields` (and, for layers, `sniff_delimiter`): the column names;
3. `read_table`: pyarrow's multi-threaded reader, every cell text unless the caller types a
   column, null tokens ("NA", "-", "—" …) null.

Row numbers are spreadsheet rows (the header is row 1): every record counts, blank lines
included, and a quoted value spanning several lines (allowed where `quoted_newlines`) is
still one row. Blank lines, lines of spaces and rows of nothing but empty cells and null
tokens are skipped; a row with the wrong number of fields is skipped and reported with its
row number ("expected 9 fields, found 10"). The cell helpers trim text (`clean`), read numbers
(`numbers`) and quote cells (`text_at`).

Speed: pyarrow reads a file once in the common case; only a file with bad rows is read a
second time, single-threaded, because only then does pyarrow give the row number of a skipped
row.
"""

from __future__ import annotations

import codecs
import csv
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from geoaq._errors import IngestError
from geoaq.ingest import encoding as enc
from geoaq.ingest.textparse import parse_numbers

#: values that mean "no value" in the files bureaus exchange
NULL_TOKENS = ["", "NA", "N/A", "n/a", "NaN", "nan", "null", "NULL", "None", "-", "--", "—", "/"]
NULL_SET = frozenset(NULL_TOKENS)
#: delimiters a layer file may use (readings are comma-separated)
DELIMITERS = (",", "\t", ";", "|")
_BLOCK_SIZE = 1 << 24  # bytes per pyarrow block: few, large blocks for files of millions of rows


def to_numpy(array: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """An Arrow array as a NumPy array (copied where Arrow cannot share it)."""
    return array.to_numpy(zero_copy_only=False)


# --- bytes to text ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CsvText:
    """A delimited file's text: UTF-8 bytes without a BOM, the codec it was read with, line 1."""

    body: bytes
    codec: str
    first_line: str


def utf8_body(body: bytes, encoding: str, path: Path | str) -> tuple[bytes, str]:
    """The text as UTF-8 bytes without a BOM, and the codec it was read with.

    UTF-8 files are only checked (an EncodingError names the line and byte), not decoded into
    Python text; GBK files are re-encoded.
    """
    declared = enc.normalize_encoding(encoding)
    codec = enc.detect_encoding(body) if declared == "auto" else declared
    if codec == "utf-8" and body.startswith(codecs.BOM_UTF8):
        codec = "utf-8-sig"
    if codec in {"utf-8", "utf-8-sig"}:
        if declared != "auto" or codec == "utf-8-sig":  # detection checks UTF-8 without a BOM only
            enc.decode_bytes(body, encoding, path)
        return (body[3:] if codec == "utf-8-sig" else body), codec
    text, codec = enc.decode_bytes(body, codec, path)
    return text.lstrip("\ufeff").encode("utf-8"), codec


def decode_text(body: bytes, encoding: str, path: Path | str) -> CsvText:
    """The file's text (see `utf8_body`) and its first line; an empty file is an IngestError."""
    if not body.strip():
        raise IngestError(f"{path}: the file is empty (no header, no rows)")
    data, codec = utf8_body(body, encoding, path)
    end = data.find(b"\n")
    first_line = (data if end < 0 else data[:end]).decode("utf-8").rstrip("\r")
    return CsvText(data, codec, first_line)


# --- the header ------------------------------------------------------------------------------


def sniff_delimiter(first_line: str, suffix: str) -> str:
    """The delimiter of a file: tab for .tsv, else the most frequent of `DELIMITERS` in line 1."""
    if suffix == ".tsv":
        return "\t"
    counts = {d: first_line.count(d) for d in DELIMITERS}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def header_fields(first_line: str, delimiter: str = ",") -> list[str]:
    """The column names in the first line, parsed as CSV (quotes honoured), then trimmed of
    spaces, a BOM and the quotes of a name quoted after a space (`a, "b"`)."""
    fields = next(csv.reader([first_line], delimiter=delimiter)) or [""]  # an empty line: one empty name
    return [f.strip().strip("\ufeff").strip('"').strip() for f in fields]


# --- the rows --------------------------------------------------------------------------------


class Rows(NamedTuple):
    """A file's rows: the table (columns c0, c1 …), the spreadsheet row of each, bad rows."""

    table: pa.Table
    row_numbers: np.ndarray
    ragged: list[tuple[int, str]]


def drop_blank_rows(table: pa.Table, row_numbers: np.ndarray) -> tuple[pa.Table, np.ndarray]:
    """The table and row numbers without rows whose every cell is null."""
    if table.num_columns == 0:
        return table, row_numbers
    first_null = np.flatnonzero(to_numpy(table.column(0).is_null()))
    if not len(first_null):
        return table, row_numbers
    candidates = table.take(pa.array(first_null, pa.int64()))
    blank = np.ones(len(first_null), dtype=bool)
    for column in candidates.columns[1:]:
        blank &= to_numpy(column.is_null())
    if not blank.any():
        return table, row_numbers
    keep = np.ones(table.num_rows, dtype=bool)
    keep[first_null[blank]] = False
    return table.filter(pa.array(keep)), row_numbers[keep]


def read_table(body: bytes, header: list[str], path: Path | str,
               types: dict[str, pa.DataType] | None = None, *, delimiter: str = ",",
               quoted_newlines: bool = False) -> Rows:
    """The rows under the header (text unless `types` says otherwise), see the module notes.

    `quoted_newlines` allows a quoted value to span lines (pyarrow then reads markedly slower,
    so readings, one station-hour a line, leave it off). Raises pa.ArrowInvalid when a typed
    column holds something else (the caller falls back to text); a file that is not CSV at
    all is an IngestError.
    """
    skipped: list[tuple[int | None, str | None]] = []  # (row, reason; None for a blank line)

    def _on_invalid(row: pa_csv.InvalidRow) -> str:
        reason = (None if not row.text.strip()
                  else f"expected {row.expected_columns} fields, found {row.actual_columns}")
        skipped.append((row.number, reason))
        return "skip"

    column_types = dict.fromkeys(header, pa.string()) | (types or {})

    def _read(threads: bool) -> pa.Table:
        return pa_csv.read_csv(
            pa.py_buffer(body),
            read_options=pa_csv.ReadOptions(column_names=header, skip_rows=1, use_threads=threads,
                                            block_size=_BLOCK_SIZE),
            # blank lines are kept (as rows of nulls) so that row numbers stay spreadsheet rows
            parse_options=pa_csv.ParseOptions(delimiter=delimiter, invalid_row_handler=_on_invalid,
                                              ignore_empty_lines=False,
                                              newlines_in_values=quoted_newlines),
            convert_options=pa_csv.ConvertOptions(column_types=column_types,
                                                  strings_can_be_null=True, null_values=NULL_TOKENS),
        )

    try:
        table = _read(True)
        if skipped:  # only a single-threaded read tells the row number of a skipped row
            skipped.clear()
            table = _read(False)
    except pa.ArrowInvalid as exc:
        if types and "conversion error" in str(exc).lower():
            raise
        raise IngestError(f"{path}: not a readable delimited text file: {exc}") from exc
    at = sorted(number for number, _ in skipped if number is not None)
    row_numbers = np.arange(2, table.num_rows + len(at) + 2, dtype=np.int64)
    if at:
        row_numbers = row_numbers[~np.isin(row_numbers, at)]
    table = table.rename_columns([f"c{i}" for i in range(len(header))])
    table, row_numbers = drop_blank_rows(table, row_numbers)
    ragged = [(n, reason) for n, reason in skipped if n is not None and reason is not None]
    return Rows(table, row_numbers, ragged)


# --- cells -----------------------------------------------------------------------------------


def clean(column: pa.ChunkedArray | pa.Array) -> pa.Array:
    """Text trimmed; values then empty or a null token ("NA", "-", "—" …) become null."""
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    trimmed = pc.utf8_trim_whitespace(column)
    return pc.if_else(pc.is_in(trimmed, pa.array(NULL_TOKENS)), pa.scalar(None, pa.string()), trimmed)


def numbers(column: pa.ChunkedArray | pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """(floats, not-a-number mask) of a text column; empty cells are NaN without a mask.

    Arrow's cast takes clean columns (fast); otherwise the values are trimmed, null tokens
    dropped, and full-width digits or 1,234 separators read (`textparse.parse_numbers`).
    """
    try:
        values = to_numpy(pc.cast(column, pa.float64()))
        return values.astype(float, copy=False), np.zeros(len(values), dtype=bool)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    series = pd.Series(clean(column).to_pandas(), dtype="string")
    values = parse_numbers(series)
    bad = series.notna().to_numpy() & ~np.isfinite(values)
    values[bad] = np.nan
    return values, bad


def text_at(column: pa.ChunkedArray | pa.Array, positions: np.ndarray) -> list[str | None]:
    """The cells of `column` at `positions`, as text (None for nulls)."""
    return column.take(pa.array(positions, pa.int64())).to_pylist()
