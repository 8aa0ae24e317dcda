"""A real PostgreSQL, started once per test session in a temporary directory, and a fresh database
per test (fixtures `postgres` and `postgres_url`, registered by tests/conftest.py for tests/store and tests/account).

The cluster is Debian's `postgresql` (installed by scripts/install_dev.sh): `initdb` and `pg_ctl`
from PATH, else from /usr/lib/postgresql/<version>/bin, where the package puts them. It listens on
a unix socket in its own directory only (no TCP port at all) and trusts whoever connects there.
`initdb` refuses to run as root, so as root (CI) the cluster runs as the package's `postgres`
user (else `nobody`), in a directory of /tmp that user owns.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

INSTALL = "apt-get install postgresql (scripts/install_dev.sh installs it)"
SUPERUSER = "discovery"
START_TIMEOUT_S = 60


@dataclass(frozen=True)
class Postgres:
    socket_dir: Path

    def url(self, database: str) -> str:
        return f"postgresql://{SUPERUSER}@/{database}?host={self.socket_dir}"

    def new_database(self) -> str:
        """The URL of a new, empty database: each test's store starts from nothing."""
        name = f"t_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.url("postgres"), autocommit=True) as db:
            db.execute(f"CREATE DATABASE {name}")  # a generated name: no injection to fear
        return self.url(name)


def binaries() -> Path:
    """The directory of `initdb` and `pg_ctl`, or a failed test naming the install command."""
    found = shutil.which("initdb")
    candidates = [Path(found).resolve().parent] if found else []
    versions = Path("/usr/lib/postgresql").glob("*/bin")
    candidates += sorted(versions, key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0, reverse=True)
    for directory in candidates:
        if (directory / "initdb").exists() and (directory / "pg_ctl").exists():
            return directory
    pytest.fail(f"PostgreSQL's initdb and pg_ctl were not found (PATH, /usr/lib/postgresql/*/bin): {INSTALL}")


@pytest.fixture(scope="session")
def postgres() -> Iterator[Postgres]:
    bin_dir = binaries()
    as_user: list[str] = []
    workdir = Path(tempfile.mkdtemp(prefix="discovery-postgres-"))  # in /tmp: pytest's own tmp tree is root's alone
    if os.geteuid() == 0:
        user = "postgres" if _exists("postgres") else "nobody"
        os.chown(workdir, pwd.getpwnam(user).pw_uid, pwd.getpwnam(user).pw_gid)
        as_user = ["runuser", "-u", user, "--"]
    data, log = workdir / "data", workdir / "postgres.log"
    try:
        _run([*as_user, str(bin_dir / "initdb"), "-D", str(data), "-U", SUPERUSER, "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C"])
        options = f"-c listen_addresses='' -c unix_socket_directories={workdir} -c fsync=off -c max_connections=200"
        start = [str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(log), "-w", "-t", str(START_TIMEOUT_S), "-o", options, "start"]
        _run([*as_user, *start], log)
        try:
            yield Postgres(workdir)
        finally:
            _run([*as_user, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"], log)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture
def postgres_url(postgres: Postgres) -> str:
    """A new, empty database of the session's PostgreSQL."""
    return postgres.new_database()


def _exists(user: str) -> bool:
    try:
        pwd.getpwnam(user)
    except KeyError:
        return False
    return True


def _run(argv: list[str], log: Path | None = None) -> None:
    done = subprocess.run(argv, capture_output=True, text=True, timeout=START_TIMEOUT_S + 30, check=False)
    if done.returncode != 0:
        server_log = log.read_text()[-3000:] if log is not None and log.exists() else ""
        pytest.fail(f"{' '.join(argv)} failed ({done.returncode}):\n{done.stdout}{done.stderr}{server_log}")
