"""`Rpc(usage_field=...)`: which output field counts a call's work, checked where the Rpc is defined."""

from __future__ import annotations

import pytest
from pydantic.dataclasses import dataclass

from discovery_shared import Rpc, RpcDefinitionError, registry


@dataclass
class Design:
    w: float


@dataclass
class Evaluated:
    gain: float
    simulations: int


def test_a_declared_field_counts_the_work_and_calls_count_one_each() -> None:
    counted = Rpc("t_usage_counted", Design, Evaluated, usage_field="simulations")
    plain = Rpc("t_usage_plain", Design, Evaluated)
    try:
        assert counted.usage_of(Evaluated(gain=1.0, simulations=17)) == 17 and counted.usage_unit == "simulations"
        assert plain.usage_of(Evaluated(gain=1.0, simulations=17)) == 1 and plain.usage_unit == "calls"
    finally:
        registry.remove(counted.name)
        registry.remove(plain.name)


@pytest.mark.parametrize("field", ["gain", "runs"])
def test_a_field_that_is_no_int_of_the_output_is_refused_naming_it(field: str) -> None:
    with pytest.raises(RpcDefinitionError, match=f"usage_field '{field}' must name an int field of its return type Evaluated"):
        Rpc("t_usage_bad", Design, Evaluated, usage_field=field)
    assert registry.get("t_usage_bad") is None
