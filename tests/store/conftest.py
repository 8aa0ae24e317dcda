"""The store tests run each backend: SQLite in a temporary file, PostgreSQL in a fresh database of the session's server."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import discovery_server as ds
from tests.postgres import Postgres


@pytest.fixture(params=["sqlite", "postgresql"])
def location(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Where a store lives, for `open_store`: a SQLite file, or a new PostgreSQL database."""
    if request.param == "sqlite":
        return str(tmp_path / "usage.sqlite3")
    server: Postgres = request.getfixturevalue("postgres")
    return server.new_database()


@pytest.fixture
def open_store() -> Iterator[Callable[[str], ds.Store]]:
    """`open_store(location)`, as a server does at start; every store opened is closed after the test."""
    opened: list[ds.Store] = []

    def open_one(location: str) -> ds.Store:
        opened.append(ds.open_store(location))
        return opened[-1]

    yield open_one
    for store in opened:
        store.close()
