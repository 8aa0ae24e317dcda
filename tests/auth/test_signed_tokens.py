"""Signature and expiry checks, which the emulator skips: RS256 tokens signed by a local RSA key.

FAKE, because nothing real can run here: Google's public-key endpoint for Firebase ID tokens
(https://www.googleapis.com/robot/v1/metadata/x509/securetoken@system.gserviceaccount.com) is
unreachable offline and would not know our key. A local HTTP server stands in for it, serving our
certificate in Google's format (`{kid: PEM}`, with cache headers), and firebase-admin's certificate
URL is pointed at it. Everything after that is the real path: firebase-admin's verifier fetches the
keys over HTTP and checks algorithm, key id, signature, expiry, audience and issuer itself.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import firebase_admin._token_gen
import httpx
import jwt
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from fastapi import FastAPI, Response

import discovery_server as ds

from .conftest import ServeApp
from .rpcs import whoami

PROJECT = "demo-signed"
KID = "local-test-key"


def _private_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _pem(key: rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())


def _certificate(key: rsa.RSAPrivateKey) -> str:
    """A self-signed X.509 certificate of `key`, the form Google's endpoint publishes keys in."""
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "securetoken.system.gserviceaccount.com")])
    now = datetime.now(timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.PEM).decode()


TRUSTED = _private_key()
UNTRUSTED = _private_key()


@pytest.fixture
def server(serve: ServeApp, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ds.BackgroundServer:
    """A Firebase-auth server whose verifier trusts TRUSTED, as it would trust Google's keys."""
    monkeypatch.delenv("FIREBASE_AUTH_EMULATOR_HOST", raising=False)  # real signature checks
    keys = FastAPI()

    @keys.get("/x509")
    def google_style_keys() -> Response:
        return Response(
            json.dumps({KID: _certificate(TRUSTED)}), media_type="application/json", headers={"Cache-Control": "public, max-age=3600"}
        )

    key_server = serve(keys)
    monkeypatch.setattr(firebase_admin._token_gen, "ID_TOKEN_CERT_URI", f"{key_server.url}/x509")
    account = tmp_path / "service-account.json"  # firebase-admin wants credentials; this one is never used to call out
    account.write_text(
        json.dumps(
            {
                "type": "service_account",
                "project_id": PROJECT,
                "private_key_id": KID,
                "private_key": _pem(TRUSTED).decode(),
                "client_email": f"firebase-adminsdk@{PROJECT}.iam.gserviceaccount.com",
                "client_id": "1",
                "token_uri": "https://oauth2.googleapis.com/token",
            }
        )
    )
    # check_revoked needs Google's user records, which cannot be faked honestly; the emulator tests cover it.
    auth = ds.FirebaseAuth(PROJECT, credentials_path=str(account), check_revoked=False)
    return serve(ds.create_app(ds.Config(auth=auth), rpcs=[whoami]))


def claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    base = {
        "iss": f"https://securetoken.google.com/{PROJECT}",
        "aud": PROJECT,
        "sub": "uid-ada",
        "iat": now - 10,
        "exp": now + 3600,
        "auth_time": now - 10,
        "email": "ada@example.com",
        "name": "Ada Lovelace",
    }
    return {**base, **overrides}


def signed(key: rsa.RSAPrivateKey = TRUSTED, kid: str = KID, **overrides: Any) -> str:
    return jwt.encode(claims(**overrides), _pem(key), algorithm="RS256", headers={"kid": kid})


def unsigned() -> str:
    part: Callable[[dict[str, Any]], str] = lambda d: base64.urlsafe_b64encode(json.dumps(d).encode()).rstrip(b"=").decode()  # noqa: E731
    return f"{part({'alg': 'none', 'kid': KID, 'typ': 'JWT'})}.{part(claims())}."


def call(server: ds.BackgroundServer, token: str) -> httpx.Response:
    return httpx.post(f"{server.url}/t_auth_whoami", json={"seconds": 0}, headers={"Authorization": f"Bearer {token}"})


def test_a_token_signed_by_a_trusted_key_passes(server: ds.BackgroundServer) -> None:
    response = call(server, signed())
    assert response.status_code == 200, response.text
    assert response.json() == {"uid": "uid-ada", "email": "ada@example.com", "name": "Ada Lovelace"}


@pytest.mark.parametrize(
    "token, reason",
    [
        (lambda: signed(iat=int(time.time()) - 7200, exp=int(time.time()) - 3600), "expired"),
        (lambda: signed(key=UNTRUSTED), "signature"),
        (unsigned, "algorithm"),
        (lambda: signed(kid="someone-elses-key"), "someone-elses-key"),
        (lambda: signed(aud="another-project"), "audience"),
        (lambda: signed(iss="https://securetoken.google.com/another-project"), "issuer"),
    ],
    ids=["expired", "wrongly-signed", "unsigned", "unknown-kid", "wrong-audience", "wrong-issuer"],
)
def test_bad_tokens_are_401_with_a_bearer_challenge(server: ds.BackgroundServer, token: Callable[[], str], reason: str) -> None:
    response = call(server, token())
    assert response.status_code == 401, response.text
    assert response.headers["www-authenticate"] == "Bearer"
    body = response.json()
    assert body["type"] == "unauthorized" and reason in body["message"] and "discovery-login" in body["message"]
