"""
# Approval records

Which accounts an operator approved, kept by the server in its usage database (a table of its
own beside `users` and `usage`). The server checks this record on every call, so an approval
admits the account on its very next call; the `approved` custom claim set alongside it only
reaches a token when the token is next minted (within the hour), which is too late to be the
check, but lets other servers of the same Firebase project admit the user too.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import datetime, timezone
from pathlib import Path

_SCHEMA = """
CREATE TABLE IF NOT EXISTS approvals (
    uid TEXT PRIMARY KEY,
    approved_by TEXT NOT NULL,
    approved_at TEXT NOT NULL
);
"""


class SqliteApprovals:
    """Approved uids in one SQLite file (WAL, as the usage store keeps it).

    A connection per operation, none held open: the server reads the record only for a caller whose
    token does not admit them yet (refused, or approved within the last hour), so this is rare, and
    the store needs no closing when the app stops.
    """

    def __init__(self, path: str | Path) -> None:
        self._path = str(path)
        with self._connect() as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(_SCHEMA)

    def approve(self, uid: str, by: str) -> None:
        now = datetime.now(timezone.utc).isoformat(timespec="milliseconds")
        with self._connect() as db, db:  # one transaction
            db.execute(
                "INSERT INTO approvals (uid, approved_by, approved_at) VALUES (?, ?, ?) ON CONFLICT (uid) DO NOTHING",
                (uid, by, now),
            )

    def is_approved(self, uid: str) -> bool:
        with self._connect() as db:
            return db.execute("SELECT 1 FROM approvals WHERE uid = ?", (uid,)).fetchone() is not None

    def approved(self) -> set[str]:
        with self._connect() as db:
            return {uid for (uid,) in db.execute("SELECT uid FROM approvals")}

    def _connect(self) -> closing[sqlite3.Connection]:
        return closing(sqlite3.connect(self._path, timeout=10.0))
