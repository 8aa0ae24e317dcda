"""
# The PostgreSQL backend: one store for several servers

`DISCOVERY_USAGE_DB=postgresql://user@host/db` points every server at one database (psycopg 3, a
pool of connections per server), so users, usage, approvals and the per-minute caps are shared:
an approval given on one server's account page admits the account on every server at its next
call, and a user's cap holds across all of them. Servers that start at once migrate the schema
one after the other, under a transaction-scoped advisory lock.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg.conninfo import conninfo_to_dict
from psycopg_pool import ConnectionPool

from .base import Store, Transaction
from .records import StoreUnavailable

URL_SCHEMES = ("postgresql://", "postgres://")
# A server's store operations are short (a few round trips each), so ten connections keep up with
# its worker threads while PostgreSQL's default 100 connections still serve several servers.
POOL_SIZE = 10
CONNECT_TIMEOUT_S = 10
WAIT_FOR_CONNECTION_S = 10.0
STATEMENT_TIMEOUT_S = 10  # a lock held elsewhere (an operator's open transaction) must not hold calls forever
MIGRATION_LOCK = 0x446973636F766572  # "Discover": the advisory lock key every server migrates under

_MIGRATIONS = (
    (
        "CREATE TABLE users (uid TEXT PRIMARY KEY, email TEXT, name TEXT, first_seen TIMESTAMPTZ NOT NULL, last_seen TIMESTAMPTZ NOT NULL)",
        "CREATE TABLE usage (uid TEXT NOT NULL REFERENCES users(uid), rpc TEXT NOT NULL, calls BIGINT NOT NULL, "
        "errors BIGINT NOT NULL, seconds DOUBLE PRECISION NOT NULL, PRIMARY KEY (uid, rpc))",
        "CREATE TABLE approvals (uid TEXT PRIMARY KEY, approved_by TEXT NOT NULL, approved_at TIMESTAMPTZ NOT NULL)",
    ),
    (
        "CREATE TABLE minute_calls (uid TEXT NOT NULL, epoch_second BIGINT NOT NULL, calls INTEGER NOT NULL, PRIMARY KEY (uid, epoch_second))",
    ),
    # each Rpc's work (`Rpc.usage_field`) beside its calls; the calls recorded before were one unit each
    ("ALTER TABLE usage ADD COLUMN units BIGINT NOT NULL DEFAULT 0", "UPDATE usage SET units = calls"),
)


def is_postgres_url(location: str) -> bool:
    return location.startswith(URL_SCHEMES)


class PostgresStore(Store):
    """The store in a PostgreSQL database that several servers may share.

    The URL is libpq's (`postgresql://user@host:5432/db`, `?host=/run/postgresql` for a socket);
    keep the password out of it, in `PGPASSWORD` or `~/.pgpass`, which libpq reads itself.
    """

    migrations = _MIGRATIONS
    schema_version_ddl = "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL)"
    clock_sql = "floor(extract(epoch FROM clock_timestamp()))::bigint"

    def __init__(self, url: str) -> None:
        self._where = _describe(url)
        try:  # one plain connection first: libpq's own words when the server, database or login is wrong
            psycopg.connect(url, connect_timeout=CONNECT_TIMEOUT_S).close()
        except psycopg.OperationalError as err:
            raise StoreUnavailable(f"cannot connect to {self._where}: {err}".strip()) from err
        self._pool = ConnectionPool(
            url,
            min_size=1,
            max_size=POOL_SIZE,
            timeout=WAIT_FOR_CONNECTION_S,
            kwargs={"connect_timeout": CONNECT_TIMEOUT_S},
            configure=_configure,
            check=self._check,
            name="discovery-store",
            open=True,
        )
        try:
            self._migrate()
        except BaseException:
            self._pool.close()
            raise

    def __repr__(self) -> str:
        return f"PostgresStore({self._where})"

    @contextmanager
    def _transaction(self) -> Iterator[Transaction]:
        # The pool's connection block commits at its end and rolls back on an exception.
        try:
            with self._pool.connection() as connection, connection.cursor() as cursor:
                yield _PostgresTransaction(cursor)
        except psycopg.OperationalError as err:
            raise StoreUnavailable(f"{self._where}: {err}".strip()) from err

    def _check(self, connection: psycopg.Connection[Any]) -> None:
        """Before each transaction, one short round trip: a connection the database dropped (a restart,
        a failover) is replaced before an operation uses it, never fails one midway. When one is
        found broken, the others most likely are too: the pool checks all its idle connections at
        once, so the caller waits for one new connection, not for a back-off per broken one."""
        try:
            ConnectionPool.check_connection(connection)
        except psycopg.Error:
            self._pool.check()
            raise

    def _lock_schema(self, tx: Transaction) -> None:
        tx.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))

    def close(self) -> None:
        self._pool.close()


class _PostgresTransaction:
    def __init__(self, cursor: psycopg.Cursor[tuple[Any, ...]]) -> None:
        self._cursor = cursor

    def execute(self, sql: str, params: Sequence[object] = ()) -> list[tuple[Any, ...]]:
        self._cursor.execute(sql, params)
        return self._cursor.fetchall() if self._cursor.description is not None else []


def _configure(connection: psycopg.Connection[Any]) -> None:
    connection.execute("SELECT set_config('statement_timeout', %s, false)", (f"{STATEMENT_TIMEOUT_S}s",))
    connection.commit()


def _describe(url: str) -> str:
    """Where the URL points, without its password (for logs and error messages)."""
    parts = conninfo_to_dict(url)
    host = str(parts.get("host") or "localhost")
    port = f":{parts['port']}" if parts.get("port") else ""
    user = f"{parts['user']}@" if parts.get("user") else ""
    return f"PostgreSQL database {parts.get('dbname') or '(default)'} at {user}{host}{port}"
