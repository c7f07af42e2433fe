"""The app's pages under AppTest run signed in: `_signed_in` makes every session an
administrator's (an `Actor` without a database row), except in tests that ask for
``real_sign_in``, which go through the sign-in page itself (tests/app/test_sign_in.py)."""

from __future__ import annotations

import pytest

from geoaq.accounts.roles import Actor

TEST_ADMIN = Actor(account_id=0, name="test-admin", role="admin", origin="test")


@pytest.fixture
def real_sign_in() -> None:
    """Ask for the real sign-in page (no account is signed in beforehand)."""


@pytest.fixture
def signed_in_as(monkeypatch):
    """Sign every session in as the Actor given: ``signed_in_as(actor)``."""
    from geoaq.web import auth

    def sign(actor: Actor) -> Actor:
        monkeypatch.setattr(auth, "session_actor", lambda address: actor)
        return actor

    return sign


@pytest.fixture(autouse=True)
def _signed_in(request, monkeypatch) -> None:
    if "real_sign_in" in request.fixturenames:
        return
    from geoaq.web import auth

    monkeypatch.setattr(auth, "session_actor", lambda address: TEST_ADMIN)
