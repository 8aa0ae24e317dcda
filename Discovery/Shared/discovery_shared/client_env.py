"""
# The client's `.env` lines

What configures a `discovery_client` for one server and one account: `discovery-login` writes
these lines and the server's account page offers them for download, both from `client_env`,
so the two can never drift apart. The client reads them back (discovery_client/config.py).

The refresh token, with the project's Web API key, lets the client mint its own ID tokens for
as long as the account is valid; no ID token is written, since it would be stale within the
hour. `FIREBASE_AUTH_EMULATOR_HOST` is added only when the server runs against the Firebase
Auth emulator (tests and local development), so the client refreshes there too.
"""

from __future__ import annotations

SERVER_URL = "THE_SERVER_URL"
API_KEY = "FIREBASE_API_KEY"
REFRESH_TOKEN = "DISCOVERY_REFRESH_TOKEN"
EMULATOR_HOST = "FIREBASE_AUTH_EMULATOR_HOST"


def client_env(server_url: str, api_key: str, refresh_token: str, emulator_host: str | None = None) -> dict[str, str]:
    """The variables, in the order they are written, each as an unquoted `KEY=value` line (every value
    is a URL, a host:port, an API key or a base64url token: nothing a .env line must quote)."""
    env = {SERVER_URL: server_url, API_KEY: api_key, REFRESH_TOKEN: refresh_token}
    if emulator_host:
        env[EMULATOR_HOST] = emulator_host
    return env
