"""
# Batch bodies

The wire format of `POST /{rpc}/batch`: the body is a JSON array of inputs, at most
`Config.max_batch` of them; the answer is a JSON array of the same length and order whose items
are `{"result": <output>}` or `{"error": {"type", "message", "details"}}`.

The body is split into items by parsing it as an array of arbitrary JSON and writing each item
back to JSON, so that every item is then decoded by exactly the codec path of a single call
(and a bad item is that item's error, not the whole batch's).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pydantic_core

from discovery_shared import Codec, ErrorType, Rpc, WireValidationError

from .calls import Outcome
from .errors import ApiError


class BatchBody:
    """Splits the bodies of one Rpc's batch requests into the JSON of each item."""

    def __init__(self, rpc: Rpc[Any, Any], max_batch: int) -> None:
        self._rpc = rpc
        self._max_batch = max_batch
        self._array: Codec[list[Any]] = Codec(list[Any])

    def split(self, body: bytes) -> list[bytes]:
        """The items' JSON; raises a 422 `ApiError` for a body that is no JSON array, a 413 one past `max_batch`."""
        try:
            items = self._array.decode(body)
        except WireValidationError as err:
            reasons = "; ".join(e.msg for e in err.errors)
            raise ApiError(
                ErrorType.VALIDATION,
                f"the body of POST /{self._rpc.name}/batch must be a JSON array of {self._rpc.input_type.__name__} inputs: {reasons}",
                {"fields": [e.model_dump(mode="json") for e in err.errors]},
            ) from None
        if len(items) > self._max_batch:
            raise ApiError(
                ErrorType.PAYLOAD_TOO_LARGE,
                f"a batch of {len(items)} items is more than this server's limit of {self._max_batch}; "
                f"send at most {self._max_batch} items per batch",
                {"items": len(items), "max_batch": self._max_batch},
            )
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
