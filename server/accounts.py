"""Staff accounts for the admin, with Argon2id password hashes."""

from __future__ import annotations

import functools
import re

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from server.audit import record
from server.db import Database, utc_now
from server.errors import BilangKaryoError

NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{1,31}$")
MIN_PASSWORD = 10
MAX_PASSWORD = 1024


class AccountError(BilangKaryoError):
    """An account cannot be added or changed; the message says why."""


def check_name(name: str) -> str:
    if not NAME_PATTERN.fullmatch(name):
        raise AccountError(
            f"account name {name!r}: use 2 to 32 lower-case letters, digits, '.', '_' or '-'"
        )
    return name


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"the password must have at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise AccountError(f"the password may have at most {MAX_PASSWORD} characters")
    return password


class Accounts:
    def __init__(self, db: Database, hasher: PasswordHasher | None = None) -> None:
        self.db = db
        # argon2-cffi's default type is Argon2id.
        self.hasher = hasher or PasswordHasher()

    @functools.cached_property
    def _dummy_hash(self) -> str:
        """Verifying against this when the account does not exist takes as long as a real
        check, so response times do not tell which names exist. Made on first use: one
        Argon2id hash needs 64 MiB, which the public site should not hold from start-up."""
        return self.hasher.hash("not a real password")

    def names(self) -> list[str]:
        with self.db.connect() as conn:
            return [row[0] for row in conn.execute("SELECT name FROM accounts ORDER BY name")]

    def exists(self, name: str) -> bool:
        with self.db.connect() as conn:
            row = conn.execute("SELECT 1 FROM accounts WHERE name = ?", (name,)).fetchone()
        return row is not None

    def add(self, name: str, password: str, actor: str) -> None:
        check_name(name)
        password_hash = self.hasher.hash(check_password(password))
        now = utc_now()
        with self.db.connect() as conn:
            if conn.execute("SELECT 1 FROM accounts WHERE name = ?", (name,)).fetchone():
                raise AccountError(f"account {name!r} already exists; use `user passwd`")
            conn.execute(
                "INSERT INTO accounts (name, password_hash, created_at, password_changed_at)"
                " VALUES (?, ?, ?, ?)",
                (name, password_hash, now, now),
            )
            record(conn, actor, "user_add", detail=name)

    def set_password(self, name: str, password: str, actor: str) -> None:
        password_hash = self.hasher.hash(check_password(password))
        with self.db.connect() as conn:
            changed = conn.execute(
                "UPDATE accounts SET password_hash = ?, password_changed_at = ? WHERE name = ?",
                (password_hash, utc_now(), name),
            ).rowcount
            if not changed:
                raise AccountError(f"no account named {name!r}")
            # Whoever knew the old password is signed out everywhere.
            conn.execute("DELETE FROM sessions WHERE account = ?", (name,))
            record(conn, actor, "user_passwd", detail=name)

    def remove(self, name: str, actor: str) -> None:
        with self.db.connect() as conn:
            conn.execute("DELETE FROM sessions WHERE account = ?", (name,))
            if not conn.execute("DELETE FROM accounts WHERE name = ?", (name,)).rowcount:
                raise AccountError(f"no account named {name!r}")
            record(conn, actor, "user_remove", detail=name)

    def verify(self, name: str, password: str) -> bool:
        with self.db.connect() as conn:
            row = conn.execute(
                "SELECT password_hash FROM accounts WHERE name = ?", (name,)
            ).fetchone()
        stored = row[0] if row else self._dummy_hash
        try:
            self.hasher.verify(stored, password[:MAX_PASSWORD])
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False
        if row is None:
            return False
        if self.hasher.check_needs_rehash(stored):
            with self.db.connect() as conn:
                conn.execute(
                    "UPDATE accounts SET password_hash = ? WHERE name = ?",
                    (self.hasher.hash(password), name),
                )
        return True
