"""The store on each backend (a real SQLite file, a real PostgreSQL database): usage and approvals,
the per-minute window and its exactness when two stores (two servers) take calls at once, and the
versioned schema: migrated once when servers start together, old SQLite files adopted, a newer
schema refused."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict

import discovery_server as ds
from discovery_shared import User

from .conftest import Postgres

OpenStore = Callable[[str], ds.Store]

ADA = User(uid="u-ada", email="ada@example.com", name="Ada")
BOB = User(uid="u-bob", email="bob@example.com", name="Bob")


def query(location: str, sql: str, params: tuple[object, ...] = ()) -> list[tuple[Any, ...]]:
    """Run `sql` (`%s` placeholders) on the store's database directly, as an operator's script would."""
    if location.startswith("postgresql://"):
        with psycopg.connect(location, autocommit=True) as pg:
            cursor = pg.execute(sql, params)
            return cursor.fetchall() if cursor.description else []
    with closing(sqlite3.connect(location)) as db, db:
        return db.execute(sql.replace("%s", "?"), params).fetchall()


def test_record_calls_adds_each_call_and_error(location: str, open_store: OpenStore) -> None:
    store = open_store(location)
    store.record_calls(ADA, "simulate", calls=64, errors=3, seconds=0.5)
    store.record_calls(ADA, "simulate", calls=1, errors=0, seconds=0.25)
    store.record_calls(ADA, "other", calls=2, errors=2, seconds=0.1)
    assert store.usage() == [
        ds.UsageRecord("u-ada", "other", 2, 2, 0.1, 2),
        ds.UsageRecord("u-ada", "simulate", 65, 3, 0.75, 65),
    ]
    (user,) = store.users()
    assert (user.uid, user.email, user.name) == ("u-ada", "ada@example.com", "Ada") and user.first_seen <= user.last_seen
    store.close()
    assert query(location, "SELECT sum(calls) FROM usage") == [(67,)]  # committed


def test_usage_from_two_stores_at_once_is_exact(location: str, open_store: OpenStore) -> None:
    stores = [open_store(location) for _ in range(2)]
    with ThreadPoolExecutor(16) as pool:
        list(pool.map(lambda i: stores[i % 2].record_calls((ADA, BOB)[i % 3 == 0], "sim", 2, i % 2, 0.5), range(120)))
    assert [(u.uid, u.calls, u.errors, u.seconds) for u in stores[0].usage()] == [("u-ada", 160, 40, 40.0), ("u-bob", 80, 20, 20.0)]


def test_an_approval_reaches_every_store_of_the_database_at_once(location: str, open_store: OpenStore) -> None:
    here, there = open_store(location), open_store(location)
    assert not there.is_approved(ADA.uid)
    here.approve(ADA.uid, by="u-ops")
    assert there.is_approved(ADA.uid) and not there.is_approved(BOB.uid)
    there.approve(ADA.uid, by="u-other")  # a second approval keeps the first
    assert there.approved() == {ADA.uid}
    assert query(location, "SELECT uid, approved_by FROM approvals") == [(ADA.uid, "u-ops")]


def test_the_per_minute_cap_counts_a_sliding_minute(location: str, open_store: OpenStore) -> None:
    store = open_store(location)
    assert store.take_calls(ADA, 2, per_minute=5) is None
    query(location, "UPDATE minute_calls SET epoch_second = epoch_second - 50")  # as if those two were 50 s ago
    assert store.take_calls(ADA, 3, per_minute=5) is None  # 5 of 5
    wait_one = store.take_calls(ADA, 1, per_minute=5)
    assert wait_one is not None and 5 <= wait_one <= 10  # the two old calls leave the minute in about 10 s
    wait_three = store.take_calls(ADA, 3, per_minute=5)
    assert wait_three is not None and 55 <= wait_three <= 60  # three need a new call to leave too
    assert store.take_calls(BOB, 5, per_minute=5) is None  # per user
    query(location, "UPDATE minute_calls SET epoch_second = epoch_second - 60 WHERE uid = %s", (ADA.uid,))  # a minute on
    assert store.take_calls(ADA, 5, per_minute=5) is None
    assert query(location, "SELECT calls FROM minute_calls WHERE uid = %s", (ADA.uid,)) == [(5,)]  # the old seconds are gone
    with pytest.raises(ValueError, match="can never fit"):
        store.take_calls(ADA, 6, per_minute=5)


def test_the_cap_is_exact_when_two_stores_take_calls_at_once(location: str, open_store: OpenStore) -> None:
    stores = [open_store(location) for _ in range(2)]
    with ThreadPoolExecutor(16) as pool:
        answers = list(pool.map(lambda i: stores[i % 2].take_calls(ADA, 1, per_minute=40), range(100)))
    assert answers.count(None) == 40
    assert all(wait is not None and 1 <= wait <= 60 for wait in answers if wait is not None)
    assert query(location, "SELECT sum(calls) FROM minute_calls") == [(40,)]


def test_servers_starting_at_once_migrate_the_schema_once(location: str, open_store: OpenStore) -> None:
    start = threading.Barrier(6)

    def open_at_once(_: int) -> ds.Store:
        start.wait(timeout=30)
        return open_store(location)

    with ThreadPoolExecutor(6) as pool:
        stores = list(pool.map(open_at_once, range(6)))
    assert query(location, "SELECT version FROM schema_version ORDER BY version") == [(1,), (2,), (3,)]
    stores[0].record_calls(ADA, "sim", 1, 0, 0.1)
    assert [u.calls for u in stores[5].usage()] == [1]
    open_store(location)  # a restart: nothing left to migrate
    assert len(query(location, "SELECT version FROM schema_version")) == 3


def test_a_schema_newer_than_the_server_is_refused(location: str, open_store: OpenStore) -> None:
    open_store(location).close()
    query(location, "INSERT INTO schema_version (version, applied_at) VALUES (4, %s)", ("2030-01-01T00:00:00+00:00",))
    with pytest.raises(ds.StoreSchemaError, match="version 4, newer than this server's 3"):
        open_store(location)


def test_a_sqlite_file_from_before_the_versioned_schema_is_adopted(tmp_path: Path, open_store: OpenStore) -> None:
    path = tmp_path / "discovery_usage.sqlite3"
    with closing(sqlite3.connect(path)) as db, db:  # the layout the server wrote before schema_version existed
        db.executescript(
            """
            CREATE TABLE users (uid TEXT PRIMARY KEY, email TEXT, name TEXT, first_seen TEXT NOT NULL, last_seen TEXT NOT NULL);
            CREATE TABLE usage (uid TEXT NOT NULL REFERENCES users(uid), rpc TEXT NOT NULL, calls INTEGER NOT NULL,
                                errors INTEGER NOT NULL, seconds REAL NOT NULL, PRIMARY KEY (uid, rpc));
            INSERT INTO users VALUES ('u-ada', 'ada@example.com', 'Ada', '2026-01-01T00:00:00.000+00:00', '2026-02-01T00:00:00.000+00:00');
            INSERT INTO usage VALUES ('u-ada', 'sim', 7, 1, 0.5);
            """
        )
    store = open_store(str(path))
    assert store.usage() == [ds.UsageRecord("u-ada", "sim", 7, 1, 0.5, 7)]  # each call before the work was counted: one unit
    assert store.users()[0].first_seen.isoformat() == "2026-01-01T00:00:00+00:00"
    store.approve("u-ada", by="u-ops")  # the tables of the later versions are there too
    assert store.take_calls(ADA, 1, per_minute=1) is None
    assert query(str(path), "SELECT version FROM schema_version ORDER BY version") == [(1,), (2,), (3,)]


def test_a_database_that_cannot_be_reached_is_unavailable_without_its_password(postgres: Postgres, open_store: OpenStore) -> None:
    url = postgres.url("no_such_database").replace("discovery@", "discovery:sekrit@")
    with pytest.raises(ds.StoreUnavailable, match="no_such_database") as refused:
        open_store(url)
    assert "does not exist" in str(refused.value) and "sekrit" not in str(refused.value)


def test_connections_the_database_dropped_are_replaced_before_use(postgres_url: str, open_store: OpenStore) -> None:
    store = open_store(postgres_url)
    with ThreadPoolExecutor(8) as pool:  # several connections in the pool
        list(pool.map(lambda _: store.take_calls(ADA, 1, per_minute=100), range(40)))
    database = conninfo_to_dict(postgres_url)["dbname"]
    dropped = query(
        postgres_url, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", (database,)
    )
    assert len(dropped) > 2 and all(ok for (ok,) in dropped)  # as a restart of the database would
    started = time.monotonic()
    for _ in range(len(dropped)):
        assert store.take_calls(ADA, 1, per_minute=100) is None  # no operation fails...
    assert time.monotonic() - started < 3.0  # ...nor waits out a back-off for each broken connection
    assert query(postgres_url, "SELECT sum(calls) FROM minute_calls") == [(40 + len(dropped),)]
