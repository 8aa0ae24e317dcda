"""
# Operator commands

`python -m discovery_server.admin grant-admin EMAIL` makes an account an operator of the servers
of its Firebase project (custom claim `admin`): on the account page it then sees every account
with its usage and approves, disables and re-enables them. `revoke-admin EMAIL` undoes it. Both
count at once on the page's operator routes, which read the claim from Firebase on each request.

The command finds the project as the server does: FIREBASE_PROJECT_ID and
GOOGLE_APPLICATION_CREDENTIALS from the environment or `.env`, or the flags; with
FIREBASE_AUTH_EMULATOR_HOST set it works on the Firebase Auth emulator.
"""

from __future__ import annotations

import argparse
import os
import sys

from dotenv import dotenv_values, find_dotenv

from .account.accounts import set_operator
from .auth import AuthConfigError
from .errors import ApiError
from .firebase_auth import FirebaseAuth, FirebaseAuthenticator


def main(argv: list[str] | None = None) -> int:
    env = {**dotenv_values(find_dotenv(usecwd=True)), **os.environ}.get
    parser = argparse.ArgumentParser(prog="python -m discovery_server.admin", description=__doc__.split("\n\n")[1])
    parser.add_argument("--firebase-project", default=env("FIREBASE_PROJECT_ID"), help="default: FIREBASE_PROJECT_ID")
    parser.add_argument(
        "--firebase-credentials",
        default=env("GOOGLE_APPLICATION_CREDENTIALS"),
        help="service-account JSON (default: GOOGLE_APPLICATION_CREDENTIALS)",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    for name, what in (("grant-admin", "make EMAIL's account an operator"), ("revoke-admin", "make EMAIL's account a plain user again")):
        commands.add_parser(name, help=what).add_argument("email")
    args = parser.parse_args(argv)
    if not args.firebase_project:
        parser.error("no Firebase project: set FIREBASE_PROJECT_ID (.env) or pass --firebase-project")
    try:
        firebase = FirebaseAuthenticator(FirebaseAuth(args.firebase_project, args.firebase_credentials))
        uid = set_operator(firebase.app, args.email, operator=args.command == "grant-admin")
    except (AuthConfigError, LookupError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    except ApiError as err:
        print(f"error: {err.body.message}", file=sys.stderr)
        return 1
    done = "is now an operator" if args.command == "grant-admin" else "is no longer an operator"
    print(f"{args.email} (uid {uid}) {done} of project {args.firebase_project}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
