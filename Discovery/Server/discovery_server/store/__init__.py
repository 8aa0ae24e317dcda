"""
# Users, usage, approvals and per-minute caps

Who called which Rpc, how often, how often it failed and how long it took (what an operator needs
to see who uses the simulators and to bill or throttle them), which accounts an operator approved,
and each user's calls of the last minute. `Store` (base.py) holds the logic once; two backends
hold the data:

- `SqliteStore`, the default: one file beside the server, no service to run;
- `PostgresStore`: one database that several servers share (`THE_SERVER_URL` naming several), so
  a user's per-minute cap, an approval and the usage totals are the same on every server.

`Config.usage_db` (`DISCOVERY_USAGE_DB`) picks one: a `postgresql://` URL, else a SQLite path.
Both keep their schema version in a `schema_version` table and migrate it when a server starts.
"""

from __future__ import annotations

from .base import Store
from .postgres import PostgresStore, is_postgres_url
from .records import StoreSchemaError, StoreUnavailable, UsageRecord, UserRecord
from .sqlite import DEFAULT_SQLITE_FILE, SqliteStore


def open_store(location: str) -> Store:
    """The store at `location`: a `postgresql://` (or `postgres://`) URL, else the path of a SQLite file."""
    return PostgresStore(location) if is_postgres_url(location) else SqliteStore(location)


__all__ = [
    "DEFAULT_SQLITE_FILE",
    "open_store",
    "PostgresStore",
    "SqliteStore",
    "Store",
    "StoreSchemaError",
    "StoreUnavailable",
    "UsageRecord",
    "UserRecord",
]
