"""Batch calls and /metrics with Firebase auth (the real emulator): usage counts each item, /metrics needs a token."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import httpx

import discovery_server as ds

from .conftest import PROJECT, Emulator, ServeApp
from .rpcs import nap, whoami


def test_a_batch_needs_a_token_and_records_each_item_as_a_call(emulated: Emulator, serve: ServeApp, tmp_path: Path) -> None:
    usage = tmp_path / "usage.sqlite3"
    server = serve(ds.create_app(ds.Config(auth=ds.FirebaseAuth(PROJECT), usage_db=str(usage)), rpcs=[whoami, nap]))
    _, tokens = emulated.new_user("Ada Lovelace")
    url = f"{server.url}/t_auth_whoami/batch"
    body = [{"seconds": 0}, {"seconds": "long"}, {"seconds": 0}]
    assert httpx.post(url, json=body).status_code == 401
    response = httpx.post(url, json=body, headers={"Authorization": f"Bearer {tokens.id_token}"})
    assert response.status_code == 200
    good, bad, other = response.json()
    assert good["result"]["uid"] == tokens.uid == other["result"]["uid"]  # each item runs as the caller
    assert bad["error"]["details"]["index"] == 1
    with sqlite3.connect(usage) as db:
        assert db.execute("SELECT uid, rpc, calls, errors FROM usage").fetchall() == [(tokens.uid, "t_auth_whoami", 3, 1)]


def test_metrics_needs_a_token_like_rpcs(emulated: Emulator, serve: ServeApp) -> None:
    server = serve(ds.create_app(ds.Config(auth=ds.FirebaseAuth(PROJECT)), rpcs=[whoami]))
    _, tokens = emulated.new_user()
    for path in ("/metrics", "/rpcs"):
        refused = httpx.get(f"{server.url}{path}")
        assert refused.status_code == 401 and refused.json()["type"] == "unauthorized"
        assert httpx.get(f"{server.url}{path}", headers={"Authorization": f"Bearer {tokens.id_token}"}).status_code == 200
    metrics = httpx.get(f"{server.url}/metrics", headers={"Authorization": f"Bearer {tokens.id_token}"})
    assert 'discovery_rpc_calls_total{rpc="t_auth_whoami"}' in metrics.text
