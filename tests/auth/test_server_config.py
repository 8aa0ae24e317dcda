"""Safe defaults of the server's auth settings: the `none` bind rule, `.env` and flags, missing credentials."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import discovery_server as ds

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.20", "::", "myhost.example.com"])
def test_none_refuses_to_bind_beyond_loopback(host: str) -> None:
    with pytest.raises(ds.UnsafeBindError, match="DISCOVERY_AUTH=firebase"):
        ds.check_bind(ds.Config(host=host))


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "::1", "localhost"])
def test_none_on_loopback_says_so(host: str, caplog: pytest.LogCaptureFixture) -> None:
    ds.check_bind(ds.Config(host=host))
    assert "auth: none" in caplog.text and "loopback" in caplog.text


def test_none_beyond_loopback_when_forced_warns_loudly(caplog: pytest.LogCaptureFixture) -> None:
    ds.check_bind(ds.Config(host="0.0.0.0", allow_public_without_auth=True))
    assert "ANYONE who can reach this port" in caplog.text


def test_firebase_may_bind_anywhere(caplog: pytest.LogCaptureFixture) -> None:
    ds.check_bind(ds.Config(host="0.0.0.0", auth=ds.FirebaseAuth("demo-discovery")))
    assert "auth: FirebaseAuth on 0.0.0.0" in caplog.text


def test_start_script_without_auth_refuses_a_public_host_at_start_up(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, str(ROOT / "Example/scripts/start_server.py"), "--host", "0.0.0.0", "--port", str(ds.free_port())],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode != 0
    assert "refusing to serve without authentication on 0.0.0.0" in out.stderr and "--allow-public-no-auth" in out.stderr
    assert "Traceback" not in out.stderr


def test_dotenv_configures_firebase_usage_and_limits(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text(
        "DISCOVERY_AUTH=firebase\nFIREBASE_PROJECT_ID=my-project\nDISCOVERY_CHECK_REVOKED=false\n"
        "DISCOVERY_CALLS_PER_MINUTE=120\nDISCOVERY_CONCURRENT_CALLS=4\n"
    )
    for name in (
        "DISCOVERY_AUTH",
        "FIREBASE_PROJECT_ID",
        "DISCOVERY_CHECK_REVOKED",
        "DISCOVERY_CALLS_PER_MINUTE",
        "DISCOVERY_CONCURRENT_CALLS",
        "DISCOVERY_USAGE_DB",
    ):
        monkeypatch.delenv(name, raising=False)
    config = ds.config_from_command_line("test", ["--host", "0.0.0.0"])
    assert config.auth == ds.FirebaseAuth("my-project", None, check_revoked=False)
    assert config.limits == ds.UserLimits(calls_per_minute=120, concurrent_calls=4)
    assert config.usage_db == "discovery_usage.sqlite3"
    assert ds.config_from_command_line("test", ["--auth", "none", "--usage-db", ""]).usage_db is None


def test_firebase_without_a_project_id_is_a_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("FIREBASE_PROJECT_ID", raising=False)
    with pytest.raises(SystemExit):
        ds.config_from_command_line("test", ["--auth", "firebase"])
    assert "FIREBASE_PROJECT_ID" in capsys.readouterr().err


def test_firebase_without_credentials_fails_at_start_up_saying_where_to_get_them(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("FIREBASE_AUTH_EMULATOR_HOST", "GOOGLE_APPLICATION_CREDENTIALS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_GCE_CHECK", "True")  # not on Google Cloud: don't wait for a metadata server
    monkeypatch.setenv("CLOUDSDK_CONFIG", "/nonexistent")  # nor use a developer's gcloud login
    with pytest.raises(ds.AuthConfigError, match="GOOGLE_APPLICATION_CREDENTIALS"):
        ds.create_app(ds.Config(auth=ds.FirebaseAuth("demo-discovery")))


def test_an_unreadable_service_account_file_fails_at_start_up(tmp_path: Path) -> None:
    (tmp_path / "key.json").write_text("{}")
    for path in (tmp_path / "key.json", tmp_path / "missing.json"):
        with pytest.raises(ds.AuthConfigError, match="service-account key"):
            ds.create_app(ds.Config(auth=ds.FirebaseAuth("demo-discovery", credentials_path=str(path))))
