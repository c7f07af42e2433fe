"""What every `geoaq` command shares: the options (`--db`, the period, `--format`, `--lang`),
opening the database, printing result tables, parsing dates and `COLUMN=VALUE` pairs, the
progress bar, and the group class that turns every error into one line on stderr.

Language: every line a command prints and every file it writes is worded through
`geoaq.i18n.t` (keys cli.* and the capabilities' own) in `language()`: ``geoaq --lang en …``,
else ``GEOAQ_LANG``, else Chinese.

Error policy (`GeoaqGroup.invoke`, so no command can forget it):

- a `GeoaqError` (a deliberate error: bad input, rules, data) → `Error: <message>`, exit 1;
- an error of the user's files or machine (an `OSError` naming a file, a DuckDB I/O error such
  as a database locked by the app) → `Error: <message>`, exit 1;
- anything else is a bug → `geoaq: internal error (<Type>: <message>); set GEOAQ_DEBUG=1 for
  the traceback`, exit 2; with `GEOAQ_DEBUG=1` the exception propagates with its traceback.
"""

from __future__ import annotations

import errno
import functools
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from typing import TYPE_CHECKING, Any

import click

from geoaq import config
from geoaq._errors import GeoaqError
from geoaq.i18n import Joined, Message, join, say

if TYPE_CHECKING:
    import pandas as pd
    from duckdb import DuckDBPyConnection

#: Set to 1 (anything but empty or 0) to see the traceback of an internal error.
DEBUG_ENV = "GEOAQ_DEBUG"

#: What the command line calls itself in messages and `--help`, however it is started.
PROG_NAME = "geoaq"

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"]}

DB_OPTION = click.option(
    "--db", "db_path", type=click.Path(dir_okay=False), default=None,
    help="DuckDB file (default: $GEOAQ_DB, else data/geoaq.duckdb).",
)

LANG_OPTION = click.option(
    "--lang", "lang", type=click.Choice(config.LANGUAGE_CODES), default=None,
    help="Language of the output and of the files written: zh or en (default: $GEOAQ_LANG, else zh).",
)


AS_OPTION = click.option(
    "--as", "as_account", default=None, metavar="ACCOUNT",
    help="The account this command acts as (default: $GEOAQ_ACCOUNT); what it may do and see "
         "follows that account's role and counties. Commands that change data need one.",
)


def language(chosen: str | None = None) -> str:
    """The language of this run: `chosen` (a command's own --lang), else the group's --lang,
    else ``GEOAQ_LANG``, else zh."""
    if chosen:
        return chosen
    ctx = click.get_current_context(silent=True)
    root = ctx.find_root().params.get("lang") if ctx is not None else None
    return root or config.language()


# --- errors -------------------------------------------------------------------------------------


class InternalError(click.ClickException):
    """An unexpected exception (a bug), shown as one line and exit code 2 instead of a traceback."""

    exit_code = 2

    def __init__(self, exc: BaseException) -> None:
        detail = _one_line(str(exc))
        what = f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__
        super().__init__(f"{PROG_NAME}: internal error ({what}); set {DEBUG_ENV}=1 for the traceback")

    def show(self, file: Any = None) -> None:
        """Print the message as it is (no `Error:` prefix: it already names geoaq)."""
        click.echo(self.format_message(), err=file is None, file=file)


def debugging() -> bool:
    """Whether `$GEOAQ_DEBUG` asks for tracebacks of internal errors."""
    return config.debug()


def _one_line(text: str) -> str:
    return " ".join(text.split())


def environment_error(exc: Exception) -> str | None:
    """The message of an error of the user's files or machine (not a bug), else None.

    An `OSError` naming a file (an output directory that does not exist, no permission) and a
    DuckDB I/O error (a file that is not a database, a database locked by another process).
    """
    if isinstance(exc, OSError) and exc.filename is not None:
        return f"{exc.filename}: {exc.strerror or exc}"
    duckdb = sys.modules.get("duckdb")  # never imported: then the error cannot be one of its own
    if duckdb is not None and isinstance(exc, duckdb.IOException):
        return _one_line(str(exc))
    return None


@contextmanager
def error_policy() -> Iterator[None]:
    """geoaq's error policy (module docstring) around running a command: a `GeoaqError` is one
    line and exit 1, a file or machine error one line, anything else one line and exit 2 (a
    traceback with ``GEOAQ_DEBUG=1``)."""
    try:
        yield
    except (click.ClickException, click.exceptions.Exit, click.Abort):
        raise
    except GeoaqError as exc:
        raise click.ClickException(str(exc)) from None
    except Exception as exc:
        if isinstance(exc, OSError) and exc.errno == errno.EPIPE:
            raise  # `geoaq … | head`: click ends quietly
        message = environment_error(exc)
        if message is not None:
            raise click.ClickException(message) from None
        if debugging():
            raise
        raise InternalError(exc) from exc


#: commands that must run where the database file is, never in its owner (they replace the file)
NOT_HANDED_OVER = {("demo",)}


class GeoaqCommand(click.Command):
    """A command that, when the embedded database it names is held by another process (the
    app's server, see `geoaq.db.handoff`), hands its work to that process — parsed options
    (paths made absolute) and the group's language — and shows what it prints there, instead
    of waiting for the file."""

    def invoke(self, ctx: click.Context) -> Any:
        owner = _database_owner(ctx)
        if owner is None:
            return super().invoke(ctx)
        path = tuple(ctx.command_path.split()[1:])
        if path in NOT_HANDED_OVER:
            raise click.ClickException(
                f"the database is held by the app's server (PID {owner.pid}); stop it before "
                f"`{ctx.command_path}` replaces the file")
        return _hand_over(ctx, owner, path)


def _database_owner(ctx: click.Context) -> Any:
    """The process holding the embedded database `ctx`'s command names, or None."""
    if "db_path" not in ctx.params:
        return None
    from geoaq.db import backend, handoff

    target = backend.database(ctx.params["db_path"])
    return handoff.owner_of(target.path.resolve()) if target.embedded else None


def _absolute_params(ctx: click.Context) -> dict[str, Any]:
    """`ctx.params` with every path option made absolute (the owner runs elsewhere)."""
    kinds = {param.name: param.type for param in ctx.command.params}

    def absolute(value: Any) -> Any:
        if isinstance(value, str | os.PathLike):
            return os.path.abspath(value)
        if isinstance(value, tuple | list):
            return type(value)(absolute(v) for v in value)
        return value

    return {name: absolute(value) if isinstance(kinds.get(name), click.Path) and value is not None else value
            for name, value in ctx.params.items()}


def _hand_over(ctx: click.Context, owner: Any, path: tuple[str, ...]) -> None:
    from geoaq.db import handoff

    click.echo(f"geoaq: the app's server (PID {owner.pid}) holds the database; it runs this",
               err=True)
    # the caller's account and language, from its options or its environment: the service's
    # own environment never decides who a handed-over command acts as ("" = no account)
    root = {**ctx.find_root().params, "as_account": account_name() or "", "lang": language()}
    request = {"command": list(path), "params": _absolute_params(ctx), "root": root}

    def show(message: dict[str, Any]) -> None:
        for stream in ("out", "err"):
            if stream in message:
                click.echo(message[stream], nl=False, err=stream == "err")

    final = handoff.send(owner, request, show)
    if final.get("error"):
        raise click.ClickException(f"the app's server failed to run it: {final['error']}")
    ctx.exit(int(final.get("exit_code", 0)))


class GeoaqGroup(click.Group):
    """A click group that applies geoaq's error policy (`error_policy`) to every command under
    it: the root group's `invoke` runs every subcommand, so a new command or a new subgroup
    cannot miss it. `fires` and `aq` are GeoaqGroups too, and so is any `@group.group()`;
    `@group.command()` makes a `GeoaqCommand`."""

    group_class = type  # `@group.group()` makes a GeoaqGroup
    command_class = GeoaqCommand

    def invoke(self, ctx: click.Context) -> Any:
        with error_policy():
            return super().invoke(ctx)


# --- options ------------------------------------------------------------------------------------


def parse_date(value: str, option: str) -> date:
    """'2025-04-22' → a date; anything else is a usage error naming `option`."""
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"expected YYYY-MM-DD, got {value!r}", param_hint=option) from None


PERIOD_OPTIONS = [
    click.option("--start", required=True, help="First Beijing day, YYYY-MM-DD."),
    click.option("--end", required=True, help="Last Beijing day, YYYY-MM-DD (inclusive)."),
]


def period(command: Callable[..., Any]) -> Callable[..., Any]:
    """Add `--start` and `--end` (Beijing days, inclusive); the command receives them as dates,
    and a period whose start is after its end is refused before any work is done."""

    @functools.wraps(command)
    def checked(*args: Any, start: str, end: str, **kwargs: Any) -> Any:
        first, last = parse_date(start, "--start"), parse_date(end, "--end")
        if first > last:
            raise click.UsageError(f"the period is reversed: --start {first} is after --end {last} "
                                   "(both days are included, so --start must be on or before --end)")
        return command(*args, start=first, end=last, **kwargs)

    for option in reversed(PERIOD_OPTIONS):
        checked = option(checked)
    return checked


def format_option(*choices: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """`--format` among `choices` (the first is the default), passed to the command as `output`."""
    return click.option("--format", "output", type=click.Choice(list(choices)), default=choices[0],
                        show_default=True)


STANDARD_HELP = ("Basis: in-force (each hour and day by the standard in force at its time; a "
                 "period spanning a change is split), or a version for the whole period: 2012 "
                 "(按原标准) or 2026 (按新标准回溯).")


def basis_callback(_ctx: click.Context, _param: click.Parameter, value: str) -> str:
    """--standard in-force|in_force|<version>, checked against the standards files."""
    from geoaq.aq.basis import IN_FORCE, check_basis

    chosen = IN_FORCE if value.replace("-", "_") == IN_FORCE else value
    try:
        return check_basis(chosen)
    except GeoaqError as exc:
        raise click.BadParameter(str(exc)) from None


def standard_option(command: Callable[..., Any]) -> Callable[..., Any]:
    """`--standard` (see `STANDARD_HELP`), passed as `basis`."""
    return click.option("--standard", "basis", default="in-force", show_default=True,
                        callback=basis_callback, help=STANDARD_HELP)(command)


def pairs(values: tuple[str, ...], option: str) -> dict[str, str]:
    """('a=1', 'b = 2') → {'a': '1', 'b': '2'}; an item without '=' is a usage error."""
    found = {}
    for item in values:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise click.BadParameter(f"expected COLUMN=VALUE, got {item!r}", param_hint=option)
        found[key.strip()] = value.strip()
    return found


# --- the database -------------------------------------------------------------------------------


def require_db(db_path: str | None) -> None:
    """Refuse a database file that does not exist (a misspelt `--db` would otherwise be created
    empty and answer "nothing found")."""
    from geoaq.db import backend

    target = backend.database(db_path)
    if not target.embedded:  # a DuckLake is checked by opening it
        return
    path = target.path
    if not path.exists():
        raise click.ClickException(f"database {path} not found (run `geoaq demo`, or load files with "
                                   "`geoaq ingest`)")


@contextmanager
def connected(db_path: str | None, *, read_only: bool = False) -> Iterator[DuckDBPyConnection]:
    """An open connection to an existing database, closed afterwards."""
    from geoaq.db import connection as db

    require_db(db_path)
    con = db.connect(db_path, read_only=read_only, on_wait=lambda message: click.echo(message, err=True))
    try:
        yield con
    finally:
        con.close()


def cli_origin() -> str:
    """Where a command runs from, for the records it writes: ``cli:<user>@<host>``."""
    import getpass
    import socket

    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "?"
    return f"cli:{user}@{socket.gethostname()}"


def account_name() -> str | None:
    """The account named by the group's ``--as``, else ``GEOAQ_ACCOUNT``."""
    ctx = click.get_current_context(silent=True)
    named = ctx.find_root().params.get("as_account") if ctx is not None else None
    if named is not None:  # "" from a handed-over command of a caller without an account
        return named or None
    return config.account()


def acting(con: DuckDBPyConnection, *, required: bool = True) -> Any:
    """The `Actor` of the account this command acts as (``--as``/``GEOAQ_ACCOUNT``); None
    when none is named and `required` is false (a read of the whole city by the file's owner)."""
    from geoaq._errors import AccessDeniedError
    from geoaq.accounts.store import actor_for

    name = account_name()
    if not name:
        if required:
            raise AccessDeniedError(
                "this command changes data: name the account it acts as with `geoaq --as NAME …` "
                "(or GEOAQ_ACCOUNT=NAME)")
        return None
    return actor_for(con, name, origin=cli_origin())


# --- output -------------------------------------------------------------------------------------


def worded(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """`frame` with its messages (a category's reason, a penalty's rule) in `lang`'s words."""
    def word(value: Any) -> Any:
        if isinstance(value, Message | Joined):
            return say(value, lang)
        if isinstance(value, list) and any(isinstance(v, Message | Joined) for v in value):
            return [say(v, lang) for v in value]
        return value

    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object and out[column].map(lambda v: isinstance(v, Message | Joined | list)).any():
            out[column] = out[column].map(word)
    return out


def emit(frame: pd.DataFrame, output: str, lang: str | None = None) -> None:
    """Print a result table as an aligned table, CSV or JSON (lists kept as JSON arrays), its
    messages worded in `lang` (default: the run's language)."""
    lang = language(lang)
    frame = worded(frame, lang)
    if output == "csv":
        flat = frame.copy()
        for column in flat.columns:
            if any(isinstance(v, list) for v in flat[column]):
                flat[column] = flat[column].map(lambda v: join(map(str, v), lang) if isinstance(v, list) else v)
        click.echo(flat.to_csv(index=False), nl=False)
    elif output == "json":
        click.echo(frame.to_json(orient="records", force_ascii=False, date_format="iso", indent=1))
    elif frame.empty:
        click.echo("(none)")
    else:
        click.echo(frame.to_string(index=False, na_rep="—"))


class ProgressBar:
    """A tqdm bar on stderr fed by ingest's progress callback (hidden when not a terminal)."""

    def __init__(self) -> None:
        self.bar = None

    def __call__(self, stage: str, done: int, total: int) -> None:
        from tqdm import tqdm

        if self.bar is None and stage != "reading":
            self.bar = tqdm(total=total, unit=" rows", unit_scale=True, file=sys.stderr,
                            disable=None, leave=False)
        if self.bar is not None:
            self.bar.set_description(stage)
            self.bar.update(done - self.bar.n)
            if stage == "done":
                self.bar.close()
