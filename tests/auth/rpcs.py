"""Rpcs the auth tests serve: one whose handler asks for the caller, one that takes its time."""

from __future__ import annotations

import time

from pydantic.dataclasses import dataclass

from discovery_shared import Rpc, User


@dataclass
class Caller:
    uid: str
    email: str | None
    name: str | None


@dataclass
class Nap:
    seconds: float


whoami = Rpc("t_auth_whoami", Nap, Caller, docstring="The authenticated caller, as the handler sees it.")
nap = Rpc("t_auth_nap", Nap, Nap, docstring="Sleep, then echo: keeps a call in flight.")


@whoami.impl
def _whoami(inp: Nap, caller: User) -> Caller:
    return Caller(uid=caller.uid, email=caller.email, name=caller.name)


@nap.impl
def _nap(inp: Nap) -> Nap:
    time.sleep(inp.seconds)
    return inp
