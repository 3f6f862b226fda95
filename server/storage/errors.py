"""The one error the records raise when they cannot be used: `DatabaseProblem`."""

from __future__ import annotations

from server.errors import BilangKaryoError


class DatabaseProblem(BilangKaryoError):
    """The database cannot be used; the message says what is wrong and what to do.

    `key` names the staff message (messages.toml `refuse_<key>`): db_missing, db_damaged,
    db_full, db_busy, and for a server database db_unreachable.
    """

    status = 503

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message, key, headers={"Retry-After": "60"})
