"""`geoaq users …`: accounts (add, list, disable, enable, reset-password, set-role, set-sso,
history).

Every command but the very first `users add` (which makes the database's first
administrator) acts as an administrator named with ``geoaq --as NAME`` (or GEOAQ_ACCOUNT).
A password is asked for twice without echo, read from the first line of standard input
(``--password-stdin``), or made at random and printed once (``--generate``); there is no
default password and none is ever shown again.
"""

from __future__ import annotations

import sys

import click

from geoaq.cli._common import (
    DB_OPTION,
    GeoaqGroup,
    acting,
    connected,
    emit,
    format_option,
    language,
)
from geoaq.i18n import t


def _read_stdin(ctx: click.Context, _param: click.Parameter, value: bool) -> str | None:
    """--password-stdin: the first line of standard input, read while the options are parsed
    (so in the caller's process when the command is handed over to the app's server)."""
    if not value:
        return None
    line = sys.stdin.readline()
    return line.rstrip("\r\n")


def password_options(command):
    command = click.option("--password-stdin", "stdin_password", is_flag=True, callback=_read_stdin,
                           expose_value=True, help="Read the password from the first line of standard input.")(command)
    command = click.option("--generate", is_flag=True,
                           help="Make a random password and print it once.")(command)
    return command


def _password(stdin_password: str | None, generate: bool) -> tuple[str, bool]:
    """(the password, whether it was generated and must be shown)."""
    from geoaq.accounts.passwords import generate_password

    if stdin_password is not None and generate:
        raise click.UsageError("give --password-stdin or --generate, not both")
    if stdin_password is not None:
        return stdin_password, False
    if generate:
        return generate_password(), True
    if not sys.stdin.isatty():
        raise click.UsageError("no terminal to ask for the password: use --password-stdin or --generate")
    entered = click.prompt(t("cli.users.password_prompt", language()), hide_input=True,
                           confirmation_prompt=t("cli.users.password_again", language()))
    return entered, False


@click.group(cls=GeoaqGroup)
def users() -> None:
    """Accounts, roles and jurisdictions (系统管理员/市级用户/区县用户/巡查员/只读)."""


@users.command("add")
@click.argument("name")
@click.option("--role", required=True,
              help="admin|city|county|inspector|viewer (or 系统管理员/市级用户/区县用户/巡查员/只读).")
@click.option("--county", "counties", multiple=True, help="A county adcode of the jurisdiction (repeat).")
@click.option("--team", "teams", multiple=True, help="An inspection team of an inspector (repeat).")
@click.option("--display-name", default=None, help="The person's name as shown, e.g. 张三.")
@password_options
@DB_OPTION
def users_add(name: str, role: str, counties: tuple[str, ...], teams: tuple[str, ...],
              display_name: str | None, stdin_password: str | None, generate: bool,
              db_path: str | None) -> None:
    """Add account NAME. The database's first account must be an administrator and needs no
    --as; every later one is added by an administrator."""
    from geoaq.accounts import store

    with connected(db_path) as con:
        by = acting(con, required=store.counts(con)[0] > 0)
        password, show = _password(stdin_password, generate)
        store.add_account(con, name, role, password, by=by, display_name=display_name,
                          counties=counties, teams=teams)
        account = store.get(con, name)
    lang = language()
    click.echo(t("cli.users.added", lang, name=account.name, role=t(f"accounts.role.{account.role}", lang)))
    if show:
        click.echo(t("cli.users.generated", lang, name=account.name, password=password))


@users.command("list")
@format_option("table", "csv", "json")
@DB_OPTION
def users_list(output: str, db_path: str | None) -> None:
    """Every account: role, counties, teams, disabled, locked, last sign-in (no passwords)."""
    from geoaq.accounts import store

    with connected(db_path) as con:
        acting(con).require("accounts.manage", "list accounts")
        frame = store.list_accounts(con)
    if output == "table":
        lang = language()
        frame["role"] = frame["role"].map(lambda code: t(f"accounts.role.{code}", lang))
        for column in ("counties", "teams"):
            frame[column] = frame[column].map(lambda values: ",".join(values))
    emit(frame, output)


def _set_disabled(name: str, disabled: bool, db_path: str | None) -> None:
    from geoaq.accounts import store

    with connected(db_path) as con:
        store.set_disabled(con, name, disabled, by=acting(con))
    click.echo(t("cli.users.disabled" if disabled else "cli.users.enabled", language(), name=name))


@users.command("disable")
@click.argument("name")
@DB_OPTION
def users_disable(name: str, db_path: str | None) -> None:
    """Disable account NAME: it cannot sign in, its sessions end."""
    _set_disabled(name, True, db_path)


@users.command("enable")
@click.argument("name")
@DB_OPTION
def users_enable(name: str, db_path: str | None) -> None:
    """Enable account NAME again."""
    _set_disabled(name, False, db_path)


@users.command("reset-password")
@click.argument("name")
@password_options
@DB_OPTION
def users_reset_password(name: str, stdin_password: str | None, generate: bool, db_path: str | None) -> None:
    """A new password for NAME (an administrator, or NAME itself); its sessions end and a lock
    is lifted."""
    from geoaq.accounts import store

    with connected(db_path) as con:
        by = acting(con)
        password, show = _password(stdin_password, generate)
        store.reset_password(con, name, password, by=by)
    lang = language()
    click.echo(t("cli.users.reset", lang, name=name))
    if show:
        click.echo(t("cli.users.generated", lang, name=name, password=password))


@users.command("set-role")
@click.argument("name")
@click.argument("role")
@click.option("--county", "counties", multiple=True,
              help="The counties of the jurisdiction (repeat; replaces the current ones).")
@click.option("--team", "teams", multiple=True, help="The teams (repeat; replaces the current ones).")
@DB_OPTION
def users_set_role(name: str, role: str, counties: tuple[str, ...], teams: tuple[str, ...],
                   db_path: str | None) -> None:
    """Give NAME the ROLE (and with --county/--team its jurisdiction); its sessions end."""
    from geoaq.accounts import store

    with connected(db_path) as con:
        store.set_role(con, name, role, by=acting(con), counties=counties or None, teams=teams or None)
        account = store.get(con, name)
        county_codes, _ = store.scopes(con, account.account_id)
    lang = language()
    click.echo(t("cli.users.role_set", lang, name=account.name, role=t(f"accounts.role.{account.role}", lang),
                 counties=",".join(sorted(county_codes)) or "—"))


@users.command("set-sso")
@click.argument("name")
@click.argument("subject", required=False)
@click.option("--clear", is_flag=True, help="Remove NAME's single sign-on identity.")
@DB_OPTION
def users_set_sso(name: str, subject: str | None, clear: bool, db_path: str | None) -> None:
    """Let the identity provider's SUBJECT (its OIDC "sub", or a verified e-mail address) sign in
    as NAME through single sign-on (st.login); --clear removes it."""
    from geoaq.accounts import store

    if bool(subject) == clear:
        raise click.UsageError("give the SUBJECT, or --clear")
    with connected(db_path) as con:
        store.set_sso(con, name, None if clear else subject, by=acting(con))
        account = store.get(con, name)
    lang = language()
    if clear:
        click.echo(t("cli.users.sso.cleared", lang, name=account.name))
    else:
        click.echo(t("cli.users.sso.set", lang, name=account.name, subject=subject.strip()))


@users.command("history")
@click.argument("name", required=False)
@format_option("table", "csv", "json")
@DB_OPTION
def users_history(name: str | None, output: str, db_path: str | None) -> None:
    """What was done to or by NAME (or every account): created, roles, sign-ins, locks."""
    from geoaq.accounts import store

    with connected(db_path) as con:
        acting(con).require("accounts.manage", "read the accounts' history")
        emit(store.events(con, name), output)
