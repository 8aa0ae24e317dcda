"""
# The wire codec

Client and server both encode and decode through a `Codec`, so the bytes a client sends
are validated by exactly the schema the server uses, never by two hand-kept copies.

## Strict wire types

JSON is decoded in pydantic's strict mode, for every Rpc: a value must already have its
declared JSON type, so what a server simulates is what the client meant, never a guess.
* No coercion: `true` is no integer (nor a number), `"34"` is no number, `3.5` is no integer,
  a number is no string. JSON has one number type, so the spellings of one number stay equal:
  an integer where a `float` is declared (`2` for `2.0`), and a number without fraction where an
  `int` is (`3.0` for `3`, as JSON Schema counts it an integer: the OpenAPI document and the
  codec agree).
* Unknown fields are refused (422 naming them), so a misspelt optional field is an error rather
  than silently its default. A type that wants extra fields says so in its own config
  (`ConfigDict(extra="allow")` or `"ignore"`), which is kept, in the schema too.
* `NaN` and `±Infinity` are refused where a float is declared (they are not JSON, and a
  non-finite float would come back as `null`), unless the type's config sets `allow_inf_nan`.
* What strict mode keeps, as in JSON every value has only one spelling anyway: enums by value
  (`"circle"`, `1` for an `IntEnum`), tuples, sets and frozensets as arrays, nested pydantic
  dataclasses and models as objects, `datetime`/`UUID`/`Decimal` as their strings, and `bytes`
  as base64 text (see below).

The OpenAPI document (the server's `/openapi.json`) is generated from the same codecs and says
the same: `"additionalProperties": false` on every closed object, `"type": "integer"` that no
string or boolean satisfies.

Python values are validated laxly (`Codec.validate`, used on a value that did not come from the
wire: a client's dict input, a handler's return value), since a Python caller's `True` for an
`int` already went through the type's own constructor; only unknown fields and non-finite
floats are refused there too, as they could not travel.

## Two departures from pydantic's defaults, both so that values survive the trip unchanged
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

_CLASSES = frozenset({"model", "dataclass", "typed-dict"})
"""Core-schema nodes that carry their own config (and so their own `extra` and `allow_inf_nan`)."""


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
        node,
        serialization=core_schema.plain_serializer_function_ser_schema(_b64encode, when_used="json"),
    )


def _whole_number(value: Any) -> Any:
    """`3.0` read where an int is declared: the integer it spells (JSON Schema's integers); anything else unchanged."""
    if type(value) is float and value.is_integer():
        return int(value)
    return value


def _wire_schema(node: Any, config: dict[str, Any] | None = None) -> Any:
    """A copy of a core schema as it travels: `bytes` as base64, whole numbers as ints, classes closed
    to unknown fields and floats finite, except where the class's own `config` (the nearest enclosing one) says otherwise."""
    if isinstance(node, list):
        return [_wire_schema(value, config) for value in node]
    if not isinstance(node, dict):
        return node
    kind = node.get("type")
    if kind == "bytes":
        return _base64_bytes(node)
    if kind == "int":
        return core_schema.no_info_before_validator_function(_whole_number, node)
    if kind in _CLASSES and not node.get("root_model"):
        own = dict(node.get("config") or {})
        own.setdefault("extra_fields_behavior", "forbid")
        node = {**node, "config": own}
        config = own
    if kind == "float" and "allow_inf_nan" not in node and "allow_inf_nan" not in (config or {}):
        node = {**node, "allow_inf_nan": False}
    return {key: value if key == "config" else _wire_schema(value, config) for key, value in node.items()}


class _WireJsonSchema(GenerateJsonSchema):
    """Documents what the codec accepts: `bytes` as base64 strings, classes closed to unknown fields."""

    def bytes_schema(self, schema: core_schema.BytesSchema) -> JsonSchemaValue:
        out = super().bytes_schema(schema)
        out["format"] = "base64"
        out["contentEncoding"] = "base64"
        return out

    def dataclass_schema(self, schema: core_schema.DataclassSchema) -> JsonSchemaValue:
        return _closed(super().dataclass_schema(schema), schema)

    def model_schema(self, schema: core_schema.ModelSchema) -> JsonSchemaValue:
        return _closed(super().model_schema(schema), schema)

    def typed_dict_schema(self, schema: core_schema.TypedDictSchema) -> JsonSchemaValue:
        return _closed(super().typed_dict_schema(schema), schema)


def _closed(json_schema: JsonSchemaValue, schema: Any) -> JsonSchemaValue:
    explicit = "extra_fields_behavior" in (schema.get("config") or {}) or "extra_behavior" in schema
    if not explicit and not schema.get("root_model") and json_schema.get("type") == "object":
        json_schema["additionalProperties"] = False
    return json_schema


class Codec(Generic[T]):
    """Encodes values of one type to JSON bytes, and validates JSON (strictly) or Python values back."""

    def __init__(self, tp: type[T]) -> None:
        self.type = tp
        self._adapter: TypeAdapter[T] = TypeAdapter(tp)
        schema = _wire_schema(self._adapter.core_schema)
        self._validator = SchemaValidator(schema)
        self._serializer = SchemaSerializer(schema)

    def encode(self, value: T) -> bytes:
        """JSON bytes of `value`, which must already be of the codec's type."""
        return self._serializer.to_json(value)

    def to_jsonable(self, value: T) -> Any:
        """JSON-compatible Python data (dicts, lists, str, ...) of `value`."""
        return self._serializer.to_python(value, mode="json")

    def decode(self, data: bytes | str) -> T:
        """Validate JSON text strictly (see the module docstring) into the codec's type; raises
        `WireValidationError` naming each bad field."""
        try:
            value: T = self._validator.validate_json(data, strict=True)
        except PydanticValidationError as err:
            raise WireValidationError(self.type, _field_errors(err)) from None
        return value

    def validate(self, value: Any) -> T:
        """Validate a Python value (an instance, or a dict of its fields) into the codec's type."""
        try:
            valid: T = self._validator.validate_python(value)
        except PydanticValidationError as err:
            raise WireValidationError(self.type, _field_errors(err)) from None
        return valid

    def json_schema(self, ref_template: str = "#/$defs/{model}") -> dict[str, Any]:
        return self._adapter.json_schema(ref_template=ref_template, schema_generator=_WireJsonSchema)


_MESSAGES = {"unexpected_keyword_argument": "Unknown field: the type has no field of this name"}
"""Clearer words for pydantic messages that name its internals (a dataclass's unknown field is an "argument")."""


def _field_errors(err: PydanticValidationError) -> list[FieldError]:
    return [
        FieldError(
            loc=tuple(str(part) for part in e["loc"]),
            msg=_MESSAGES.get(e["type"], e["msg"]),
            type=e["type"],
        )
        for e in err.errors(include_url=False, include_input=False)
    ]
