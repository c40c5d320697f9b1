"""The site served by a real gunicorn on loopback, against a database of the test's own.

For the tests that need a second process to see the data (an import running while readers
fetch pages, tests/partystats/test_readers_during_import.py) or real connections (the soak,
tests/partystats/test_soak.py). pytest-django's test database cannot serve them: on SQLite it
lives in the test process's memory, and what a test writes there is never committed. So, as in
tests/imports/test_import_interrupted.py and tests/imports/test_import_commands.py, each module
makes its own database on the suite's backend (a SQLite file; on PostgreSQL, when DATABASE_URL says
so, a database created on that server and dropped at the end) and fills it with `manage.py`
commands in subprocesses.
"""

from __future__ import annotations

import http.client
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

PROJECT = Path(__file__).resolve().parent.parent
SUITE_DATABASE = os.environ.get("DATABASE_URL", "")
ON_POSTGRES = SUITE_DATABASE.startswith(("postgres://", "postgresql://"))
TEST_SETTINGS = "partystats.settings.test"
LOOPBACK = "127.0.0.1"


# ---------------------------------------------------------------------------- databases


class ScratchDatabases:
    """Fresh databases on the suite's backend (`postgres=False`: SQLite files even when the suite
    runs on PostgreSQL); `close()` drops the PostgreSQL ones."""

    def __init__(self, folder: Path, prefix: str, *, postgres: bool = ON_POSTGRES) -> None:
        self.folder = folder
        self.prefix = f"{prefix}_{os.getpid()}"
        self.postgres = postgres
        self.created: list[str] = []

    def create(self, name: str, template: str = "") -> str:
        """A new database's URL: empty, or a copy of the database made as `template`."""
        if not self.postgres:
            path = self.folder / f"{name}.sqlite3"
            if template:
                sqlite_copy(self.folder / f"{template}.sqlite3", path)
            return f"sqlite:///{path}"
        database = f"{self.prefix}_{name}"
        clause = f' TEMPLATE "{self.prefix}_{template}"' if template else ""
        with self._admin() as admin:
            admin.execute(f'CREATE DATABASE "{database}"{clause}')
        self.created.append(database)
        return urlunsplit(urlsplit(SUITE_DATABASE)._replace(path=f"/{database}"))

    def rows(self, database_url: str, sql: str) -> list[tuple]:
        """What `sql` reads, on a connection of its own (on SQLite, opening the file leaves out
        what a killed process had not committed: the frames of its transaction in the -wal file,
        or its hot journal in the rollback journal's mode)."""
        if not self.postgres:
            with sqlite3.connect(database_url.removeprefix("sqlite:///")) as connection:
                return connection.execute(sql).fetchall()
        import psycopg

        url = urlunsplit(urlsplit(database_url)._replace(scheme="postgresql"))
        with psycopg.connect(url) as connection:
            return connection.execute(sql).fetchall()

    def tables(self, database_url: str) -> list[str]:
        if not self.postgres:
            sql = "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
        else:
            sql = (
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
                " AND table_type = 'BASE TABLE' ORDER BY table_name"
            )
        return [name for (name,) in self.rows(database_url, sql)]

    def close(self) -> None:
        if not self.created:
            return
        with self._admin() as admin:
            for database in reversed(self.created):  # FORCE: a server's pooled connections
                admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')

    def _admin(self):
        import psycopg

        server = urlunsplit(urlsplit(SUITE_DATABASE)._replace(scheme="postgresql"))
        return psycopg.connect(server, autocommit=True)


def sqlite_copy(source: Path, target: Path) -> None:
    """A new database file `target` holding what `source` holds, by SQLite's backup. The project's
    databases are in WAL mode (partystats/settings/base.py): committed pages may still sit in
    the -wal file beside `source`, which a copy of the file alone would leave behind."""
    with closing(sqlite3.connect(source)) as original, closing(sqlite3.connect(target)) as copy:
        original.backup(copy)


def manage(
    database_url: str,
    *args: str,
    settings: str = TEST_SETTINGS,
    extra_env: dict[str, str] | None = None,
    timeout: float | None = None,
    **popen,
):
    """`manage.py` in a subprocess against `database_url`: finished, or started when `popen`
    options are given."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": settings,
        **(extra_env or {}),
    }
    command = [sys.executable, str(PROJECT / "manage.py"), *args]
    if popen:
        return subprocess.Popen(command, cwd=PROJECT, env=env, **popen)
    return subprocess.run(
        command, cwd=PROJECT, env=env, capture_output=True, text=True, timeout=timeout
    )


def manage_ok(database_url: str, *args: str, **options) -> str:
    done = manage(database_url, *args, **options)
    assert done.returncode == 0, f"manage.py {' '.join(args)}:\n{done.stdout}{done.stderr}"
    return done.stdout


# ---------------------------------------------------------------------------- the server


@dataclass
class Server:
    """A gunicorn master and its workers, listening on 127.0.0.1:`port`."""

    process: subprocess.Popen
    port: int
    log: Path
    # Sent with every request of the helpers here; the production settings want
    # X-Forwarded-Proto: https, as from the TLS proxy in front of them.
    headers: dict[str, str]

    def connection(self, timeout: float = 30) -> http.client.HTTPConnection:
        return http.client.HTTPConnection(LOOPBACK, self.port, timeout=timeout)

    def fetch(self, url: str) -> bytes:
        """GET on a connection of its own; anything but 200 fails the test."""
        connection = self.connection()
        try:
            connection.request("GET", url, headers=self.headers)
            response = connection.getresponse()
            body = response.read()
        finally:
            connection.close()
        assert response.status == 200, f"{url}: {response.status}\n{body[:500]!r}"
        return body

    def worker_pids(self) -> list[int]:
        """The master's children, read from /proc (psutil is not a dependency)."""
        children = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                # pid (comm) state ppid …; comm may hold spaces, so split after its ")".
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue  # the process ended while we looked
            if int(fields[1]) == self.process.pid:
                children.append(int(stat.parent.name))
        return sorted(children)

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self) -> None:
        """A graceful stop (SIGTERM), then SIGKILL if the master is still there after 30 s."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def server_start(
    database_url: str,
    log: Path,
    *,
    settings: str = TEST_SETTINGS,
    workers: int = 2,
    threads: int = 4,
    extra_env: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
) -> Server:
    """gunicorn on a port the kernel picks (no race for a "free" port), gthread workers so that
    connections are kept alive; returns once the site answers."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": settings,
        **(extra_env or {}),
    }
    command = [
        str(Path(sys.executable).parent / "gunicorn"),
        "partystats.wsgi",
        f"--bind={LOOPBACK}:0",
        f"--workers={workers}",
        "--worker-class=gthread",
        f"--threads={threads}",
        # gunicorn closes a connection idle for 2 s. A reader thread of a test kept from running
        # that long (a loaded CI machine) then finds its kept-alive connection closed, which a
        # browser would silently retry and the tests count as a failed read.
        "--keep-alive=120",
        "--no-control-socket",
        "--log-level=info",  # the "Listening at" line tells the port
    ]
    with log.open("wb") as output:
        process = subprocess.Popen(
            command, cwd=PROJECT, env=env, stdout=output, stderr=subprocess.STDOUT
        )
    server = Server(process, _port_wait(process, log), log, headers or {})
    try:
        _answer_wait(server)
    except BaseException:
        server.stop()
        raise
    return server


def _port_wait(process: subprocess.Popen, log: Path, seconds: float = 60) -> int:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = re.search(rf"Listening at: http://{re.escape(LOOPBACK)}:(\d+)", log.read_text())
        if found:
            return int(found.group(1))
        if process.poll() is not None:
            raise AssertionError(f"gunicorn exited ({process.returncode}):\n{log.read_text()}")
        time.sleep(0.05)
    process.kill()
    raise AssertionError(f"gunicorn never said where it listens:\n{log.read_text()}")


def _answer_wait(server: Server, seconds: float = 60) -> None:
    """Until /api/v1/units answers 200 (Django loaded, database reachable)."""
    deadline = time.monotonic() + seconds
    last = ""
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise AssertionError(f"gunicorn exited:\n{server.log_text()}")
        connection = server.connection(timeout=5)
        try:
            connection.request("GET", "/api/v1/units", headers=server.headers)
            response = connection.getresponse()
            response.read()
            if response.status == 200:
                return
            last = f"status {response.status}"
        except OSError as error:
            last = repr(error)
        finally:
            connection.close()
        time.sleep(0.1)
    raise AssertionError(f"the site never answered ({last}):\n{server.log_text()}")


def rss_bytes(pid: int) -> int:
    """Resident set size of a process, from /proc/<pid>/status (VmRSS, in kB)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError(f"no VmRSS for process {pid}")
