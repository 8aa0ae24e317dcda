"""
# The store's logic, written once

`Store` holds everything the server asks of its database (usage, users, approvals, the per-minute
counts, the schema's migrations) as SQL that SQLite and PostgreSQL both run: `INSERT ... ON
CONFLICT` upserts and `%s` placeholders. A backend (sqlite.py, postgres.py) supplies only what
differs: how a transaction is opened and what serialises it, the DDL of each schema version, and
the SQL of the database's clock.

The per-minute cap is counted here, in the database, so that every server sharing the store
holds one cap: the calls of the last 60 seconds sit in per-second rows of `minute_calls`, and one
transaction locks the user's row, reads the window and adds the new calls only if they fit.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Sequence
from contextlib import AbstractContextManager
from datetime import datetime, timezone
from itertools import accumulate
from typing import Any, ClassVar, Protocol

from discovery_shared import User

from .records import StoreSchemaError, UsageRecord, UserRecord

log = logging.getLogger("discovery_server.store")

WINDOW_SECONDS = 60


class Transaction(Protocol):
    """One open transaction of a backend; `sql` uses `%s` placeholders."""

    def execute(self, sql: str, params: Sequence[object] = ()) -> list[tuple[Any, ...]]: ...


class Store(ABC):
    """Users, usage, approvals and per-minute counts of one database. Called from worker threads.

    Subclasses set the class attributes and open transactions; then call `_migrate()` before use.
    """

    migrations: ClassVar[tuple[tuple[str, ...], ...]]
    """The DDL of each schema version, in order: version n is `migrations[n - 1]`."""
    schema_version_ddl: ClassVar[str]
    clock_sql: ClassVar[str]
    """An SQL expression of the database's clock in whole epoch seconds: one clock for every server."""

    @abstractmethod
    def _transaction(self) -> AbstractContextManager[Transaction]:
        """A transaction that commits when the block ends and rolls back if it raises; connection
        failures and lock timeouts leave it as `StoreUnavailable`."""

    @abstractmethod
    def _lock_schema(self, tx: Transaction) -> None:
        """Hold, until `tx` ends, the lock that keeps two servers from migrating the schema at once."""

    @abstractmethod
    def close(self) -> None: ...

    def _migrate(self) -> None:
        """Bring the schema to the newest version, every step in one transaction."""
        with self._transaction() as tx:
            self._lock_schema(tx)
            tx.execute(self.schema_version_ddl)
            ((found,),) = tx.execute("SELECT max(version) FROM schema_version")
            current = found or 0
            newest = len(self.migrations)
            if current > newest:
                raise StoreSchemaError(
                    f"the store's schema is at version {current}, newer than this server's {newest}: "
                    "upgrade discovery_server on this server too"
                )
            for version in range(current + 1, newest + 1):
                for statement in self.migrations[version - 1]:
                    tx.execute(statement)
                tx.execute("INSERT INTO schema_version (version, applied_at) VALUES (%s, %s)", (version, _now()))
        if current < newest:
            log.info("%r: schema migrated from version %d to %d", self, current, newest)

    def record_calls(self, user: User, rpc: str, calls: int, errors: int, seconds: float, units: int | None = None) -> None:
        """Add `calls` calls of `rpc` by `user`, `errors` of them failed, that did `units` units of work
        (`Rpc.usage_field`; `None`: one per call), in one transaction (a batch is one)."""
        with self._transaction() as tx:
            _seen(tx, user, "")
            tx.execute(
                "INSERT INTO usage (uid, rpc, calls, errors, seconds, units) VALUES (%s, %s, %s, %s, %s, %s) "
                "ON CONFLICT (uid, rpc) DO UPDATE SET calls = usage.calls + excluded.calls, "
                "errors = usage.errors + excluded.errors, seconds = usage.seconds + excluded.seconds, "
                "units = usage.units + excluded.units",
                (user.uid, rpc, calls, errors, seconds, calls if units is None else units),
            )

    def take_calls(self, user: User, calls: int, per_minute: int) -> int | None:
        """Count `calls` calls of `user` now if the last 60 seconds (of every server) leave room under
        `per_minute`: None. Else nothing is counted, and the answer is the seconds until they would fit.

        Upserting the user's row first locks it until the transaction ends (SQLite's `BEGIN
        IMMEDIATE` locks the whole file), so two servers' calls of one user take turns here and
        the window never holds more than `per_minute`.
        """
        if calls > per_minute:
            raise ValueError(f"{calls} calls can never fit under a cap of {per_minute} per minute")
        with self._transaction() as tx:
            now = int(_seen(tx, user, f" RETURNING {self.clock_sql}")[0][0])
            tx.execute("DELETE FROM minute_calls WHERE uid = %s AND epoch_second <= %s", (user.uid, now - WINDOW_SECONDS))
            window = tx.execute("SELECT epoch_second, calls FROM minute_calls WHERE uid = %s ORDER BY epoch_second", (user.uid,))
            excess = sum(count for _, count in window) + calls - per_minute
            if excess > 0:
                return _seconds_until_room(window, excess, now)
            tx.execute(
                "INSERT INTO minute_calls (uid, epoch_second, calls) VALUES (%s, %s, %s) "
                "ON CONFLICT (uid, epoch_second) DO UPDATE SET calls = minute_calls.calls + excluded.calls",
                (user.uid, now, calls),
            )
        return None

    def users(self) -> list[UserRecord]:
        with self._transaction() as tx:
            rows = tx.execute("SELECT uid, email, name, first_seen, last_seen FROM users ORDER BY uid")
        return [UserRecord(uid, email, name, _instant(first), _instant(last)) for uid, email, name, first, last in rows]

    def usage(self) -> list[UsageRecord]:
        with self._transaction() as tx:
            rows = tx.execute("SELECT uid, rpc, calls, errors, seconds, units FROM usage ORDER BY uid, rpc")
        return [UsageRecord(*row) for row in rows]

    def approve(self, uid: str, by: str) -> None:
        """Record that operator `by` approved `uid`; a second approval keeps the first."""
        with self._transaction() as tx:
            tx.execute(
                "INSERT INTO approvals (uid, approved_by, approved_at) VALUES (%s, %s, %s) ON CONFLICT (uid) DO NOTHING",
                (uid, by, _now()),
            )

    def is_approved(self, uid: str) -> bool:
        """Read on the call itself, never cached: an approval on any server admits the account on its next call."""
        with self._transaction() as tx:
            return bool(tx.execute("SELECT 1 FROM approvals WHERE uid = %s", (uid,)))

    def approved(self) -> set[str]:
        with self._transaction() as tx:
            return {uid for (uid,) in tx.execute("SELECT uid FROM approvals")}


def _seen(tx: Transaction, user: User, returning: str) -> list[tuple[Any, ...]]:
    """Insert or refresh the user's row (which locks it until `tx` ends)."""
    now = _now()
    return tx.execute(
        "INSERT INTO users (uid, email, name, first_seen, last_seen) VALUES (%s, %s, %s, %s, %s) "
        "ON CONFLICT (uid) DO UPDATE SET email = excluded.email, name = excluded.name, last_seen = excluded.last_seen" + returning,
        (user.uid, user.email, user.name, now, now),
    )


def _seconds_until_room(window: Sequence[tuple[Any, ...]], excess: int, now: int) -> int:
    """When enough of the oldest seconds of `window` (oldest first) have left it to free `excess` calls."""
    leaving = accumulate(int(count) for _, count in window)
    second = next(int(second) for (second, _), left in zip(window, leaving, strict=True) if left >= excess)
    return max(1, second + WINDOW_SECONDS - now)


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _instant(value: datetime | str) -> datetime:
    """PostgreSQL answers a `timestamptz` as a datetime; SQLite keeps ISO 8601 text."""
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)
