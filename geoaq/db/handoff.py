"""Work handed to the process that owns an embedded database file.

DuckDB lets one process write a database file (or several only read it). On a machine where
the app runs, its server process opens the file once and keeps it (`hold`); a command that
needs the same file then does not wait for it but hands its work to the server (`send`),
which runs it on a connection of its own — the app's readers see their snapshot meanwhile —
and streams the command's output back. The server advertises itself in a small file beside
the database (``<file>.owner``, readable by its user only): its PID, the address of a local
socket (``AF_UNIX``, in a folder only its user can enter) and a random key that every request
must prove it knows (`multiprocessing.connection`'s HMAC handshake).

What a request does is the owner's business (`Holder` takes a `handle(request, reply)`);
`geoaq.service` runs the command line's commands.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import secrets
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing import AuthenticationError
from multiprocessing.connection import Client, Connection, Listener
from pathlib import Path
from typing import Any

from geoaq._errors import DatabaseBusyError

LOG = logging.getLogger(__name__)
Reply = Callable[[dict[str, Any]], None]


def owner_file(database: Path) -> Path:
    """Where the owner of `database` advertises itself."""
    return database.with_name(database.name + ".owner")


def _socket_dir() -> Path:
    """A folder for the owners' sockets that only this user can enter."""
    folder = Path(tempfile.gettempdir()) / f"geoaq-{os.getuid()}"
    folder.mkdir(mode=0o700, exist_ok=True)
    folder.chmod(0o700)
    return folder


@dataclass(frozen=True)
class Owner:
    """The process holding a database file, as its owner file says."""

    pid: int
    address: str
    key: str

    def alive(self) -> bool:
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:  # another user's process: alive, but not ours to talk to
            return True
        return Path(self.address).exists()


def owner_of(database: Path) -> Owner | None:
    """The live owner of `database`, or None (no owner file, or a stale one)."""
    path = owner_file(database)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        owner = Owner(int(raw["pid"]), str(raw["address"]), str(raw["key"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if owner.pid == os.getpid() or not owner.alive():
        return None
    return owner


def send(owner: Owner, request: dict[str, Any], on_message: Callable[[dict[str, Any]], None],
         timeout_s: float | None = None) -> dict[str, Any]:
    """Send `request` to `owner`; call `on_message` with each message until the final one
    (``{"done": …}``), which is returned."""
    try:
        connection = Client(owner.address, family="AF_UNIX", authkey=bytes.fromhex(owner.key))
    except AuthenticationError:
        raise DatabaseBusyError(f"the database's owner (PID {owner.pid}) refused the request: "
                                "its key does not match (another user's service?)") from None
    except (OSError, EOFError) as exc:
        raise DatabaseBusyError(f"the database's owner (PID {owner.pid}) does not answer on "
                                f"{owner.address}: {exc}") from None
    with connection:
        connection.send(request)
        while True:
            if timeout_s is not None and not connection.poll(timeout_s):
                raise DatabaseBusyError(f"the database's owner (PID {owner.pid}) sent nothing "
                                        f"for {timeout_s:.0f} s")
            try:
                message = connection.recv()
            except EOFError:
                raise DatabaseBusyError(f"the database's owner (PID {owner.pid}) closed the "
                                        "connection before the work was done") from None
            if "done" in message:
                return message
            on_message(message)


class Holder:
    """This process owns `database`: it keeps `keep` (an open connection) and answers requests
    on a local socket with `handle(request, reply)` (each in a thread of its own)."""

    def __init__(self, database: Path, keep: Any, handle: Callable[[dict[str, Any], Reply], dict[str, Any]]):
        self.database = database.resolve()
        self.keep = keep
        self.handle = handle
        digest = hashlib.sha256(str(self.database).encode("utf-8")).hexdigest()[:16]
        self.address = str(_socket_dir() / f"{digest}.sock")
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.address)  # a stale socket of a killed owner (its file lock is gone)
        self.key = secrets.token_hex(32)
        self.listener = Listener(self.address, family="AF_UNIX", authkey=bytes.fromhex(self.key))
        os.chmod(self.address, 0o600)
        self._write_owner_file()
        self.thread = threading.Thread(target=self._accept, name="geoaq-handoff", daemon=True)
        self.thread.start()

    def _write_owner_file(self) -> None:
        path = owner_file(self.database)
        partial = path.with_name(f".{path.name}.{os.getpid()}")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump({"pid": os.getpid(), "address": self.address, "key": self.key}, out)
        partial.replace(path)

    def _accept(self) -> None:
        while True:
            try:
                connection = self.listener.accept()
            except OSError:  # closed
                return
            except Exception:  # a client that failed the handshake: refused, keep serving
                LOG.warning("geoaq: a request to the database's owner was refused", exc_info=True)
                continue
            threading.Thread(target=self._serve, args=(connection,), name="geoaq-handoff-request",
                             daemon=True).start()

    def _serve(self, connection: Connection) -> None:
        with connection:
            try:
                request = connection.recv()
                final = self.handle(request, connection.send)
            except (EOFError, OSError):
                return  # the client went away
            except Exception as exc:  # the owner never dies of a request
                LOG.warning("geoaq: a handed-over request failed", exc_info=True)
                final = {"done": True, "exit_code": 2, "error": f"{type(exc).__name__}: {exc}"}
            with contextlib.suppress(OSError, EOFError):
                connection.send({"done": True, **final})

    def close(self) -> None:
        """Stop answering and give the database up."""
        with contextlib.suppress(OSError):
            self.listener.close()
        with contextlib.suppress(FileNotFoundError):
            owner_file(self.database).unlink()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.address)
        with contextlib.suppress(Exception):
            self.keep.close()
