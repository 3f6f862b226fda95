"""Staff accounts for the admin, with Argon2id password hashes."""

from __future__ import annotations

import functools
import re

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from server.errors import BilangKaryoError
from server.storage.records import Records
from server.storage.rows import AuditRecord

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
    def __init__(self, db: Records, hasher: PasswordHasher | None = None) -> None:
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
        return self.db.accounts.names()

    def exists(self, name: str) -> bool:
        return self.db.accounts.password_hash(name) is not None

    def add(self, name: str, password: str, actor: str) -> None:
        check_name(name)
        password_hash = self.hasher.hash(check_password(password))
        if not self.db.accounts.add(
            name, password_hash, AuditRecord(actor, "user_add", detail=name)
        ):
            raise AccountError(f"account {name!r} already exists; use `user passwd`")

    def set_password(self, name: str, password: str, actor: str) -> None:
        """A new password; whoever knew the old one is signed out everywhere."""
        password_hash = self.hasher.hash(check_password(password))
        audit = AuditRecord(actor, "user_passwd", detail=name)
        if not self.db.accounts.set_password(name, password_hash, audit):
            raise AccountError(f"no account named {name!r}")

    def remove(self, name: str, actor: str) -> None:
        if not self.db.accounts.remove(name, AuditRecord(actor, "user_remove", detail=name)):
            raise AccountError(f"no account named {name!r}")

    def verify(self, name: str, password: str) -> bool:
        known = self.db.accounts.password_hash(name)
        stored = known if known is not None else self._dummy_hash
        try:
            self.hasher.verify(stored, password[:MAX_PASSWORD])
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False
        if known is None:
            return False
        if self.hasher.check_needs_rehash(stored):
            self.db.accounts.rehash(name, self.hasher.hash(password))
        return True
