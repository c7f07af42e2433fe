"""What a downloaded CSV is before it is loaded: its header, how many data lines it has, and
whether it is whole.

A server that stops sending half-way without saying so (no Content-Length, a proxy that
closes the connection) leaves a file whose last line is cut: the feeds' CSVs end every line
with a newline, so a file that does not, or whose last line has fewer fields than its header,
is refused as truncated, and nothing of it is loaded.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from geoaq._errors import FeedFetchError


@dataclass(frozen=True)
class CsvShape:
    """The header (as written), the number of non-blank lines after it, and the first one."""

    header: list[str]
    data_lines: int
    first_row: list[str]


def _fields(line: str) -> list[str]:
    return next(csv.reader([line]), [])


def _decode(data: bytes) -> str:
    return data.decode("utf-8-sig", errors="replace")


def shape(path: Path, shown: str) -> CsvShape:
    """The file's `CsvShape`; `FeedFetchError` when it is empty or its last line is cut
    (`shown` names the request in the message)."""
    data = path.read_bytes()
    if not data.strip():
        raise FeedFetchError(f"{shown}: the answer is empty (0 bytes of CSV)", status=200)
    if not data.endswith((b"\n", b"\r")):
        raise FeedFetchError(f"{shown}: truncated answer: the last line is cut (no end of line "
                             f"after {len(data):,} bytes)", status=200)
    lines = [line for line in _decode(data).splitlines() if line.strip()]
    header = _fields(lines[0])
    last = _fields(lines[-1])
    if len(lines) > 1 and len(last) < len(header):
        raise FeedFetchError(f"{shown}: truncated answer: the last line has {len(last)} of the "
                             f"header's {len(header)} fields", status=200)
    first = _fields(lines[1]) if len(lines) > 1 else []
    return CsvShape(header=[h.strip() for h in header], data_lines=len(lines) - 1, first_row=first)


def first_line(path: Path, limit: int = 300) -> str:
    """The start of the file's first line (for messages about what came instead of a CSV)."""
    with path.open("rb") as handle:
        head = handle.read(limit)
    text = _decode(head)
    return " ".join(io.StringIO(text).readline().split())
