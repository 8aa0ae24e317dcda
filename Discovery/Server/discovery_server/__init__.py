"""
# Discovery Server

Serves every `Rpc` whose handler was attached with `@rpc.impl` as `POST /{rpc.name}`.

```python
import discovery_server as ds
import example_server  # attaches the handlers

ds.configure(ds.Config(host="127.0.0.1", port=8000))
ds.start_server()
```

Batch calls (`POST /{rpc.name}/batch`), a result cache for `deterministic` Rpcs
(`Config.result_cache_size`) and Prometheus metrics (`GET /metrics`) come with every app.

With Firebase authentication (see firebase_auth.py and the repository README):
`ds.Config(host="0.0.0.0", auth=ds.FirebaseAuth(project_id="my-project"))`.
"""

from .app import create_app
from .auth import ANONYMOUS, AuthConfig, AuthConfigError, Authenticator, NoAuth
from .background import BackgroundServer
from .builtin_routes import RpcInfo
from .cache import ResultCache
from .command_line import config_from_command_line, serve_from_command_line
from .config import Config
from .errors import ApiError
from .firebase_auth import FirebaseAuth
from .limits import UserLimits
from .process import ServerProcess, free_port
from .serve import UnsafeBindError, check_bind, configure, start_server
from .store import PostgresStore, SqliteStore, Store, StoreSchemaError, StoreUnavailable, UsageRecord, UserRecord, open_store

__all__ = [
    "ANONYMOUS",
    "ApiError",
    "AuthConfig",
    "AuthConfigError",
    "Authenticator",
    "BackgroundServer",
    "check_bind",
    "Config",
    "config_from_command_line",
    "configure",
    "create_app",
    "FirebaseAuth",
    "free_port",
    "NoAuth",
    "open_store",
    "PostgresStore",
    "ResultCache",
    "RpcInfo",
    "serve_from_command_line",
    "ServerProcess",
    "SqliteStore",
    "start_server",
    "Store",
    "StoreSchemaError",
    "StoreUnavailable",
    "UnsafeBindError",
    "UsageRecord",
    "UserLimits",
    "UserRecord",
]
