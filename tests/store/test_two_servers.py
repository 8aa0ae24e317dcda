"""Two real servers on one PostgreSQL store, as a fleet behind `THE_SERVER_URL=a,b` runs: each is the
Example app's start_server.py in its own process (uvicorn over loopback HTTP), verifying tokens with
the real Firebase Auth emulator. A cap of N calls per minute holds across both, an approval given
on one admits the account on the other at once, and concurrent calls on both are counted exactly."""

from __future__ import annotations

import base64
import json
import os
import sys
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from firebase_admin import auth

import discovery_server as ds
from discovery_client import sign_in_with_password
from tests.firebase_emulator import API_KEY, PASSWORD, PROJECT, Emulator

START_SERVER = Path(__file__).resolve().parents[2] / "Example" / "scripts" / "start_server.py"
GOOD, BAD = {"txt": "ab", "num": 1}, {"txt": "ab", "num": -1}  # num >= 0: BAD answers 422, a failed call

StartServers = Callable[..., list[ds.ServerProcess]]


@pytest.fixture
def start_servers(emulator: Emulator, postgres_url: str, tmp_path: Path) -> Iterator[StartServers]:
    """`a, b = start_servers("--calls-per-minute", "12")`: two server processes on this test's database."""
    started: list[ds.ServerProcess] = []

    def start(*flags: str) -> list[ds.ServerProcess]:
        env = {**os.environ, "FIREBASE_AUTH_EMULATOR_HOST": emulator.host}
        for _ in range(2):
            port = ds.free_port()
            argv = [sys.executable, str(START_SERVER), "--port", str(port), "--auth", "firebase", "--firebase-project", PROJECT]
            started.append(ds.ServerProcess([*argv, "--usage-db", postgres_url, *flags], port=port, cwd=tmp_path, env=env))
            started[-1].start()
        return started[-2:]

    yield start
    for server in started:
        server.close()


def call(server: ds.ServerProcess, token: str, body: object = GOOD, path: str = "/example") -> httpx.Response:
    return httpx.post(f"{server.url}{path}", json=body, headers={"Authorization": f"Bearer {token}"}, timeout=60)


def query(url: str, sql: str, params: tuple[object, ...] = ()) -> list[tuple[Any, ...]]:
    with psycopg.connect(url) as db:
        return db.execute(sql, params).fetchall()


def test_a_cap_of_n_calls_per_minute_holds_across_both_servers(start_servers: StartServers, emulator: Emulator, postgres_url: str) -> None:
    a, b = start_servers("--calls-per-minute", "12")
    _, ada = emulator.new_user("Ada")
    _, bob = emulator.new_user("Bob")
    with ThreadPoolExecutor(20) as pool:  # 20 calls at once, half on each server
        answers = list(pool.map(lambda i: call((a, b)[i % 2], ada.id_token), range(20)))
    statuses = [answer.status_code for answer in answers]
    assert statuses.count(200) == 12 and statuses.count(429) == 8, statuses  # one cap, not 12 per server
    assert all(1 <= int(answer.headers["retry-after"]) <= 60 for answer in answers if answer.status_code == 429)
    assert [call(server, ada.id_token).status_code for server in (a, b)] == [429, 429]
    assert [call(server, bob.id_token).status_code for server in (a, b)] == [200, 200]  # per user
    assert query(postgres_url, "SELECT uid, sum(calls) FROM minute_calls GROUP BY uid ORDER BY sum(calls)") == [(bob.uid, 2), (ada.uid, 12)]
    assert query(postgres_url, "SELECT calls FROM usage WHERE uid = %s", (ada.uid,)) == [(12,)]  # refused calls did no work


def test_an_approval_on_one_server_admits_the_account_on_the_other_at_once(start_servers: StartServers, emulator: Emulator) -> None:
    a, b = start_servers("--registration", "approval", "--firebase-api-key", API_KEY)
    email = f"pending-{uuid.uuid4().hex[:8]}@example.com"
    signed_up = httpx.post(f"{a.url}/account/signup", json={"email": email, "password": PASSWORD}, timeout=30)
    assert signed_up.status_code == 201, signed_up.text
    uid = signed_up.json()["uid"]
    token = sign_in_with_password(email, PASSWORD, API_KEY, emulator.endpoints).id_token
    pending = call(b, token)
    assert pending.status_code == 403 and pending.json()["details"]["reason"] == "approval_pending"

    ops_email = f"operator-{uuid.uuid4().hex[:8]}@ops.example.org"
    operator = auth.create_user(email=ops_email, password=PASSWORD, app=emulator.admin)
    auth.set_custom_user_claims(operator.uid, {"admin": True}, app=emulator.admin)
    ops = sign_in_with_password(ops_email, PASSWORD, API_KEY, emulator.endpoints).id_token
    approved = httpx.post(f"{a.url}/account/admin/users/{uid}/approve", headers={"Authorization": f"Bearer {ops}"}, timeout=30)
    assert approved.status_code == 200 and approved.json()["admitted"] is True

    assert "approved" not in claims_of(token)  # minted before the approval: only the shared store can admit it
    assert call(b, token).status_code == 200  # on the other server, at once
    listed = httpx.get(f"{b.url}/account/admin/users", headers={"Authorization": f"Bearer {ops}"}, timeout=30).json()
    mine = next(account for account in listed if account["uid"] == uid)
    assert mine["approved"] is True and [(r["rpc"], r["calls"]) for r in mine["usage"]["rpcs"]] == [("example", 1)]


def test_concurrent_calls_on_both_servers_are_counted_exactly(start_servers: StartServers, emulator: Emulator, postgres_url: str) -> None:
    a, b = start_servers("--calls-per-minute", "1000")  # the per-minute counts are taken at once as well
    users = [emulator.new_user(f"User {i}")[1] for i in range(3)]
    singles, batches = 32, 4  # per user; every 8th single and one item of each batch of 4 fail validation
    with ThreadPoolExecutor(32) as pool:
        single = [pool.submit(call, (a, b)[i % 2], u.id_token, BAD if i % 8 == 0 else GOOD) for u in users for i in range(singles)]
        batch = [
            pool.submit(call, (a, b)[i % 2], u.id_token, [GOOD, BAD, GOOD, GOOD], "/example/batch") for u in users for i in range(batches)
        ]
        statuses = [f.result().status_code for f in single]
        items = [["result" in item for item in f.result().json()] for f in batch]
    assert statuses.count(200) == 3 * 28 and statuses.count(422) == 3 * 4
    assert items == [[True, False, True, True]] * (3 * batches)
    calls, errors = singles + 4 * batches, singles // 8 + batches
    rows = query(postgres_url, "SELECT uid, rpc, calls, errors FROM usage ORDER BY uid")
    assert rows == sorted((u.uid, "example", calls, errors) for u in users)
    assert query(postgres_url, "SELECT sum(calls) FROM minute_calls") == [(3 * calls,)]
    own = httpx.get(f"{a.url}/account/usage", headers={"Authorization": f"Bearer {users[0].id_token}"}, timeout=30).json()
    assert [(r["rpc"], r["calls"], r["errors"]) for r in own["rpcs"]] == [("example", calls, errors)]  # calls made on both servers


def claims_of(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    claims: dict[str, Any] = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return claims
