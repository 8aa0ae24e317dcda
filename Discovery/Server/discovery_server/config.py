"""
# Server configuration
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from .account.config import AccountConfig
from .auth import AuthConfig, NoAuth
from .limits import UserLimits


@dataclass
class Config:
    """How and where a Discovery server runs.

        `handler_timeout` bounds each Rpc call (each item of a batch) in seconds from when its
        handler starts (None: no bound); a call past it answers 504 while its worker thread is left
        to finish. `max_threads` bounds how many sync handlers run at once; more calls wait for a
        thread. `max_batch` bounds the items of one `POST /{rpc}/batch` and `max_body_bytes` the
    body of any Rpc request (more: 413, before a larger body is read), `max_json_depth` how deeply
        its JSON may nest (arrays and objects open at once; a batch body one level more; more: 413,
        before it is decoded).

        Load: at most `max_in_flight` handlers run at once, server-wide (each batch item counts
        one; a sync handler also needs a thread); up to `max_waiting` more calls wait for a place,
        and past that a call is refused at once with 503 `unavailable` and `Retry-After` (admission.py).

        Shutdown: on SIGTERM the server drains (drain.py): new calls answer 503 with `Retry-After`,
        the calls in flight get up to `drain_timeout` seconds to finish (0: exit at once, as plain
        uvicorn), then it exits. `GET /healthz` says the process is alive; `GET /readyz` says it
        takes calls: not draining, and `readiness()` (the app's own check, e.g. that its simulator
        workers are warm) returns True; False or a string (why not) answer 503.

        Result cache: with `result_cache_size` > 0 (entries), the outputs of Rpcs declared
        `deterministic` are kept and answered again for the same input (cache.py);
        `result_cache_namespace` goes into every key: set it to what the Rpcs' results depend on
        beyond their input, e.g. the content hash of the model files the server simulates with.

        `access_log` logs a line per request (uvicorn's access log): off by default, as it costs
        about a third of a served call's time on the server; `GET /metrics` counts the calls.

        Auth: `auth` is `NoAuth()` (development: loopback only, unless
        `allow_public_without_auth`) or `FirebaseAuth(...)`. With authentication:
        - every caller and their per-Rpc usage, the account page's approvals and the per-minute
          counts go to the store `usage_db` (store/): a `postgresql://` URL, which several servers
          may share, or the path of a SQLite file. None records nothing; the command line (every
          `start_server.py`) defaults it to `DEFAULT_SQLITE_FILE`, while code that builds a
          `Config` itself (tests, notebooks) chooses where the file goes;
        - `limits` caps each user (they apply to the anonymous caller of `NoAuth` too; without a
          store, the per-minute cap is counted in this server alone);
        - `/rpcs` and `/version` need a token like the Rpcs; `/docs`, `/redoc` and `/openapi.json`
          are off unless `public_docs`: a browser cannot attach a bearer token, so guarding them
          would only break them, and a server that guards its simulators should not advertise
          their interfaces to strangers by default. `GET /` stays open for health checks.
        - `account` configures the account page (`GET /account`, served with `FirebaseAuth` only):
          the project's Web API key and who may register (account/config.py).
    """

    host: str = "127.0.0.1"
    port: int = 8000
    auth: AuthConfig = field(default_factory=NoAuth)
    handler_timeout: float | None = None
    max_threads: int = 32
    max_batch: int = 256
    max_body_bytes: int = 16 * 2**20
    result_cache_size: int = 0
    result_cache_namespace: str = ""
    log_level: str = "info"
    access_log: bool = False
    usage_db: str | None = None
    limits: UserLimits = field(default_factory=UserLimits)
    public_docs: bool = False
    allow_public_without_auth: bool = False
    max_in_flight: int = 32
    max_waiting: int = 1024
    max_json_depth: int = 32
    drain_timeout: float = 30.0
    readiness: Callable[[], bool | str] | None = None
    account: AccountConfig = field(default_factory=AccountConfig)

    @property
    def authenticated(self) -> bool:
        """Whether callers are real users (anything but `NoAuth`): usage, docs and the bind rule depend on it."""
        return not isinstance(self.auth, NoAuth)
