"""SqliteUsageStore: several calls (a batch) recorded in one transaction, on a real SQLite file."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import discovery_server as ds
from discovery_shared import User


def test_record_calls_adds_each_call_and_error(tmp_path: Path) -> None:
    path = tmp_path / "usage.sqlite3"
    store = ds.SqliteUsageStore(path)
    ada = User(uid="u1", email="ada@example.com", name="Ada")
    store.record_calls(ada, "simulate", calls=64, errors=3, seconds=0.5)
    store.record_calls(ada, "simulate", calls=1, errors=0, seconds=0.25)
    store.record_calls(ada, "other", calls=2, errors=2, seconds=0.1)
    assert store.usage() == [
        ds.UsageRecord("u1", "other", 2, 2, 0.1),
        ds.UsageRecord("u1", "simulate", 65, 3, 0.75),
    ]
    assert [u.uid for u in store.users()] == ["u1"]
    store.close()
    with sqlite3.connect(path) as db:  # committed to the file
        assert db.execute("SELECT SUM(calls) FROM usage").fetchone() == (67,)
