"""
# Example Server

Importing this module attaches the `example` Rpc's handler; a Discovery server then serves it.
"""

from example_shared import Example, example


@example.impl
def repeat(inp: Example) -> Example:
    return Example(txt=inp.txt * inp.num, num=1)
