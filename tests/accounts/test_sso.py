"""Single sign-on's side of the accounts: the identity a provider vouches for (st.user) maps to
the geoaq account an administrator gave it; an identity no account holds gets no session; the
command line sets and clears the mapping."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from helpers import make_accounts

from geoaq._errors import AccessDeniedError, AccountError, SignInError
from geoaq.accounts import sessions, store
from geoaq.cli import main
from geoaq.db import connection as db


@pytest.fixture
def accounts(migrated_db):
    con = db.connect(migrated_db)
    made = make_accounts(con, luolong=("county", ["410311"]), city1=("city", []))
    yield con, made["root"]
    con.close()


@pytest.mark.parametrize(("user", "expected"), [
    ({"sub": " 00u1ab ", "email": "Wang@EPB.gov.cn", "email_verified": True}, ("00u1ab", "Wang@EPB.gov.cn")),
    ({"sub": "00u1ab", "email": "wang@epb.gov.cn"}, ("00u1ab", "wang@epb.gov.cn")),  # not said: trusted
    ({"sub": "00u1ab", "email": "wang@epb.gov.cn", "email_verified": False}, ("00u1ab", None)),
    ({"email": "wang@epb.gov.cn"}, (None, "wang@epb.gov.cn")),
    ({"is_logged_in": True}, (None, None)),
])
def test_the_identity_is_its_subject_and_a_verified_email(user, expected):
    assert store.sso_identity(user) == expected


def test_an_identity_maps_to_the_account_it_was_given(accounts):
    con, admin = accounts
    store.set_sso(con, "luolong", "00u1ab", by=admin)
    store.set_sso(con, "city1", "Li.Si@epb.gov.cn", by=admin)
    assert store.find_by_sso(con, "00u1ab", "someone@else.cn").name == "luolong"
    assert store.find_by_sso(con, "other-sub", "li.si@EPB.gov.cn").name == "city1"  # e-mail without case
    assert store.find_by_sso(con, "00U1AB", None) is None  # a subject is compared exactly
    assert store.find_by_sso(con, None, None) is None
    listed = store.list_accounts(con).set_index("name")["sso_subject"]
    assert (listed["luolong"], listed["city1"]) == ("00u1ab", "Li.Si@epb.gov.cn")

    token, actor = sessions.sign_in_sso(con, "00u1ab", None, origin="web:10.0.0.5")
    assert (actor.name, actor.role, actor.counties) == ("luolong", "county", frozenset({"410311"}))
    assert sessions.resolve(con, token).name == "luolong"
    assert "single sign-on 00u1ab" in set(store.events(con, "luolong")["detail"].dropna())


def test_an_unmapped_identity_gets_no_session(accounts):
    con, admin = accounts
    with pytest.raises(SignInError, match="not given to any geoaq account") as refused:
        sessions.sign_in_sso(con, "stranger", "stranger@example.cn", origin="web:10.0.0.9")
    assert refused.value.code == "sso_unknown"
    failed = store.events(con)
    assert "single sign-on identity 'stranger@example.cn' is no account's" in set(failed["detail"].dropna())
    with pytest.raises(SignInError) as none:
        sessions.sign_in_sso(con, None, None)
    assert none.value.code == "sso_unknown"
    # a disabled account's identity opens nothing either; a cleared one no more
    store.set_sso(con, "luolong", "00u1ab", by=admin)
    store.set_disabled(con, "luolong", True, by=admin)
    with pytest.raises(SignInError) as disabled:
        sessions.sign_in_sso(con, "00u1ab", None)
    assert disabled.value.code == "disabled"
    store.set_disabled(con, "luolong", False, by=admin)
    store.set_sso(con, "luolong", None, by=admin)
    with pytest.raises(SignInError, match="not given to any"):
        sessions.sign_in_sso(con, "00u1ab", None)


def test_only_an_administrator_sets_an_identity_and_one_identity_is_one_account(accounts):
    con, admin = accounts
    with pytest.raises(AccessDeniedError, match="may not set single sign-on identities"):
        store.set_sso(con, "luolong", "me", by=store.actor_for(con, "luolong"))
    with pytest.raises(AccessDeniedError, match="needs an administrator"):
        store.set_sso(con, "luolong", "me", by=None)
    store.set_sso(con, "luolong", "00u1ab", by=admin)
    with pytest.raises(AccountError, match="signs in as account 'luolong' already"):
        store.set_sso(con, "city1", "00U1AB", by=admin)
    with pytest.raises(AccountError, match="without spaces"):
        store.set_sso(con, "city1", "two words", by=admin)
    store.set_sso(con, "luolong", "00u1ab", by=admin)  # its own again: fine
    assert list(store.events(con, "luolong")["kind"]).count("sso_set") == 2


def test_users_set_sso_on_the_command_line(accounts, migrated_db):
    def cli(*args):
        return CliRunner().invoke(main, ["--lang", "en", *args, "--db", str(migrated_db)])

    done = cli("--as", "root", "users", "set-sso", "luolong", "wang@epb.gov.cn")
    assert done.exit_code == 0, done.output
    assert "wang@epb.gov.cn now signs in as luolong" in done.output
    assert cli("--as", "luolong", "users", "set-sso", "city1", "x").exit_code == 1
    assert cli("--as", "root", "users", "set-sso", "luolong").exit_code == 2  # neither SUBJECT nor --clear
    cleared = cli("--as", "root", "users", "set-sso", "luolong", "--clear")
    assert cleared.exit_code == 0 and "removed" in cleared.output
    con, _ = accounts
    assert store.find_by_sso(con, None, "wang@epb.gov.cn") is None
