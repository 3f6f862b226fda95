"""Admin sessions (signed cookies backed by session records), CSRF tokens and login throttling."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass

from itsdangerous import BadSignature, Signer

from server.storage.records import Records
from server.storage.rows import SessionRow

SESSION_COOKIE = "bk_admin"
LOGIN_COOKIE = "bk_login"
MAX_SESSION_SECONDS = 12 * 3600  # signed in at most a working day, however active
_TOUCH_SECONDS = 30  # last_seen is written at most this often per session
MAX_DELAY_SECONDS = 5.0


@dataclass(frozen=True)
class Session:
    id_hash: str
    account: str
    csrf: str


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


class SessionStore:
    def __init__(self, db: Records, secret: bytes, idle_seconds: int) -> None:
        self.db = db
        self.signer = Signer(secret, salt="bilang-karyo admin session")
        self.login_signer = Signer(secret, salt="bilang-karyo login form")
        self.idle_seconds = idle_seconds

    def create(self, account: str) -> tuple[str, Session]:
        """The cookie value and the new session."""
        token = secrets.token_urlsafe(32)
        session = Session(_hash(token), account, secrets.token_urlsafe(32))
        now = time.time()
        # Only the hash is stored: a copy of the database cannot be used to sign in.
        self.db.sessions.add(
            SessionRow(session.id_hash, account, session.csrf, now, now),
            idle_since=now - self.idle_seconds,
            made_since=now - MAX_SESSION_SECONDS,
        )
        return self.signer.sign(token).decode(), session

    def load(self, cookie: str | None) -> Session | None:
        if not cookie:
            return None
        try:
            token = self.signer.unsign(cookie).decode()
        except BadSignature:
            return None
        id_hash, now = _hash(token), time.time()
        row = self.db.sessions.get(id_hash)
        if row is None:
            return None
        if row.last_seen < now - self.idle_seconds or row.created_at < now - MAX_SESSION_SECONDS:
            self.db.sessions.remove(id_hash)
            return None
        if row.last_seen < now - _TOUCH_SECONDS:
            self.db.sessions.touch(id_hash, now)
        return Session(id_hash, row.account, row.csrf)

    def end(self, session: Session) -> None:
        self.db.sessions.remove(session.id_hash)

    def login_token(self) -> tuple[str, str]:
        """A token for the login form, and the signed cookie that must come back with it."""
        token = secrets.token_urlsafe(24)
        return token, self.login_signer.sign(token).decode()

    def login_token_matches(self, cookie: str | None, token: str) -> bool:
        if not cookie or not token:
            return False
        try:
            expected = self.login_signer.unsign(cookie).decode()
        except BadSignature:
            return False
        return hmac.compare_digest(expected, token)


def csrf_matches(session: Session, token: str) -> bool:
    return bool(token) and hmac.compare_digest(session.csrf, token)


@dataclass(frozen=True)
class Verdict:
    retry_after: int | None  # seconds; set when the login is refused outright
    delay: float  # seconds to wait before checking the password
    attempt: tuple[int, ...] = ()  # the rows reserved for this try (see LoginThrottle.admit)


@dataclass(frozen=True)
class LoginKeys:
    address: str
    account: str


class LoginThrottle:
    """Counts failed logins per address and per account over a window, atomically.

    Each try reserves its place before the password is checked: in one write
    transaction it counts the failures (and the tries still being checked) and, if
    allowed, records itself as a failure, which a correct password then takes back.
    So 80 simultaneous tries from one address get `lock_after` password checks, not
    80, in this process or any other worker.

    - An address is refused after `lock_after` failures (any accounts).
    - An account is refused after `account_lock_after` failures from all addresses
      together (10x as many by default): someone guessing from one address locks only
      that address out, not the staff member; only many addresses together can lock
      an account, and then for `window_seconds`.

    Addresses are kept only as keyed hashes, and only for the window.
    """

    def __init__(
        self,
        db: Records,
        secret: bytes,
        slow_after: int,
        delay_step: float,
        lock_after: int,
        window_seconds: int,
        account_lock_after: int | None = None,
    ) -> None:
        self.db = db
        self.secret = secret
        self.slow_after = slow_after
        self.delay_step = delay_step
        self.lock_after = lock_after
        self.account_lock_after = account_lock_after or lock_after * 10
        self.window = window_seconds

    def keys(self, account: str, address: str) -> LoginKeys:
        digest = hmac.new(self.secret, address.encode(), hashlib.sha256).hexdigest()[:32]
        return LoginKeys(f"address:{digest}", f"account:{account.lower()[:64]}")

    def admit(self, keys: LoginKeys) -> Verdict:
        """Refuse the try, or reserve it (as a failure until `succeeded`) and say how
        long to wait before checking the password."""
        limits = ((keys.address, self.lock_after), (keys.account, self.account_lock_after))
        throttled = self.db.login_failures.reserve(limits, time.time(), self.window)
        if throttled.retry_after:
            return Verdict(throttled.retry_after, 0.0)
        extra = throttled.counts[keys.address] - self.slow_after + 1
        delay = min(MAX_DELAY_SECONDS, self.delay_step * extra) if extra > 0 else 0.0
        return Verdict(None, delay, throttled.reserved)

    def withdraw(self, verdict: Verdict) -> None:
        """Take back a reserved try whose password was never checked."""
        self.db.login_failures.withdraw(verdict.attempt)

    def succeeded(self, keys: LoginKeys, verdict: Verdict) -> None:
        """The right password: this try was no failure, and its address is trusted again."""
        self.db.login_failures.forgive(verdict.attempt, keys.address)
