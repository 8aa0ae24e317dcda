"""
# Command-line configuration

What every `start_server.py` script shares: `.env` then flags (flags win), so each app's
script only imports its handlers and calls `serve_from_command_line`, passing a `base` Config
for defaults of its own (e.g. a result cache on by default).

Variables read from the environment or `.env`:
THE_SERVER_HOST, THE_SERVER_PORT; DISCOVERY_MAX_BATCH, DISCOVERY_MAX_BODY_BYTES, DISCOVERY_MAX_JSON_DEPTH,
DISCOVERY_MAX_IN_FLIGHT, DISCOVERY_MAX_WAITING, DISCOVERY_DRAIN_TIMEOUT, DISCOVERY_RESULT_CACHE_SIZE;
DISCOVERY_AUTH (`none` or `firebase`), FIREBASE_PROJECT_ID, GOOGLE_APPLICATION_CREDENTIALS,
DISCOVERY_CHECK_REVOKED, DISCOVERY_USAGE_DB, DISCOVERY_CALLS_PER_MINUTE, DISCOVERY_CONCURRENT_CALLS;
for the account page FIREBASE_API_KEY, FIREBASE_AUTH_DOMAIN, DISCOVERY_REGISTRATION, DISCOVERY_REGISTRATION_DOMAINS.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from dataclasses import replace

from dotenv import dotenv_values, find_dotenv

from .account import POLICIES, AccountConfig, RegistrationPolicy
from .auth import AuthConfig, AuthConfigError, NoAuth
from .config import Config
from .firebase_auth import FirebaseAuth
from .limits import UserLimits
from .serve import configure, start_server
from .store import DEFAULT_SQLITE_FILE, StoreSchemaError, StoreUnavailable


def config_from_command_line(
    description: str,
    argv: list[str] | None = None,
    base: Config | None = None,
    parents: Sequence[argparse.ArgumentParser] = (),
) -> Config:
    """A `Config` from `.env` and flags (flags win) over `base`'s settings; `--help` lists them.

    `parents` are an app's own parsers (built with `add_help=False`): their flags are accepted
    and listed by `--help`; the app reads their values with its own parser.
    """
    # The .env of the directory the user runs from, under the real environment; read, not loaded
    # into os.environ, so that parsing a command line has no effect on the rest of the process.
    env = {**dotenv_values(find_dotenv(usecwd=True)), **os.environ}.get
    base = base or Config()
    parser = argparse.ArgumentParser(description=description, parents=list(parents))
    parser.add_argument("--host", default=env("THE_SERVER_HOST", base.host), help="default: THE_SERVER_HOST or %(default)s")
    parser.add_argument(
        "--port", type=int, default=int(env("THE_SERVER_PORT") or base.port), help="default: THE_SERVER_PORT or %(default)s"
    )
    parser.add_argument(
        "--handler-timeout",
        type=float,
        default=base.handler_timeout,
        help="seconds per Rpc call from when its handler starts (default: %(default)s; None: no limit)",
    )
    parser.add_argument(
        "--access-log", action=argparse.BooleanOptionalAction, default=base.access_log, help="log a line per request (default: %(default)s)"
    )
    parser.add_argument(
        "--max-batch",
        type=int,
        default=int(env("DISCOVERY_MAX_BATCH") or base.max_batch),
        help="most items of one batch call (default: DISCOVERY_MAX_BATCH or %(default)s)",
    )
    parser.add_argument(
        "--max-body-bytes",
        type=int,
        default=int(env("DISCOVERY_MAX_BODY_BYTES") or base.max_body_bytes),
        help="largest request body (default: DISCOVERY_MAX_BODY_BYTES or %(default)s)",
    )
    parser.add_argument(
        "--max-json-depth",
        type=int,
        default=int(env("DISCOVERY_MAX_JSON_DEPTH") or base.max_json_depth),
        help="deepest nesting of arrays and objects in a request body (default: DISCOVERY_MAX_JSON_DEPTH or %(default)s)",
    )
    parser.add_argument(
        "--max-in-flight",
        type=int,
        default=int(env("DISCOVERY_MAX_IN_FLIGHT") or base.max_in_flight),
        help="handlers running at once, server-wide (default: DISCOVERY_MAX_IN_FLIGHT or %(default)s)",
    )
    parser.add_argument(
        "--max-waiting",
        type=int,
        default=int(env("DISCOVERY_MAX_WAITING") or base.max_waiting),
        help="calls waiting for a place beyond those; more answer 503 at once (default: DISCOVERY_MAX_WAITING or %(default)s)",
    )
    parser.add_argument(
        "--drain-timeout",
        type=float,
        default=float(env("DISCOVERY_DRAIN_TIMEOUT") or base.drain_timeout),
        help="seconds the calls in flight get to finish after SIGTERM; 0: exit at once (default: DISCOVERY_DRAIN_TIMEOUT or %(default)s)",
    )
    parser.add_argument(
        "--result-cache-size",
        type=int,
        default=int(env("DISCOVERY_RESULT_CACHE_SIZE") or base.result_cache_size),
        help="results of deterministic Rpcs kept for repeated inputs, in entries; 0: no cache (default: DISCOVERY_RESULT_CACHE_SIZE or %(default)s)",
    )
    auth = parser.add_argument_group("authentication")
    auth.add_argument(
        "--auth", choices=("none", "firebase"), default=env("DISCOVERY_AUTH", "none"), help="default: DISCOVERY_AUTH or %(default)s"
    )
    auth.add_argument("--firebase-project", default=env("FIREBASE_PROJECT_ID"), help="Firebase project id (default: FIREBASE_PROJECT_ID)")
    auth.add_argument(
        "--firebase-credentials",
        default=env("GOOGLE_APPLICATION_CREDENTIALS"),
        help="service-account JSON (default: GOOGLE_APPLICATION_CREDENTIALS, else application default credentials)",
    )
    auth.add_argument(
        "--check-revoked",
        action=argparse.BooleanOptionalAction,
        default=_flag(env("DISCOVERY_CHECK_REVOKED"), True),
        help="look each caller up to refuse revoked tokens and disabled users (default: DISCOVERY_CHECK_REVOKED or on)",
    )
    auth.add_argument(
        "--allow-public-no-auth",
        action="store_true",
        default=base.allow_public_without_auth,
        help="serve without auth beyond loopback (trusted networks only)",
    )
    auth.add_argument(
        "--public-docs", action="store_true", default=base.public_docs, help="with auth, still serve /docs and /openapi.json to anyone"
    )
    page = parser.add_argument_group("account page (GET /account, with --auth firebase)")
    page.add_argument(
        "--firebase-api-key",
        default=env("FIREBASE_API_KEY", base.account.web_api_key),
        help="the project's Web API key, for the page's sign-in (default: FIREBASE_API_KEY)",
    )
    page.add_argument(
        "--firebase-auth-domain",
        default=env("FIREBASE_AUTH_DOMAIN", base.account.auth_domain),
        help="default: FIREBASE_AUTH_DOMAIN or <project>.firebaseapp.com",
    )
    page.add_argument(
        "--registration",
        choices=POLICIES,
        default=env("DISCOVERY_REGISTRATION", base.account.registration.policy),
        help="who may sign up on the page (default: DISCOVERY_REGISTRATION or %(default)s)",
    )
    page.add_argument(
        "--registration-domains",
        default=env("DISCOVERY_REGISTRATION_DOMAINS", ",".join(base.account.registration.domains)),
        help="comma-separated email domains of the `domains` policy (default: DISCOVERY_REGISTRATION_DOMAINS)",
    )
    usage = parser.add_argument_group("users and usage")
    usage.add_argument(
        "--usage-db",
        default=env("DISCOVERY_USAGE_DB", base.usage_db or DEFAULT_SQLITE_FILE),
        help="store of users, usage, approvals and per-minute counts, with auth: a SQLite file, or postgresql://user@host/db "
        "shared by several servers; empty: record nothing (default: DISCOVERY_USAGE_DB or %(default)s)",
    )
    usage.add_argument(
        "--calls-per-minute",
        type=int,
        default=_int(env("DISCOVERY_CALLS_PER_MINUTE")),
        help="per-user cap (default: DISCOVERY_CALLS_PER_MINUTE or none)",
    )
    usage.add_argument(
        "--concurrent-calls",
        type=int,
        default=_int(env("DISCOVERY_CONCURRENT_CALLS")),
        help="per-user cap on calls in flight (default: DISCOVERY_CONCURRENT_CALLS or none)",
    )
    args = parser.parse_args(argv)
    if args.max_batch < 1:
        parser.error(f"--max-batch must be at least 1, not {args.max_batch}")
    if args.max_body_bytes < 1:
        parser.error(f"--max-body-bytes must be at least 1, not {args.max_body_bytes}")
    if args.max_json_depth < 1 or args.max_in_flight < 1 or args.max_waiting < 0 or args.drain_timeout < 0:
        parser.error("--max-json-depth and --max-in-flight must be at least 1, --max-waiting and --drain-timeout at least 0")
    if args.result_cache_size < 0:
        parser.error(f"--result-cache-size must be 0 (no cache) or more, not {args.result_cache_size}")
    try:
        registration = RegistrationPolicy(args.registration, tuple(args.registration_domains.split(",")))
    except ValueError as err:
        parser.error(str(err))
    auth_config: AuthConfig = NoAuth()
    if args.auth == "firebase":
        if not args.firebase_project:
            parser.error("--auth firebase needs the Firebase project id: FIREBASE_PROJECT_ID in .env or --firebase-project")
        auth_config = FirebaseAuth(args.firebase_project, args.firebase_credentials, args.check_revoked)
    return replace(
        base,
        host=args.host,
        port=args.port,
        handler_timeout=args.handler_timeout,
        access_log=args.access_log,
        max_batch=args.max_batch,
        max_body_bytes=args.max_body_bytes,
        max_json_depth=args.max_json_depth,
        max_in_flight=args.max_in_flight,
        max_waiting=args.max_waiting,
        drain_timeout=args.drain_timeout,
        result_cache_size=args.result_cache_size,
        auth=auth_config,
        allow_public_without_auth=args.allow_public_no_auth,
        public_docs=args.public_docs,
        usage_db=args.usage_db or None,
        limits=UserLimits(calls_per_minute=args.calls_per_minute, concurrent_calls=args.concurrent_calls),
        account=AccountConfig(args.firebase_api_key or None, args.firebase_auth_domain or None, registration),
    )


def serve_from_command_line(description: str, argv: list[str] | None = None, base: Config | None = None) -> None:
    """Parse `.env` and flags over `base`'s settings, then serve every implemented Rpc; blocks."""
    configure(config_from_command_line(description, argv, base))
    try:
        start_server()
    except (AuthConfigError, StoreUnavailable, StoreSchemaError) as err:  # what the operator must fix: a message, not a traceback
        sys.exit(f"error: {err}")


def _flag(value: str | None, default: bool) -> bool:
    return default if value is None else value.strip().lower() in ("1", "true", "yes", "on")


def _int(value: str | None) -> int | None:
    return int(value) if value else None
