"""
# Rpc

An `Rpc` is a typed, named function whose definition lives in shared code and whose body
lives wherever `@rpc.impl` was applied. The same object is the server's route and the
client's callable, so the two cannot drift apart silently: their schema fingerprints differ.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import hashlib
import inspect
import json
import typing
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from .batch import BatchItem, BatchResult
from .codec import Codec
from .errors import NoBackendError, RpcDefinitionError

In = TypeVar("In")
Out = TypeVar("Out")


@dataclass(frozen=True)
class User:
    """The authenticated caller of an Rpc. A handler receives it by declaring a parameter of this type."""

    uid: str
    email: str | None = None
    name: str | None = None


LOCAL_USER = User(uid="local", name="in-process caller")
"""The `User` that handlers see when an Rpc runs in-process, with no server in between."""


class RemoteCaller(Protocol):
    """What `discovery_client` installs so that calling an `Rpc` goes to a server."""

    def call(self, rpc: Rpc[Any, Out], inp: Any) -> Out: ...

    def call_batch(self, rpc: Rpc[Any, Out], inputs: Sequence[Any]) -> BatchResult[Out]: ...


class Registry:
    """Every `Rpc` defined in this process, by name. Names are unique: they are the URL paths."""

    def __init__(self) -> None:
        self._rpcs: dict[str, Rpc[Any, Any]] = {}
        self.remote: RemoteCaller | None = None

    def add(self, rpc: Rpc[Any, Any]) -> None:
        if rpc.name in self._rpcs:
            raise RpcDefinitionError(
                f"an Rpc named {rpc.name!r} is already defined (input {self._rpcs[rpc.name].input_type.__name__}); Rpc names must be unique"
            )
        self._rpcs[rpc.name] = rpc

    def remove(self, name: str) -> None:
        """Forget an Rpc; for tests and interactive sessions that redefine one."""
        self._rpcs.pop(name, None)

    def get(self, name: str) -> Rpc[Any, Any] | None:
        return self._rpcs.get(name)

    def all(self) -> list[Rpc[Any, Any]]:
        return list(self._rpcs.values())

    def implemented(self) -> list[Rpc[Any, Any]]:
        return [rpc for rpc in self._rpcs.values() if rpc.handler is not None]


registry = Registry()
"""The process-wide registry that every `Rpc` joins on construction."""


@dataclass(frozen=True)
class Handler(Generic[In, Out]):
    """A checked implementation of an Rpc: the function, whether it is async, and whether it wants the `User`."""

    func: Callable[..., Out | Awaitable[Out]]
    is_async: bool
    user_param: str | None

    def invoke(self, inp: In, user: User) -> Out | Awaitable[Out]:
        if self.user_param is None:
            return self.func(inp)
        return self.func(inp, **{self.user_param: user})


class Rpc(Generic[In, Out]):
    """A typed remote procedure: `Rpc(name, input_type, return_type, docstring)`.

    Input and return types are anything pydantic validates: pydantic dataclasses and models,
    with nested types, enums, tuples, lists and `bytes`.

    Two promises an Rpc may make about its handler, both off by default because a wrong one
    silently corrupts results:
    - `idempotent`: running an input twice does no harm, so a client may resend a call whose
      connection dropped after it may have reached the handler (a simulation; not a purchase).
    - `deterministic`: the same input always gives the same output (implies idempotent), so a
      server may answer a repeated input from its result cache.
    Neither enters the fingerprint: they change how calls are run, not what travels.

    `usage_field` names the output's integer field that counts a call's work (`"simulations"`: a
    design at 17 PVT corners is 17, or 1 when it stopped at the first): a server adds it to the
    caller's usage beside the calls, and an answer from its result cache adds nothing, as it did
    no work. `None` (the default): each call is one unit of work.

    `cost(input)` is the most work an input may take, in the same unit, known before it runs: a
    client bounds each batch request's total cost by its `Config.max_batch_cost`, so that a batch
    of costly inputs (designs at 17 corners) travels as requests that each end inside the
    client's timeout. `None` (the default): every input costs one.
    """

    def __init__(
        self,
        name: str,
        input_type: type[In],
        return_type: type[Out],
        docstring: str = "",
        *,
        idempotent: bool = False,
        deterministic: bool = False,
        usage_field: str | None = None,
        cost: Callable[[In], int] | None = None,
    ) -> None:
        if not name.isidentifier():
            raise RpcDefinitionError(f"Rpc name {name!r} must be a Python identifier: it becomes the path /{name}")
        if usage_field is not None and _field_type(return_type, usage_field) is not int:
            raise RpcDefinitionError(
                f"Rpc {name!r}: usage_field {usage_field!r} must name an int field of its return type {return_type.__name__}"
            )
        self.usage_field = usage_field
        self.cost = cost
        self.name = name
        self.deterministic = deterministic
        self.idempotent = idempotent or deterministic
        self.input_type = input_type
        self.return_type = return_type
        self.docstring = inspect.cleandoc(docstring)
        self.input_codec: Codec[In] = Codec(input_type)
        self.return_codec: Codec[Out] = Codec(return_type)
        self.fingerprint = _fingerprint(name, self.input_codec, self.return_codec)
        self.handler: Handler[In, Out] | None = None
        registry.add(self)

    def __repr__(self) -> str:
        return f"Rpc({self.name!r}, {self.input_type.__name__} -> {self.return_type.__name__})"

    @property
    def usage_unit(self) -> str:
        """What this Rpc's usage counts: its `usage_field` (`simulations`), else `calls`."""
        return self.usage_field or "calls"

    def cost_of(self, inp: In) -> int:
        """The most work the (validated) input `inp` may take: its `cost`, else one."""
        if self.cost is None:
            return 1
        cost = self.cost(inp)
        if not isinstance(cost, int) or cost < 1:
            raise RpcDefinitionError(f"Rpc {self.name!r}: cost must be an int of at least 1 per input, got {cost!r}")
        return cost

    def usage_of(self, output: Out) -> int:
        """The work a call that answered `output` did: its `usage_field`, else one call."""
        return 1 if self.usage_field is None else int(getattr(output, self.usage_field))

    def impl(self, func: Callable[..., Any]) -> Callable[..., Any]:
        """Decorator attaching the handler that runs this Rpc, sync or async.

        The handler takes the input as its one positional parameter; it may also declare a
        parameter annotated `User` to receive the authenticated caller.
        """
        if self.handler is not None:
            raise RpcDefinitionError(
                f"Rpc {self.name!r} already has a handler ({self.handler.func.__qualname__}); each Rpc has exactly one implementation"
            )
        self.handler = _check_handler(self, func)
        return func

    def __call__(self, inp: In) -> Out:
        """Run the Rpc: on the server when a client was started, else in-process through its handler."""
        if registry.remote is not None:
            return registry.remote.call(self, inp)
        handler = self._local_handler()
        result = handler.invoke(self.input_codec.validate(inp), LOCAL_USER)
        if handler.is_async:
            result = _run_blocking(result)  # type: ignore[arg-type]
        return self.return_codec.validate(result)

    def batch(self, inputs: Sequence[In]) -> BatchResult[Out]:
        """Run every input, on the server when a client was started (one request), else
        in-process; one `BatchItem` per input, in order, each failing on its own."""
        if registry.remote is not None:
            return registry.remote.call_batch(self, inputs)
        handler = self._local_handler()
        if handler.is_async:
            return _run_blocking(self._local_batch_async(handler, inputs))
        return BatchResult(self.name, [self._local_item(handler, inp) for inp in inputs])

    def _local_item(self, handler: Handler[In, Out], inp: In) -> BatchItem[Out]:
        try:
            return BatchItem.success(self.return_codec.validate(handler.invoke(self.input_codec.validate(inp), LOCAL_USER)))
        except Exception as err:  # each item fails on its own, with what a single call would raise
            return BatchItem.failure(err)

    async def _local_batch_async(self, handler: Handler[In, Out], inputs: Sequence[In]) -> BatchResult[Out]:
        async def item(inp: In) -> BatchItem[Out]:
            try:
                result = await handler.invoke(self.input_codec.validate(inp), LOCAL_USER)  # type: ignore[misc]
                return BatchItem.success(self.return_codec.validate(result))
            except Exception as err:
                return BatchItem.failure(err)

        return BatchResult(self.name, await asyncio.gather(*(item(inp) for inp in inputs)))

    async def acall(self, inp: In) -> Out:
        """`await rpc.acall(inp)`: like calling it, without blocking a running event loop."""
        if registry.remote is not None:
            return await asyncio.to_thread(registry.remote.call, self, inp)
        handler = self._local_handler()
        valid = self.input_codec.validate(inp)
        if handler.is_async:
            result = await handler.invoke(valid, LOCAL_USER)  # type: ignore[misc]
        else:
            result = await asyncio.to_thread(handler.invoke, valid, LOCAL_USER)
        return self.return_codec.validate(result)

    def _local_handler(self) -> Handler[In, Out]:
        if self.handler is None:
            raise NoBackendError(
                f"Rpc {self.name!r} has no backend: call discovery_client.client_start() to run it on a "
                f"server, or import the server package that implements it (with @{self.name}.impl) to run it in-process"
            )
        return self.handler


def _field_type(cls: type, name: str) -> object:
    """The annotated type of field `name` of a dataclass or model, or None if it has none."""
    try:
        return typing.get_type_hints(cls).get(name)
    except (NameError, TypeError):
        return None


def _fingerprint(name: str, inp: Codec[Any], out: Codec[Any]) -> str:
    doc = {"name": name, "input": inp.json_schema(), "return": out.json_schema()}
    canonical = json.dumps(doc, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def _check_handler(rpc: Rpc[Any, Any], func: Callable[..., Any]) -> Handler[Any, Any]:
    where = f"handler {func.__qualname__} of Rpc {rpc.name!r}"
    try:
        hints = typing.get_type_hints(func)
    except NameError as err:
        raise RpcDefinitionError(f"{where}: cannot resolve its annotations ({err})") from err
    params = list(inspect.signature(func).parameters.values())
    if not params or params[0].kind not in (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD):
        raise RpcDefinitionError(f"{where} must take the input ({rpc.input_type.__name__}) as its first parameter")
    first, rest = params[0], params[1:]
    if first.name in hints and hints[first.name] is not rpc.input_type:
        raise RpcDefinitionError(
            f"{where}: its parameter {first.name!r} is annotated {hints[first.name]!r}, "
            f"but the Rpc's input type is {rpc.input_type.__name__}"
        )
    user_param = None
    for param in rest:
        if hints.get(param.name) in (User, User | None):
            user_param = param.name
        elif param.default is inspect.Parameter.empty:
            raise RpcDefinitionError(
                f"{where}: extra parameter {param.name!r} must be annotated `User` (to receive the caller) or have a default"
            )
    ret = hints.get("return")
    if ret is not None and not (isinstance(ret, type) and issubclass(ret, rpc.return_type)):
        raise RpcDefinitionError(f"{where}: it returns {ret!r}, but the Rpc's return type is {rpc.return_type.__name__}")
    return Handler(func=func, is_async=inspect.iscoroutinefunction(func), user_param=user_param)


def _run_blocking(coro: Awaitable[Out]) -> Out:
    """Run a coroutine to completion from sync code, also inside a running loop (a notebook)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)  # type: ignore[arg-type]
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()  # type: ignore[arg-type]
