"""Shared fixtures: test data, a fresh database per test, the registry, and no network.

* ``helpers.DATA``: the small real files in ``tests/data/`` (see its README);
* ``db_path``: a DuckDB file in ``tmp_path`` (not created); ``migrated_db``: the same path
  holding an empty migrated database; ``con``: a connection to that — or, for the tests of
  the modules in `BOTH_BACKENDS`, run twice: on that file and on a DuckLake of its own
  (``lake``: a PostgreSQL catalog on the run's own server, ``postgres``, started on loopback);
* ``registry``: the project's six layers, read from ``layers/``;
* ``demo_template``: the Luoyang demo database, built once per run (never written);
  ``demo_db``: a copy of it for one test, which the app opens through ``GEOAQ_DB``;
* every test runs without ``GEOAQ_DB``/``GEOAQ_LAYERS_DIR``/``GEOAQ_SITE_DIR`` from the
  developer's shell and with outbound network refused (loopback stays open for the browser
  tests' local server), so nothing can depend on a download: the spatial extension must come
  from the wheel.
"""

from __future__ import annotations

import itertools
import os
import shutil
import socket
import tempfile
from collections.abc import Iterator
from pathlib import Path

import postgres_server
import pytest
from helpers import LAYERS_DIR

from geoaq import layers
from geoaq.db import backend
from geoaq.db import connection as db

#: test modules whose tests taking ``con`` (and no database file of their own) run on both
#: storage backends: the storage, ingest, fire-event, verification and concurrency tests
BOTH_BACKENDS = {
    "tests/db/test_cellcover.py", "tests/db/test_backends.py", "tests/db/test_kill.py", "tests/ingest/test_layer.py",
    "tests/ingest/test_firms.py", "tests/ingest/test_readings.py", "tests/ingest/test_live_release.py",
    "tests/fires/test_events.py", "tests/fires/test_check.py", "tests/fires/test_verification.py",
    "tests/accounts/test_store.py", "tests/db/test_versions.py",
}
FILE_FIXTURES = {"db_path", "migrated_db", "demo_db"}
ROOT = Path(__file__).resolve().parents[1]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run `BOTH_BACKENDS`' tests of ``con`` on the embedded file and on a DuckLake."""
    module = Path(str(metafunc.definition.path)).resolve().relative_to(ROOT).as_posix()
    names = set(metafunc.fixturenames)
    chosen = any("backend_kind" in str(mark.args[0]) for mark in metafunc.definition.iter_markers("parametrize"))
    if module in BOTH_BACKENDS and names & {"con", "address"} and not names & FILE_FIXTURES and not chosen:
        metafunc.parametrize("backend_kind", ["duckdb", "ducklake"], indirect=True)


@pytest.fixture
def backend_kind(request: pytest.FixtureRequest) -> str:
    """The storage backend of ``con``: "duckdb" unless the test is parametrized."""
    return getattr(request, "param", "duckdb")


class NetworkBlocked(RuntimeError):
    """A test tried to reach the network."""


def _is_local(address) -> bool:
    if isinstance(address, (str, bytes)):  # AF_UNIX path
        return True
    host = address[0] if isinstance(address, tuple) and address else address
    return host in {"localhost", "127.0.0.1", "::1", "0.0.0.0", ""} or str(host).startswith("127.")


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Refuse outbound connections and name lookups other than the loopback."""
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex
    real_getaddrinfo = socket.getaddrinfo

    def guarded_connect(self, address):
        if not _is_local(address):
            raise NetworkBlocked(f"network access in a test: connect to {address!r}")
        return real_connect(self, address)

    def guarded_connect_ex(self, address):
        if not _is_local(address):
            raise NetworkBlocked(f"network access in a test: connect to {address!r}")
        return real_connect_ex(self, address)

    def guarded_getaddrinfo(host, *args, **kwargs):
        if not _is_local((host,)):
            raise NetworkBlocked(f"network access in a test: name lookup of {host!r}")
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)
    monkeypatch.setattr(socket.socket, "connect_ex", guarded_connect_ex)
    monkeypatch.setattr(socket, "getaddrinfo", guarded_getaddrinfo)


@pytest.fixture(autouse=True)
def _isolated_environment(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch,
                          tmp_path_factory: pytest.TempPathFactory) -> None:
    """No test reads the developer's database or layer folder through the environment.

    Browser tests start their own app with an explicit environment and are left alone.
    """
    if request.node.get_closest_marker("browser"):
        return
    monkeypatch.delenv("GEOAQ_LAYERS_DIR", raising=False)
    monkeypatch.delenv("GEOAQ_SITE_DIR", raising=False)
    monkeypatch.setenv("GEOAQ_DB", str(tmp_path_factory.mktemp("default-db") / "geoaq.duckdb"))


@pytest.fixture(autouse=True)
def _cheap_password_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2 with its smallest costs: the tests make hundreds of hashes (the app and the
    command line keep argon2-cffi's recommended parameters)."""
    from argon2 import PasswordHasher

    from geoaq.accounts import passwords

    monkeypatch.setattr(passwords, "HASHER", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """Where a test's database goes; the file does not exist yet."""
    return tmp_path / "geoaq.duckdb"


@pytest.fixture(scope="session")
def _migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "migrated.duckdb"
    db.connect(path).close()
    return path


@pytest.fixture
def migrated_db(db_path: Path, _migrated_template: Path) -> Path:
    """`db_path` holding a freshly migrated, empty database (copied: migrating takes time)."""
    shutil.copyfile(_migrated_template, db_path)
    return db_path


@pytest.fixture
def address(request: pytest.FixtureRequest, backend_kind: str) -> str:
    """The address of an empty migrated database: `migrated_db`, or `lake`."""
    return str(request.getfixturevalue("lake" if backend_kind == "ducklake" else "migrated_db"))


@pytest.fixture
def con(address: str) -> Iterator[db.Connection]:
    """A read-write connection to `address`."""
    connection = db.connect(address)
    try:
        yield connection
    finally:
        connection.close()


@pytest.fixture(scope="session")
def postgres() -> Iterator[postgres_server.PostgresServer]:
    """This run's PostgreSQL server on loopback (skipped where PostgreSQL is missing, failed
    under CI, where `make test` installs it). Its folder is outside pytest's (a root-only
    folder) so that the ``postgres`` user can reach it when the tests run as root."""
    directory = Path(tempfile.mkdtemp(prefix="geoaq-postgres-"))
    try:
        server = postgres_server.start(directory)
    except RuntimeError as exc:
        shutil.rmtree(directory, ignore_errors=True)
        if os.environ.get("CI"):
            pytest.fail(str(exc))
        pytest.skip(str(exc))
    yield server
    backend.forget_lakes()
    server.stop()
    shutil.rmtree(directory, ignore_errors=True)


_LAKES = itertools.count(1)


@pytest.fixture(scope="session")
def _lake_template(postgres, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A migrated, empty DuckLake catalog that each test's `lake` is copied from."""
    data = tmp_path_factory.mktemp("lake-template")
    postgres.sql("CREATE DATABASE lake_template")
    address = f"ducklake:postgres:{postgres.dsn('lake_template')}"
    previous = os.environ.get("GEOAQ_DATA_PATH")
    os.environ["GEOAQ_DATA_PATH"] = str(data)
    try:
        db.connect(address).close()
    finally:
        backend.forget_lake(address)
        if previous is None:
            os.environ.pop("GEOAQ_DATA_PATH", None)
        else:
            os.environ["GEOAQ_DATA_PATH"] = previous
    return "lake_template"


@pytest.fixture
def lake(postgres, _lake_template: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The address of an empty, migrated DuckLake of this test's own (its data in tmp_path);
    ``GEOAQ_DATA_PATH`` points at the data."""
    name = f"lake_{os.getpid()}_{next(_LAKES)}"
    data = tmp_path / "lake-data"
    data.mkdir()
    postgres.sql(f"CREATE DATABASE {name} TEMPLATE {_lake_template}")
    postgres.sql(f"UPDATE ducklake_metadata SET value = '{data}/' WHERE key = 'data_path'", name)  # noqa: S608
    monkeypatch.setenv("GEOAQ_DATA_PATH", str(data))
    address = f"ducklake:postgres:{postgres.dsn(name)}"
    yield address
    backend.forget_lake(address)
    postgres.sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Luoyang demo database (`geoaq.demo.build.build_demo`), built once: tests use copies."""
    from geoaq.demo.build import build_demo

    path = tmp_path_factory.mktemp("demo_template") / "demo.duckdb"
    build_demo(path)
    return path


@pytest.fixture
def demo_db(tmp_path: Path, demo_template: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the demo database for one test; `GEOAQ_DB` points the app at it."""
    path = tmp_path / "demo.duckdb"
    shutil.copyfile(demo_template, path)
    monkeypatch.setenv("GEOAQ_DB", str(path))
    return path


@pytest.fixture(scope="session")
def registry() -> dict[str, layers.LayerSpec]:
    return layers.load_registry(LAYERS_DIR)
