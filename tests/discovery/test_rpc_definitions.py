"""The registry and `@rpc.impl` rules, and in-process calls."""

from __future__ import annotations

import asyncio

import pytest
from pydantic.dataclasses import dataclass

from discovery_shared import (
    LOCAL_USER,
    NoBackendError,
    Rpc,
    RpcDefinitionError,
    User,
    WireValidationError,
    registry,
)


@dataclass
class Num:
    n: int


@dataclass
class Other:
    s: str


@pytest.fixture
def rpc(request: pytest.FixtureRequest):
    name = f"t_{request.node.name}".replace("[", "_").replace("]", "_").replace("-", "_")
    made = Rpc(name, Num, Num, docstring="  Increment.\n  Used by tests.")
    yield made
    registry.remove(name)


def test_registers_by_name_and_refuses_duplicates(rpc: Rpc) -> None:
    assert registry.get(rpc.name) is rpc
    assert rpc.docstring == "Increment.\nUsed by tests."
    with pytest.raises(RpcDefinitionError, match="already defined"):
        Rpc(rpc.name, Other, Other)


def test_name_must_be_an_identifier() -> None:
    with pytest.raises(RpcDefinitionError, match="identifier"):
        Rpc("has space", Num, Num)


def test_sync_handler_runs_in_process_and_validates(rpc: Rpc) -> None:
    @rpc.impl
    def inc(x: Num) -> Num:
        return Num(n=x.n + 1)

    assert rpc(Num(n=1)) == Num(n=2)
    assert rpc({"n": "41"}) == Num(n=42)  # dicts are validated into the input type
    with pytest.raises(WireValidationError, match="n"):
        rpc({"n": "many"})


def test_async_handler_runs_from_sync_and_async_code(rpc: Rpc) -> None:
    @rpc.impl
    async def inc(x: Num) -> Num:
        await asyncio.sleep(0)
        return Num(n=x.n + 1)

    assert rpc(Num(n=1)) == Num(n=2)

    async def inside_a_loop() -> tuple[Num, Num]:
        return rpc(Num(n=5)), await rpc.acall(Num(n=6))

    assert asyncio.run(inside_a_loop()) == (Num(n=6), Num(n=7))


def test_a_second_handler_is_refused(rpc: Rpc) -> None:
    rpc.impl(lambda x: x)
    with pytest.raises(RpcDefinitionError, match="already has a handler"):
        rpc.impl(lambda x: x)


def test_handler_input_annotation_must_match(rpc: Rpc) -> None:
    def wrong(x: Other) -> Num: ...

    with pytest.raises(RpcDefinitionError, match="input type is Num"):
        rpc.impl(wrong)


def test_handler_return_annotation_must_match(rpc: Rpc) -> None:
    def wrong(x: Num) -> Other: ...

    with pytest.raises(RpcDefinitionError, match="return type is Num"):
        rpc.impl(wrong)


def test_handler_needs_an_input_parameter(rpc: Rpc) -> None:
    def none() -> Num: ...

    with pytest.raises(RpcDefinitionError, match="first parameter"):
        rpc.impl(none)


def test_extra_parameters_must_be_the_user_or_defaulted(rpc: Rpc) -> None:
    def extra(x: Num, y: int) -> Num: ...

    with pytest.raises(RpcDefinitionError, match="extra parameter 'y'"):
        rpc.impl(extra)


def test_handler_may_ask_for_the_user(rpc: Rpc) -> None:
    seen: list[User] = []

    @rpc.impl
    def who(x: Num, caller: User) -> Num:
        seen.append(caller)
        return x

    rpc(Num(n=0))
    assert seen == [LOCAL_USER]


def test_unannotated_handler_is_accepted(rpc: Rpc) -> None:
    rpc.impl(lambda x: Num(n=x.n * 2))
    assert rpc(Num(n=4)) == Num(n=8)


def test_no_backend_says_what_to_do(rpc: Rpc) -> None:
    with pytest.raises(NoBackendError, match="client_start"):
        rpc(Num(n=1))
