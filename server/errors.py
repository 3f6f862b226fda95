"""The one error base: what a person is told (a message key) and the HTTP status it answers with.

Every error the site explains to someone (staff in the admin or the CLI, an applicant
posting feedback, IT staff starting the server) subclasses `BilangKaryoError`:

- `key` names the message in pwa/messages.toml, as `message_prefix + key`
  (`refuse_too_large`, `feedback_err_rate`); both languages say what was wrong
  and what to do;
- `status` is the HTTP status a web request gets for it (one handler answers
  them all: server/error_handler.py);
- `detail` is the English specifics (a name, a limit), shown under the message,
  in the CLI and in the log; it is also `str(error)`;
- `headers` go with the answer (`Retry-After`).

A subclass that only carries a message (`CatalogError("...")`) needs no constructor;
the others keep their own names and constructors, so code that raises or catches
`PublishError`, `Refused`, `CatalogError`, ... reads as before. A few exceptions that
never reach a person (a range past the end of a file, a stopped render) stay plain
signals inside their modules.
"""

from __future__ import annotations

from typing import ClassVar


class BilangKaryoError(Exception):
    """An error the site explains: a message key for people, an HTTP status, the details."""

    # Defaults of a subclass; an instance may set its own.
    status: int = 500
    key: str = "unexpected"
    message_prefix: ClassVar[str] = "refuse_"

    def __init__(
        self,
        detail: str = "",
        key: str | None = None,
        *,
        status: int | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail or key or self.key)
        if key is not None:
            self.key = key
        if status is not None:
            self.status = status
        self.detail = detail
        self.headers: dict[str, str] = dict(headers or {})

    @property
    def message_key(self) -> str:
        """The message in pwa/messages.toml that tells people what was wrong."""
        return self.message_prefix + self.key


class Refused(BilangKaryoError):
    """A request turned down with a message saying why (`refuse_<key>`); nothing changed."""

    status = 400

    def __init__(
        self, status: int, key: str, detail: str = "", headers: dict[str, str] | None = None
    ) -> None:
        if status == 429 and detail.isdigit() and headers is None:
            headers = {"Retry-After": detail}
        super().__init__(detail, key, status=status, headers=headers)


class ConfigError(BilangKaryoError):
    """A setting, the office file or the message file is unusable: the server does not start.

    The message (`str(error)`) says which file or field and what is wrong.
    """

    key = "config"
