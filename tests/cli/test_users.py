"""`geoaq users …`: the first administrator, accounts made and changed by an administrator only,
passwords never defaulted nor shown twice, every command acting as a named account."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from geoaq.accounts import sessions, store
from geoaq.cli import main
from geoaq.db import connection as db

PASSWORD = "correct horse 42"


def run(*args: str, stdin: str | None = None, env: dict[str, str] | None = None):
    return CliRunner().invoke(main, ["--lang", "en", *args], input=stdin, env=env)


@pytest.fixture
def dbfile(migrated_db):
    return str(migrated_db)


def _signs_in(path: str, name: str, password: str) -> bool:
    con = db.connect(path)
    try:
        sessions.sign_in(con, name, password)
        return True
    except Exception:
        return False
    finally:
        con.close()


def test_first_administrator_then_accounts_by_an_administrator(dbfile) -> None:
    city = run("users", "add", "ann", "--role", "city", "--password-stdin", "--db", dbfile, stdin=PASSWORD + "\n")
    assert city.exit_code == 1 and "first account must be an administrator" in city.output
    first = run("users", "add", "root", "--role", "系统管理员", "--password-stdin", "--db", dbfile,
                stdin=PASSWORD + "\n")
    assert first.exit_code == 0, first.output
    assert "added account root (Administrator)" in first.output
    assert PASSWORD not in first.output
    # now an account is needed
    anon = run("users", "add", "ann", "--role", "city", "--generate", "--db", dbfile)
    assert anon.exit_code == 1 and "--as NAME" in anon.output
    made = run("--as", "root", "users", "add", "luolong", "--role", "county", "--county", "410311",
               "--display-name", "洛龙分局", "--generate", "--db", dbfile)
    assert made.exit_code == 0, made.output
    generated = made.output.strip().splitlines()[-1].rsplit(": ", 1)[1]
    assert "shown only this once" in made.output and len(generated) >= 16
    assert _signs_in(dbfile, "luolong", generated)
    # a county user cannot add accounts, change roles or list them
    denied = run("--as", "luolong", "users", "add", "x1", "--role", "admin", "--generate", "--db", dbfile)
    assert denied.exit_code == 1 and "may not add accounts" in denied.output
    for args in (["users", "set-role", "luolong", "city"], ["users", "list"], ["users", "disable", "root"],
                 ["users", "reset-password", "root", "--generate"]):
        refused = run("--as", "luolong", *args, "--db", dbfile)
        assert refused.exit_code == 1 and "may not" in refused.output, (args, refused.output)
    assert _signs_in(dbfile, "root", PASSWORD)


def test_list_set_role_disable_reset(dbfile) -> None:
    run("users", "add", "root", "--role", "admin", "--password-stdin", "--db", dbfile, stdin=PASSWORD + "\n")
    env = {"GEOAQ_ACCOUNT": "root"}  # the account named by the environment
    assert run("users", "add", "ann", "--role", "viewer", "--password-stdin", "--db", dbfile,
               stdin=PASSWORD + "\n", env=env).exit_code == 0
    role = run("users", "set-role", "ann", "county", "--county", "410311", "--county", "410305", "--db", dbfile,
               env=env)
    assert role.exit_code == 0, role.output
    assert "ann is now County user; counties: 410305,410311" in role.output
    listed = json.loads(run("users", "list", "--format", "json", "--db", dbfile, env=env).output)
    assert [(a["name"], a["role"], a["counties"]) for a in listed] == [
        ("ann", "county", ["410305", "410311"]), ("root", "admin", [])]
    assert "password" not in json.dumps(listed)
    assert run("users", "disable", "ann", "--db", dbfile, env=env).exit_code == 0
    assert not _signs_in(dbfile, "ann", PASSWORD)
    assert run("users", "enable", "ann", "--db", dbfile, env=env).exit_code == 0
    reset = run("users", "reset-password", "ann", "--password-stdin", "--db", dbfile, stdin="brand new secret 9\n",
                env=env)
    assert reset.exit_code == 0, reset.output
    assert _signs_in(dbfile, "ann", "brand new secret 9") and not _signs_in(dbfile, "ann", PASSWORD)
    history = json.loads(run("users", "history", "ann", "--format", "json", "--db", dbfile, env=env).output)
    assert [h["kind"] for h in history][:5] == ["created", "role_set", "disabled", "sign_in_refused", "enabled"]
    assert {h["by_name"] for h in history if h["kind"] in ("created", "role_set")} == {"root"}
    origins = {h["origin"] for h in history if h["kind"] == "role_set"}
    assert all(o.startswith("cli:") for o in origins)


def test_no_password_no_account(dbfile) -> None:
    # no terminal and no password given: nothing is made, nothing defaulted
    made = run("users", "add", "root", "--role", "admin", "--db", dbfile)
    assert made.exit_code == 2 and "--password-stdin or --generate" in made.output
    weak = run("users", "add", "root", "--role", "admin", "--password-stdin", "--db", dbfile, stdin="short\n")
    assert weak.exit_code == 1 and "at least 10" in weak.output
    con = db.connect(dbfile)
    try:
        assert store.counts(con) == (0, 0)
    finally:
        con.close()


def test_unknown_account_named(dbfile) -> None:
    run("users", "add", "root", "--role", "admin", "--password-stdin", "--db", dbfile, stdin=PASSWORD + "\n")
    result = run("--as", "nobody", "users", "list", "--db", dbfile)
    assert result.exit_code == 1 and "no account 'nobody'" in result.output
