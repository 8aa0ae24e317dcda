"""
# discovery-login

Signs a user in with email and password (an account made on the server's account page, or by
its administrator) and writes what the client needs into `.env`: THE_SERVER_URL, FIREBASE_API_KEY
and DISCOVERY_REFRESH_TOKEN (from it the client mints ID tokens for as long as the account is
valid), the same lines the account page offers (discovery_shared.client_env). A stale
DISCOVERY_AUTH_TOKEN of an earlier sign-in is removed: it could belong to another account. The
tokens are never printed.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path

from dotenv import dotenv_values, find_dotenv, set_key, unset_key

from discovery_shared.client_env import EMULATOR_HOST, client_env

from .config import DEFAULT_SERVER_URL
from .errors import AuthError
from .firebase import FirebaseEndpoints, sign_in_with_password


def main(argv: list[str] | None = None) -> int:
    """`discovery-login [--email E] [--env-file PATH] [--server-url URL] [--api-key KEY] [--password-stdin]`."""
    parser = argparse.ArgumentParser(prog="discovery-login", description=__doc__.split("\n\n")[1])
    parser.add_argument("--email", help="default: asked for")
    parser.add_argument("--env-file", type=Path, help="the .env to write (default: the nearest .env from here up, else ./.env)")
    parser.add_argument(
        "--server-url", help=f"the server(s) to call (default: THE_SERVER_URL from the environment or .env, else {DEFAULT_SERVER_URL})"
    )
    parser.add_argument("--api-key", help="the Firebase project's Web API key (default: FIREBASE_API_KEY from the environment or .env)")
    parser.add_argument("--password-stdin", action="store_true", help="read the password from standard input (for scripts)")
    args = parser.parse_args(argv)

    env_file: Path = args.env_file or Path(find_dotenv(usecwd=True) or ".env")
    env = {k: v for k, v in dotenv_values(env_file).items() if v} if env_file.exists() else {}
    env.update(os.environ)
    api_key = args.api_key or env.get("FIREBASE_API_KEY")
    if not api_key:
        parser.error("no Web API key: pass --api-key or set FIREBASE_API_KEY (console > Project settings > General)")
    email = args.email or input("email: ")
    password = sys.stdin.readline().rstrip("\n") if args.password_stdin else getpass.getpass("password: ")

    try:
        tokens = sign_in_with_password(email, password, api_key, FirebaseEndpoints.from_environment(env))
    except AuthError as err:
        print(f"discovery-login: {err}", file=sys.stderr)
        return 1
    server_url = args.server_url or env.get("THE_SERVER_URL") or DEFAULT_SERVER_URL
    lines = client_env(server_url, api_key, tokens.refresh_token, env.get(EMULATOR_HOST))
    env_file.touch(exist_ok=True)
    for key, value in lines.items():
        set_key(env_file, key, value, quote_mode="never")
    if "DISCOVERY_AUTH_TOKEN" in dotenv_values(env_file):
        unset_key(env_file, "DISCOVERY_AUTH_TOKEN")
    print(f"signed in as {email} (uid {tokens.uid}); wrote {', '.join(lines)} to {env_file}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
