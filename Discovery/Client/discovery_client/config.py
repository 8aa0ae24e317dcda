"""
# Client configuration

Explicit arguments win; anything left `None` comes from the environment, then from `.env`
(found from the working directory upwards), then from the defaults below.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace

import httpx
from dotenv import dotenv_values, find_dotenv

from .firebase import FirebaseEndpoints
from .retry_policy import RetryPolicy

DEFAULT_SERVER_URL = "127.0.0.1:8000"


@dataclass(frozen=True)
class Config:
    """Where the servers are and how to talk to them.

    `server_url` names one server, or several separated by commas (`a:8000,b:8000`); calls
    and batch items are spread over them. Each URL may omit its scheme (`host:port`);
    `enable_https` then picks https. `max_batch` is the most items one batch request
    carries (the server's `max_batch`); longer batches travel as several requests.
    `max_batch_cost` is the most work one batch request carries, in its Rpc's unit (each input's
    `Rpc.cost`: a design at 17 corners costs 17), so that a request of costly items ends within
    `timeout` as one of cheap items does; an input costing more travels alone.
    `auth` is any `httpx.Auth`. Without one: with `refresh_token` and `firebase_api_key`, a
    `FirebaseTokenAuth` that keeps `auth_token` fresh for runs longer than its hour; with
    `auth_token` alone, that token as it is (it stops working after an hour).
    """

    server_url: str | None = None  # env THE_SERVER_URL; several servers: comma-separated
    enable_https: bool | None = None  # env THE_SERVER_HTTPS (true/false)
    auth_token: str | None = None  # env DISCOVERY_AUTH_TOKEN: a Firebase ID token
    refresh_token: str | None = None  # env DISCOVERY_REFRESH_TOKEN
    firebase_api_key: str | None = None  # env FIREBASE_API_KEY: the Firebase project's Web API key
    firebase_endpoints: FirebaseEndpoints | None = None  # default: Google's, or FIREBASE_AUTH_EMULATOR_HOST's
    auth: httpx.Auth | None = None
    timeout: float = 120.0  # seconds for one call, simulations included
    connect_timeout: float = 5.0
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    max_batch: int = 256
    max_batch_cost: int = 512
    check_fingerprints: bool = True
    dotenv_path: str | None = None  # default: the nearest .env from the working directory up

    def __post_init__(self) -> None:
        if self.max_batch < 1:
            raise ValueError(f"Config.max_batch must be at least 1, not {self.max_batch}")
        if self.max_batch_cost < 1:
            raise ValueError(f"Config.max_batch_cost must be at least 1, not {self.max_batch_cost}")

    def resolved(self) -> Config:
        """This config with every unset field filled from the environment, `.env` and defaults."""
        env = _environment(self.dotenv_path)
        https = self.enable_https
        if https is None:
            https = env.get("THE_SERVER_HTTPS", "").strip().lower() in ("1", "true", "yes")
        return replace(
            self,
            server_url=self.server_url or env.get("THE_SERVER_URL") or DEFAULT_SERVER_URL,
            enable_https=https,
            auth_token=self.auth_token or env.get("DISCOVERY_AUTH_TOKEN") or None,
            refresh_token=self.refresh_token or env.get("DISCOVERY_REFRESH_TOKEN") or None,
            firebase_api_key=self.firebase_api_key or env.get("FIREBASE_API_KEY") or None,
            firebase_endpoints=self.firebase_endpoints or FirebaseEndpoints.from_environment(env),
        )

    @property
    def base_urls(self) -> tuple[str, ...]:
        """Every server's URL with its scheme, in the order given."""
        urls = tuple(
            url if "://" in url else f"{'https' if self.enable_https else 'http'}://{url}"
            for url in (part.strip().rstrip("/") for part in (self.server_url or DEFAULT_SERVER_URL).split(","))
            if url
        )
        if not urls:
            raise ValueError(
                f"server_url (THE_SERVER_URL) {self.server_url!r} names no server: give host:port, or several separated by commas"
            )
        return urls


def _environment(dotenv_path: str | None) -> dict[str, str]:
    path = dotenv_path or find_dotenv(usecwd=True)
    values = {k: v for k, v in dotenv_values(path).items() if v is not None} if path else {}
    values.update(os.environ)
    return values
