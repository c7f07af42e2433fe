"""The feed tests' loopback server (`feeds_replay.Replay`), started and stopped per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from feeds_replay import Replay


@pytest.fixture
def replay() -> Iterator[Replay]:
    server = Replay().start()
    try:
        yield server
    finally:
        server.stop()
