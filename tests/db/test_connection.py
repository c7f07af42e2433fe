"""geoaq.db.connection: the spatial extension from the wheel, forward migrations, transactions."""

from __future__ import annotations

import threading

import duckdb
import pytest

from geoaq import config
from geoaq._errors import ExtensionError, SpatialExtensionError
from geoaq.db import connection as db
from geoaq.db.named import migrations

LATEST = max(version for version, _, _ in migrations())


def test_spatial_extension_loads_from_the_wheel() -> None:
    assert db.spatial_extension_file() is not None
    con = duckdb.connect()
    try:
        assert db.load_spatial(con) == "wheel"
        wkt = con.execute("SELECT ST_AsText(ST_Point(112.45, 34.62))").fetchone()[0]
    finally:
        con.close()
    assert wkt == "POINT (112.45 34.62)"


def test_load_spatial_failure_names_the_wheel_and_downloads_nothing(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    """Without the wheel the error says which wheel to install; no INSTALL is tried (offline)."""
    monkeypatch.setattr(db, "spatial_extension_file", lambda: None)
    con = duckdb.connect()
    try:
        con.execute(f"SET extension_directory = '{tmp_path / 'extensions'}'")
        con.execute(f"SET custom_extension_repository = '{tmp_path / 'no-repository'}'")
        with pytest.raises(SpatialExtensionError,
                           match=r"(?s)From the wheel: no spatial\.duckdb_extension for duckdb "
                                 r".*duckdb-extension-spatial==.*never downloads extensions"):
            db.load_spatial(con)
        assert not (tmp_path / "extensions").exists()  # nothing was installed
    finally:
        con.close()


def test_every_extension_wheel_loads_through_the_one_function() -> None:
    con = duckdb.connect()
    try:
        assert db.load_extension(con, "spatial") == "wheel"
        with pytest.raises(ExtensionError, match="duckdb-extension-no-such==.*no INSTALL no_such"):
            db.load_extension(con, "no_such")
    finally:
        con.close()


def test_connect_applies_migrations_once_and_records_them(db_path) -> None:
    assert not db_path.exists()
    con = db.connect(db_path)
    try:
        assert db.schema_version(con) == LATEST
        rows = con.execute(
            "SELECT version, description, applied_at FROM schema_version ORDER BY version"
        ).fetchall()
        assert [r[0] for r in rows] == [v for v, _, _ in migrations()]
        assert rows[0][1] == "core"
        tables = {r[0] for r in con.execute(
            "SELECT table_name FROM information_schema.tables").fetchall()}
        assert {"schema_version", "ingest_runs", "rejects", "layer_tables"} <= tables
        assert db.migrate(con) == LATEST  # nothing pending: no new row
        assert con.execute("SELECT count(*) FROM schema_version").fetchone()[0] == len(rows)
    finally:
        con.close()

    again = db.connect(db_path)  # reconnecting does not re-apply anything
    try:
        assert again.execute(
            "SELECT version, description, applied_at FROM schema_version ORDER BY version"
        ).fetchall() == rows
    finally:
        again.close()


def test_schema_version_of_a_new_database_is_zero() -> None:
    con = duckdb.connect()
    try:
        assert db.schema_version(con) == 0
    finally:
        con.close()


def test_read_only_connection_reads_but_cannot_write(db_path) -> None:
    db.connect(db_path).close()
    ro = db.connect(db_path, read_only=True)
    try:
        assert db.schema_version(ro) == LATEST
        assert ro.execute("SELECT ST_X(ST_Point(1, 2))").fetchone()[0] == 1.0  # spatial loaded
        with pytest.raises(duckdb.Error, match="(?i)read-only"):
            ro.execute("CREATE TABLE t (x INTEGER)")
    finally:
        ro.close()


def test_connect_creates_the_folder_and_honours_geoaq_db(tmp_path, monkeypatch) -> None:
    target = tmp_path / "nested" / "folder" / "bureau.duckdb"
    monkeypatch.setenv("GEOAQ_DB", str(target))
    assert config.db_path() == target
    assert config.db_path(tmp_path / "explicit.duckdb") == tmp_path / "explicit.duckdb"
    db.connect().close()
    assert target.is_file()


def test_transaction_commits_or_rolls_back(con) -> None:
    con.execute("CREATE TABLE t (x INTEGER)")
    with db.transaction(con):
        con.execute("INSERT INTO t VALUES (1)")
    with pytest.raises(RuntimeError, match="boom"), db.transaction(con):
        con.execute("INSERT INTO t VALUES (2)")
        raise RuntimeError("boom")
    assert con.execute("SELECT list(x) FROM t").fetchone()[0] == [1]


def test_refresh_lock_is_one_per_database_file(tmp_path):
    first, other = db.connect(tmp_path / "a.duckdb"), db.connect(tmp_path / "b.duckdb")
    same_file = db.connect(tmp_path / "a.duckdb")
    entered = {"other": threading.Event(), "same_file": threading.Event()}

    def enter(name: str, con) -> None:
        with db.refresh_lock(con):
            entered[name].set()

    try:
        with db.refresh_lock(first):
            with db.refresh_lock(first):  # re-entrant within a thread
                pass
            threads = [threading.Thread(target=enter, args=("other", other)),
                       threading.Thread(target=enter, args=("same_file", same_file))]
            for thread in threads:
                thread.start()
            assert entered["other"].wait(5)  # another file: not held up
            assert not entered["same_file"].wait(0.3)  # the same file: waits
        assert entered["same_file"].wait(5)  # ...until the lock is released
        for thread in threads:
            thread.join(5)
    finally:
        for con in (first, other, same_file):
            con.close()


def test_a_migration_numbered_below_one_applied_is_applied_when_it_arrives(db_path, monkeypatch,
                                                                          tmp_path) -> None:
    """Migrations are written in parallel: 0011 may land before 0010. A database migrated
    without 0010 gets it once it ships, though its highest version is already above it."""
    from geoaq.db import named

    shipped = named._migration_stems()
    without = [stem for stem in shipped if stem[0] != 10] if any(s[0] == 10 for s in shipped) else shipped
    late = (10, "late arrival", "late_arrival")
    monkeypatch.setattr(named, "_migration_stems", lambda: [s for s in without])
    con = db.connect(db_path)
    try:
        before = {r[0] for r in con.execute("SELECT version FROM schema_version").fetchall()}
        assert 10 not in before and max(before) > 10
        sql_dir = tmp_path / "sql"
        (sql_dir / "migrations").mkdir(parents=True)
        (sql_dir / "migrations" / "0010_late_arrival.sql").write_text(
            "CREATE TABLE IF NOT EXISTS late_arrival (x INTEGER);", encoding="utf-8")
        monkeypatch.setattr(named, "_migration_stems",
                            lambda: sorted([*without, (late[0], late[1], "../../late/0010_late_arrival")]))
        real_text = named._text

        def text(name: str) -> str:
            if name.endswith("0010_late_arrival"):
                return (sql_dir / "migrations" / "0010_late_arrival.sql").read_text(encoding="utf-8")
            return real_text(name)

        monkeypatch.setattr(named, "_text", text)
        db.migrate(con)
        after = {r[0] for r in con.execute("SELECT version FROM schema_version").fetchall()}
        assert after == before | {10}
        assert con.execute("SELECT count(*) FROM late_arrival").fetchone()[0] == 0
    finally:
        con.close()
