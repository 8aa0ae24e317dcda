"""The store tests run each backend: SQLite in a temporary file, PostgreSQL in a fresh database of the session's server."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.postgres import Postgres, postgres, postgres_url  # noqa: F401  (fixtures)


@pytest.fixture(params=["sqlite", "postgresql"])
def location(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Where a store lives, for `open_store`: a SQLite file, or a new PostgreSQL database."""
    if request.param == "sqlite":
        return str(tmp_path / "usage.sqlite3")
    server: Postgres = request.getfixturevalue("postgres")
    return server.new_database()
