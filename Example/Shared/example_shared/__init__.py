"""
# Example Shared

The smallest Discovery app: one Rpc, `example`, defined once and used by both sides.
"""

from discovery_shared import Rpc
from pydantic.dataclasses import dataclass


@dataclass
class Example:
    txt: str
    num: int


example = Rpc(
    name="example",
    input_type=Example,
    return_type=Example,
    docstring="Repeat `txt` `num` times; the result has `num=1`.",
)
