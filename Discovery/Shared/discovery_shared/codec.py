"""
# The wire codec

Client and server both encode and decode through a `Codec`, so the bytes a client sends
are validated by exactly the schema the server uses, never by two hand-kept copies.

Two departures from pydantic's defaults, both so that values survive the trip unchanged:
* `bytes` travel as base64 strings. pydantic 2.6 writes them as UTF-8 text, which fails for
  arbitrary binary data and cannot be configured on types that carry their own config.
* Floats are written in their shortest round-tripping form (pydantic-core's default), so a
  float read back equals the float sent, bit for bit.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any, Generic, TypeVar

from pydantic import TypeAdapter
from pydantic import ValidationError as PydanticValidationError
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue
from pydantic_core import SchemaSerializer, SchemaValidator, core_schema

from .errors import FieldError, WireValidationError

T = TypeVar("T")


def _b64decode(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    try:
        return base64.b64decode(value, validate=True)
    except binascii.Error as err:
        raise ValueError(f"bytes must be sent as base64 text: {err}") from err


def _b64encode(value: bytes) -> str:
    return base64.b64encode(value).decode("ascii")


def _base64_bytes(node: dict[str, Any]) -> core_schema.CoreSchema:
    return core_schema.no_info_before_validator_function(
        _b64decode,
        node,  # type: ignore[arg-type]
        serialization=core_schema.plain_serializer_function_ser_schema(_b64encode, when_used="json"),
    )


def _with_base64_bytes(node: Any) -> Any:
    """Rewrite every `bytes` node of a core schema to travel as base64 in JSON."""
    if isinstance(node, dict):
        if node.get("type") == "bytes":
            return _base64_bytes(node)
        return {key: _with_base64_bytes(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_with_base64_bytes(value) for value in node]
    return node


class _Base64JsonSchema(GenerateJsonSchema):
    """Documents `bytes` as the base64 strings they travel as."""

    def bytes_schema(self, schema: core_schema.BytesSchema) -> JsonSchemaValue:
        out = super().bytes_schema(schema)
        out["format"] = "base64"
        out["contentEncoding"] = "base64"
        return out


class Codec(Generic[T]):
    """Encodes values of one type to JSON bytes, and validates JSON or Python values back."""

    def __init__(self, tp: type[T]) -> None:
        self.type = tp
        self._adapter: TypeAdapter[T] = TypeAdapter(tp)
        schema = _with_base64_bytes(self._adapter.core_schema)
        self._validator = SchemaValidator(schema)
        self._serializer = SchemaSerializer(schema)

    def encode(self, value: T) -> bytes:
        """JSON bytes of `value`, which must already be of the codec's type."""
        return self._serializer.to_json(value)

    def to_jsonable(self, value: T) -> Any:
        """JSON-compatible Python data (dicts, lists, str, ...) of `value`."""
        return self._serializer.to_python(value, mode="json")

    def decode(self, data: bytes | str) -> T:
        """Validate JSON text into the codec's type; raises `WireValidationError` naming each bad field."""
        try:
            return self._validator.validate_json(data)
        except PydanticValidationError as err:
            raise WireValidationError(self.type, _field_errors(err)) from None

    def validate(self, value: Any) -> T:
        """Validate a Python value (an instance, or a dict of its fields) into the codec's type."""
        try:
            return self._validator.validate_python(value)
        except PydanticValidationError as err:
            raise WireValidationError(self.type, _field_errors(err)) from None

    def json_schema(self, ref_template: str = "#/$defs/{model}") -> dict[str, Any]:
        return self._adapter.json_schema(ref_template=ref_template, schema_generator=_Base64JsonSchema)


def _field_errors(err: PydanticValidationError) -> list[FieldError]:
    return [
        FieldError(
            loc=tuple(str(part) for part in e["loc"]),
            msg=e["msg"],
            type=e["type"],
        )
        for e in err.errors(include_url=False, include_input=False)
    ]
