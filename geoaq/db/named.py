"""Named SQL: one query per file in ``geoaq/db/sql/``, migrations under ``sql/migrations/``.

Every statement geoaq sends to the database goes through `run`: a query's name, its bound
parameters (``?``; values never enter the SQL text) and, for the few queries that work on any
layer table, identifiers and fragments for their ``{table}``-style placeholders. A failure
raises `QueryError`, which names the query and shows its parameters. Identifiers are checked
by `identifier` (table and column names come from the layer registry, never from user text);
`identifier_list`, `all_equal` and `assignments` build the only fragments there are.

    run(con, "readings_range", [start, end, codes, codes]).df()
    run(con, "layer_count", table=spec.name).fetchone()
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any

import duckdb

from geoaq._errors import QueryError, UnsafeIdentifierError

SQL_DIR = Path(__file__).parent / "sql"
_IDENTIFIER = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
_NAME = re.compile(r"^(migrations/)?[a-z0-9][a-z0-9_]*$")
_SHOWN = 300  # characters of the parameters a failure shows
#: called with (connection, SQL text) after each statement that ran (`geoaq.db.versions`)
_AFTER: list[Callable[[duckdb.DuckDBPyConnection, str], None]] = []


def after_statement(hook: Callable[[duckdb.DuckDBPyConnection, str], None]) -> None:
    """Call `hook(con, sql)` after every statement `run` executes without error."""
    if hook not in _AFTER:
        _AFTER.append(hook)
_MIGRATION = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


def identifier(name: str) -> str:
    """Return `name` double-quoted after checking it is a plain lower-case identifier."""
    if not _IDENTIFIER.match(name):
        raise UnsafeIdentifierError(f"not a safe SQL identifier: {name!r} (expected [a-z][a-z0-9_]*)")
    return f'"{name}"'


@cache
def _text(name: str) -> str:
    path = SQL_DIR / f"{name}.sql"
    if not _NAME.match(name) or not path.is_file():
        known = sorted(p.stem for p in SQL_DIR.glob("*.sql"))
        raise QueryError(f"no named query {name!r}; known: {', '.join(known)}")
    return path.read_text(encoding="utf-8")


class Fragment(str):
    """SQL text assembled only from checked identifiers (never from values or user text)."""


def literal(value: str) -> Fragment:
    """`value` as a SQL string literal, quotes doubled: for the few statements DuckDB cannot
    bind parameters in (``ATTACH``, ``CREATE SECRET``), whose values come from configuration."""
    if "\x00" in value:
        raise UnsafeIdentifierError("a NUL character cannot be in a SQL literal")
    return Fragment("'" + value.replace("'", "''") + "'")


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


def assignments(names: list[str] | tuple[str, ...], source: str) -> Fragment:
    """`"a" = t."a", "b" = t."b"` (an UPDATE's SET list from table alias `source`), each name
    checked."""
    identifier(source.lower())
    return Fragment(", ".join(f"{identifier(n)} = {source}.{identifier(n)}" for n in names))


def query(name: str, **parts: str) -> str:
    """The text of named query `name` with `{placeholders}` filled.

    A plain string is checked as an identifier; a `Fragment` is inserted as it is.
    """
    text = _text(name)
    if not parts:
        return text
    filled = {k: v if isinstance(v, Fragment) else identifier(v) for k, v in parts.items()}
    return text.format(**filled)


def run(con: duckdb.DuckDBPyConnection, name: str,
        params: Sequence[Any] | Mapping[str, Any] | None = None,
        **parts: str) -> duckdb.DuckDBPyConnection:
    """Execute named query `name` on `con` with bound `params` and its placeholders filled
    from `parts` (see `query`); returns `con` for ``fetchone()``, ``df()`` and the like.

    A failure raises `QueryError` (also a ``duckdb.Error``) naming the query and its parameters,
    with DuckDB's error as its cause.
    """
    sql = query(name, **parts)
    try:
        result = con.execute(sql) if params is None else con.execute(sql, params)
    except duckdb.Error as exc:
        raise QueryError(f"query {name!r} failed with parameters {_shown(params)}: {exc}",
                         name=name, params=params) from exc
    for hook in _AFTER:
        hook(con, sql)
    return result


def _shown(params: Sequence[Any] | Mapping[str, Any] | None) -> str:
    """`params` for a message: none, or their repr cut to a readable length."""
    if params is None:
        return "(none)"
    text = repr(list(params) if isinstance(params, tuple) else params)
    return text if len(text) <= _SHOWN else text[:_SHOWN - 3] + "..."


def migrations() -> list[tuple[int, str, str]]:
    """(version, description, name for `run`) of every migration, in version order."""
    return [(version, description, f"migrations/{stem}")
            for version, description, stem in _migration_stems()]


def _migration_stems() -> list[tuple[int, str, str]]:
    found = []
    for path in sorted((SQL_DIR / "migrations").glob("*.sql")):
        match = _MIGRATION.match(path.name)
        if not match:
            raise ValueError(f"migration file name must be NNNN_description.sql: {path.name}")
        found.append((int(match.group(1)), match.group(2).replace("_", " "), path.stem))
    versions = [version for version, _, _ in found]
    twice = sorted({f"{v:04d}" for v in versions if versions.count(v) > 1})
    if twice:  # the second of a number would never run: a database records versions, not files
        raise ValueError(f"two migrations share the number {', '.join(twice)}: renumber one of them")
    return found
