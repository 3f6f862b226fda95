"""Staff accounts: Argon2id hashes, checks on names and passwords, and the `user` command."""

from __future__ import annotations

import io
import sqlite3
from pathlib import Path

import pytest

from server.accounts import AccountError, Accounts
from server.cli import main
from server.storage.sqlite_db import DB_NAME, Database


@pytest.fixture
def accounts(tmp_path: Path) -> Accounts:
    return Accounts(Database(tmp_path / "data"))


def test_passwords_are_stored_as_argon2id_hashes(accounts: Accounts, tmp_path: Path) -> None:
    accounts.add("budi", "kata-sandi-rahasia", "test")
    with sqlite3.connect(tmp_path / "data" / DB_NAME) as conn:
        stored = conn.execute("SELECT password_hash FROM accounts").fetchone()[0]
    conn.close()
    assert stored.startswith("$argon2id$")
    assert "kata-sandi-rahasia" not in stored


def test_verify_accepts_only_the_right_password(accounts: Accounts) -> None:
    accounts.add("budi", "kata-sandi-rahasia", "test")
    assert accounts.verify("budi", "kata-sandi-rahasia")
    assert not accounts.verify("budi", "kata-sandi-salah")
    assert not accounts.verify("siti", "kata-sandi-rahasia")


def test_passwd_replaces_the_password(accounts: Accounts) -> None:
    accounts.add("budi", "kata-sandi-lama", "test")
    accounts.set_password("budi", "kata-sandi-baru", "test")
    assert accounts.verify("budi", "kata-sandi-baru")
    assert not accounts.verify("budi", "kata-sandi-lama")


@pytest.mark.parametrize(
    ("name", "password", "message"),
    [
        ("Budi", "kata-sandi-rahasia", "lower-case"),
        ("../budi", "kata-sandi-rahasia", "lower-case"),
        ("b", "kata-sandi-rahasia", "2 to 32"),
        ("budi", "pendek", "at least 10"),
    ],
)
def test_bad_names_and_short_passwords_are_refused(
    accounts: Accounts, name: str, password: str, message: str
) -> None:
    with pytest.raises(AccountError, match=message):
        accounts.add(name, password, "test")
    assert accounts.names() == []


def test_an_account_cannot_be_added_twice(accounts: Accounts) -> None:
    accounts.add("budi", "kata-sandi-rahasia", "test")
    with pytest.raises(AccountError, match="already exists"):
        accounts.add("budi", "kata-sandi-lain-lagi", "test")
    assert accounts.verify("budi", "kata-sandi-rahasia")


def test_user_commands_read_the_password_from_stdin(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    data = ["--data", str(tmp_path / "data")]
    monkeypatch.setattr("sys.stdin", io.StringIO("kata-sandi-rahasia\n"))
    assert main(["user", "add", "budi", *data]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("kata-sandi-kedua\n"))
    assert main(["user", "passwd", "budi", *data]) == 0
    accounts = Accounts(Database(tmp_path / "data"))
    assert accounts.verify("budi", "kata-sandi-kedua")

    assert main(["user", "list", *data]) == 0
    assert "budi" in capsys.readouterr().out
    assert main(["user", "remove", "budi", *data]) == 0
    assert accounts.names() == []
    assert main(["user", "remove", "budi", *data]) == 1
    assert "no account named 'budi'" in capsys.readouterr().err


def test_a_short_password_from_stdin_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("pendek\n"))
    assert main(["user", "add", "budi", "--data", str(tmp_path / "data")]) == 1
    assert "at least 10" in capsys.readouterr().err
