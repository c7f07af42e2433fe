"""CSV bytes to a table of text columns, with spreadsheet row numbers and bad-row reports.

Read with pyarrow (multi-threaded, for files of millions of rows); cells stay text, as the
file spells them, unless a caller asks for a typed column. The cell helpers trim text, turn
null tokens ("NA", "-", "—" …) into nulls and read numbers.
"""

from __future__ import annotations

import codecs
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from geoaq._errors import IngestError
from geoaq.ingest import encoding as enc
from geoaq.ingest.readers import NULL_TOKENS
from geoaq.ingest.textparse import parse_numbers

NULL_SET = frozenset(NULL_TOKENS)


def to_numpy(array: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """An Arrow array as a NumPy array (copied where Arrow cannot share it)."""
    return array.to_numpy(zero_copy_only=False)


def utf8_body(body: bytes, encoding: str, path: Path) -> tuple[bytes, str]:
    """The text as UTF-8 bytes without a BOM, and the codec it was read with (see geoaq.ingest.encoding).

    UTF-8 files are only checked, not decoded into Python text; GBK files are re-encoded.
    """
    declared = enc.normalize_encoding(encoding)
    codec = enc.detect_encoding(body) if declared == "auto" else declared
    if codec == "utf-8" and body.startswith(codecs.BOM_UTF8):
        codec = "utf-8-sig"
    if codec in {"utf-8", "utf-8-sig"}:
        if declared != "auto":  # detection has already decoded it
            enc.decode_bytes(body, codec, path)
        return (body[3:] if codec == "utf-8-sig" else body), codec
    text, codec = enc.decode_bytes(body, codec, path)
    return text.lstrip("\ufeff").encode("utf-8"), codec


def read_table(body: bytes, header: list[str], path: Path,
               types: dict[str, pa.DataType] | None = None,
               ) -> tuple[pa.Table, np.ndarray, list[tuple[int, str]]]:
    """The rows (text unless `types` says otherwise): (table, spreadsheet row numbers, ragged rows).

    Raises pa.ArrowInvalid when a typed column holds something else (the caller falls back
    to text); a file that is not CSV at all is an IngestError.
    """
    ragged: list[tuple[int | None, str]] = []

    def _on_invalid(row: pa_csv.InvalidRow) -> str:
        ragged.append((row.number, f"expected {row.expected_columns} fields, found {row.actual_columns}"))
        return "skip"

    column_types = dict.fromkeys(header, pa.string()) | (types or {})

    def _read(threads: bool) -> pa.Table:
        return pa_csv.read_csv(
            pa.py_buffer(body),
            read_options=pa_csv.ReadOptions(column_names=header, skip_rows=1, use_threads=threads,
                                            block_size=1 << 24),
            parse_options=pa_csv.ParseOptions(invalid_row_handler=_on_invalid,
                                              ignore_empty_lines=False, newlines_in_values=False),
            convert_options=pa_csv.ConvertOptions(column_types=column_types,
                                                  strings_can_be_null=True, null_values=NULL_TOKENS),
        )

    try:
        table = _read(True)
        if ragged:  # only a single-threaded read tells the line number of a skipped row
            ragged.clear()
            table = _read(False)
    except pa.ArrowInvalid as exc:
        if types and "conversion error" in str(exc).lower():
            raise
        raise IngestError(f"{path}: not a readable delimited text file: {exc}") from exc
    skipped = sorted(number for number, _ in ragged if number is not None)
    rows = np.arange(2, table.num_rows + len(skipped) + 2, dtype=np.int64)
    if skipped:
        rows = rows[~np.isin(rows, skipped)]
    table = table.rename_columns([f"c{i}" for i in range(len(header))])
    # blank lines come through as rows of nulls: skipped (row numbers stay spreadsheet rows)
    first_null = np.flatnonzero(to_numpy(table.column(0).is_null()))
    if len(first_null):
        candidates = table.take(pa.array(first_null, pa.int64()))
        blank = np.ones(len(first_null), dtype=bool)
        for column in candidates.columns[1:]:
            blank &= to_numpy(column.is_null())
        if blank.any():
            keep = np.ones(table.num_rows, dtype=bool)
            keep[first_null[blank]] = False
            table = table.filter(pa.array(keep))
            rows = rows[keep]
    return table, rows, [(n, reason) for n, reason in ragged if n is not None]


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
