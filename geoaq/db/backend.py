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

import re
import threading
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

import duckdb

from geoaq import config
from geoaq._errors import ConfigError

DUCKLAKE = "ducklake:"
#: the name the attached DuckLake has in every connection
CATALOG_ALIAS = "geoaq"
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


# --- opening a DuckLake once per process ----------------------------------------------------

_LAKES: dict[str, duckdb.DuckDBPyConnection] = {}
_LAKES_GUARD = threading.Lock()


def lake_root(target: Database, open_lake) -> duckdb.DuckDBPyConnection:
    """This process's DuckDB instance with `target` attached, opened by `open_lake(target)` the
    first time (under a lock, so two threads never attach it twice)."""
    with _LAKES_GUARD:
        root = _LAKES.get(target.address)
        if root is None:
            root = open_lake(target)
            _LAKES[target.address] = root
        return root


def forget_lakes() -> None:
    """Close every DuckLake this process opened (tests; a server shutting down)."""
    with _LAKES_GUARD:
        for root in _LAKES.values():
            with suppress(duckdb.Error):
                root.close()
        _LAKES.clear()


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

