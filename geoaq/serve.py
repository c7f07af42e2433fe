"""Start the Streamlit app with Nagle's algorithm off on its connections (``python -m geoaq.serve``).

Streamlit's Starlette server (1.67) binds its listening socket itself, created without a
protocol number, and asyncio only switches Nagle's algorithm off (``TCP_NODELAY``) on accepted
sockets whose protocol is TCP. So every response on a kept-alive connection, written as headers
then body, waits for the browser's delayed ACK: about 40 ms each on Linux. A new browser fetches
some 60 of Streamlit's script files that way, six connections at a time, and the app's
WebSocket messages are held back the same way. Accepted sockets inherit ``TCP_NODELAY`` from
the listening one, so setting it there once fixes every connection.

    python -m geoaq.serve [SCRIPT.py] [streamlit run options...]   # app.py unless a script is named
"""

from __future__ import annotations

import socket
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

APP = Path(__file__).resolve().parents[1] / "app.py"


def without_nagle(bind: Callable[..., socket.socket]) -> Callable[..., socket.socket]:
    """`bind`, wrapped so that the TCP socket it returns has ``TCP_NODELAY`` set."""

    def bind_without_nagle(*args: Any, **kwargs: Any) -> socket.socket:
        sock = bind(*args, **kwargs)
        if sock.family in (socket.AF_INET, socket.AF_INET6) and sock.type == socket.SOCK_STREAM:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock

    bind_without_nagle.__wrapped__ = bind  # type: ignore[attr-defined]
    return bind_without_nagle


def install() -> bool:
    """Wrap Streamlit's socket binding (once); False where this Streamlit binds no socket itself."""
    try:
        from streamlit.web.server.starlette import starlette_server
    except ImportError:
        return False
    bind = getattr(starlette_server, "_bind_socket", None)
    if bind is None:
        return False
    if not hasattr(bind, "__wrapped__"):
        starlette_server._bind_socket = without_nagle(bind)
    return True


def run_arguments(argv: list[str]) -> list[str]:
    """``streamlit run``'s arguments for `argv`: the script it names first, else the app."""
    if argv and not argv[0].startswith("-"):
        return ["run", *argv]
    return ["run", str(APP), *argv]


def main(argv: list[str] | None = None) -> None:
    """``streamlit run`` on `argv` (see `run_arguments`), on sockets without Nagle's algorithm."""
    from streamlit.web import cli

    install()
    sys.argv = ["streamlit", *run_arguments(sys.argv[1:] if argv is None else argv)]
    sys.exit(cli.main())


if __name__ == "__main__":
    main()
