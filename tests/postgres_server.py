"""A PostgreSQL server for the tests, started on a loopback port in a temporary directory.

Debian's ``postgresql`` package (installed by ``make test`` like chromium): ``initdb`` makes a
cluster owned by the current user — by ``postgres`` when the tests run as root, since
PostgreSQL refuses to run as root — and ``pg_ctl`` starts it listening on 127.0.0.1 only, with
trust authentication (nothing but this machine's loopback reaches it). One server serves the
whole test run; each DuckLake test gets a database of its own, copied from a migrated
template (``CREATE DATABASE … TEMPLATE``), so it starts empty in ~0.2 s.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

USER = "geoaq"


def binary(name: str) -> str | None:
    """A PostgreSQL program: on PATH, else in Debian's versioned folder."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return candidates[-1] if candidates else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _as_owner(command: list[str]) -> list[str]:
    """`command` run as ``postgres`` when we are root (PostgreSQL refuses root)."""
    if os.geteuid() != 0:
        return command
    return ["runuser", "-u", "postgres", "--", *command]


@dataclass
class PostgresServer:
    directory: Path
    port: int

    def dsn(self, database: str) -> str:
        """A libpq connection string for `database` (the form DuckLake's catalog takes)."""
        return f"dbname={database} host=127.0.0.1 port={self.port} user={USER}"

    def sql(self, statement: str, database: str = "postgres") -> str:
        """Run one statement with psql (outside a transaction: CREATE/DROP DATABASE)."""
        result = subprocess.run(
            [binary("psql") or "psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", USER, "-d",
             database, "-v", "ON_ERROR_STOP=1", "-qAt", "-c", statement],
            capture_output=True, text=True, timeout=60)
        if result.returncode != 0:
            raise RuntimeError(f"psql {statement!r}: {result.stderr.strip()}")
        return result.stdout.strip()

    def stop(self) -> None:
        subprocess.run(_as_owner([binary("pg_ctl") or "pg_ctl", "-D", str(self.directory / "data"),
                                  "-m", "immediate", "stop"]), capture_output=True, timeout=60)


def _run(command: list[str]) -> None:
    result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)}: {result.stderr.strip() or result.stdout.strip()}")


def start(directory: Path) -> PostgresServer:
    """initdb + pg_ctl start in `directory`; raises RuntimeError naming what is missing."""
    initdb, pg_ctl = binary("initdb"), binary("pg_ctl")
    if not initdb or not pg_ctl or not binary("psql"):
        raise RuntimeError("PostgreSQL is not installed (Debian package postgresql: `make test` "
                           "installs it)")
    directory.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        shutil.chown(directory, "postgres")
    data = directory / "data"
    _run(_as_owner([initdb, "-D", str(data), "-U", USER, "--auth=trust", "-E", "UTF8", "--locale=C"]))
    port = _free_port()
    options = f"-p {port} -k {directory} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200"
    _run(_as_owner([pg_ctl, "-D", str(data), "-o", options, "-l", str(directory / "log"), "-w", "start"]))
    server = PostgresServer(directory, port)
    deadline = time.monotonic() + 30
    while True:
        try:
            server.sql("SELECT 1")
            return server
        except RuntimeError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
