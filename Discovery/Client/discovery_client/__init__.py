"""
# Discovery Client

Call a Discovery server's Rpcs as if they were local functions.

```python
import discovery_client as dc
from example_shared import example, Example

dc.configure(dc.Config(server_url="http://127.0.0.1:8000"))  # or THE_SERVER_URL in .env
dc.client_start()
example(Example(txt="hi", num=3))
example.batch([Example(txt="a", num=1), Example(txt="b", num=2)]).values()  # one request
```
"""

from .async_client import AsyncClient
from .client import BearerToken, Client
from .config import Config
from .errors import (
    AuthError,
    ClientError,
    ForbiddenError,
    NotFoundError,
    PayloadTooLargeError,
    RateLimitedError,
    RemoteError,
    RemoteTimeoutError,
    SchemaMismatchError,
    ServerUnavailableError,
    ValidationError,
)
from .firebase import FirebaseEndpoints, FirebaseTokenAuth, Tokens, sign_in_with_password
from .module_api import client_start, client_stop, configure
from .retry_policy import RetryPolicy

__all__ = [
    "AsyncClient",
    "AuthError",
    "BearerToken",
    "Client",
    "ClientError",
    "Config",
    "FirebaseEndpoints",
    "FirebaseTokenAuth",
    "ForbiddenError",
    "NotFoundError",
    "PayloadTooLargeError",
    "RateLimitedError",
    "RemoteError",
    "RemoteTimeoutError",
    "RetryPolicy",
    "SchemaMismatchError",
    "ServerUnavailableError",
    "Tokens",
    "ValidationError",
    "client_start",
    "client_stop",
    "configure",
    "sign_in_with_password",
]
