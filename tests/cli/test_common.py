"""geoaq.cli._common: the error policy of every command (one line, exit 1 for geoaq's own and
the user's file errors, exit 2 for a bug unless GEOAQ_DEBUG=1), the period options that refuse a
reversed period, and commands that refuse a database that does not exist."""

from __future__ import annotations

import subprocess
import sys

import click
import pytest
from click.testing import CliRunner

from geoaq._errors import LayerDefinitionError
from geoaq.cli import main
from geoaq.cli._common import DEBUG_ENV, period

INTERNAL = "geoaq: internal error (ZeroDivisionError: division by zero); set GEOAQ_DEBUG=1 for the traceback"


@pytest.fixture(autouse=True)
def _no_debug(monkeypatch):
    monkeypatch.delenv(DEBUG_ENV, raising=False)


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def _raises(exc: BaseException):
    def callee(*args, **kwargs):
        raise exc

    return callee


def test_a_geoaq_error_is_one_line_and_exit_1(monkeypatch, tmp_path):
    monkeypatch.setattr("geoaq.cli.layers.load_registry",
                        _raises(LayerDefinitionError("layers/noise.toml: key 'title_zh' is missing")))
    result = run("layers", "--db", str(tmp_path / "x.duckdb"))
    assert result.exit_code == 1
    assert result.output == "Error: layers/noise.toml: key 'title_zh' is missing\n"


def test_an_unexpected_error_is_one_line_and_exit_2(monkeypatch, tmp_path):
    monkeypatch.setattr("geoaq.cli.layers.load_registry", _raises(ZeroDivisionError("division by zero")))
    result = run("layers", "--db", str(tmp_path / "x.duckdb"))
    assert result.exit_code == 2
    assert result.output == INTERNAL + "\n" and result.stderr == result.output
    assert not isinstance(result.exception, ZeroDivisionError)  # nothing escaped click


def test_an_unexpected_error_in_a_subgroup_is_one_line_too(monkeypatch, tmp_path):
    monkeypatch.setattr("geoaq.cli.fires.connected", _raises(ZeroDivisionError("division by zero")))
    result = run("fires", "history", "FE-1", "--db", str(tmp_path / "x.duckdb"))
    assert result.exit_code == 2 and result.output == INTERNAL + "\n"


def test_a_multi_line_message_of_a_bug_is_folded_into_one_line(monkeypatch, tmp_path):
    monkeypatch.setattr("geoaq.cli.layers.load_registry", _raises(RuntimeError("first\n  second")))
    result = run("layers", "--db", str(tmp_path / "x.duckdb"))
    assert result.exit_code == 2 and result.output.count("\n") == 1
    assert "internal error (RuntimeError: first second)" in result.output


@pytest.mark.parametrize("value", ["1", "yes"])
def test_geoaq_debug_lets_the_exception_through(monkeypatch, tmp_path, value):
    monkeypatch.setenv(DEBUG_ENV, value)
    monkeypatch.setattr("geoaq.cli.layers.load_registry", _raises(ZeroDivisionError("division by zero")))
    result = run("layers", "--db", str(tmp_path / "x.duckdb"))
    assert isinstance(result.exception, ZeroDivisionError)
    assert "internal error" not in result.output


def test_geoaq_debug_0_keeps_the_one_line(monkeypatch, tmp_path):
    monkeypatch.setenv(DEBUG_ENV, "0")
    monkeypatch.setattr("geoaq.cli.layers.load_registry", _raises(ZeroDivisionError("division by zero")))
    assert run("layers", "--db", str(tmp_path / "x.duckdb")).output == INTERNAL + "\n"


def test_geoaq_debug_shows_the_traceback_of_the_real_command(tmp_path):
    """A real process: one line on stderr and exit 2; with GEOAQ_DEBUG=1 Python's traceback.
    (A subprocess cannot be monkeypatched, so `python -c` plants the bug and starts the CLI.)"""
    code = ("import sys, geoaq.cli.layers as m; "
            "m.load_registry = lambda: 1 / 0; "
            "from geoaq.cli import main; main(prog_name='geoaq')")
    args = [sys.executable, "-c", code, "layers", "--db", str(tmp_path / "x.duckdb")]
    quiet = subprocess.run(args, capture_output=True, text=True, env=_env(), timeout=120)
    assert quiet.returncode == 2 and quiet.stderr == INTERNAL + "\n" and quiet.stdout == ""
    loud = subprocess.run(args, capture_output=True, text=True, env=_env({DEBUG_ENV: "1"}), timeout=120)
    assert loud.returncode == 1 and "Traceback (most recent call last)" in loud.stderr
    assert loud.stderr.rstrip().endswith("ZeroDivisionError: division by zero")


def _env(extra: dict[str, str] | None = None) -> dict[str, str]:
    import os

    env = {k: v for k, v in os.environ.items() if k != DEBUG_ENV}
    return env | (extra or {})


# --- errors of the user's files and machine --------------------------------------------------


def test_an_output_file_in_a_missing_directory_is_one_line(tmp_path):
    out = tmp_path / "no" / "such" / "dir" / "route.gpx"
    result = run("route", "--pick", "112.45,34.62", "--format", "gpx", "--out", str(out), "--work-limit", "100")
    assert result.exit_code == 1
    assert result.output.splitlines()[-1] == f"Error: {out}: No such file or directory"
    assert "Traceback" not in result.output


def test_an_os_error_naming_a_file_is_one_line(monkeypatch, tmp_path):
    monkeypatch.setattr("geoaq.cli.layers.load_registry",
                        _raises(PermissionError(13, "Permission denied", "/srv/layers")))
    result = run("layers", "--db", str(tmp_path / "x.duckdb"))
    assert result.exit_code == 1 and result.output == "Error: /srv/layers: Permission denied\n"


def test_a_broken_pipe_is_left_to_click(monkeypatch, tmp_path):
    monkeypatch.setattr("geoaq.cli.layers.load_registry", _raises(BrokenPipeError(32, "Broken pipe")))
    result = run("layers", "--db", str(tmp_path / "x.duckdb"))
    assert "internal error" not in result.output and "Error" not in result.output


def test_a_file_that_is_not_a_database_is_one_line(tmp_path):
    path = tmp_path / "notes.duckdb"
    path.write_text("not a database\n")
    result = run("rejects", "--db", str(path))
    assert result.exit_code == 1 and result.output.count("\n") == 1
    assert "not a valid DuckDB database file" in result.output


def test_a_database_locked_by_another_process_waits_then_is_one_line(migrated_db, monkeypatch):
    monkeypatch.setenv("GEOAQ_LOCK_WAIT_S", "1")
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys; c = duckdb.connect(sys.argv[1]); print('ready', flush=True); "
                               "sys.stdin.read()", str(migrated_db)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ready"
        result = run("aq", "hourly", "--start", "2025-01-15", "--end", "2025-01-15", "--db", str(migrated_db))
    finally:
        holder.communicate("", timeout=60)
    waiting, error = result.output.splitlines()  # what it waits for, then one line
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"(PID {holder.pid}); waiting (at most 1 s)" in waiting
    assert error.startswith("Error: ") and "was not released within 1 s" in error and "(PID " in error


@pytest.mark.parametrize("args", [
    ["rejects"],
    ["report", "--start", "2025-01-01", "--end", "2025-01-31"],
    ["fires", "check", "--start", "2025-01-01", "--end", "2025-01-31"],
    ["fires", "history", "FE-1"],
    ["aq", "hourly", "--start", "2025-01-01", "--end", "2025-01-31"],
    ["route", "--from-findings", "2025-04-23"],
], ids=lambda a: " ".join(a[:2]))
def test_a_missing_database_is_refused_not_created(tmp_path, args):
    """A misspelt --db used to be created empty (and `report` then failed with a traceback)."""
    path = tmp_path / "typo.duckdb"
    result = run(*args, "--db", str(path))
    assert result.exit_code == 1
    assert result.output == f"Error: database {path} not found (run `geoaq demo`, or load files with `geoaq ingest`)\n"
    assert not path.exists()


# --- the period options ------------------------------------------------------------------------

REVERSED = ["--start", "2025-04-24", "--end", "2025-04-22"]
PERIOD_COMMANDS = {
    ("fires", "check"): [], ("fires", "penalties"): [], ("fires", "density"): [],
    ("fires", "notice"): ["--out", "notice.xlsx"], ("aq", "hourly"): [], ("aq", "evaluate"): [],
    ("aq", "compare"): [], ("aq", "check-published"): [], ("report",): [],
}


def _commands(group: click.Group, prefix: tuple[str, ...] = ()):
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            yield from _commands(command, (*prefix, name))
        else:
            yield (*prefix, name), command


def test_every_command_with_a_period_is_checked_here():
    with_period = {path for path, command in _commands(main)
                   if any(p.name == "start" and "Beijing day" in (p.help or "") for p in command.params)}
    assert with_period == set(PERIOD_COMMANDS)


@pytest.mark.parametrize("command", list(PERIOD_COMMANDS), ids=" ".join)
def test_a_reversed_period_is_refused(tmp_path, command):
    path = tmp_path / "x.duckdb"
    result = run(*command, *REVERSED, *PERIOD_COMMANDS[command], "--db", str(path))
    assert result.exit_code == 2
    assert ("Error: the period is reversed: --start 2025-04-24 is after --end 2025-04-22 (both days are "
            "included, so --start must be on or before --end)") in result.output
    assert "Traceback" not in result.output and not path.exists()


def test_period_passes_dates_and_accepts_one_day():
    seen = {}

    @click.command()
    @period
    def show(start, end):
        seen.update(start=start, end=end)

    result = CliRunner().invoke(show, ["--start", "2025-04-22", "--end", "2025-04-22"])
    assert result.exit_code == 0, result.output
    assert str(seen["start"]) == str(seen["end"]) == "2025-04-22"
    bad = CliRunner().invoke(show, ["--start", "2025-04-22", "--end", "22.4.2025"])
    assert bad.exit_code == 2 and "Invalid value for --end: expected YYYY-MM-DD, got '22.4.2025'" in bad.output
