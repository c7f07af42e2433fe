"""The embedded database owned by the service: commands hand their work to it (geoaq.db.handoff,
geoaq.service.commands) instead of failing on, or waiting for, the file's lock."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from helpers import DATA

from geoaq._errors import DatabaseBusyError
from geoaq.db import handoff
from geoaq.service.commands import ThreadStreams

ROOT = Path(__file__).resolve().parents[2]
OWNER = """
import sys, time
from geoaq.service.serve import own_database
holder = own_database(sys.argv[1])
print('ready', flush=True)
sys.stdin.read()
holder.close()
"""


@pytest.fixture
def owned(migrated_db: Path):
    """`migrated_db` held by a service process (as `make run` holds it)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    owner = subprocess.Popen([sys.executable, "-c", OWNER, str(migrated_db)], env=env, cwd=ROOT,
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert owner.stdout.readline().strip() == "ready", owner.stderr.read()
    yield migrated_db, owner
    owner.communicate("", timeout=60)


def _geoaq(*args: str, cwd: Path = ROOT, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "geoaq", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120, env={**os.environ, "PYTHONPATH": str(ROOT), "GEOAQ_LOCK_WAIT_S": "2", **env})


def test_a_load_while_the_service_owns_the_file_is_run_by_the_service(owned, tmp_path):
    path, owner = owned
    assert handoff.owner_of(path).pid == owner.pid
    shutil.copy(DATA / "firms_viirs_snpp_china.csv", tmp_path / "fires.csv")
    loaded = _geoaq("ingest", "fire_points", "fires.csv", "--db", str(path), cwd=tmp_path)  # a relative path
    assert loaded.returncode == 0, loaded.stderr
    assert f"PID {owner.pid}" in loaded.stderr and "loaded 20" in loaded.stdout
    checked = _geoaq("fires", "check", "--start", "2025-06-20", "--end", "2025-06-30", "--format", "csv",
                     "--db", str(path))
    assert checked.returncode == 0, checked.stderr
    assert checked.stdout.count("\n") > 1  # the events, printed by the service, shown here
    again = _geoaq("ingest", "fire_points", str(tmp_path / "fires.csv"), "--db", str(path))
    assert "new 0, changed 0, unchanged 20" in again.stdout  # no duplicates


def test_an_error_in_the_service_is_one_line_with_the_exit_code(owned):
    path, _ = owned
    result = _geoaq("ingest", "no_such_layer", str(DATA / "firms_viirs_snpp_china.csv"), "--db", str(path))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.splitlines()[-1].startswith("Error: ")


def test_rebuilding_the_demo_is_refused_while_the_service_owns_the_file(owned):
    path, owner = owned
    result = _geoaq("demo", "--db", str(path))
    assert result.returncode == 1
    assert f"held by the app's server (PID {owner.pid}); stop it" in result.stderr


def test_after_the_service_stops_commands_open_the_file_themselves(owned):
    path, owner = owned
    owner.communicate("", timeout=60)
    assert handoff.owner_of(path) is None and not handoff.owner_file(path).exists()
    result = _geoaq("layers", "--db", str(path))
    assert result.returncode == 0 and "PID" not in result.stderr


def test_a_stale_owner_file_of_a_killed_service_is_ignored(migrated_db, tmp_path):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    handoff.owner_file(migrated_db).write_text(json.dumps(
        {"pid": dead.pid, "address": str(tmp_path / "gone.sock"), "key": "00" * 32}), encoding="utf-8")
    assert handoff.owner_of(migrated_db) is None
    result = _geoaq("layers", "--db", str(migrated_db))
    assert result.returncode == 0, result.stderr


def test_a_request_without_the_key_is_refused(owned):
    path, owner = owned
    real = handoff.owner_of(path)
    forged = handoff.Owner(real.pid, real.address, "11" * 32)
    with pytest.raises(DatabaseBusyError, match="refused the request"):
        handoff.send(forged, {"command": ["layers"], "params": {"db_path": str(path)}, "root": {}},
                     lambda message: None, timeout_s=10)
    assert oct(Path(real.address).stat().st_mode & 0o777) == "0o600"
    assert oct(handoff.owner_file(path).stat().st_mode & 0o777) == "0o600"
    assert owner.poll() is None  # the service is not bothered


def test_without_an_owner_a_held_file_is_waited_for_then_one_line(migrated_db):
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys; c = duckdb.connect(sys.argv[1]); print('ready', flush=True); "
                               "sys.stdin.read()", str(migrated_db)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ready"
        began = time.monotonic()
        result = _geoaq("layers", "--db", str(migrated_db), GEOAQ_LOCK_WAIT_S="1")
        waited = time.monotonic() - began
    finally:
        holder.communicate("", timeout=60)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"(PID {holder.pid})" in result.stderr and 1 <= waited < 30


def test_only_the_capturing_thread_output_is_sent(capsys):
    streams = ThreadStreams(sys.stdout, "out")
    sent: list[dict] = []
    other = threading.Thread(target=lambda: streams.write("the app's own line\n"))
    streams.local.target = sent.append
    streams.write("the command's line\n")
    other.start()
    other.join()
    streams.local.target = None
    assert sent == [{"out": "the command's line\n"}]
    assert "the app's own line" in capsys.readouterr().out


def test_accounts_are_made_and_used_through_the_service(owned):
    """`geoaq users add` reads the password in the caller (stdin), the service makes the account;
    `--as` goes along with the command, so what it may do is the named account's."""
    path, owner = owned
    first = subprocess.run([sys.executable, "-m", "geoaq", "--lang", "en", "users", "add", "root", "--role", "admin",
                            "--password-stdin", "--db", str(path)], input="correct horse 42\n", cwd=ROOT,
                           capture_output=True, text=True, timeout=120,
                           env={**os.environ, "PYTHONPATH": str(ROOT), "GEOAQ_LOCK_WAIT_S": "2"})
    assert first.returncode == 0, first.stderr
    assert f"PID {owner.pid}" in first.stderr and "added account root" in first.stdout
    viewer = _geoaq("--as", "root", "--lang", "en", "users", "add", "view1", "--role", "viewer", "--generate",
                    "--db", str(path))
    assert viewer.returncode == 0 and "shown only this once" in viewer.stdout, viewer.stderr
    refused = _geoaq("--as", "view1", "users", "list", "--db", str(path))
    assert refused.returncode == 1 and "may not list accounts" in refused.stderr
    listed = _geoaq("--as", "root", "users", "list", "--format", "json", "--db", str(path))
    assert [a["name"] for a in json.loads(listed.stdout)] == ["root", "view1"]


def test_a_handed_over_command_acts_as_its_caller_never_as_the_service(migrated_db):
    """The service's own GEOAQ_ACCOUNT never decides who a handed-over command acts as: the
    caller's --as or GEOAQ_ACCOUNT does, and a caller with neither has no account."""
    path = migrated_db
    made = _geoaq("users", "add", "root", "--role", "admin", "--generate", "--db", str(path))
    assert made.returncode == 0, made.stderr
    viewer = _geoaq("--as", "root", "users", "add", "view1", "--role", "viewer", "--generate", "--db", str(path))
    assert viewer.returncode == 0, viewer.stderr
    env = {**os.environ, "PYTHONPATH": str(ROOT), "GEOAQ_ACCOUNT": "root"}
    owner = subprocess.Popen([sys.executable, "-c", OWNER, str(path)], env=env, cwd=ROOT, stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert owner.stdout.readline().strip() == "ready", owner.stderr.read()
        anonymous = _geoaq("users", "add", "x1", "--role", "viewer", "--generate", "--db", str(path))
        assert anonymous.returncode != 0 and f"PID {owner.pid}" in anonymous.stderr
        as_viewer = _geoaq("users", "list", "--db", str(path), GEOAQ_ACCOUNT="view1")
        assert as_viewer.returncode == 1 and "may not list accounts" in as_viewer.stderr
        as_root = _geoaq("users", "list", "--format", "json", "--db", str(path), GEOAQ_ACCOUNT="root")
        assert [a["name"] for a in json.loads(as_root.stdout)] == ["root", "view1"]
    finally:
        owner.communicate("", timeout=60)
