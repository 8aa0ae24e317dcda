"""
# Discovery Server

Serves every `Rpc` whose handler was attached with `@rpc.impl` as `POST /{rpc.name}`.

```python
import discovery_server as ds
import example_server  # attaches the handlers

ds.configure(ds.Config(host="127.0.0.1", port=8000))
ds.start_server()
```
"""

from .app import create_app
from .auth import ANONYMOUS, AuthConfig, Authenticator, NoAuth
from .background import BackgroundServer
from .builtin_routes import RpcInfo
from .command_line import config_from_command_line, serve_from_command_line
from .config import Config
from .errors import ApiError
from .process import ServerProcess, free_port
from .serve import configure, start_server

__all__ = [
    "ANONYMOUS",
    "ApiError",
    "AuthConfig",
    "BackgroundServer",
    "Authenticator",
    "Config",
    "NoAuth",
    "RpcInfo",
    "ServerProcess",
    "config_from_command_line",
    "configure",
    "create_app",
    "free_port",
    "serve_from_command_line",
    "start_server",
]
