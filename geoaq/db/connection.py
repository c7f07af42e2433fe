"""The DuckDB connection: one file, extensions loaded offline, forward migrations,
transactions, and the lock for refreshing derived tables.

`load_extension` is the only place that loads a DuckDB extension. Each extension's binary
ships inside its PyPI wheel (``duckdb-extension-spatial`` and the like, same version as
``duckdb``), so nothing is downloaded: geoaq never runs ``INSTALL``.
"""

from __future__ import annotations

import importlib
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from geoaq import config
from geoaq._errors import ExtensionError, SpatialExtensionError
from geoaq.db.named import migrations, run

Connection = duckdb.DuckDBPyConnection


def extension_file(name: str) -> Path | None:
    """The file of DuckDB extension `name` (``spatial``, ``ducklake``, ``postgres_scanner``…)
    inside its PyPI wheel ``duckdb-extension-<name>``, or None when the wheel or the build for
    this duckdb version is absent."""
    try:
        package = importlib.import_module(f"duckdb_extension_{name}")
    except ImportError:
        return None
    candidate = (Path(package.__file__).parent / "extensions" / f"v{duckdb.__version__}"
                 / f"{name}.duckdb_extension")
    return candidate if candidate.is_file() else None


def spatial_extension_file() -> Path | None:
    """Path of the spatial extension inside the installed wheel, or None when absent."""
    return extension_file("spatial")


def load_extension(con: Connection, name: str) -> str:
    """Load DuckDB extension `name` into `con` from its PyPI wheel; returns "wheel".

    The one way geoaq loads an extension: never ``INSTALL`` (a download from
    extensions.duckdb.org, which an intranet cannot reach and geoaq must not depend on).
    Raises `ExtensionError` (`SpatialExtensionError` for spatial) saying which wheel to
    install when it cannot.
    """
    error = SpatialExtensionError if name == "spatial" else ExtensionError
    wheel = f"duckdb-extension-{name.replace('_', '-')}"
    file = spatial_extension_file() if name == "spatial" else extension_file(name)
    if file is None:
        raise error(
            f"Cannot load the DuckDB {name} extension. From the wheel: no {name}.duckdb_extension "
            f"for duckdb {duckdb.__version__} in the {wheel} wheel: install {wheel}=={duckdb.__version__} "
            f"(pin it to duckdb's version); geoaq never downloads extensions (no INSTALL {name})")
    try:
        con.load_extension(file.as_posix())
    except duckdb.Error as exc:
        raise error(f"Cannot load the DuckDB {name} extension from {file}: {exc}") from exc
    return "wheel"


def load_spatial(con: Connection) -> str:
    """Load the spatial extension into `con` (see `load_extension`)."""
    return load_extension(con, "spatial")


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
    con.begin()
    try:
        yield con
    except BaseException:
        con.rollback()
        raise
    con.commit()


def schema_version(con: Connection) -> int:
    """The highest migration applied to this database (0 for a new file)."""
    if not run(con, "schema_version_exists").fetchone()[0]:
        return 0
    return run(con, "schema_version_current").fetchone()[0]


def migrate(con: Connection) -> int:
    """Apply pending forward migrations in order, each in its own transaction."""
    current = schema_version(con)
    for version, description, name in migrations():
        if version <= current:
            continue
        with transaction(con):
            run(con, name)
            run(con, "schema_version_record", [version, description])
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
    path = run(con, "database_path").fetchone()[0] or ":memory:"
    with _REFRESH_LOCKS_GUARD:
        lock = _REFRESH_LOCKS.setdefault(str(path), threading.RLock())
    with lock:
        yield
