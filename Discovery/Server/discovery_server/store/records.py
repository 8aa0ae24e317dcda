"""
# What the store hands back

Plain records, the same from either backend, so the account page and operators' scripts never
see which database the server writes to.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


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
    decoding and running the handler (the items of a batch run at once, so it can exceed the wall time);
    `units` the calls' work as the Rpc counts it (`Rpc.usage_field`, e.g. simulations; else one per call)."""

    uid: str
    rpc: str
    calls: int
    errors: int
    seconds: float
    units: int


class StoreUnavailable(Exception):
    """The database could not be reached or was busy past its timeout: a call refused for it may be retried."""


class StoreSchemaError(Exception):
    """The database's schema is newer than this server's code: another server was upgraded first."""
