"""A real PostgreSQL for the tests: Debian's initdb and pg_ctl into a temporary folder."""

from __future__ import annotations

import contextlib
import glob
import os
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from server.storage.pg_db import Postgres

# Debian installs the server's programs here, off the PATH, one folder per major version.
DEBIAN_BIN_GLOB = "/usr/lib/postgresql/*/bin"
START_SECONDS = 60.0
MISSING = (
    "PostgreSQL's server programs (initdb, pg_ctl) were not found in {where}. The PostgreSQL "
    "tests need a real server: install Debian's `postgresql` package "
    "(`bash scripts/install-system-deps.sh postgresql`, which `make test` runs)."
)


class PostgresMissing(RuntimeError):
    """initdb/pg_ctl are not installed; the message says how to install them."""


def server_bin() -> Path:
    """The newest installed PostgreSQL's bin folder."""
    found = sorted(
        (Path(p) for p in glob.glob(DEBIAN_BIN_GLOB) if (Path(p) / "initdb").exists()),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
    )
    if not found:
        raise PostgresMissing(MISSING.format(where=DEBIAN_BIN_GLOB))
    return found[-1]


@dataclass
class PostgresCluster:
    """One running PostgreSQL server on a loopback port, owned by the test session."""

    folder: Path
    port: int
    user: str
    password: str
    bin_dir: Path
    pid: int = 0
    _as_postgres: bool = field(default=False, repr=False)

    @property
    def data_dir(self) -> Path:
        return self.folder / "data"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{self.user}:{self.password}@127.0.0.1:{self.port}/{database}"

    def run(self, program: str, *args: str, timeout: float = START_SECONDS) -> str:
        """One of the server's programs, as the user that owns the cluster."""
        command = [str(self.bin_dir / program), *args]
        if self._as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=timeout, cwd=self.folder
        )
        if done.returncode != 0:
            raise RuntimeError(
                f"{program} {' '.join(args)} failed ({done.returncode}):\n{done.stdout}"
                f"{done.stderr}\n{self.log()}"
            )
        return done.stdout

    def log(self) -> str:
        path = self.folder / "server.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def new_database(self) -> str:
        """A fresh, empty database on this server; its URL."""
        import psycopg

        name = "t_" + secrets.token_hex(6)
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        """pg_ctl's fast stop; the postmaster's PID is killed if that does not end it."""
        if not self.pid:
            return
        try:
            self.run("pg_ctl", "-D", str(self.data_dir), "-m", "fast", "-w", "-t", "30", "stop")
        except (RuntimeError, subprocess.TimeoutExpired):
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
        self.pid = 0

    def remove(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def start_postgres(port: int) -> PostgresCluster:
    """initdb a new cluster into a temporary folder and start it on 127.0.0.1:`port`.

    PostgreSQL refuses to run as root: as root, the programs run as the `postgres` user
    (made by Debian's package) in a folder that user owns.
    """
    bin_dir = server_bin()
    as_postgres = os.geteuid() == 0
    folder = Path(tempfile.mkdtemp(prefix="bilang-karyo-pg-"))
    cluster = PostgresCluster(
        folder, port, "bilang", secrets.token_hex(12), bin_dir, _as_postgres=as_postgres
    )
    password_file = folder / "password"
    password_file.write_text(cluster.password + "\n")
    (folder / "socket").mkdir()
    if as_postgres:
        import pwd

        owner = pwd.getpwnam("postgres")
        for path in (folder, password_file, folder / "socket"):
            os.chown(path, owner.pw_uid, owner.pw_gid)
    try:
        cluster.run(
            "initdb",
            "-D",
            str(cluster.data_dir),
            "-U",
            cluster.user,
            "--auth=scram-sha-256",
            f"--pwfile={password_file}",
            "--encoding=UTF8",
            "--locale=C.UTF-8",
        )
        options = (
            f"-p {port} -k {folder / 'socket'} -c listen_addresses=127.0.0.1"
            # The tests never kill PostgreSQL itself, only the app: no need to wait for the disk.
            " -c fsync=off -c max_connections=200"
        )
        cluster.run(
            "pg_ctl",
            "-D",
            str(cluster.data_dir),
            "-l",
            str(folder / "server.log"),
            "-o",
            options,
            "-w",
            "-t",
            str(int(START_SECONDS)),
            "start",
        )
        pid_line = (cluster.data_dir / "postmaster.pid").read_text().splitlines()[0]
        cluster.pid = int(pid_line)
        _wait_accepting(cluster)
    except BaseException:
        cluster.stop()
        cluster.remove()
        raise
    return cluster


def _wait_accepting(cluster: PostgresCluster) -> None:
    import psycopg

    deadline = time.monotonic() + START_SECONDS
    while True:
        try:
            with psycopg.connect(cluster.url(), connect_timeout=2):
                return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"PostgreSQL did not accept connections in {START_SECONDS}s:\n{cluster.log()}"
                ) from None
            time.sleep(0.1)


# One server per test process, started on first use: for the contract tests' makers
# (tests/storage_kinds.py), which get a folder and no fixtures, and the `postgres` fixture.
_running: PostgresCluster | None = None
# Pools opened by the makers, closed after each test (conftest.py).
OPENED: list[Postgres] = []


def running_cluster() -> PostgresCluster:
    global _running
    if _running is None:
        import atexit
        import socket

        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        _running = start_postgres(port)
        atexit.register(_stop_running)
    return _running


def _stop_running() -> None:
    if _running is not None:
        _running.stop()
        _running.remove()


def database_for(folder: Path) -> str:
    """The database of `folder`: a new, empty one the first time, the same one after."""
    marker = folder / "database_url"
    if marker.exists():
        return marker.read_text()
    folder.mkdir(parents=True, exist_ok=True)
    url = running_cluster().new_database()
    marker.write_text(url)
    return url


def opened(db: Postgres) -> Postgres:
    OPENED.append(db)
    return db


def close_opened() -> None:
    while OPENED:
        OPENED.pop().close()
