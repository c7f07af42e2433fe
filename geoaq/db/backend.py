"""Where the data live: the embedded DuckDB file, or a DuckLake with a PostgreSQL catalog.

Both are DuckDB underneath, so every capability runs the same named SQL with the same spatial
functions on either; only how a connection is opened differs:

* **embedded** (the default; one machine, ``make run``): a DuckDB file. DuckDB lets one process
  write the file (or several only read it), so on a machine where the app runs, the app's
  server process owns it and the command line hands its work to the server
  (`geoaq.db.handoff`).
* **DuckLake** (a shared service: several app processes or hosts, feeds, the command line at
  once): ``GEOAQ_DB=ducklake:postgres:dbname=geoaq host=… user=…`` and ``GEOAQ_DATA_PATH`` (a
  directory, or ``s3://bucket/prefix/`` with ``GEOAQ_S3_*``). The catalog in PostgreSQL takes
  every process's commits; data are Parquet files. Writers commit concurrently and retry on a
  conflict (`geoaq.db.connection.write_attempts`); readers read a snapshot and never wait.
  DuckLake has no primary keys, unique constraints, sequences or indexes: geoaq's schema uses
  none, merges rows on their natural keys inside a transaction, and numbers rows from the
  ``counters`` table.

A process opens a DuckLake once (loading the extensions and attaching the catalog costs about
a second) and hands out cursors of that one DuckDB instance.
"""

from __future__ import annotations

import hashlib
import re
import threading
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

import duckdb

from geoaq import config
from geoaq._errors import ConfigError
from geoaq.db.named import run

DUCKLAKE = "ducklake:"
_PASSWORD = re.compile(r"(password\s*=\s*)(\S+)", re.IGNORECASE)


@dataclass(frozen=True)
class Database:
    """A database address, parsed."""

    address: str
    kind: str  # "duckdb" or "ducklake"
    path: Path | None = None  # the file (embedded)
    catalog: str | None = None  # "postgres:dbname=… host=…" (DuckLake)
    data_path: str | None = None  # the DuckLake's data files

    @property
    def embedded(self) -> bool:
        return self.kind == "duckdb"

    def describe(self) -> str:
        """The address for messages and logs: a catalog's password masked."""
        return mask(self.address)


def mask(text: str) -> str:
    """`text` with any ``password=…`` of a connection string masked."""
    return _PASSWORD.sub(r"\1***", text)


def database(address: str | Path | None = None) -> Database:
    """`address` (default: the configured one, `geoaq.config.database`) parsed."""
    text = config.database(address)
    if not text.startswith(DUCKLAKE):
        return Database(text, "duckdb", path=Path(text))
    catalog = text[len(DUCKLAKE):].strip()
    if not catalog.startswith("postgres:"):
        shown = mask(text)
        raise ConfigError(f"{shown}: a DuckLake catalog must be "
                          "postgres:<connection string> (e.g. ducklake:postgres:dbname=geoaq "
                          "host=127.0.0.1 user=geoaq)")
    data = config.data_path()
    if not data:
        raise ConfigError("GEOAQ_DATA_PATH is not set: a DuckLake needs a directory or an "
                          "s3:// prefix for its data files")
    if not data.startswith("s3://"):
        data = str(Path(data).expanduser().resolve())
    if not data.endswith("/"):
        data += "/"
    return Database(text, "ducklake", catalog=catalog, data_path=data)


# --- one DuckDB instance per process for every DuckLake it opens -----------------------------

@dataclass
class _Engine:
    """This process's DuckDB instance for DuckLakes (extensions loaded once: ~0.8 s) and the
    lakes attached to it, each under an alias of its own."""

    root: duckdb.DuckDBPyConnection
    aliases: dict[str, str]


_ENGINE: _Engine | None = None
_ENGINE_GUARD = threading.RLock()


def alias_of(target: Database) -> str:
    """The catalog name `target` is attached under in this process."""
    return "lake_" + hashlib.sha256(target.address.encode("utf-8")).hexdigest()[:12]


def lake_root(target: Database, start_engine, attach) -> tuple[duckdb.DuckDBPyConnection, str]:
    """(this process's DuckDB instance, the alias of `target` in it): the instance made by
    `start_engine()` the first time, `target` attached by `attach(root, target, alias)` the first
    time it is asked for (under a lock, so two threads never attach it twice)."""
    global _ENGINE
    with _ENGINE_GUARD:
        if _ENGINE is None:
            _ENGINE = _Engine(start_engine(), {})
        alias = _ENGINE.aliases.get(target.address)
        if alias is None:
            alias = alias_of(target)
            attach(_ENGINE.root, target, alias)
            _ENGINE.aliases[target.address] = alias
        return _ENGINE.root, alias


def forget_lake(address: str) -> None:
    """Detach one DuckLake from this process's instance (a test's lake, a server closing)."""
    with _ENGINE_GUARD:
        if _ENGINE is None or address not in _ENGINE.aliases:
            return
        detach(_ENGINE.root, _ENGINE.aliases.pop(address))


def detach(root: duckdb.DuckDBPyConnection, alias: str) -> None:
    """Detach `alias` from `root` (nothing if it is not attached)."""
    with suppress(duckdb.Error):
        run(root, "use_catalog", catalog="memory")
        run(root, "detach_catalog", catalog=alias)


def forget_lakes() -> None:
    """Close this process's DuckLake instance (tests; a server shutting down)."""
    global _ENGINE
    with _ENGINE_GUARD:
        if _ENGINE is not None:
            with suppress(duckdb.Error):
                _ENGINE.root.close()
        _ENGINE = None


def s3_needed(target: Database) -> bool:
    return bool(target.data_path and target.data_path.startswith("s3://"))


def check_s3(target: Database) -> config.S3Settings:
    """The S3 settings a DuckLake on s3:// needs, checked."""
    settings = config.s3_settings()
    missing = [name for name, value in (("GEOAQ_S3_KEY_ID", settings.key_id),
                                        ("GEOAQ_S3_SECRET", settings.secret)) if not value]
    if missing:
        raise ConfigError(f"GEOAQ_DATA_PATH={target.data_path} is on S3: set {', '.join(missing)}")
    return settings

