"""Named SQL: one query per `.sql` file in this directory, migrations under `migrations/`.

Values always travel as bound parameters (`?`). A few queries work on any layer table; their
text holds `{table}`-style placeholders that only accept identifiers checked by `identifier`
(table and column names come from the layer registry, never from user input).
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from geoaq._errors import QueryError, UnsafeIdentifierError

SQL_DIR = Path(__file__).parent / "sql"
_IDENTIFIER = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
_MIGRATION = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


def identifier(name: str) -> str:
    """Return `name` double-quoted after checking it is a plain lower-case identifier."""
    if not _IDENTIFIER.match(name):
        raise UnsafeIdentifierError(f"not a safe SQL identifier: {name!r} (expected [a-z][a-z0-9_]*)")
    return f'"{name}"'


@cache
def _text(name: str) -> str:
    path = SQL_DIR / f"{name}.sql"
    if not path.is_file():
        known = sorted(p.stem for p in SQL_DIR.glob("*.sql"))
        raise QueryError(f"no named query {name!r}; known: {', '.join(known)}")
    return path.read_text(encoding="utf-8")


class Fragment(str):
    """SQL text assembled only from checked identifiers (never from values or user text)."""


def identifier_list(names: list[str] | tuple[str, ...], prefix: str = "") -> Fragment:
    """`a, b, c` (or `s.a, s.b, s.c` with a prefix), each name checked."""
    return Fragment(", ".join(f"{prefix}{identifier(n)}" for n in names))


def all_equal(names: list[str] | tuple[str, ...], left: str, right: str,
              null_safe: bool = False) -> Fragment:
    """`left.a = right.a AND ...`; with null_safe, `IS NOT DISTINCT FROM`."""
    operator = "IS NOT DISTINCT FROM" if null_safe else "="
    identifier(left.lower())
    identifier(right.lower())
    return Fragment(" AND ".join(
        f"{left}.{identifier(n)} {operator} {right}.{identifier(n)}" for n in names
    ) or "TRUE")


def query(name: str, **parts: str) -> str:
    """The text of named query `name` with `{placeholders}` filled.

    A plain string is checked as an identifier; a `Fragment` is inserted as it is.
    """
    text = _text(name)
    if not parts:
        return text
    filled = {k: v if isinstance(v, Fragment) else identifier(v) for k, v in parts.items()}
    return text.format(**filled)


def migration_files() -> list[tuple[int, str, str]]:
    """(version, description, sql) of every migration, in version order."""
    found = []
    for path in sorted((SQL_DIR / "migrations").glob("*.sql")):
        match = _MIGRATION.match(path.name)
        if not match:
            raise ValueError(f"migration file name must be NNNN_description.sql: {path.name}")
        found.append(
            (int(match.group(1)), match.group(2).replace("_", " "), path.read_text("utf-8"))
        )
    return found
