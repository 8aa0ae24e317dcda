"""
# discovery-login

Signs a user in with email and password (an account the server's administrator created in the
Firebase console) and writes what the client needs into `.env`: DISCOVERY_AUTH_TOKEN (an ID
token, good for an hour) and DISCOVERY_REFRESH_TOKEN (with FIREBASE_API_KEY, the client mints
new ID tokens from it for as long as the account is valid). The tokens are never printed.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path

from dotenv import dotenv_values, find_dotenv, set_key

from .errors import AuthError
from .firebase import FirebaseEndpoints, sign_in_with_password


def main(argv: list[str] | None = None) -> int:
    """`discovery-login [--email E] [--env-file PATH] [--api-key KEY] [--password-stdin]`."""
    parser = argparse.ArgumentParser(prog="discovery-login", description=__doc__.split("\n\n")[1])
    parser.add_argument("--email", help="default: asked for")
    parser.add_argument("--env-file", type=Path, help="the .env to write (default: the nearest .env from here up, else ./.env)")
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
    env_file.touch(exist_ok=True)
    set_key(env_file, "DISCOVERY_AUTH_TOKEN", tokens.id_token)
    set_key(env_file, "DISCOVERY_REFRESH_TOKEN", tokens.refresh_token)
    if args.api_key:
        set_key(env_file, "FIREBASE_API_KEY", args.api_key)
    print(f"signed in as {email} (uid {tokens.uid}); wrote DISCOVERY_AUTH_TOKEN and DISCOVERY_REFRESH_TOKEN to {env_file}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
