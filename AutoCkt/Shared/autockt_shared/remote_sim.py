"""
# Run an Hdl21 `Sim` on the server: the client side of `simulate_on_the_server`

`run_on_the_server(sim)` returns what `sim.run(SimOptions(fmt=ResultFormat.SIM_DATA))`
returns locally, a vlsirtools `SimResult`, so a notebook changes one line. It goes through the
configured client like every Rpc (`discovery_client.client_start()`), or runs in-process
where the server package is imported. Name the server's devices with
`autockt_shared.devices` (`offered_device`, from `simulation_offer`) and leave out model
includes: the server adds its PDK's models at the process corner `corner` names (`tt` by
default; the offer lists them).

vlsirtools converts results to protobuf but not back (its `sim_data` says "TODO"), so the
conversion back lives here. Needs the `hdl21` extra: `pip install 'cktgym-autockt-shared[hdl21]'`.
"""

from __future__ import annotations

from .vlsir_sim import HDL21_EXTRA, SimInputBinary, VlsirProtoBufKind, simulate_on_the_server

try:
    import numpy as np
    import vlsir.spice_pb2 as vsp
    from hdl21.sim import Sim, to_proto
    from vlsirtools.spice import sim_data as sd
except ImportError as err:
    raise ImportError(f"autockt_shared.remote_sim needs Hdl21 and vlsirtools: {HDL21_EXTRA}") from err


def run_on_the_server(sim: Sim, corner: str = "tt") -> sd.SimResult:
    """Simulate `sim` with the server's simulator and models; results as `sim.run` gives them."""
    binary = simulate_on_the_server(sim_input_binary(sim, corner))
    if binary.kind != VlsirProtoBufKind.SIM_RESULT:
        raise ValueError(f"simulate_on_the_server answered a {binary.kind.value}, not a sim_result")
    result = vsp.SimResult()
    result.ParseFromString(binary.proto_bytes)
    return sim_result_from_proto(result)


def sim_input_binary(sim: Sim, corner: str = "tt") -> SimInputBinary:
    """`sim` as the `simulate_on_the_server` input: its VLSIR SimInput, serialized."""
    return SimInputBinary(proto_bytes=to_proto(sim).SerializeToString(), corner=corner)


def sim_result_from_proto(result: vsp.SimResult) -> sd.SimResult:
    """The vlsirtools `SimResult` of a VLSIR `SimResult` protobuf (op, ac and tran analyses)."""
    return sd.SimResult(an=[_analysis_result(an) for an in result.an])


def _analysis_result(an: vsp.AnalysisResult) -> sd.AnalysisResult:
    kind = an.WhichOneof("an")
    if kind == "op":
        return sd.OpResult(analysis_name=an.op.analysis_name, data=dict(zip(an.op.signals, an.op.data, strict=True)))
    if kind == "ac":
        values = np.array([complex(c.re, c.im) for c in an.ac.data], dtype=complex)
        return sd.AcResult(
            analysis_name=an.ac.analysis_name,
            freq=np.array(an.ac.freq, dtype=float),
            data=_by_signal(an.ac.signals, values),
            measurements=dict(an.ac.measurements),
        )
    if kind == "tran":
        return sd.TranResult(
            analysis_name=an.tran.analysis_name,
            data=_by_signal(an.tran.signals, np.array(an.tran.data, dtype=float)),
            measurements=dict(an.tran.measurements),
        )
    raise ValueError(f"cannot read a {kind!r} analysis result (op, ac and tran are supported)")


def _by_signal(signals: list[str], values: np.ndarray) -> dict[str, np.ndarray]:
    """vlsirtools flattens vectors signal after signal, each of the same length."""
    if not signals:
        return {}
    points, rest = divmod(len(values), len(signals))
    if rest:
        raise ValueError(f"{len(values)} values do not split into {len(signals)} vectors of equal length")
    return {name: values[i * points : (i + 1) * points] for i, name in enumerate(signals)}
