"""The wire codec: exact round trips of nested values, floats and bytes; fingerprints."""

from __future__ import annotations

import json
import random
import struct

import pytest
from discovery_shared import Codec, Rpc, WireValidationError, registry
from pydantic.dataclasses import dataclass

from tests.discovery.types import Drawing, drawing, nested


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
