"""geoaq.serve: Streamlit's listening socket, and so every connection, without Nagle's algorithm."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
from streamlit.web.server.starlette import starlette_server

from geoaq import serve


def _nodelay(sock: socket.socket) -> bool:
    return bool(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))


def _accepted(listener: socket.socket) -> socket.socket:
    """A connection accepted on `listener` (blocking for the test's sake)."""
    listener.setblocking(True)
    client = socket.create_connection(listener.getsockname()[:2], timeout=5)
    accepted, _ = listener.accept()
    client.close()
    return accepted


@pytest.fixture
def restored_bind(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Streamlit's own `_bind_socket` back in place after the test."""
    monkeypatch.setattr(starlette_server, "_bind_socket", starlette_server._bind_socket)
    yield


def test_streamlit_binds_without_tcp_protocol_so_asyncio_leaves_nagle_on(restored_bind):
    """The fault this module works around: if Streamlit fixes it, this says so."""
    listener = starlette_server._bind_socket("127.0.0.1", 0, 8)
    try:
        assert listener.proto != socket.IPPROTO_TCP
        accepted = _accepted(listener)
        assert not _nodelay(accepted)
        accepted.close()
    finally:
        listener.close()


def test_install_makes_accepted_connections_inherit_nodelay(restored_bind):
    assert serve.install()
    listener = starlette_server._bind_socket("127.0.0.1", 0, 8)
    try:
        assert _nodelay(listener)
        accepted = _accepted(listener)
        assert _nodelay(accepted)
        accepted.close()
    finally:
        listener.close()


def test_install_wraps_once(restored_bind):
    original = starlette_server._bind_socket
    serve.install()
    wrapped = starlette_server._bind_socket
    serve.install()
    assert starlette_server._bind_socket is wrapped
    assert wrapped.__wrapped__ is original


def test_without_nagle_leaves_non_tcp_sockets_alone():
    datagram = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        assert serve.without_nagle(lambda: datagram)() is datagram  # no TCP option on UDP: no error
    finally:
        datagram.close()


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        ([], ["run", str(serve.APP)]),
        (["--server.port", "8501"], ["run", str(serve.APP), "--server.port", "8501"]),
        (["page.py", "--server.port", "8501"], ["run", "page.py", "--server.port", "8501"]),
    ],
)
def test_run_arguments_default_to_the_app(argv, expected):
    assert serve.run_arguments(argv) == expected
