"""
# Example Shared

The smallest Discovery app: one Rpc, `example`, defined once and used by both sides.
"""

from typing import Annotated

from pydantic import Field
from pydantic.dataclasses import dataclass

from discovery_shared import Rpc

MAX_CHARS = 1_000_000
"""Longest `txt` the server makes: a caller may not ask it for gigabytes (the handler refuses with a 422)."""


@dataclass
class Example:
    txt: str
    num: Annotated[int, Field(ge=0, le=1000)]


example = Rpc(
    name="example",
    input_type=Example,
    return_type=Example,
    docstring="Repeat `txt` `num` times; the result has `num=1`.",
)
