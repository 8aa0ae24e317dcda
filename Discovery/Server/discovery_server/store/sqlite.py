"""
# The SQLite backend: the embedded default

One file beside the server, no service to run (`:memory:` for a throwaway store). Several server
processes of one machine may share the file: each transaction begins with `BEGIN IMMEDIATE`,
which takes the file's write lock (waiting up to `BUSY_TIMEOUT_S`), so the per-minute cap and
the counts stay exact across them as well.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from .base import Store, Transaction
from .records import StoreUnavailable

DEFAULT_SQLITE_FILE = "discovery_usage.sqlite3"
BUSY_TIMEOUT_S = 10.0

# Version 1 is the schema of the files written before the store was versioned: `IF NOT EXISTS`
# adopts such a file as it is. Times are UTC ISO 8601 text, so `sqlite3 discovery_usage.sqlite3
# 'select * from users'` reads as it should. Version 3 counts each Rpc's work (`Rpc.usage_field`)
# beside its calls: the calls recorded before it were one unit each, as every Rpc counted then.
_MIGRATIONS = (
    (
        "CREATE TABLE IF NOT EXISTS users (uid TEXT PRIMARY KEY, email TEXT, name TEXT, first_seen TEXT NOT NULL, last_seen TEXT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS usage (uid TEXT NOT NULL REFERENCES users(uid), rpc TEXT NOT NULL, calls INTEGER NOT NULL, "
        "errors INTEGER NOT NULL, seconds REAL NOT NULL, PRIMARY KEY (uid, rpc))",
        "CREATE TABLE IF NOT EXISTS approvals (uid TEXT PRIMARY KEY, approved_by TEXT NOT NULL, approved_at TEXT NOT NULL)",
    ),
    (
        "CREATE TABLE minute_calls (uid TEXT NOT NULL, epoch_second INTEGER NOT NULL, calls INTEGER NOT NULL, PRIMARY KEY (uid, epoch_second))",
    ),
    ("ALTER TABLE usage ADD COLUMN units INTEGER NOT NULL DEFAULT 0", "UPDATE usage SET units = calls"),
)


class SqliteStore(Store):
    """The store in one SQLite file.

    WAL with `synchronous=NORMAL` keeps a write per call cheap (no fsync per commit); one
    connection behind a lock serialises this process's worker threads.
    """

    migrations = _MIGRATIONS
    schema_version_ddl = "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)"
    clock_sql = "CAST((julianday('now') - 2440587.5) * 86400 AS INTEGER)"  # unixepoch() needs SQLite 3.38

    def __init__(self, path: str | Path = DEFAULT_SQLITE_FILE) -> None:
        self.path = str(path)
        self._lock = threading.Lock()
        # isolation_level=None: no implicit transactions; each one is an explicit BEGIN IMMEDIATE
        self._db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False)
        _enter_wal(self._db, self.path)
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._migrate()

    def __repr__(self) -> str:
        return f"SqliteStore({self.path!r})"

    @contextmanager
    def _transaction(self) -> Iterator[Transaction]:
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as err:  # the file stayed locked by another process past the timeout
                raise StoreUnavailable(f"the SQLite store {self.path} is busy: {err}") from err
            try:
                yield _SqliteTransaction(self._db)
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _lock_schema(self, tx: Transaction) -> None:
        """`BEGIN IMMEDIATE` already holds the file's write lock."""

    def close(self) -> None:
        with self._lock:
            self._db.close()


def _enter_wal(db: sqlite3.Connection, path: str) -> None:
    """Switch the file to WAL, retrying while another process opens it at the same moment.

    The switch needs the file's exclusive lock, and SQLite answers SQLITE_BUSY at once (without
    its busy handler) while another connection holds that lock to switch or recover: servers
    started together hit it about one start in twelve.
    """
    deadline = time.monotonic() + BUSY_TIMEOUT_S
    while True:
        try:
            db.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as err:
            if "locked" not in str(err) or time.monotonic() > deadline:
                raise StoreUnavailable(f"the SQLite store {path} stayed locked while opening: {err}") from err
            time.sleep(0.01)


class _SqliteTransaction:
    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def execute(self, sql: str, params: Sequence[object] = ()) -> list[tuple[Any, ...]]:
        """sqlite3 takes `?` placeholders and no datetimes (its default adapter is deprecated): both are translated."""
        values = [p.isoformat(timespec="milliseconds") if isinstance(p, datetime) else p for p in params]
        return self._db.execute(sql.replace("%s", "?"), values).fetchall()
