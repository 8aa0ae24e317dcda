"""The wire codec: exact round trips of nested values, floats and bytes; strict decoding; fingerprints."""

from __future__ import annotations

import datetime
import enum
import json
import random
import struct

import pytest
from pydantic import ConfigDict
from pydantic.dataclasses import dataclass

from discovery_shared import Codec, Rpc, WireValidationError, registry
from tests.discovery.types import Drawing, Point, drawing, nested


def test_nested_value_round_trips_exactly() -> None:
    codec = Codec(Drawing)
    value = drawing()
    assert codec.decode(codec.encode(value)) == value


def test_bytes_travel_as_base64_text() -> None:
    wire = json.loads(Codec(Drawing).encode(drawing()))
    assert isinstance(wire["blobs"][0]["data"], str)
    with pytest.raises(WireValidationError, match="base64"):
        Codec(Drawing).decode(json.dumps({**wire, "blobs": [{"data": "not base64!", "scale": 1.0}]}))


@dataclass
class Floats:
    values: list[float]


def test_every_finite_float_round_trips_bit_for_bit() -> None:
    rng = random.Random(7)
    values = []
    while len(values) < 5000:
        (f,) = struct.unpack("<d", rng.getrandbits(64).to_bytes(8, "little"))
        if f == f and abs(f) != float("inf"):
            values.append(f)
    codec = Codec(Floats)
    back = codec.decode(codec.encode(Floats(values=values))).values
    assert [struct.pack("<d", v) for v in back] == [struct.pack("<d", v) for v in values]


def test_validation_errors_name_each_field() -> None:
    bad = {"name": "d", "shape": "triangle", "corners": [{"x": 1.0}], "span": [1, 2.0], "blobs": []}
    with pytest.raises(WireValidationError) as info:
        Codec(Drawing).decode(json.dumps(bad))
    locs = {e.loc for e in info.value.errors}
    assert locs == {("shape",), ("corners", "0", "y")}


def test_fingerprint_is_stable_and_follows_the_schema() -> None:
    @dataclass
    class V1:
        a: int

    @dataclass
    class V2:
        a: int
        b: int = 0

    first = Rpc("t_fp_stable", V1, V1)
    registry.remove("t_fp_stable")
    again = Rpc("t_fp_stable", V1, V1)
    registry.remove("t_fp_stable")
    changed = Rpc("t_fp_stable", V2, V1)
    registry.remove("t_fp_stable")
    assert first.fingerprint == again.fingerprint != changed.fingerprint
    assert nested.fingerprint != first.fingerprint


def _refused(codec: Codec, wire: dict) -> list[tuple[tuple[str, ...], str]]:
    with pytest.raises(WireValidationError) as info:
        codec.decode(json.dumps(wire))
    return [(e.loc, e.type) for e in info.value.errors]


def test_json_is_decoded_strictly() -> None:
    codec = Codec(Drawing)
    wire = json.loads(codec.encode(drawing()))
    assert _refused(codec, {**wire, "count": True}) == [(("count",), "int_type")]  # no bool for an int
    assert _refused(codec, {**wire, "count": "2"}) == [(("count",), "int_type")]  # no string for a number
    assert _refused(codec, {**wire, "count": 2.5}) == [(("count",), "int_type")]  # no fraction for an int
    assert codec.decode(json.dumps({**wire, "count": 7.0})).count == 7  # 7.0 is 7, in JSON Schema too
    assert _refused(codec, {**wire, "corners": [{"x": False, "y": 1.0}]}) == [(("corners", "0", "x"), "float_type")]
    assert _refused(codec, {**wire, "name": 5}) == [(("name",), "string_type")]  # no number for a string
    assert codec.decode(json.dumps({**wire, "corners": [{"x": 1, "y": -2}]})).corners == [Point(x=1.0, y=-2.0)]


def test_unknown_fields_and_non_finite_floats_are_refused() -> None:
    codec = Codec(Drawing)
    wire = json.loads(codec.encode(drawing()))
    assert _refused(codec, {**wire, "cuont": 3}) == [(("cuont",), "unexpected_keyword_argument")]
    assert _refused(codec, {**wire, "blobs": [{"data": "", "scale": 1.0, "extra": 0}]}) == [(("blobs", "0", "extra"), "extra_forbidden")]
    body = codec.encode(drawing()).replace(b'"y":1e-300', b'"y":NaN')
    with pytest.raises(WireValidationError, match="finite number"):
        codec.decode(body)
    with pytest.raises(WireValidationError, match="finite number"):
        codec.decode(body.replace(b"NaN", b"-Infinity"))
    with pytest.raises(WireValidationError, match="Unknown field"):
        Codec(Drawing).validate({**wire, "cuont": 3})  # a Python dict could not travel either


@dataclass(config=ConfigDict(extra="allow", allow_inf_nan=True))
class Open:
    x: float


class Kind(enum.IntEnum):
    ONE = 1
    TWO = 2


@dataclass
class Everything:
    kind: Kind
    when: datetime.datetime
    tags: frozenset[str]
    pairs: tuple[tuple[int, float], ...]
    raw: bytes
    maybe: int | None = None


def test_a_types_own_config_is_kept_and_strict_mode_keeps_every_json_spelling() -> None:
    opened = Codec(Open).decode('{"x": NaN, "note": "kept"}')
    assert opened.x != opened.x  # NaN, as its config allows
    assert Codec(Open).json_schema()["additionalProperties"] is True
    value = Codec(Everything).decode(
        '{"kind": 2, "when": "2024-05-01T12:00:00Z", "tags": ["a", "b"], "pairs": [[1, 2], [3, 4.5]], "raw": "AAH/", "maybe": null}'
    )
    assert (value.kind, value.when.year, value.tags, value.pairs, value.raw) == (
        Kind.TWO,
        2024,
        {"a", "b"},
        ((1, 2.0), (3, 4.5)),
        b"\x00\x01\xff",
    )
    assert Codec(Everything).decode(Codec(Everything).encode(value)) == value


def test_the_json_schema_says_what_the_codec_accepts() -> None:
    schema = Codec(Drawing).json_schema()
    assert schema["additionalProperties"] is False
    assert all(d.get("additionalProperties") is False for d in schema["$defs"].values() if d.get("type") == "object")
    assert schema["properties"]["count"]["type"] == "integer"
    assert Codec(dict[str, int]).json_schema() == {"type": "object", "additionalProperties": {"type": "integer"}}
