"""A PostgreSQL store that cannot answer in time: a call it would have to count against the per-minute
cap answers 503 `unavailable` (which clients retry) once the statement timeout passes, never hangs,
and the next call after the store answers again runs. A real server over HTTP, the Firebase Auth
emulator, and a lock held in a real PostgreSQL transaction, as an operator's forgotten session would."""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx
import psycopg
import pytest

import discovery_server as ds
import discovery_server.store.postgres
import example_server  # noqa: F401  (attaches the example handler)
from example_shared import example
from tests.firebase_emulator import PROJECT, Emulator

GOOD = {"txt": "ab", "num": 1}


def test_a_store_that_cannot_answer_refuses_the_call_with_503(
    emulated: Emulator, serve: Callable[..., ds.BackgroundServer], postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(discovery_server.store.postgres, "STATEMENT_TIMEOUT_S", 1)  # instead of 10 s, for a short test
    config = ds.Config(auth=ds.FirebaseAuth(PROJECT), usage_db=postgres_url, limits=ds.UserLimits(calls_per_minute=10))
    server = serve(ds.create_app(config, rpcs=[example]))
    _, ada = emulated.new_user("Ada")
    headers = {"Authorization": f"Bearer {ada.id_token}"}
    assert httpx.post(f"{server.url}/example", json=GOOD, headers=headers, timeout=30).status_code == 200

    with psycopg.connect(postgres_url) as holder:
        holder.execute("SELECT 1 FROM users WHERE uid = %s FOR UPDATE", (ada.uid,))  # held until the block ends
        started = time.monotonic()
        refused = httpx.post(f"{server.url}/example", json=GOOD, headers=headers, timeout=30)
        waited = time.monotonic() - started
        holder.rollback()
    assert refused.status_code == 503 and refused.headers["retry-after"] == "1"
    body = refused.json()
    assert body["type"] == "unavailable" and body["details"]["reason"] == "store_unavailable"
    assert 0.9 <= waited < 5.0  # the statement timeout, not forever
    assert httpx.post(f"{server.url}/example", json=GOOD, headers=headers, timeout=30).status_code == 200
    with psycopg.connect(postgres_url) as db:  # the refused call was neither counted nor recorded
        assert db.execute("SELECT calls FROM usage WHERE uid = %s", (ada.uid,)).fetchall() == [(2,)]
        assert db.execute("SELECT sum(calls) FROM minute_calls").fetchall() == [(2,)]
