"""Versions of the data, table by table: what the app's caches key on, so that a write refreshes
only what read the tables it wrote.

Why: a reviewer's status change writes one row of ``fire_event_status_history``; keyed on the
whole database, every page of every session would recompute its readings, layers and
evaluations after each such click. Keyed on the tables a loader reads, only the fire events
refresh.

* **Embedded file.** Every statement goes through `geoaq.db.named.run`, which tells
  `note_statement` what it wrote; the tables' counters move when the write commits
  (`transaction_committed`, or at once outside a transaction). A write by another process is
  seen as a change of the file's modification time that this process did not make: then every
  table counts as changed (`Versions.generation`).
* **DuckLake.** Writers are other processes too, so the catalog says: each snapshot lists the
  tables it changed (``ducklake_snapshot_changes``); the snapshots since the last look are read
  (a few rows) and each table keeps the last snapshot that changed it. A table created or
  dropped moves the generation.
"""

from __future__ import annotations

import re
import threading
import weakref
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from geoaq.db.named import Fragment, after_statement, run

Connection = duckdb.DuckDBPyConnection
_ALIAS = re.compile(r"^lake_[0-9a-f]+$")

_WRITES = re.compile(
    r"^\s*(?:insert\s+(?:or\s+\w+\s+)?into|update|delete\s+from|truncate(?:\s+table)?"
    r"|create\s+(?:or\s+replace\s+)?(?:temp(?:orary)?\s+)?table(?:\s+if\s+not\s+exists)?"
    r"|drop\s+table(?:\s+if\s+exists)?|alter\s+table)\s+\"?([a-z_][a-z0-9_]*)\"?",
    re.IGNORECASE | re.MULTILINE)
_COMMENT = re.compile(r"--[^\n]*")
_TABLE_ID = re.compile(r"^(?P<kind>[a-z_]+):(?P<id>\d+)$")


def written_tables(sql: str) -> set[str]:
    """The tables the statements of `sql` write (insert, update, delete, create, drop, alter)."""
    return {name.lower() for name in _WRITES.findall(_COMMENT.sub("", sql))}


@dataclass(frozen=True)
class Versions:
    """The data's versions: `generation` moves when anything may have changed at once (another
    process wrote the file, a table was created or dropped); `tables` maps a table to a number
    that moves with each committed write of it."""

    generation: int
    tables: dict[str, int] = field(default_factory=dict)

    def of(self, names: Iterable[str]) -> tuple[int, ...]:
        """A hashable key that changes when any of `names` (or the generation) changes."""
        return (self.generation, *(self.tables.get(name, 0) for name in sorted(set(names))))


# --- embedded files: writes made in this process ----------------------------------------------

@dataclass
class _FileState:
    generation: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    stamp: float | None = None  # the file's time after this process's last write


_GUARD = threading.Lock()
_FILES: dict[Path, _FileState] = {}
_FILE_OF: weakref.WeakKeyDictionary[Connection, Path] = weakref.WeakKeyDictionary()
_PENDING: weakref.WeakKeyDictionary[Connection, set[str]] = weakref.WeakKeyDictionary()


def file_stamp(path: Path) -> float:
    """The database file's and its WAL's modification times, summed (0 when missing)."""
    total = 0.0
    for part in (path, path.with_name(path.name + ".wal")):
        try:
            total += part.stat().st_mtime
        except FileNotFoundError:
            continue
    return total


def track_file(con: Connection, path: Path) -> None:
    """Count the writes made through `con`, a connection to the file at `path`."""
    _FILE_OF[con] = path.resolve()


def note_statement(con: Connection, sql: str) -> None:
    """After `sql` ran on `con`: its written tables count now, or when the open transaction commits."""
    path = _FILE_OF.get(con)
    if path is None:
        return
    tables = written_tables(sql)
    if not tables:
        return
    pending = _PENDING.get(con)
    if pending is not None:
        pending |= tables
    else:
        _count(path, tables)


def transaction_began(con: Connection) -> None:
    if con in _FILE_OF:
        _PENDING[con] = set()


def transaction_committed(con: Connection) -> None:
    tables = _PENDING.pop(con, None)
    if tables:
        _count(_FILE_OF[con], tables)


def transaction_rolled_back(con: Connection) -> None:
    _PENDING.pop(con, None)


def _count(path: Path, tables: set[str]) -> None:
    with _GUARD:
        state = _FILES.setdefault(path, _FileState())
        for table in tables:
            state.counts[table] = state.counts.get(table, 0) + 1
        state.stamp = file_stamp(path)


def file_versions(path: Path) -> Versions:
    """The versions of the file at `path` as this process knows them."""
    path = path.resolve()
    stamp = file_stamp(path)
    with _GUARD:
        state = _FILES.setdefault(path, _FileState())
        if state.stamp != stamp:  # written by another process (or first asked): all may differ
            state.generation += 1
            state.stamp = stamp
        return Versions(state.generation, dict(state.counts))


# --- DuckLake: the catalog's snapshots ---------------------------------------------------------

@dataclass
class _LakeState:
    seen: int = -1
    generation: int = 0
    names: dict[int, str] = field(default_factory=dict)
    tables: dict[str, int] = field(default_factory=dict)


_LAKES: dict[str, _LakeState] = {}


def lake_versions(con: Connection, alias: str) -> Versions:
    """The versions of the DuckLake attached as `alias` (`con` a cursor of its instance), from
    the snapshots committed since the last call."""
    if not _ALIAS.match(alias):
        raise ValueError(f"not a DuckLake alias of geoaq's: {alias!r}")
    with _GUARD:
        state = _LAKES.setdefault(alias, _LakeState())
        metadata = Fragment(f'"__ducklake_metadata_{alias}"')
        changes = run(con, "lake_changes_since", [state.seen], metadata=metadata).fetchall()
        for snapshot, made in changes:
            for token in (made or "").split(","):
                match = _TABLE_ID.match(token.strip())
                if match and match["kind"] not in {"dropped_table"}:
                    table_id = int(match["id"])
                    if table_id not in state.names:
                        state.names = dict(run(con, "lake_table_names", metadata=metadata).fetchall())
                    name = state.names.get(table_id)
                    if name is not None:
                        state.tables[name] = snapshot
                elif token.strip():  # a schema, or a table created, dropped or renamed
                    state.generation = snapshot
            state.seen = max(state.seen, snapshot)
        return Versions(state.generation, dict(state.tables))


def forget(alias: str | None = None) -> None:
    """Forget what is known of one DuckLake (or of everything): for tests that drop catalogs."""
    with _GUARD:
        if alias is None:
            _LAKES.clear()
            _FILES.clear()
        else:
            _LAKES.pop(alias, None)


after_statement(note_statement)
