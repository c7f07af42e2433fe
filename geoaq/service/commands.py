"""Running a command the command line handed over (`geoaq.db.handoff`): the same click
command, with the options the caller parsed, on this process's database, its output sent back
as it is printed.

Output: click writes to ``sys.stdout``/``sys.stderr``; while a handed-over command runs, this
process's streams send what its thread writes to the caller (`ThreadStreams`), and leave every
other thread's output (the app's, the server's log) where it goes.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from contextlib import contextmanager
from typing import Any, TextIO

import click

Reply = Callable[[dict[str, Any]], None]


class ThreadStreams:
    """A text stream standing in for ``sys.stdout`` or ``sys.stderr``: a thread that set a
    target (`capture`) writes there, every other thread to the original stream."""

    def __init__(self, original: TextIO, kind: str) -> None:
        self.original = original
        self.kind = kind
        self.local = threading.local()

    def write(self, text: str | bytes) -> int:
        target = getattr(self.local, "target", None)
        if target is None:
            return self.original.write(text)
        if text:  # click may write bytes (its binary path) and empty flushes
            target({self.kind: text.decode("utf-8", "replace") if isinstance(text, bytes) else text})
        return len(text)

    def flush(self) -> None:
        if getattr(self.local, "target", None) is None:
            self.original.flush()

    def isatty(self) -> bool:
        return False if getattr(self.local, "target", None) is not None else self.original.isatty()

    def __getattr__(self, name: str) -> Any:  # encoding, fileno, … of the original
        return getattr(self.original, name)


_INSTALLED: dict[str, ThreadStreams] = {}
_GUARD = threading.Lock()


def _streams() -> tuple[ThreadStreams, ThreadStreams]:
    with _GUARD:
        if not _INSTALLED:
            _INSTALLED["out"] = ThreadStreams(sys.stdout, "out")
            _INSTALLED["err"] = ThreadStreams(sys.stderr, "err")
            sys.stdout, sys.stderr = _INSTALLED["out"], _INSTALLED["err"]  # type: ignore[assignment]
    return _INSTALLED["out"], _INSTALLED["err"]


@contextmanager
def captured(reply: Reply):
    """While the block runs, what this thread prints goes to `reply`."""
    out, err = _streams()
    out.local.target = err.local.target = reply
    try:
        yield
    finally:
        out.local.target = err.local.target = None


def _context_chain(path: list[str], root_params: dict[str, Any], params: dict[str, Any]) -> click.Context:
    """The contexts of ``geoaq <path…>`` with the caller's parsed options."""
    from geoaq.cli import main

    ctx = click.Context(main, info_name="geoaq")
    ctx.params = dict(root_params)
    command: click.Command = main
    for name in path:
        if not isinstance(command, click.Group):
            raise click.UsageError(f"{' '.join(path)}: not a command")
        sub = command.get_command(ctx, name)
        if sub is None:
            raise click.UsageError(f"no command {name!r}")
        ctx = click.Context(sub, info_name=name, parent=ctx)
        command = sub
    ctx.params = dict(params)
    return ctx


def run_request(request: dict[str, Any], reply: Reply) -> dict[str, Any]:
    """Run one handed-over command; its output through `reply`; returns its exit code."""
    from geoaq.cli._common import error_policy

    code = 0
    with captured(reply):
        try:
            ctx = _context_chain(list(request["command"]), request.get("root", {}), request["params"])
            with ctx, error_policy():
                ctx.command.invoke(ctx)
        except click.ClickException as exc:
            exc.show()
            code = exc.exit_code
        except click.exceptions.Exit as exc:
            code = exc.exit_code
        except click.Abort:
            click.echo("Aborted!", err=True)
            code = 1
    return {"exit_code": code}
