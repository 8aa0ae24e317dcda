"""
# Discovery Shared

Typed `Rpc` definitions that a Discovery server implements and a Discovery client calls.

```python
from pydantic.dataclasses import dataclass
from discovery_shared import Rpc

@dataclass
class Example:
    txt: str
    num: int

example = Rpc(name="example", input_type=Example, return_type=Example, docstring="Repeat `txt` `num` times.")
```
"""

from .batch import BatchError, BatchItem, BatchResult
from .codec import Codec
from .errors import (
    DiscoveryError,
    ErrorBody,
    ErrorType,
    FieldError,
    NoBackendError,
    RpcDefinitionError,
    WireValidationError,
)
from .rpc import LOCAL_USER, Handler, Registry, RemoteCaller, Rpc, User, registry

__all__ = [
    "BatchError",
    "BatchItem",
    "BatchResult",
    "Codec",
    "DiscoveryError",
    "ErrorBody",
    "ErrorType",
    "FieldError",
    "Handler",
    "LOCAL_USER",
    "NoBackendError",
    "Registry",
    "RemoteCaller",
    "Rpc",
    "RpcDefinitionError",
    "User",
    "WireValidationError",
    "registry",
]
