"""geoaq.accounts.store: accounts, roles and counties in the database (both backends)."""

from __future__ import annotations

import pytest

from geoaq._errors import AccessDeniedError, AccountError, UnknownAccountError
from geoaq.accounts import passwords, store
from geoaq.db.named import run

PASSWORD = "correct horse 42"


def _admin(con):
    store.add_account(con, "admin", "admin", PASSWORD, by=None, display_name="管理员")
    return store.actor_for(con, "admin")


def test_the_first_account_is_an_administrator_made_without_one(con) -> None:
    with pytest.raises(AccountError, match="first account must be an administrator"):
        store.add_account(con, "ann", "city", PASSWORD, by=None)
    assert store.counts(con) == (0, 0)
    admin = _admin(con)
    assert (admin.role, admin.name, admin.city_wide) == ("admin", "admin", True)
    assert store.counts(con) == (1, 1)
    # once there is one, nobody adds accounts without an administrator
    with pytest.raises(AccessDeniedError, match="needs an administrator"):
        store.add_account(con, "bob", "admin", PASSWORD, by=None)
    assert store.counts(con) == (1, 1)


def test_only_hashes_are_stored(con) -> None:
    _admin(con)
    stored = run(con, "account_by_name", ["admin"]).fetchone()[4]
    assert PASSWORD not in stored and stored.startswith("$argon2id$")
    assert passwords.verify(stored, PASSWORD) and not passwords.verify(stored, PASSWORD + "x")
    assert "password_hash" not in store.list_accounts(con).columns


def test_roles_counties_and_their_checks(con) -> None:
    admin = _admin(con)
    store.add_account(con, "luolong", "区县用户", PASSWORD, by=admin, counties=["410311", "410305"])
    county = store.actor_for(con, "LuoLong")  # names compare without case
    assert county.role == "county" and county.counties == {"410311", "410305"}
    assert county.covers("410311") and not county.covers("410322") and not county.covers(None)
    assert county.visible_counties() == {"410311", "410305"}
    with pytest.raises(AccountError, match="needs at least one county"):
        store.add_account(con, "nocounty", "county", PASSWORD, by=admin)
    with pytest.raises(AccountError, match="sees the whole city"):
        store.add_account(con, "citywith", "city", PASSWORD, by=admin, counties=["410311"])
    with pytest.raises(AccountError, match="6-digit"):
        store.add_account(con, "bad", "county", PASSWORD, by=admin, counties=["4103"])
    with pytest.raises(AccountError, match="exists already"):
        store.add_account(con, "LUOLONG", "viewer", PASSWORD, by=admin)
    with pytest.raises(AccountError, match="unknown role"):
        store.add_account(con, "x1", "boss", PASSWORD, by=admin)
    with pytest.raises(AccountError, match="account name"):
        store.add_account(con, "has space", "viewer", PASSWORD, by=admin)
    # a county user cannot manage accounts
    with pytest.raises(AccessDeniedError, match=r"'luolong' \(county\) may not add accounts"):
        store.add_account(con, "mine", "admin", PASSWORD, by=county)
    listed = store.list_accounts(con)
    assert list(listed["name"]) == ["admin", "luolong"]
    assert list(listed.loc[listed["name"] == "luolong", "counties"].iloc[0]) == ["410305", "410311"]


def test_counties_are_checked_against_admin_units_when_loaded(con) -> None:
    admin = _admin(con)
    con.execute("CREATE TABLE admin_units (adcode TEXT, name TEXT, level TEXT, parent_adcode TEXT)")
    con.execute("INSERT INTO admin_units VALUES ('410311', '洛龙区', '县', '410300'), "
                "('410311001', '某街道', '乡镇', '410311')")
    store.add_account(con, "ok", "county", PASSWORD, by=admin, counties=["410311"])
    with pytest.raises(AccountError, match="not in admin_units"):
        store.add_account(con, "missing", "county", PASSWORD, by=admin, counties=["419999"])


def test_passwords_follow_the_policy(con) -> None:
    with pytest.raises(AccountError, match="at least 10"):
        store.add_account(con, "admin", "admin", "short", by=None)
    with pytest.raises(AccountError, match="4 different"):
        store.add_account(con, "admin", "admin", "aaaaaaaaaaaa", by=None)
    with pytest.raises(AccountError, match="name"):
        store.add_account(con, "admin", "admin", "admin-secret-1", by=None)
    assert store.counts(con) == (0, 0)


def test_disable_reset_and_role_changes_end_sessions_and_are_recorded(con) -> None:
    from geoaq.accounts import sessions

    admin = _admin(con)
    store.add_account(con, "ann", "city", PASSWORD, by=admin)
    token, _ = sessions.sign_in(con, "ann", PASSWORD)
    store.set_role(con, "ann", "county", by=admin, counties=["410311"])
    with pytest.raises(Exception, match="ended"):
        sessions.resolve(con, token)
    assert store.actor_for(con, "ann").counties == {"410311"}
    token, _ = sessions.sign_in(con, "ann", PASSWORD)
    store.reset_password(con, "ann", "another secret 7", by=admin)
    with pytest.raises(Exception, match="ended"):
        sessions.resolve(con, token)
    token, _ = sessions.sign_in(con, "ann", "another secret 7")
    store.set_disabled(con, "ann", True, by=admin)
    with pytest.raises(Exception, match="ended|disabled"):
        sessions.resolve(con, token)
    with pytest.raises(AccessDeniedError, match="disabled"):
        store.actor_for(con, "ann")
    store.set_disabled(con, "ann", False, by=admin)
    kinds = list(store.events(con, "ann")["kind"])
    assert kinds == ["created", "signed_in", "role_set", "signed_in", "password_reset", "signed_in",
                     "disabled", "enabled"]
    by = store.events(con, "ann")["by_name"].dropna().unique().tolist()
    assert by == ["admin (管理员)"]


def test_the_last_administrator_stays(con) -> None:
    admin = _admin(con)
    with pytest.raises(AccountError, match="last enabled administrator"):
        store.set_disabled(con, "admin", True, by=admin)
    with pytest.raises(AccountError, match="last enabled administrator"):
        store.set_role(con, "admin", "viewer", by=admin)
    store.add_account(con, "second", "admin", PASSWORD, by=admin)
    store.set_role(con, "admin", "viewer", by=store.actor_for(con, "second"))
    assert store.counts(con) == (2, 1)
    # the demoted account's old Actor no longer manages accounts
    with pytest.raises(AccessDeniedError, match="no longer"):
        store.add_account(con, "third", "viewer", PASSWORD, by=admin)


def test_a_user_changes_only_its_own_password(con) -> None:
    admin = _admin(con)
    store.add_account(con, "ann", "viewer", PASSWORD, by=admin)
    store.add_account(con, "bob", "viewer", PASSWORD, by=admin)
    ann = store.actor_for(con, "ann")
    store.reset_password(con, "ann", "brand new secret 1", by=ann)
    with pytest.raises(AccessDeniedError):
        store.reset_password(con, "bob", "brand new secret 1", by=ann)
    with pytest.raises(UnknownAccountError):
        store.reset_password(con, "nobody", "brand new secret 1", by=admin)
