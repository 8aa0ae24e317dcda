"""
# Example Server

Importing this module attaches the `example` Rpc's handler; a Discovery server then serves it.
"""

from discovery_shared import FieldError, WireValidationError
from example_shared import MAX_CHARS, Example, example


@example.impl
def repeat(inp: Example) -> Example:
    if len(inp.txt) * inp.num > MAX_CHARS:
        message = f"txt repeated num times would be {len(inp.txt) * inp.num} characters, more than {MAX_CHARS}"
        raise WireValidationError(Example, [FieldError(loc=("num",), msg=message, type="too_long")])
    return Example(txt=inp.txt * inp.num, num=1)
