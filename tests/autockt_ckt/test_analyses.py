"""Benches with every kind of analysis, several of one kind: both engines, closed forms, refusals."""

from __future__ import annotations

import math
import subprocess
from pathlib import Path

import hdl21 as h
import hdl21.sim as hs
import numpy as np
import pytest

from autockt_ckt.engine import Bench, NgspiceSubprocessEngine, SimResult, SimulationFailed, TranResult, read_raw
from autockt_ckt.libngspice_engine import LibngspiceEngine
from autockt_ckt.pdk import nmos, pmos, sized
from autockt_ckt.settings import SHIPPED_MODEL_PATH
from autockt_ckt.waveforms import average, first_crossing

C = 1e-12
R_DIVIDER = 3e3
T_STEP = 1e-9
T_RISE = 100e-12
"""When the pulse source starts its ramp from 0 to 1 V, T_RISE long."""


def rc_testbench() -> h.Module:
    """A 1 V ramp (and a 1 V AC stimulus, and a DC-swept source, in series) into an RC low-pass
    `rc` (R = parameter `rr`) and a divider `div` (`rr` over 3 kOhm)."""
    tb = h.Module(name="rc_tb")
    tb.VSS = h.Port()
    tb.step, tb.inp, tb.rc, tb.div = h.Signals(4)
    tb.vstep = h.Vpulse(v1=0, v2=1, delay=T_STEP, rise=T_RISE, fall=T_RISE, width=1, period=2)(p=tb.step, n=tb.VSS)
    tb.vin = h.Vdc(dc=0, ac=1)(p=tb.inp, n=tb.step)
    tb.r = h.Res(r=h.Literal("{rr}"))(p=tb.inp, n=tb.rc)
    tb.c = h.Cap(c=C)(p=tb.rc, n=tb.VSS)
    tb.rtop = h.Res(r=h.Literal("{rr}"))(p=tb.inp, n=tb.div)
    tb.rbottom = h.Res(r=R_DIVIDER)(p=tb.div, n=tb.VSS)
    return tb


RC = Bench(
    name="rc",
    sim=hs.Sim(
        tb=rc_testbench(),
        attrs=[
            hs.Param(name="rr", val=1e3),
            hs.Tran(tstop=10e-9, tstep=10e-12, name="fine"),  # declared before `op`, run after it
            hs.Op(name="op"),
            hs.Dc(var="v.xtop.vvin", sweep=hs.LinearSweep(-1.0, 1.0, 0.25), name="sweep"),
            hs.Ac(sweep=hs.LogSweep(1e6, 1e12, 10), name="ac"),
            hs.Tran(tstop=4e-9, tstep=100e-12, name="coarse"),
        ],
    ),
    params=("rr",),
)


@h.module
class Inverter:
    VDD, VSS = h.Inouts(2)
    inp = h.Input()
    out = h.Output()
    n = sized(nmos, "mn")(d=out, g=inp, s=VSS, b=VSS)
    p = sized(pmos, "mp")(d=out, g=inp, s=VDD, b=VDD)


@h.module
class PmosFirstInverter:
    """The same inverter, its PMOS first: ngspice then meets (and checks) the models in the other order."""

    VDD, VSS = h.Inouts(2)
    inp = h.Input()
    out = h.Output()
    p = sized(pmos, "mp")(d=out, g=inp, s=VDD, b=VDD)
    n = sized(nmos, "mn")(d=out, g=inp, s=VSS, b=VSS)


def inverter_bench(dut: h.Module = Inverter, name: str = "inverter") -> Bench:
    tb = h.Module(name=f"{name}_tb")
    tb.VSS = h.Port()
    tb.VDD, tb.pulse, tb.inp, tb.out = h.Signals(4)
    tb.vdd = h.Vdc(dc=1.2)(p=tb.VDD, n=tb.VSS)
    tb.vpulse = h.Vpulse(v1=0, v2=1.2, delay=0.1e-9, rise=20e-12, fall=20e-12, width=0.5e-9, period=1e-9)(p=tb.pulse, n=tb.VSS)
    tb.vin = h.Vdc(dc=0)(p=tb.inp, n=tb.pulse)
    tb.cl = h.Cap(c=5e-15)(p=tb.out, n=tb.VSS)
    tb.dut = dut(VDD=tb.VDD, VSS=tb.VSS, inp=tb.inp, out=tb.out)
    attrs = [
        hs.Include(SHIPPED_MODEL_PATH),
        hs.Options(name="num_threads", value=1),
        hs.Param(name="mn", val=1),
        hs.Param(name="mp", val=2),
        hs.Op(name="op"),
        hs.Dc(var="v.xtop.vvin", sweep=hs.LinearSweep(0, 1.2, 0.05), name="vtc"),
        hs.Tran(tstop=2.1e-9, tstep=2e-12, name="tran"),
    ]
    return Bench(name=name, sim=hs.Sim(tb=tb, attrs=attrs), params=("mn", "mp"))


INVERTER = inverter_bench()
PMOS_FIRST = inverter_bench(PmosFirstInverter, "pmos_first")


@pytest.fixture(scope="module")
def engines(tmp_path_factory: pytest.TempPathFactory) -> tuple[NgspiceSubprocessEngine, LibngspiceEngine]:
    run_dir = tmp_path_factory.mktemp("analyses")
    return NgspiceSubprocessEngine(run_dir=run_dir / "subprocess"), LibngspiceEngine(run_dir=run_dir)


def assert_identical(a: SimResult, b: SimResult) -> None:
    """The same analyses, vectors, scales (frequencies, sweep values, time points) and values, bit for bit."""
    assert list(a.analyses) == list(b.analyses)
    for name, x in a.analyses.items():
        y = b.analyses[name]
        assert type(x) is type(y) and set(x.values) == set(y.values), name
        for scale in ("freq", "sweep", "time"):
            if hasattr(x, scale):
                np.testing.assert_array_equal(getattr(x, scale), getattr(y, scale), err_msg=f"{name}.{scale}")
        for key, values in x.values.items():
            np.testing.assert_array_equal(values, y.values[key], err_msg=f"{name} {key}")


@pytest.mark.parametrize("rr", [1e3, 2.5e3])
def test_rc_network_matches_its_closed_forms_on_both_engines(rr: float, engines: tuple[NgspiceSubprocessEngine, LibngspiceEngine]) -> None:
    subprocess_result, in_process = (engine.run(RC, {"rr": rr}) for engine in engines)
    assert_identical(subprocess_result, in_process)
    result = in_process
    assert list(result.analyses) == ["ac", "sweep", "op", "coarse", "fine"]  # ngspice's run order
    divider = R_DIVIDER / (rr + R_DIVIDER)

    op = result.op()
    assert op["v(xtop.rc)"] == 0.0 and op["v(xtop.div)"] == 0.0  # the pulse starts at 0 V

    sweep = result.dc("sweep")
    np.testing.assert_allclose(sweep.sweep, np.arange(-1.0, 1.01, 0.25), rtol=0, atol=1e-12)
    np.testing.assert_allclose(sweep.values["v(xtop.div)"], divider * sweep.sweep, rtol=1e-9, atol=1e-15)
    np.testing.assert_allclose(sweep.values["v(xtop.rc)"], sweep.sweep, rtol=1e-9, atol=1e-15)  # no DC current into C
    supply = -sweep.values["i(v.xtop.vvin)"]
    np.testing.assert_allclose(supply, sweep.sweep / (rr + R_DIVIDER), rtol=1e-9, atol=1e-18)

    ac = result.ac()
    assert ac.freq[0] == pytest.approx(1e6) and ac.freq[-1] == pytest.approx(1e12) and ac.freq.size == 61
    expected = 1 / (1 + 2j * math.pi * ac.freq * rr * C)
    np.testing.assert_allclose(ac.values["v(xtop.rc)"], expected, rtol=1e-9)
    np.testing.assert_allclose(ac.values["v(xtop.div)"], divider, rtol=1e-9)

    tau = rr * C
    half_way = T_STEP + tau * math.log(2 * tau / T_RISE * math.expm1(T_RISE / tau))  # after the ramp: 0.74 tau for 1 ns
    for name, tstop, tstep, error in (("fine", 10e-9, 10e-12, 3e-4), ("coarse", 4e-9, 100e-12, 1e-2)):
        tran = result.tran(name)
        assert tran.time[0] == 0.0 and tran.time[-1] == pytest.approx(tstop, rel=1e-12)
        assert np.max(np.diff(tran.time)) <= tstep * (1 + 1e-9)  # tstep bounds ngspice's step
        v_rc = tran.values["v(xtop.rc)"]
        assert np.max(np.abs(v_rc - ramp_response(tran.time, tau))) < error  # ngspice's integration error, larger at 10x the step
        half = first_crossing(tran.time, v_rc, 0.5, "rise")
        assert half is not None and half == pytest.approx(half_way, rel=error)
    assert result.tran("fine").time.size > 10 * result.tran("coarse").time.size
    assert np.max(np.diff(result.tran("coarse").time)) > 4e-9 / 50  # tstep bounds the step, not ngspice's default tstop / 50


def ramp_response(t: np.ndarray, tau: float) -> np.ndarray:
    """The RC low-pass's response to the source's 0 -> 1 V ramp from T_STEP, T_RISE long."""
    x = np.clip(t - T_STEP, 0.0, None)
    during = (x - tau * -np.expm1(-x / tau)) / T_RISE
    after = 1 - tau / T_RISE * math.expm1(T_RISE / tau) * np.exp(-x / tau)
    return np.where(x <= T_RISE, during, after)


def test_an_inverter_of_the_pdk_devices_is_bit_identical_on_both_engines(
    engines: tuple[NgspiceSubprocessEngine, LibngspiceEngine],
) -> None:
    for values in ({"mn": 1, "mp": 2}, {"mn": 3, "mp": 1.5}):
        subprocess_result, in_process = (engine.run(INVERTER, values) for engine in engines)
        assert_identical(subprocess_result, in_process)
    vtc = in_process.dc("vtc")
    out = vtc.values["v(xtop.out)"]
    assert out[0] == pytest.approx(1.2, abs=0.01) and out[-1] == pytest.approx(0.0, abs=0.01)  # rail to rail, but for leakage
    switching = first_crossing(vtc.sweep, out, 0.6, "fall")  # the waveform functions take any scale
    assert switching is not None and 0.3 < switching < 0.9
    assert first_crossing(vtc.sweep, out, 0.6, "fall", after=switching + 1e-9) is None  # falls once
    tran = in_process.tran("tran")
    t, v_in, v_out = tran.time, tran.values["v(xtop.inp)"], tran.values["v(xtop.out)"]
    rise_in = first_crossing(t, v_in, 0.6, "rise")
    fall_out = first_crossing(t, v_out, 0.6, "fall", after=0.1e-9)
    assert rise_in is not None and fall_out is not None and 0 < fall_out - rise_in < 50e-12
    power = 1.2 * -average(t, tran.values["i(v.xtop.vvdd)"], 0.1e-9, 2.1e-9)  # two whole cycles
    assert 0 < power < 1e-4


def test_benches_alternating_on_one_library_give_the_subprocess_results(engines: tuple[NgspiceSubprocessEngine, LibngspiceEngine]) -> None:
    """A bench that replaces the loaded one is loaded with its values; one that stays, altered."""
    reference, in_process = engines
    expected = {rr: reference.run(RC, {"rr": rr}) for rr in (1e3, 2.5e3)}
    inverter = reference.run(INVERTER, {"mn": 2, "mp": 3})
    for rr in (2.5e3, 1e3, 2.5e3):
        assert_identical(in_process.run(INVERTER, {"mn": 2, "mp": 3}), inverter)
        assert_identical(in_process.run(RC, {"rr": rr}), expected[rr])  # loaded with rr
        other = 1e3 if rr == 2.5e3 else 2.5e3
        assert_identical(in_process.run(RC, {"rr": other}), expected[other])  # altered to the other value


def test_a_bench_that_meets_the_models_in_the_other_order_is_primed(engines: tuple[NgspiceSubprocessEngine, LibngspiceEngine]) -> None:
    """BSIM4.5 checks (and clamps) a model only if it is not the one it checked last: a bench
    starting with the previous bench's last model would run it unchecked (libngspice_engine)."""
    reference, in_process = engines
    values = {"mn": 2, "mp": 3}
    expected = {bench.name: reference.run(bench, values) for bench in (INVERTER, PMOS_FIRST)}
    for bench in (INVERTER, PMOS_FIRST, INVERTER, PMOS_FIRST, PMOS_FIRST):
        assert_identical(in_process.run(bench, values), expected[bench.name])


def test_results_are_found_by_name_and_kind(tmp_path: Path) -> None:
    result = read_raw_of_hand_netlist(tmp_path)
    assert isinstance(result.tran("fine"), TranResult)
    with pytest.raises(KeyError, match="no analysis named 'tran'"):
        result.tran("tran")
    with pytest.raises(TypeError, match="'fine' is a TranResult, not a DcResult"):
        result.dc("fine")


HAND_NETLIST = """* the RC bench written by hand
vstep step 0 pulse (0 1 1n 100p 100p 1 2)
vin inp step dc 0 ac 1
r inp rc 1k
c rc 0 1p
rtop inp div 1k
rbottom div 0 3k
.tran 10p 10n 0 10p
.op
.dc vin -1 1 0.25
.ac dec 10 1meg 1t
.tran 100p 4n 0 100p
.end
"""


def read_raw_of_hand_netlist(workdir: Path) -> SimResult:
    (workdir / "hand.sp").write_text(HAND_NETLIST)
    subprocess.run(["ngspice", "-b", "hand.sp", "-r", "hand.raw"], cwd=workdir, check=True, capture_output=True)
    return read_raw(workdir / "hand.raw", RC.run_order)


def test_a_hand_written_netlist_read_back_agrees_with_the_served_bench(
    engines: tuple[NgspiceSubprocessEngine, LibngspiceEngine], tmp_path: Path
) -> None:
    by_hand, served = read_raw_of_hand_netlist(tmp_path), engines[1].run(RC, {"rr": 1e3})
    for name in ("fine", "coarse"):
        # the same points; "1n" in the hand netlist and "1E-9" in Hdl21's differ in the last bit
        np.testing.assert_allclose(by_hand.tran(name).time, served.tran(name).time, rtol=1e-12)
        np.testing.assert_allclose(by_hand.tran(name).values["v(rc)"], served.tran(name).values["v(xtop.rc)"], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(by_hand.dc("sweep").values["v(div)"], served.dc("sweep").values["v(xtop.div)"], rtol=1e-12)
    np.testing.assert_allclose(by_hand.ac().values["v(rc)"], served.ac().values["v(xtop.rc)"], rtol=1e-12)


def analyses_bench(*analyses: object) -> Bench:
    return Bench(name="bad", sim=hs.Sim(tb=rc_testbench(), attrs=[hs.Param(name="rr", val=1e3), *analyses]), params=("rr",))


@pytest.mark.parametrize(
    ("analyses", "message"),
    [
        ((hs.Dc(var="rr", sweep=hs.LinearSweep(1e3, 2e3, 1e3), name="dc"),), "cannot sweep the parameter 'rr'"),
        ((hs.Dc(var=hs.Param(name="rr", val=1), sweep=hs.LinearSweep(1, 2, 1), name="dc"),), "cannot sweep the parameter"),
        ((hs.Dc(var="v.xtop.vvin", sweep=hs.PointSweep(points=[0, 1]), name="dc"),), "LinearSweep"),
        ((hs.Op(),), "needs a name"),
        ((hs.Op(name="x"), hs.Tran(tstop=1e-9, tstep=1e-12, name="x")), "unique"),
        ((hs.Tran(tstop=1e-9, name="t"),), "needs a tstep"),
        ((hs.Noise(output="rc", input_source="vin", sweep=hs.LogSweep(1, 10, 1), name="n"),), "Noise is not supported"),
    ],
)
def test_a_bench_refuses_what_the_engines_cannot_run(analyses: tuple[object, ...], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        analyses_bench(*analyses)


def test_a_source_that_is_not_in_the_circuit_fails_the_run(engines: tuple[NgspiceSubprocessEngine, LibngspiceEngine]) -> None:
    bench = analyses_bench(hs.Op(name="op"), hs.Dc(var="v.xtop.vnothere", sweep=hs.LinearSweep(0, 1, 0.5), name="dc"))
    for engine in engines:
        with pytest.raises(SimulationFailed, match='"v.xtop.vnothere" is not in the circuit'):
            engine.run(bench, {"rr": 1e3})


def test_an_initial_condition_given_as_a_literal_starts_the_transient(engines: tuple[NgspiceSubprocessEngine, LibngspiceEngine]) -> None:
    """Hdl21's `Tran` has no initial conditions; `.ic` (flattened node names) does it, on both engines."""
    attrs = [hs.Param(name="rr", val=1e3), hs.Literal(".ic v(xtop.rc)=0.7"), hs.Tran(tstop=0.5e-9, tstep=10e-12, name="discharge")]
    bench = Bench(name="rc_ic", sim=hs.Sim(tb=rc_testbench(), attrs=attrs), params=("rr",))
    subprocess_result, in_process = (engine.run(bench, {"rr": 1e3}) for engine in engines)
    assert_identical(subprocess_result, in_process)
    tran = in_process.tran("discharge")  # the source is at 0 V until T_STEP: C discharges through R
    np.testing.assert_allclose(tran.values["v(xtop.rc)"], 0.7 * np.exp(-tran.time / (1e3 * C)), rtol=1e-4)
