"""
# Batch bodies

The wire format of `POST /{rpc}/batch`: the body is a JSON array of inputs, at most
`Config.max_batch` of them; the answer is a JSON array of the same length and order whose items
are `{"result": <output>}` or `{"error": {"type", "message", "details"}}`.

The body is split into items by parsing it as an array of arbitrary JSON and writing each item
back to JSON, so that every item is then decoded by exactly the codec path of a single call
(and a bad item is that item's error, not the whole batch's).

A body that is no JSON array, or one longer than `max_batch`, is refused whole with a 422
`validation_error` naming the body (`loc` `[]`, type `too_long` for the length). The length is
part of the request's schema (`maxItems`, openapi.py), and a request the schema rules out is
answered like any input that does not fit: contract testers (schemathesis) expect a 4xx
validation answer for it, and the served schema and the answers then agree exactly. 413
`payload_too_large` stays for limits a schema cannot state (the body's bytes, its nesting depth)
and for a batch past the caller's calls-per-minute cap (limits.py). The client splits long
batches at `Config.max_batch`; one set above the server's limit gets this 422 as a
`ValidationError` for the whole request, whose message says to lower `Config.max_batch`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

import pydantic_core
from pydantic import Field

from discovery_shared import Codec, ErrorType, Rpc, WireValidationError

from .calls import Outcome
from .errors import ApiError


class BatchBody:
    """Splits the bodies of one Rpc's batch requests into the JSON of each item."""

    def __init__(self, rpc: Rpc[Any, Any], max_batch: int) -> None:
        self._rpc = rpc
        self._max_batch = max_batch
        self._array: Codec[list[Any]] = Codec(Annotated[list[Any], Field(max_length=max_batch)])  # type: ignore[arg-type]

    def split(self, body: bytes) -> list[bytes]:
        """The items' JSON; raises a 422 `ApiError` for a body that is no JSON array or is past `max_batch`."""
        try:
            items = self._array.decode(body)
        except WireValidationError as err:
            reasons = "; ".join(e.msg for e in err.errors)
            raise ApiError(
                ErrorType.VALIDATION,
                f"the body of POST /{self._rpc.name}/batch must be a JSON array of {self._rpc.input_type.__name__} inputs, "
                f"at most {self._max_batch} (this server's limit; a Discovery client splits batches at Config.max_batch: "
                f"set it to {self._max_batch} or less): {reasons}",
                {"fields": [e.model_dump(mode="json") for e in err.errors], "max_batch": self._max_batch},
            ) from None
        return [pydantic_core.to_json(item) for item in items]


def encode_answers(outcomes: Sequence[Outcome]) -> bytes:
    """The JSON array answering a batch, one item per outcome. Outputs are already JSON: spliced, not re-encoded."""
    parts = []
    for outcome in outcomes:
        if outcome.error is None:
            assert outcome.output is not None
            parts.append(b'{"result":' + outcome.output + b"}")
        else:
            parts.append(b'{"error":' + outcome.error.body.model_dump_json().encode() + b"}")
    return b"[" + b",".join(parts) + b"]"
