"""
# Users and usage

Who called which Rpc, how often, how often it failed and how long it took: what an operator
needs to see who uses the simulators and to bill or throttle them. `UsageStore` is the small
interface the server writes through; `SqliteUsageStore` is the default (one file, no service
to run), and another database only has to implement the same four methods.
"""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Protocol

from discovery_shared import User

DEFAULT_USAGE_DB = "discovery_usage.sqlite3"


@dataclass(frozen=True)
class UserRecord:
    uid: str
    email: str | None
    name: str | None
    first_seen: datetime
    last_seen: datetime


@dataclass(frozen=True)
class UsageRecord:
    """One user's totals for one Rpc; each item of a batch is one call; `seconds` adds up each call's time
    decoding and running the handler (the items of a batch run at once, so it can exceed the wall time)."""

    uid: str
    rpc: str
    calls: int
    errors: int
    seconds: float


class UsageStore(Protocol):
    """Where the server records authenticated calls. Called from worker threads."""

    def record_calls(self, user: User, rpc: str, calls: int, errors: int, seconds: float) -> None:
        """Add `calls` calls of `rpc` by `user`, `errors` of them failed, in one transaction (a batch is one)."""
        ...

    def users(self) -> list[UserRecord]: ...

    def usage(self) -> list[UsageRecord]: ...

    def close(self) -> None: ...


_SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    uid TEXT PRIMARY KEY,
    email TEXT,
    name TEXT,
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS usage (
    uid TEXT NOT NULL REFERENCES users(uid),
    rpc TEXT NOT NULL,
    calls INTEGER NOT NULL,
    errors INTEGER NOT NULL,
    seconds REAL NOT NULL,
    PRIMARY KEY (uid, rpc)
);
"""


class SqliteUsageStore:
    """Users and per-Rpc totals in one SQLite file (`:memory:` for a throwaway store).

    WAL with `synchronous=NORMAL` keeps a write per call cheap (no fsync per commit); one
    connection behind a lock serialises the server's worker threads. Times are UTC ISO 8601
    text, so `sqlite3 discovery_usage.sqlite3 'select * from users'` reads as it should.
    """

    def __init__(self, path: str | Path = DEFAULT_USAGE_DB) -> None:
        self.path = str(path)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)

    def record_calls(self, user: User, rpc: str, calls: int, errors: int, seconds: float) -> None:
        now = datetime.now(timezone.utc).isoformat(timespec="milliseconds")
        with self._lock, self._db:  # one transaction: committed together or rolled back
            self._db.execute(
                "INSERT INTO users (uid, email, name, first_seen, last_seen) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (uid) DO UPDATE SET email = excluded.email, name = excluded.name, last_seen = excluded.last_seen",
                (user.uid, user.email, user.name, now, now),
            )
            self._db.execute(
                "INSERT INTO usage (uid, rpc, calls, errors, seconds) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (uid, rpc) DO UPDATE SET calls = calls + excluded.calls, errors = errors + excluded.errors, "
                "seconds = seconds + excluded.seconds",
                (user.uid, rpc, calls, errors, seconds),
            )

    def users(self) -> list[UserRecord]:
        with self._lock:
            rows = self._db.execute("SELECT uid, email, name, first_seen, last_seen FROM users ORDER BY uid").fetchall()
        return [
            UserRecord(uid, email, name, datetime.fromisoformat(first), datetime.fromisoformat(last))
            for uid, email, name, first, last in rows
        ]

    def usage(self) -> list[UsageRecord]:
        with self._lock:
            rows = self._db.execute("SELECT uid, rpc, calls, errors, seconds FROM usage ORDER BY uid, rpc").fetchall()
        return [UsageRecord(*row) for row in rows]

    def close(self) -> None:
        with self._lock:
            self._db.close()
