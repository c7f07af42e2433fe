"""Passwords: stored only as argon2id hashes (argon2-cffi), checked against a simple policy.

`hash_password` and `verify` use `HASHER` (argon2-cffi's recommended parameters); a hash made
with weaker parameters is re-made on the next successful sign-in (`needs_rehash`). A sign-in
for a name that has no account still verifies against a dummy hash, so the time taken does
not tell whether the name exists.
"""

from __future__ import annotations

import contextlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from geoaq._errors import AccountError

HASHER = PasswordHasher()
MIN_LENGTH = 10
_DUMMY: dict[str, str] = {}


def check_policy(password: str, name: str) -> None:
    """Refuse a password shorter than MIN_LENGTH, of one repeated character, or holding the
    account's name."""
    if not isinstance(password, str) or len(password) < MIN_LENGTH:
        raise AccountError(f"a password needs at least {MIN_LENGTH} characters")
    if len(set(password)) < 4:
        raise AccountError("a password needs at least 4 different characters")
    if name and name.lower() in password.lower():
        raise AccountError("a password must not contain the account's name")


def hash_password(password: str) -> str:
    return HASHER.hash(password)


def verify(stored_hash: str | None, password: str) -> bool:
    """Whether `password` matches `stored_hash` (a dummy hash when None: same work, False)."""
    if stored_hash is None:
        key = repr(HASHER)
        if key not in _DUMMY:
            _DUMMY[key] = HASHER.hash(secrets.token_urlsafe(16))
        stored_hash, password = _DUMMY[key], password + "\x00never"
        with contextlib.suppress(VerifyMismatchError, VerificationError, InvalidHashError):
            HASHER.verify(stored_hash, password)
        return False
    try:
        return HASHER.verify(stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    try:
        return HASHER.check_needs_rehash(stored_hash)
    except InvalidHashError:
        return True


def generate_password() -> str:
    """A random password (16 URL-safe characters) for a demo or a reset that prints it once."""
    while True:
        candidate = secrets.token_urlsafe(12)
        if len(set(candidate)) >= 4:
            return candidate
