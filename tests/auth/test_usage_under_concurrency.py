"""Usage stays exact under concurrency: N concurrent authenticated calls (the real emulator's users)
and concurrent batches, some items failing; the usage table counts each exactly."""

from __future__ import annotations

import concurrent.futures
import sqlite3
from pathlib import Path

import httpx

import discovery_server as ds

from .conftest import PROJECT, Emulator, ServeApp
from .rpcs import nap, whoami

CALLS = 64  # per user, single calls
BATCHES = 8  # per user, of 5 items each, one of them invalid


def test_concurrent_calls_are_each_counted_once(emulated: Emulator, serve: ServeApp, tmp_path: Path) -> None:
    usage = tmp_path / "usage.sqlite3"
    config = ds.Config(auth=ds.FirebaseAuth(PROJECT), usage_db=str(usage), max_threads=16)
    server = serve(ds.create_app(config, rpcs=[whoami, nap]))
    users = [emulated.new_user(f"User {i}")[1] for i in range(3)]

    def single(token: str, i: int) -> int:
        body = {"seconds": 0.005} if i % 8 else {"seconds": "bad"}  # every 8th call fails validation
        headers = {"Authorization": f"Bearer {token}"}
        return httpx.post(f"{server.url}/t_auth_nap", json=body, headers=headers, timeout=60).status_code

    def batch(token: str) -> list[bool]:
        body = [{"seconds": 0.005}] * 4 + [{"seconds": None}]
        answer = httpx.post(f"{server.url}/t_auth_nap/batch", json=body, headers={"Authorization": f"Bearer {token}"}, timeout=60)
        return ["result" in item for item in answer.json()]

    with concurrent.futures.ThreadPoolExecutor(32) as pool:
        singles = [pool.submit(single, u.id_token, i) for u in users for i in range(CALLS)]
        batches = [pool.submit(batch, u.id_token) for u in users for _ in range(BATCHES)]
        statuses = [f.result() for f in singles]
        items = [f.result() for f in batches]
    assert statuses.count(200) == 3 * CALLS * 7 // 8 and statuses.count(422) == 3 * CALLS // 8
    assert all(answer == [True] * 4 + [False] for answer in items)
    with sqlite3.connect(usage) as db:
        rows = db.execute("SELECT uid, rpc, calls, errors FROM usage ORDER BY uid").fetchall()
    per_user = CALLS + 5 * BATCHES
    errors = CALLS // 8 + BATCHES
    assert sorted(rows) == sorted((u.uid, "t_auth_nap", per_user, errors) for u in users)
