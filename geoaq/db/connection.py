"""Connections to the geoaq database (an embedded DuckDB file or a DuckLake, see
`geoaq.db.backend`): extensions loaded offline, forward migrations, transactions that join an
open one, writes retried on a conflict, and the lock for refreshing derived tables.

`load_extension` is the only place that loads a DuckDB extension. Each extension's binary
ships inside its PyPI wheel (``duckdb-extension-spatial`` and the like, same version as
``duckdb``), so nothing is downloaded: geoaq never runs ``INSTALL``.

Waiting and retrying use tenacity: a command that finds the database file held by another
process waits for it (``GEOAQ_LOCK_WAIT_S``, saying whom it waits for); a write that loses a
conflict to a concurrent one is rolled back and run again (`write_attempts`).
"""

from __future__ import annotations

import importlib
import logging
import os
import re
import threading
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import duckdb
import tenacity

from geoaq import config
from geoaq._errors import (
    DatabaseBusyError,
    DatabaseUnavailableError,
    ExtensionError,
    QueryError,
    SpatialExtensionError,
)
from geoaq.db import backend, versions
from geoaq.db.named import Fragment, literal, migrations, run

LOG = logging.getLogger(__name__)

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


def connect(db: str | os.PathLike[str] | None = None, *, read_only: bool = False,
            on_wait: Callable[[str], None] | None = None) -> Connection:
    """A connection to the geoaq database (`backend.database`: `db`, else ``GEOAQ_DB``),
    with spatial loaded and migrations applied.

    Embedded: the file is opened (created when missing); when another process holds it, this
    waits up to ``GEOAQ_LOCK_WAIT_S`` seconds, calling `on_wait` (default: a log warning)
    with what it waits for, then raises `DatabaseBusyError`. A read-only connection skips
    migrations. DuckLake: a cursor of this process's one DuckDB instance with the lake
    attached (`read_only` is not needed there: readers never block writers).
    """
    target = backend.database(db)
    if not target.embedded:
        return _lake_cursor(target)
    return _connect_file(target.path, read_only, on_wait or _log_wait)


def _connect_file(path: Path, read_only: bool, on_wait: Callable[[str], None]) -> Connection:
    if str(path) != ":memory:":
        path.parent.mkdir(parents=True, exist_ok=True)
    con = _open_file(path, read_only, on_wait)
    if str(path) != ":memory:":
        versions.track_file(con, path)
    try:
        load_spatial(con)
        if not read_only:
            migrate(con)
            ensure_claims(con, *_claimed_tables())
    except BaseException:
        con.close()
        raise
    return con


def exists(db: str | os.PathLike[str] | None = None) -> bool:
    """Whether the database exists yet: the file, or (a DuckLake) always — opening it makes it."""
    target = backend.database(db)
    return target.path.exists() if target.embedded else True


def data_versions(db: str | os.PathLike[str] | None = None) -> versions.Versions:
    """The database's versions, table by table (`geoaq.db.versions`): caches key on the
    tables they read, so that a write refreshes only what read what it wrote."""
    target = backend.database(db)
    if target.embedded:
        return versions.file_versions(target.path)
    with _lake_cursor(target) as con:
        return versions.lake_versions(con, backend.alias_of(target))


def data_version(db: str | os.PathLike[str] | None = None) -> tuple[int, ...]:
    """A key that changes whenever anything is written to the database."""
    found = data_versions(db)
    return found.of(found.tables)


def _held_elsewhere(exc: BaseException) -> bool:
    return isinstance(exc, duckdb.IOException) and "lock" in str(exc).lower()


def holder(exc: BaseException) -> str:
    """Who holds the file, from DuckDB's lock error ("PID 1234" and its program)."""
    found = _HOLDER.search(str(exc))
    return f"{found['program']} (PID {found['pid']})" if found else "another process"


_HOLDER = re.compile(r"held in (?P<program>\S+) \(PID (?P<pid>\d+)\)")


def _open_file(path: Path, read_only: bool, on_wait: Callable[[str], None]) -> Connection:
    """`duckdb.connect(path)`, waiting while another process holds the file."""
    wait_s = config.lock_wait_s()

    def waiting(state: tenacity.RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        if state.attempt_number == 1 or state.attempt_number % 20 == 0:
            on_wait(f"{path}: held by {holder(exc)}; waiting (at most {wait_s:.0f} s)")

    try:
        for attempt in tenacity.Retrying(
                retry=tenacity.retry_if_exception(_held_elsewhere),
                stop=tenacity.stop_after_delay(wait_s), wait=tenacity.wait_fixed(0.25),
                before_sleep=waiting, reraise=True):
            with attempt:
                return duckdb.connect(str(path), read_only=read_only)
    except duckdb.IOException as exc:
        if _held_elsewhere(exc):
            raise DatabaseBusyError(
                f"{path} is held by {holder(exc)} and was not released within {wait_s:.0f} s "
                "(GEOAQ_LOCK_WAIT_S); on a machine where the app runs, the app's server owns "
                "the database: run the command there again once it is up, or use a DuckLake "
                "for several writers") from None
        raise
    raise AssertionError("unreachable")  # pragma: no cover (Retrying returns or raises)


def _log_wait(message: str) -> None:
    LOG.warning("geoaq: %s", message)


def _lake_cursor(target: backend.Database) -> Connection:
    root, alias = backend.lake_root(target, _start_engine, _attach_lake)
    cursor = root.cursor()
    run(cursor, "use_catalog", catalog=alias)
    return cursor


def _start_engine() -> Connection:
    """The DuckDB instance of this process's DuckLakes, with their extensions loaded."""
    con = duckdb.connect()
    try:
        for name in ("spatial", "postgres_scanner", "ducklake"):
            load_extension(con, name)
    except BaseException:
        con.close()
        raise
    return con


def _attach_lake(root: Connection, target: backend.Database, alias: str) -> None:
    """Attach `target`'s DuckLake to `root` as `alias`, migrated; small writes (statuses,
    feed runs, counters) are kept in the catalog, not as one Parquet file each."""
    if backend.s3_needed(target):
        settings = backend.check_s3(target)
        load_extension(root, "httpfs")
        run(root, "s3_secret", endpoint=literal(settings.endpoint or "s3.amazonaws.com"),
            key_id=literal(settings.key_id), secret=literal(settings.secret),
            region=literal(settings.region), use_ssl=Fragment("true" if settings.use_ssl else "false"))
    try:
        run(root, "ducklake_attach", catalog=literal(f"ducklake:{target.catalog}"), alias=alias,
            data_path=literal(target.data_path))
    except duckdb.Error as exc:
        raise DatabaseUnavailableError(
            f"cannot open the DuckLake {target.describe()} (data in {target.data_path}): "
            f"{backend.mask(str(exc.__cause__ or exc))}") from None
    con = root.cursor()
    try:
        run(con, "use_catalog", catalog=alias)
        migrate(con)
        ensure_claims(con, *_claimed_tables())
    except BaseException:
        con.close()
        backend.detach(root, alias)
        raise
    con.close()


def _claimed_tables() -> list[str]:
    """The tables merged on natural keys: every registry layer, and the readings."""
    from geoaq.layers import load_registry  # the registry reads files: only when connecting

    return [*load_registry(), "readings"]


_OPEN: weakref.WeakSet[Connection] = weakref.WeakSet()


@contextmanager
def transaction(con: Connection) -> Iterator[Connection]:
    """Run a block in one transaction: commit on success, roll back on any exception. Inside
    another `transaction` on the same connection, the block joins it (the outer one commits)."""
    if con in _OPEN:
        yield con
        return
    con.begin()
    _OPEN.add(con)
    versions.transaction_began(con)
    try:
        yield con
    except BaseException:
        _OPEN.discard(con)
        versions.transaction_rolled_back(con)
        with suppress(duckdb.Error):
            con.rollback()
        raise
    _OPEN.discard(con)
    try:
        con.commit()
    except BaseException:
        versions.transaction_rolled_back(con)
        raise
    versions.transaction_committed(con)


def in_transaction(con: Connection) -> bool:
    """Whether a `transaction` is open on `con`."""
    return con in _OPEN


def is_conflict(exc: BaseException) -> bool:
    """Whether `exc` (or its cause) is a lost write-write conflict: the work may be run again
    on a fresh snapshot. DuckDB reports conflicting updates of the same rows; DuckLake a commit
    that conflicts with one committed meanwhile."""
    while exc is not None:
        if isinstance(exc, duckdb.TransactionException):
            text = str(exc).lower()
            if "conflict" in text or "failed to commit" in text:
                return True
        exc = exc.__cause__
    return False


def write_attempts(con: Connection, attempts: int = 12) -> tenacity.Retrying:
    """Attempts of a write on `con` that a concurrent one may make conflict: retried (after a
    short, jittered back-off) only for a conflict, at most `attempts` times; once when `con`
    is inside a caller's transaction (a conflict aborts that, so the caller retries)::

        for attempt in write_attempts(con):
            with attempt, transaction(con):
                ...
    """
    if in_transaction(con):
        attempts = 1
    return tenacity.Retrying(retry=tenacity.retry_if_exception(is_conflict),
                             stop=tenacity.stop_after_attempt(attempts),
                             wait=tenacity.wait_random_exponential(multiplier=0.05, max=2.0),
                             reraise=True)


_COUNTER_NAME = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*(:[a-z][a-z0-9]*(_[a-z0-9]+)*)?$")


def counter_table(name: str) -> str:
    """The table of counter `name` (``ingest``, ``claim:readings``…): ``counter_`` + the name,
    ``:`` as ``__``. One table per counter, because a DuckLake makes two transactions that
    write one table conflict whatever rows they touch: counters sharing a table would make
    every write conflict with every other, and a long load lose to each short status change."""
    if not _COUNTER_NAME.match(name):
        raise QueryError(f"not a counter name: {name!r} (expected word or claim:word, lower case)",
                         name="counter_add", params=[name])
    return "counter_" + name.replace(":", "__")


def _ensure_counter(con: Connection, name: str) -> str:
    """Make counter `name`'s table exist (seeded from the shared counters table); returns it.
    Inside a caller's transaction the table is made there (a concurrent maker conflicts and
    the caller runs again); else in its own, retried."""
    table = counter_table(name)
    if run(con, "table_columns", [table]).fetchall():
        return table
    for attempt in write_attempts(con):
        with attempt, transaction(con):
            run(con, "counter_create", table=table)
            run(con, "counter_seed", [name], table=table)
    return table


def ensure_claims(con: Connection, *names: str) -> None:
    """Make the claims of `names` exist; before (outside) the transaction that claims them."""
    for name in sorted(set(names)):
        _ensure_counter(con, f"claim:{name}")


def claim(con: Connection, *names: str) -> None:
    """Inside a transaction: claim `names` (tables, or any name) for this writer, so that a
    concurrent transaction claiming one of them conflicts (and `write_attempts` runs it again
    on a fresh snapshot). What natural-key merges need where nothing (DuckLake) enforces keys;
    call `ensure_claims` first."""
    for name in sorted(set(names)):
        run(con, "counter_add", [1], table=_ensure_counter(con, f"claim:{name}"))


def next_ids(con: Connection, counter: str, count: int = 1) -> int:
    """Inside a transaction: reserve `count` numbers of `counter` (``ingest``, ``reject``,
    ``fire_status_change``…); returns the first. Concurrent reservations of one counter
    conflict, so numbers are never given twice; different counters never conflict."""
    table = _ensure_counter(con, counter)
    run(con, "counter_add", [count], table=table)
    return int(run(con, "counter_value", table=table).fetchone()[0]) - count + 1


def schema_version(con: Connection) -> int:
    """The highest migration applied to this database (0 for a new file)."""
    if not run(con, "schema_version_exists").fetchone()[0]:
        return 0
    return run(con, "schema_version_current").fetchone()[0]


def migrate(con: Connection) -> int:
    """Apply pending forward migrations in order, each in its own transaction (another process
    migrating the same DuckLake at once makes one of them conflict: it runs again and finds the
    migration applied)."""
    pending = migrations()
    if _applied(con) >= {version for version, _, _ in pending}:
        return schema_version(con)
    for version, description, name in pending:
        for attempt in write_attempts(con):
            with attempt, transaction(con):
                if version not in _applied(con):  # also one numbered below a later one applied
                    run(con, name)
                    run(con, "schema_version_record", [version, description])
    return schema_version(con)


def _applied(con: Connection) -> set[int]:
    """The versions of the migrations applied to this database."""
    if not run(con, "schema_version_exists").fetchone()[0]:
        return set()
    return {row[0] for row in run(con, "schema_version_applied").fetchall()}


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
