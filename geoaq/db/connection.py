"""The DuckDB store: one file, the spatial extension loaded offline, forward migrations.

`load_spatial` is the only place that touches extension loading. The extension binary ships
inside the `duckdb-extension-spatial` wheel (same version as `duckdb`), so no download is
needed; `INSTALL spatial` is tried only when that wheel is missing.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from geoaq import config
from geoaq._errors import SpatialExtensionError
from geoaq.db.named import migration_files, query

Connection = duckdb.DuckDBPyConnection


def spatial_extension_file() -> Path | None:
    """Path of the spatial extension inside the installed wheel, or None when absent."""
    try:
        import duckdb_extension_spatial
    except ImportError:
        return None
    package_dir = Path(duckdb_extension_spatial.__file__).parent
    candidate = package_dir / "extensions" / f"v{duckdb.__version__}" / "spatial.duckdb_extension"
    return candidate if candidate.is_file() else None


def load_spatial(con: Connection) -> str:
    """Load the spatial extension into `con`; return where it came from ("wheel" or "install").

    Raises SpatialExtensionError naming both attempts when neither works, e.g. when the wheel's
    version differs from duckdb's and there is no network for `INSTALL spatial`.
    """
    wheel_file = spatial_extension_file()
    wheel_problem = (
        f"no spatial.duckdb_extension for duckdb {duckdb.__version__} in the "
        "duckdb-extension-spatial wheel (pin both packages to the same version)"
    )
    if wheel_file is not None:
        try:
            con.execute(f"LOAD '{wheel_file.as_posix()}'")
            return "wheel"
        except duckdb.Error as exc:
            wheel_problem = f"LOAD '{wheel_file}' failed: {exc}"
    try:
        con.execute("INSTALL spatial")
        con.execute("LOAD spatial")
        return "install"
    except duckdb.Error as exc:
        raise SpatialExtensionError(
            f"Cannot load the DuckDB spatial extension. From the wheel: {wheel_problem}. "
            f"INSTALL spatial (needs a network): {exc}"
        ) from exc


def connect(db: str | os.PathLike[str] | None = None, *, read_only: bool = False) -> Connection:
    """Open the geoaq database (see `config.db_path`), load spatial and apply migrations.

    A read-only connection skips migrations; use it where only reads happen so that other
    processes (the CLI) can still open the file.
    """
    path = config.db_path(db)
    if str(path) != ":memory:":
        path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path), read_only=read_only)
    try:
        load_spatial(con)
        if not read_only:
            migrate(con)
    except BaseException:
        con.close()
        raise
    return con


@contextmanager
def transaction(con: Connection) -> Iterator[Connection]:
    """Run a block in one transaction: commit on success, roll back on any exception."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


def schema_version(con: Connection) -> int:
    """The highest migration applied to this database (0 for a new file)."""
    exists = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_version'"
    ).fetchone()[0]
    if not exists:
        return 0
    return con.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchone()[0]


def migrate(con: Connection) -> int:
    """Apply pending forward migrations in order, each in its own transaction."""
    current = schema_version(con)
    for version, description, sql_text in migration_files():
        if version <= current:
            continue
        with transaction(con):
            con.execute(sql_text)
            con.execute(
                "INSERT INTO schema_version (version, description, applied_at) "
                "VALUES (?, ?, now())",
                [version, description],
            )
        current = version
    return current


_REFRESH_LOCKS: dict[str, threading.RLock] = {}
_REFRESH_LOCKS_GUARD = threading.Lock()


@contextmanager
def refresh_lock(con: Connection) -> Iterator[None]:
    """Hold this process's lock for refreshing derived tables of `con`'s database file.

    A derived table (a layer's cell cover, the fire events of some days) is checked and, if out
    of date, rebuilt in one transaction. DuckDB lets only one of two overlapping transactions
    that write the same table commit; the other fails with a write-write conflict. The app's
    sessions and its start-up computation share one process, and two of them may find the
    same table out of date at once: under this lock the second waits, then finds it current.
    (Other processes cannot write the file while this one has it open.)
    """
    path = con.execute(query("database_path")).fetchone()[0] or ":memory:"
    with _REFRESH_LOCKS_GUARD:
        lock = _REFRESH_LOCKS.setdefault(str(path), threading.RLock())
    with lock:
        yield
